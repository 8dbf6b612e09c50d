//! Importer of Wikidata JSON dumps (`latest-all.json`, plain, `.gz` or `.bz2`) into a gazetteer TSV.
//!
//! The dump is one JSON array with one entity per line: line 1 is `[`, every entity line but the last
//! ends with `,`, the last line is `]`. [`import_wikidata`] reads it line by line on one thread,
//! parses and converts batches of [`WikidataImportOptions::batch_lines`] lines on a rayon pool, and
//! writes the rows of each batch in input order, so the output is byte-identical for any number of
//! threads and memory is bounded by a few batches (the dump is never held in memory). JSON Lines
//! without the brackets and commas are read too.
//!
//! Output: the gazetteer format of `gazetteers/README.md`, columns
//! `entity_id name type lang kind prior attributes`, one row per (entity, name, language):
//! - `kind` is `canonical` for one label (see [`import_wikidata`]), `label` for the other labels and
//!   `alias` for aliases; an alias equal to a label or an earlier alias of the same entity in the same
//!   language is dropped (counted in [`ImportStats::duplicate_names`]);
//! - rows of an entity: the canonical row, then the other labels by language code, then the aliases by
//!   language code and in dump order;
//! - `type` from the first `instance of` (P31) value in claim order that [`P31_CLASSES`] maps
//!   (deprecated-rank statements are ignored);
//! - `prior` is the number of sitelinks, repeated on every row; `attributes`
//!   (`sitelinks=N; p31=Q…`) is filled on the first row of the entity only, as in the default gazetteer;
//! - `lang` is the Wikidata language code as written (`en`, `de`, `en-gb`, `zh-hant`, `mul`, …).
//!
//! Only items (`Q…`) are imported: properties, lexemes and other entity types are skipped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, OnceLock};

use rayon::prelude::*;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The entity types a gazetteer row may have.
pub const ENTITY_TYPES: [&str; 7] = ["PER", "ORG", "LOC", "GPE", "EVT", "PRO", "MISC"];

/// Header of the gazetteer TSV written by [`import_wikidata`].
pub const GAZETTEER_HEADER: &str = "entity_id\tname\ttype\tlang\tkind\tprior\tattributes";

/// Wikidata classes (values of `instance of`, P31) and the gazetteer type of their instances:
/// `(class QID, type, English label of the class)`. These QIDs are constants of the Wikidata ontology.
/// Only direct P31 values are looked up (no `subclass of` closure, which would need the whole dump);
/// the table therefore lists the common direct classes of people, organisations, places, events and
/// works. Decisions: settlements, countries and administrative units are `GPE`; natural features,
/// regions without a government and buildings/structures are `LOC`; newspapers and magazines are `ORG`
/// (as publishers), museums and hospitals `ORG` (as institutions).
pub const P31_CLASSES: &[(&str, &str, &str)] = &[
    // People.
    ("Q5", "PER", "human"),
    // Organisations.
    ("Q43229", "ORG", "organization"),
    ("Q4830453", "ORG", "business"),
    ("Q783794", "ORG", "company"),
    ("Q6881511", "ORG", "enterprise"),
    ("Q891723", "ORG", "public company"),
    ("Q167037", "ORG", "corporation"),
    ("Q658255", "ORG", "subsidiary"),
    ("Q7278", "ORG", "political party"),
    ("Q7210356", "ORG", "political organization"),
    ("Q17149090", "ORG", "armed organization"),
    ("Q484652", "ORG", "international organization"),
    ("Q245065", "ORG", "intergovernmental organization"),
    ("Q79913", "ORG", "non-governmental organization"),
    ("Q163740", "ORG", "nonprofit organization"),
    ("Q1331793", "ORG", "media company"),
    ("Q11032", "ORG", "newspaper"),
    ("Q41298", "ORG", "magazine"),
    ("Q1616075", "ORG", "television station"),
    ("Q14350", "ORG", "radio station"),
    ("Q2085381", "ORG", "publisher"),
    ("Q18127", "ORG", "record label"),
    ("Q7188", "ORG", "government"),
    ("Q327333", "ORG", "government agency"),
    ("Q2659904", "ORG", "government organization"),
    ("Q35535", "ORG", "police"),
    ("Q8473", "ORG", "military"),
    ("Q176799", "ORG", "military unit"),
    ("Q1127126", "ORG", "military alliance"),
    ("Q3918", "ORG", "university"),
    ("Q3914", "ORG", "school"),
    ("Q31855", "ORG", "research institute"),
    ("Q33506", "ORG", "museum"),
    ("Q207694", "ORG", "art museum"),
    ("Q7075", "ORG", "library"),
    ("Q16917", "ORG", "hospital"),
    ("Q22687", "ORG", "bank"),
    ("Q46970", "ORG", "airline"),
    ("Q11691", "ORG", "stock exchange"),
    ("Q215380", "ORG", "musical group"),
    ("Q476028", "ORG", "association football club"),
    ("Q847017", "ORG", "sports club"),
    ("Q15911314", "ORG", "association"),
    // Geopolitical entities: countries, settlements, administrative units.
    ("Q6256", "GPE", "country"),
    ("Q3624078", "GPE", "sovereign state"),
    ("Q7275", "GPE", "state"),
    ("Q160016", "GPE", "member state of the United Nations"),
    ("Q185441", "GPE", "member state of the European Union"),
    ("Q202686", "GPE", "Commonwealth realm"),
    ("Q43702", "GPE", "federation"),
    ("Q179164", "GPE", "unitary state"),
    ("Q7270", "GPE", "republic"),
    ("Q41614", "GPE", "constitutional monarchy"),
    ("Q112099", "GPE", "island country"),
    ("Q123480", "GPE", "landlocked country"),
    ("Q3024240", "GPE", "historical country"),
    ("Q15634554", "GPE", "state with limited recognition"),
    ("Q161243", "GPE", "dependent territory"),
    ("Q46395", "GPE", "British overseas territory"),
    ("Q3336843", "GPE", "country of the United Kingdom"),
    ("Q107390", "GPE", "federated state"),
    ("Q35657", "GPE", "U.S. state"),
    ("Q1221156", "GPE", "state of Germany"),
    ("Q13390680", "GPE", "state of India"),
    ("Q835714", "GPE", "federal subject of Russia"),
    (
        "Q10864048",
        "GPE",
        "first-level administrative country subdivision",
    ),
    (
        "Q13220204",
        "GPE",
        "second-level administrative country subdivision",
    ),
    (
        "Q13221722",
        "GPE",
        "third-level administrative country subdivision",
    ),
    ("Q56061", "GPE", "administrative territorial entity"),
    ("Q34876", "GPE", "province"),
    ("Q28575", "GPE", "county"),
    ("Q47168", "GPE", "county of the United States"),
    ("Q6465", "GPE", "department of France"),
    ("Q515", "GPE", "city"),
    ("Q1549591", "GPE", "big city"),
    ("Q1637706", "GPE", "city with millions of inhabitants"),
    ("Q200250", "GPE", "metropolis"),
    ("Q5119", "GPE", "capital city"),
    ("Q1093829", "GPE", "city in the United States"),
    ("Q22865", "GPE", "independent city of Germany"),
    ("Q486972", "GPE", "human settlement"),
    ("Q3957", "GPE", "town"),
    ("Q532", "GPE", "village"),
    ("Q5084", "GPE", "hamlet"),
    ("Q15284", "GPE", "municipality"),
    ("Q262166", "GPE", "municipality of Germany"),
    ("Q42744322", "GPE", "urban municipality of Germany"),
    ("Q747074", "GPE", "comune of Italy"),
    ("Q484170", "GPE", "commune of France"),
    ("Q755707", "GPE", "municipality of Norway"),
    ("Q1840161", "GPE", "commune of Chile"),
    // Locations: natural features, regions, structures.
    ("Q8502", "LOC", "mountain"),
    ("Q46831", "LOC", "mountain range"),
    ("Q54050", "LOC", "hill"),
    ("Q8072", "LOC", "volcano"),
    ("Q4022", "LOC", "river"),
    ("Q47521", "LOC", "stream"),
    ("Q23397", "LOC", "lake"),
    ("Q15324", "LOC", "body of water"),
    ("Q165", "LOC", "sea"),
    ("Q9430", "LOC", "ocean"),
    ("Q1322134", "LOC", "gulf"),
    ("Q23442", "LOC", "island"),
    ("Q33837", "LOC", "archipelago"),
    ("Q34763", "LOC", "peninsula"),
    ("Q185113", "LOC", "cape"),
    ("Q40080", "LOC", "beach"),
    ("Q39816", "LOC", "valley"),
    ("Q8514", "LOC", "desert"),
    ("Q4421", "LOC", "forest"),
    ("Q5107", "LOC", "continent"),
    ("Q82794", "LOC", "geographic region"),
    ("Q1620908", "LOC", "historical region"),
    ("Q2221906", "LOC", "geographic location"),
    ("Q22698", "LOC", "park"),
    ("Q46169", "LOC", "national park"),
    ("Q41176", "LOC", "building"),
    ("Q811979", "LOC", "architectural structure"),
    ("Q13226383", "LOC", "facility"),
    ("Q12280", "LOC", "bridge"),
    ("Q1248784", "LOC", "airport"),
    ("Q44782", "LOC", "port"),
    ("Q55488", "LOC", "railway station"),
    ("Q483110", "LOC", "stadium"),
    ("Q34442", "LOC", "road"),
    ("Q16970", "LOC", "church building"),
    ("Q32815", "LOC", "mosque"),
    ("Q23413", "LOC", "castle"),
    ("Q39614", "LOC", "cemetery"),
    // Events.
    ("Q1190554", "EVT", "occurrence"),
    ("Q1656682", "EVT", "event"),
    ("Q13418847", "EVT", "historical event"),
    ("Q198", "EVT", "war"),
    ("Q8465", "EVT", "civil war"),
    ("Q178561", "EVT", "battle"),
    ("Q180684", "EVT", "conflict"),
    ("Q350604", "EVT", "armed conflict"),
    ("Q645883", "EVT", "military operation"),
    ("Q10931", "EVT", "revolution"),
    ("Q175331", "EVT", "demonstration"),
    ("Q2223653", "EVT", "terrorist attack"),
    ("Q3839081", "EVT", "disaster"),
    ("Q8065", "EVT", "natural disaster"),
    ("Q7944", "EVT", "earthquake"),
    ("Q12184", "EVT", "pandemic"),
    ("Q3241045", "EVT", "disease outbreak"),
    ("Q40231", "EVT", "election"),
    ("Q858439", "EVT", "presidential election"),
    ("Q2020153", "EVT", "academic conference"),
    ("Q132241", "EVT", "festival"),
    ("Q2627975", "EVT", "ceremony"),
    ("Q16510064", "EVT", "sporting event"),
    ("Q5389", "EVT", "Olympic Games"),
    // Products and works.
    ("Q2424752", "PRO", "product"),
    ("Q7725634", "PRO", "literary work"),
    ("Q47461344", "PRO", "written work"),
    ("Q571", "PRO", "book"),
    ("Q11424", "PRO", "film"),
    ("Q5398426", "PRO", "television series"),
    ("Q482994", "PRO", "album"),
    ("Q134556", "PRO", "single"),
    ("Q7366", "PRO", "song"),
    ("Q3305213", "PRO", "painting"),
    ("Q838948", "PRO", "work of art"),
    ("Q17537576", "PRO", "creative work"),
    ("Q7889", "PRO", "video game"),
    ("Q7397", "PRO", "software"),
    ("Q166142", "PRO", "application"),
    ("Q9135", "PRO", "operating system"),
    ("Q9143", "PRO", "programming language"),
    ("Q35127", "PRO", "website"),
    ("Q1420", "PRO", "motor car"),
];

/// The gazetteer type of instances of the Wikidata class `qid`, from [`P31_CLASSES`].
pub fn type_of_class(qid: &str) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE
        .get_or_init(|| P31_CLASSES.iter().map(|&(q, t, _)| (q, t)).collect())
        .get(qid)
        .copied()
}

/// Failures of an import. A malformed entity line is an error, not a skipped record: the importer
/// produces a gazetteer, and silently losing entities would be wrong.
#[derive(Debug, thiserror::Error)]
pub enum WikidataError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("writing the gazetteer: {source}")]
    Write {
        #[source]
        source: std::io::Error,
    },
    #[error("invalid import option: {message}")]
    InvalidOption { message: String },
}

/// Settings of [`import_wikidata`].
#[derive(Clone, Debug)]
pub struct WikidataImportOptions {
    /// Wikidata language codes of the labels and aliases to keep (`en`, `de`, `zh-hant`, `mul`, …);
    /// `None` keeps all.
    pub languages: Option<Vec<String>>,
    /// Gazetteer types to keep (`PER`, `ORG`, …, `MISC`); `None` keeps every mapped type (and `MISC` when
    /// `include_unmapped` is set).
    pub types: Option<Vec<String>>,
    /// Keep only items with at least this many sitelinks.
    pub min_sitelinks: u32,
    /// Keep items whose P31 maps to no type (or that have no P31), as `MISC`.
    pub include_unmapped: bool,
    /// Worker threads; 0 = one per available CPU.
    pub threads: usize,
    /// Lines per parallel batch; with the longest lines of a dump this bounds memory (about three
    /// batches are in memory at once).
    pub batch_lines: usize,
}

impl Default for WikidataImportOptions {
    fn default() -> Self {
        WikidataImportOptions {
            languages: None,
            types: None,
            min_sitelinks: 0,
            include_unmapped: false,
            threads: 0,
            batch_lines: 2048,
        }
    }
}

/// Progress of a running import, reported after every batch (and once at the end).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportProgress {
    /// Lines read so far, brackets included.
    pub lines: u64,
    /// Decompressed bytes read so far.
    pub bytes: u64,
    /// Bytes of the input file read so far (compressed bytes for `.gz`/`.bz2`): compare with
    /// `input_total` for a percentage.
    pub input_bytes: u64,
    /// Size of the input file (0 when unknown).
    pub input_total: u64,
    /// Entity lines parsed so far.
    pub entities: u64,
    /// Entities written so far.
    pub entities_written: u64,
    /// Rows written so far.
    pub rows_written: u64,
}

/// What a finished import reports. Every entity line is counted in exactly one of
/// `skipped_*` or `entities_written`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Lines read, brackets included.
    pub lines: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Entity lines parsed (items, properties, lexemes, …).
    pub entities: u64,
    /// Entities that are items.
    pub items: u64,
    /// Properties, lexemes and other non-items.
    pub skipped_non_items: u64,
    /// Items with fewer sitelinks than `min_sitelinks`.
    pub skipped_sitelinks: u64,
    /// Items whose P31 maps to no type, without `include_unmapped`.
    pub skipped_unmapped: u64,
    /// Items whose type is not in `types`.
    pub skipped_type: u64,
    /// Items without a usable label or alias in the chosen languages.
    pub skipped_no_names: u64,
    pub entities_written: u64,
    pub rows_written: u64,
    pub canonical_rows: u64,
    pub label_rows: u64,
    pub alias_rows: u64,
    /// Aliases dropped because the entity already has the same name in the same language.
    pub duplicate_names: u64,
    /// Labels and aliases dropped because they are empty after trimming.
    pub empty_names: u64,
    /// Entities written per type.
    pub by_type: BTreeMap<String, u64>,
}

/// Streams the Wikidata dump `input` (plain, gzip or bzip2, recognised by magic bytes or else by the
/// extension) and writes a gazetteer TSV with header [`GAZETTEER_HEADER`] to `output`.
///
/// The canonical row of an entity is its English label when English is among the chosen languages;
/// else the label in the first of `options.languages` (in the order given) that has one; with all
/// languages, the `mul` (default for all languages) label, else the first label in dump order. An item
/// with aliases but no label gets no canonical row.
///
/// `progress` is called on the calling thread after each batch; the library prints nothing. On an
/// error the rows of the batches before it have been written.
pub fn import_wikidata(
    input: &Path,
    output: &mut dyn Write,
    options: &WikidataImportOptions,
    progress: &dyn Fn(ImportProgress),
) -> Result<ImportStats, WikidataError> {
    let settings = Settings::new(options)?;
    let io_err = |source| WikidataError::Io {
        path: input.to_path_buf(),
        source,
    };
    let file = File::open(input).map_err(io_err)?;
    let input_total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let input_read = Arc::new(AtomicU64::new(0));
    let reader = open_decompressed(
        input,
        CountingReader {
            inner: file,
            count: Arc::clone(&input_read),
        },
    )
    .map_err(io_err)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .map_err(|e| WikidataError::InvalidOption {
            message: format!("cannot start {} worker threads: {e}", options.threads),
        })?;
    let batch_lines = options.batch_lines.max(1);
    let write_err = |source| WikidataError::Write { source };

    let mut stats = ImportStats::default();
    output
        .write_all(GAZETTEER_HEADER.as_bytes())
        .and_then(|()| output.write_all(b"\n"))
        .map_err(write_err)?;

    std::thread::scope(|scope| -> Result<(), WikidataError> {
        // The reader thread decompresses and splits lines while the pool parses the previous batch.
        let (sender, receiver) = mpsc::sync_channel::<std::io::Result<Batch>>(1);
        scope.spawn(move || read_batches(reader, batch_lines, sender));
        let mut out = String::new();
        for batch in receiver {
            let batch = batch.map_err(io_err)?;
            stats.lines = batch.lines_so_far;
            stats.bytes = batch.bytes_so_far;
            let results: Vec<Result<Outcome, WikidataError>> = pool.install(|| {
                batch
                    .lines
                    .par_iter()
                    .map(|&(line, start, end)| {
                        convert_line(&batch.data[start..end], &settings).map_err(|message| {
                            WikidataError::Parse {
                                path: input.to_path_buf(),
                                line,
                                message,
                            }
                        })
                    })
                    .collect()
            });
            out.clear();
            for result in results {
                let outcome = result?;
                stats.count(&outcome);
                if let Outcome::Written { text, .. } = outcome {
                    out.push_str(&text);
                }
            }
            output.write_all(out.as_bytes()).map_err(write_err)?;
            progress(ImportProgress {
                lines: stats.lines,
                bytes: stats.bytes,
                input_bytes: input_read.load(Ordering::Relaxed),
                input_total,
                entities: stats.entities,
                entities_written: stats.entities_written,
                rows_written: stats.rows_written,
            });
        }
        Ok(())
    })?;
    output.flush().map_err(write_err)?;
    Ok(stats)
}

/// Validated options.
struct Settings {
    languages: Option<Vec<String>>,
    types: Option<HashSet<&'static str>>,
    min_sitelinks: u32,
    include_unmapped: bool,
}

impl Settings {
    fn new(options: &WikidataImportOptions) -> Result<Self, WikidataError> {
        let languages = match &options.languages {
            None => None,
            Some(list) => {
                let mut out: Vec<String> = Vec::new();
                for lang in list {
                    let lang = lang.trim().to_ascii_lowercase();
                    if lang.is_empty() || lang.contains(['\t', '\n', '\r']) {
                        return Err(WikidataError::InvalidOption {
                            message: format!("bad language code {lang:?}"),
                        });
                    }
                    if !out.contains(&lang) {
                        out.push(lang);
                    }
                }
                Some(out)
            }
        };
        let types = match &options.types {
            None => None,
            Some(list) => {
                let mut set = HashSet::new();
                for t in list {
                    let upper = t.trim().to_ascii_uppercase();
                    let known = ENTITY_TYPES.iter().find(|&&k| k == upper).ok_or_else(|| {
                        WikidataError::InvalidOption {
                            message: format!(
                                "unknown entity type {t:?} (expected one of {})",
                                ENTITY_TYPES.join(", ")
                            ),
                        }
                    })?;
                    set.insert(*known);
                }
                Some(set)
            }
        };
        Ok(Settings {
            languages,
            types,
            min_sitelinks: options.min_sitelinks,
            include_unmapped: options.include_unmapped,
        })
    }

    fn wants_lang(&self, lang: &str) -> bool {
        self.languages
            .as_ref()
            .is_none_or(|l| l.iter().any(|x| x == lang))
    }
}

struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Wraps `raw` in a decompressor chosen by the magic bytes (gzip `1f 8b`, bzip2 `BZh`), else by the
/// extension of `path` (`.gz`, `.bz2`), else reads it as plain text.
fn open_decompressed<R: Read + Send + 'static>(
    path: &Path,
    raw: R,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    const BUF: usize = 1 << 16;
    let mut buffered = BufReader::with_capacity(BUF, raw);
    let magic = buffered.fill_buf()?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let bzip2 = magic.starts_with(b"BZh");
    let is_empty = magic.is_empty();
    Ok(if gzip || (is_empty && ext.as_deref() == Some("gz")) {
        Box::new(BufReader::with_capacity(
            BUF,
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))
    } else if bzip2 || (is_empty && ext.as_deref() == Some("bz2")) {
        Box::new(BufReader::with_capacity(
            BUF,
            bzip2::bufread::MultiBzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    })
}

/// One batch of lines: `(line number, start, end)` ranges into `data`, without line end and trailing
/// comma, brackets and blank lines left out.
struct Batch {
    data: Vec<u8>,
    lines: Vec<(u64, usize, usize)>,
    lines_so_far: u64,
    bytes_so_far: u64,
}

fn read_batches(
    mut reader: Box<dyn BufRead + Send>,
    batch_lines: usize,
    sender: mpsc::SyncSender<std::io::Result<Batch>>,
) {
    let mut line_no = 0u64;
    let mut bytes = 0u64;
    loop {
        let mut batch = Batch {
            data: Vec::new(),
            lines: Vec::with_capacity(batch_lines),
            lines_so_far: 0,
            bytes_so_far: 0,
        };
        let mut eof = false;
        while batch.lines.len() < batch_lines {
            let start = batch.data.len();
            match reader.read_until(b'\n', &mut batch.data) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => {
                    line_no += 1;
                    bytes += n as u64;
                    let (s, e) = entity_span(&batch.data[start..]);
                    if s == e {
                        batch.data.truncate(start);
                    } else {
                        batch.lines.push((line_no, start + s, start + e));
                    }
                }
                Err(e) => {
                    let _ = sender.send(Err(e));
                    return;
                }
            }
        }
        batch.lines_so_far = line_no;
        batch.bytes_so_far = bytes;
        if (!batch.lines.is_empty() || eof) && sender.send(Ok(batch)).is_err() {
            return; // the consumer stopped (an error)
        }
        if eof {
            return;
        }
    }
}

/// The span of the entity JSON in one line: whitespace, one trailing `,` and the array brackets
/// removed. An empty span means there is nothing to parse.
fn entity_span(line: &[u8]) -> (usize, usize) {
    let mut start = 0;
    let mut end = line.len();
    while start < end && line[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if end > start && line[end - 1] == b',' {
        end -= 1;
        while end > start && line[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
    }
    match &line[start..end] {
        b"[" | b"]" | b"" => (0, 0),
        _ => (start, end),
    }
}

enum Outcome {
    NonItem,
    BelowSitelinks,
    Unmapped,
    TypeFiltered,
    NoNames {
        empty: u64,
    },
    Written {
        text: String,
        entity_type: &'static str,
        canonical: u64,
        labels: u64,
        aliases: u64,
        duplicates: u64,
        empty: u64,
    },
}

impl ImportStats {
    fn count(&mut self, outcome: &Outcome) {
        self.entities += 1;
        if !matches!(outcome, Outcome::NonItem) {
            self.items += 1;
        }
        match *outcome {
            Outcome::NonItem => self.skipped_non_items += 1,
            Outcome::BelowSitelinks => self.skipped_sitelinks += 1,
            Outcome::Unmapped => self.skipped_unmapped += 1,
            Outcome::TypeFiltered => self.skipped_type += 1,
            Outcome::NoNames { empty } => {
                self.skipped_no_names += 1;
                self.empty_names += empty;
            }
            Outcome::Written {
                entity_type,
                canonical,
                labels,
                aliases,
                duplicates,
                empty,
                ..
            } => {
                self.entities_written += 1;
                self.canonical_rows += canonical;
                self.label_rows += labels;
                self.alias_rows += aliases;
                self.rows_written += canonical + labels + aliases;
                self.duplicate_names += duplicates;
                self.empty_names += empty;
                *self.by_type.entry(entity_type.to_string()).or_default() += 1;
            }
        }
    }
}

/// Converts one entity line into its gazetteer rows; `Err` is the parse error message.
fn convert_line(json: &[u8], settings: &Settings) -> Result<Outcome, String> {
    let entity: RawEntity = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    let id = entity
        .id
        .as_deref()
        .ok_or_else(|| "entity without \"id\"".to_string())?;
    let is_item = entity.kind.as_deref().map_or_else(
        || id.starts_with('Q'),
        |k| k == "item" && id.starts_with('Q'),
    );
    if !is_item {
        return Ok(Outcome::NonItem);
    }
    if id.len() < 2 || !id[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad item id {id:?}"));
    }
    let sitelinks = entity.sitelinks.0;
    if sitelinks < u64::from(settings.min_sitelinks) {
        return Ok(Outcome::BelowSitelinks);
    }
    let mapped = entity.claims.p31.iter().find_map(|claim| {
        let qid = claim.class()?;
        type_of_class(&qid).map(|t| (t, qid))
    });
    let (entity_type, p31) = match mapped {
        Some((t, qid)) => (t, Some(qid)),
        None if settings.include_unmapped => {
            ("MISC", entity.claims.p31.iter().find_map(Claim::class))
        }
        None => return Ok(Outcome::Unmapped),
    };
    if settings
        .types
        .as_ref()
        .is_some_and(|t| !t.contains(entity_type))
    {
        return Ok(Outcome::TypeFiltered);
    }

    let mut empty = 0u64;
    let mut clean = |lang: &str, value: &str| -> Option<(String, String)> {
        if !settings.wants_lang(lang) || lang.is_empty() || lang.contains(['\t', '\n', '\r']) {
            return None;
        }
        let name = clean_name(value);
        if name.is_empty() {
            empty += 1;
            return None;
        }
        Some((lang.to_string(), name))
    };
    // Labels in dump order, then the canonical one moved out.
    let mut labels: Vec<(String, String)> = entity
        .labels
        .0
        .iter()
        .filter_map(|(lang, term)| clean(lang, &term.value))
        .collect();
    let mut aliases: Vec<(String, String)> = Vec::new();
    for (lang, terms) in &entity.aliases.0 {
        for term in terms {
            if let Some(pair) = clean(lang, &term.value) {
                aliases.push(pair);
            }
        }
    }
    if labels.is_empty() && aliases.is_empty() {
        return Ok(Outcome::NoNames { empty });
    }
    let canonical_at = canonical_index(&labels, settings);
    let canonical = canonical_at.map(|i| labels.remove(i));
    labels.sort_by(|a, b| a.0.cmp(&b.0));
    aliases.sort_by(|a, b| a.0.cmp(&b.0)); // stable: dump order within a language

    let mut attributes = format!("sitelinks={sitelinks}");
    if let Some(q) = &p31 {
        let _ = write!(attributes, "; p31={q}");
    }
    let mut text = String::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let push = |text: &mut String, lang: &str, name: &str, kind: &str| {
        let attrs = if text.is_empty() {
            attributes.as_str()
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "{id}\t{name}\t{entity_type}\t{lang}\t{kind}\t{sitelinks}\t{attrs}"
        );
    };
    let mut counts = [0u64; 3];
    for (kind, list) in [
        ("canonical", canonical.as_slice()),
        ("label", labels.as_slice()),
    ]
    .into_iter()
    .chain(std::iter::once(("alias", aliases.as_slice())))
    {
        for (lang, name) in list {
            if seen.insert((lang, name)) {
                push(&mut text, lang, name, kind);
                counts[match kind {
                    "canonical" => 0,
                    "label" => 1,
                    _ => 2,
                }] += 1;
            }
        }
    }
    let total = (canonical.is_some() as usize + labels.len() + aliases.len()) as u64;
    Ok(Outcome::Written {
        text,
        entity_type,
        canonical: counts[0],
        labels: counts[1],
        aliases: counts[2],
        duplicates: total - counts.iter().sum::<u64>(),
        empty,
    })
}

/// Index in `labels` (dump order) of the canonical label; see [`import_wikidata`].
fn canonical_index(labels: &[(String, String)], settings: &Settings) -> Option<usize> {
    let find = |lang: &str| labels.iter().position(|(l, _)| l == lang);
    if let Some(i) = find("en") {
        return Some(i);
    }
    match &settings.languages {
        Some(langs) => langs.iter().find_map(|l| find(l)),
        None => find("mul").or(if labels.is_empty() { None } else { Some(0) }),
    }
}

/// A name as one TSV field: tabs, line breaks and other control characters become spaces, and the
/// result is trimmed.
fn clean_name(value: &str) -> String {
    let replaced: String = value
        .chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    replaced.trim().to_string()
}

// ---- The partial entity model: only what the gazetteer needs; serde skips everything else. ----

#[derive(Deserialize)]
struct RawEntity {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    labels: MapOrEmpty<Term>,
    #[serde(default)]
    aliases: MapOrEmpty<Vec<Term>>,
    #[serde(default)]
    claims: Claims,
    #[serde(default)]
    sitelinks: CountOrEmpty,
}

#[derive(Deserialize)]
struct Term {
    value: String,
}

/// The claims object, of which only P31 is materialised; other properties are skipped unparsed.
/// (A derived struct also accepts `[]`, which PHP writes for an empty object.)
#[derive(Deserialize, Default)]
struct Claims {
    #[serde(rename = "P31", default)]
    p31: Vec<Claim>,
}

#[derive(Deserialize)]
struct Claim {
    mainsnak: Snak,
    #[serde(default)]
    rank: Option<String>,
}

#[derive(Deserialize)]
struct Snak {
    #[serde(default)]
    datavalue: Option<DataValue>,
}

#[derive(Deserialize)]
struct DataValue {
    value: SnakValue,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SnakValue {
    Entity {
        id: Option<String>,
        #[serde(rename = "numeric-id")]
        numeric_id: Option<u64>,
    },
    Other(IgnoredAny),
}

impl Claim {
    /// The QID of a P31 statement that is not deprecated and has a value.
    fn class(&self) -> Option<String> {
        if self.rank.as_deref() == Some("deprecated") {
            return None;
        }
        match &self.mainsnak.datavalue.as_ref()?.value {
            SnakValue::Entity { id: Some(id), .. } => Some(id.clone()),
            // Old dumps give only `numeric-id` (with `entity-type: item`).
            SnakValue::Entity {
                id: None,
                numeric_id: Some(n),
            } => Some(format!("Q{n}")),
            _ => None,
        }
    }
}

/// A JSON object as `(key, value)` pairs in order; `[]` (PHP's empty object) and `null` are empty.
struct MapOrEmpty<V>(Vec<(String, V)>);

impl<V> Default for MapOrEmpty<V> {
    fn default() -> Self {
        MapOrEmpty(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for MapOrEmpty<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V_<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V_<V> {
            type Value = MapOrEmpty<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object or an empty array")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    out.push((k, v));
                }
                Ok(MapOrEmpty(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                Ok(MapOrEmpty(Vec::new()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MapOrEmpty(Vec::new()))
            }
        }
        deserializer.deserialize_any(V_(std::marker::PhantomData))
    }
}

/// The number of entries of a JSON object (sitelinks), without materialising them; `[]`/`null` are 0.
#[derive(Default)]
struct CountOrEmpty(u64);

impl<'de> Deserialize<'de> for CountOrEmpty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl<'de> Visitor<'de> for CountVisitor {
            type Value = CountOrEmpty;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object or an empty array")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut n = 0;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(CountOrEmpty(n))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                Ok(CountOrEmpty(0))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(CountOrEmpty(0))
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(opts: WikidataImportOptions) -> Settings {
        Settings::new(&opts).unwrap()
    }

    #[test]
    fn spans_strip_brackets_and_commas() {
        assert_eq!(entity_span(b"[\n"), (0, 0));
        assert_eq!(entity_span(b"]\n"), (0, 0));
        assert_eq!(entity_span(b"\n"), (0, 0));
        assert_eq!(entity_span(b"{\"a\":1},\n"), (0, 7));
        assert_eq!(entity_span(b"{\"a\":1}\r\n"), (0, 7));
    }

    #[test]
    fn php_empty_arrays_and_old_numeric_ids() {
        let line = br#"{"type":"item","id":"Q1","labels":{"en":{"language":"en","value":"A\tB "}},"aliases":[],"claims":{"P31":[{"mainsnak":{"snaktype":"value","datavalue":{"value":{"entity-type":"item","numeric-id":5},"type":"wikibase-entityid"}},"rank":"normal"}],"P18":[{"x":1}]},"sitelinks":[]}"#;
        let Outcome::Written {
            text, entity_type, ..
        } = convert_line(line, &settings(WikidataImportOptions::default())).unwrap()
        else {
            panic!("not written")
        };
        assert_eq!(entity_type, "PER");
        assert_eq!(
            text,
            "Q1\tA B\tPER\ten\tcanonical\t0\tsitelinks=0; p31=Q5\n"
        );
    }

    #[test]
    fn deprecated_p31_is_ignored_and_duplicates_dropped() {
        let line = br#"{"type":"item","id":"Q2","labels":{"de":{"language":"de","value":"X"},"fr":{"language":"fr","value":"Y"}},"aliases":{"de":[{"language":"de","value":"X"},{"language":"de","value":"Z"}]},"claims":{"P31":[{"mainsnak":{"snaktype":"value","datavalue":{"value":{"id":"Q5"}}},"rank":"deprecated"},{"mainsnak":{"snaktype":"somevalue"},"rank":"normal"},{"mainsnak":{"snaktype":"value","datavalue":{"value":{"id":"Q515"}}},"rank":"normal"}]},"sitelinks":{"dewiki":{},"frwiki":{}}}"#;
        let Outcome::Written {
            text, duplicates, ..
        } = convert_line(line, &settings(WikidataImportOptions::default())).unwrap()
        else {
            panic!("not written")
        };
        assert_eq!(duplicates, 1);
        assert_eq!(
            text,
            "Q2\tX\tGPE\tde\tcanonical\t2\tsitelinks=2; p31=Q515\n\
             Q2\tY\tGPE\tfr\tlabel\t2\t\n\
             Q2\tZ\tGPE\tde\talias\t2\t\n"
        );
    }

    #[test]
    fn unknown_type_option_is_rejected() {
        let opts = WikidataImportOptions {
            types: Some(vec!["PERSON".into()]),
            ..Default::default()
        };
        assert!(matches!(
            Settings::new(&opts),
            Err(WikidataError::InvalidOption { .. })
        ));
    }

    #[test]
    fn class_table_has_no_duplicates_and_known_types() {
        let mut seen = HashSet::new();
        for &(q, t, _) in P31_CLASSES {
            assert!(seen.insert(q), "{q} twice");
            assert!(ENTITY_TYPES.contains(&t), "{q}: {t}");
            assert!(q.starts_with('Q') && q[1..].bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
