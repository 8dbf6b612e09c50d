//! The output tables. Each is written to `NAME.partial` and renamed when the run completes, so a table that
//! carries its final name is always complete.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use entnorm_gazetteer::Matcher;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::aggregate::{Aggregate, AggregateCounts, EntityAggregate};
use crate::error::PipelineError;
use crate::input::Document;
use crate::process::MentionRow;

pub(crate) struct Table {
    writer: CsvWriter<BufWriter<File>>,
    partial: PathBuf,
    path: PathBuf,
    spreadsheet_safe: bool,
    /// Bytes of encoded rows written since the kernel was last asked to start writing the file out.
    unhinted: usize,
}

/// Encoded rows written between two requests to start writing a table out ([`start_writeback`]).
const WRITEBACK_EVERY: usize = 8 << 20;

/// Asks the kernel to start writing the file's dirty pages to disk, without waiting for them: the
/// final sync of a large table (60 MB of mentions for 50 MB of news) then waits only for its last
/// few megabytes, not for all of it at the end of the run (about 45 ms). Only a hint: errors surface
/// at that sync.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File) {
    use std::os::fd::AsRawFd;
    #[allow(unsafe_code)]
    // SAFETY: `sync_file_range` reads and writes no memory of this process; `file` keeps its
    // descriptor open for the duration of the call. Offset 0 and length 0: the whole file.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File) {}

/// Whether a cell would be read as a formula (or lose leading whitespace) by a spreadsheet program.
fn needs_neutralising(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The cell as written with `--spreadsheet-safe`: a leading `'` before a cell that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return, which spreadsheet programs then show as text (OWASP's advice
/// against CSV injection). This changes the data, so it is off by default.
pub(crate) fn spreadsheet_safe_cell(cell: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if needs_neutralising(cell) {
        let mut v = Vec::with_capacity(cell.len() + 1);
        v.push(b'\'');
        v.extend_from_slice(cell);
        std::borrow::Cow::Owned(v)
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

impl Table {
    pub(crate) fn create(dir: &Path, name: &str, header: &[&str]) -> Result<Table, PipelineError> {
        let path = dir.join(name);
        let partial = dir.join(format!("{name}.partial"));
        let file = File::create(&partial).map_err(|source| PipelineError::Io {
            path: partial.clone(),
            source,
        })?;
        let mut writer = CsvWriter(BufWriter::with_capacity(1 << 16, file));
        writer
            .write_record(header)
            .map_err(|source| PipelineError::Io {
                path: partial.clone(),
                source,
            })?;
        Ok(Table {
            writer,
            partial,
            path,
            spreadsheet_safe: false,
            unhinted: 0,
        })
    }

    /// Reopens the `.partial` table of an interrupted run, cut back to `len` bytes (its length at the
    /// checkpoint: rows written after it are written again), to append to it.
    pub(crate) fn resume(dir: &Path, name: &str, len: u64) -> Result<Table, PipelineError> {
        let path = dir.join(name);
        let partial = dir.join(format!("{name}.partial"));
        let io = |source| PipelineError::Io {
            path: partial.clone(),
            source,
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&partial)
            .map_err(io)?;
        let actual = file.metadata().map_err(io)?.len();
        if actual < len {
            return Err(PipelineError::Resume {
                dir: dir.to_path_buf(),
                message: format!(
                    "{} is {actual} bytes long, shorter than the {len} bytes the checkpoint recorded",
                    partial.display()
                ),
            });
        }
        file.set_len(len).map_err(io)?;
        let mut file = file;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(len)).map_err(io)?;
        let writer = CsvWriter(BufWriter::with_capacity(1 << 16, file));
        Ok(Table {
            writer,
            partial,
            path,
            spreadsheet_safe: false,
            unhinted: 0,
        })
    }

    pub(crate) fn spreadsheet_safe(mut self, yes: bool) -> Self {
        self.spreadsheet_safe = yes;
        self
    }

    /// Writes rows already encoded by [`MentionEncoder`] for this table's settings.
    pub(crate) fn encoded_rows(&mut self, bytes: &[u8]) -> Result<(), PipelineError> {
        self.writer
            .0
            .write_all(bytes)
            .map_err(|source| PipelineError::Io {
                path: self.partial.clone(),
                source,
            })?;
        self.unhinted += bytes.len();
        if self.unhinted >= WRITEBACK_EVERY {
            self.unhinted = 0;
            start_writeback(self.writer.0.get_ref());
        }
        Ok(())
    }

    pub(crate) fn row<I, T>(&mut self, fields: I) -> Result<(), PipelineError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let result = if self.spreadsheet_safe {
            let cells: Vec<T> = fields.into_iter().collect();
            self.writer
                .write_record(cells.iter().map(|c| spreadsheet_safe_cell(c.as_ref())))
        } else {
            self.writer.write_record(fields)
        };
        result.map_err(|source| PipelineError::Io {
            path: self.partial.clone(),
            source,
        })
    }

    /// Writes everything buffered to the file and syncs it to disk, returning the file's length: the
    /// point a resumed run cuts the table back to.
    pub(crate) fn checkpoint(&mut self) -> Result<u64, PipelineError> {
        let io = |source| PipelineError::Io {
            path: self.partial.clone(),
            source,
        };
        self.writer.0.flush().map_err(io)?;
        let file = self.writer.0.get_ref();
        file.sync_data().map_err(io)?;
        Ok(file.metadata().map_err(io)?.len())
    }

    /// Writes everything buffered to the file (for an interrupted run, whose tables stay `.partial`).
    pub(crate) fn flush(&mut self) -> Result<(), PipelineError> {
        self.writer.0.flush().map_err(|source| PipelineError::Io {
            path: self.partial.clone(),
            source,
        })
    }

    pub(crate) fn finish(self) -> Result<(), PipelineError> {
        self.sync()?.rename()
    }

    /// Writes everything buffered and syncs the file to disk, still under its `.partial` name: on disk
    /// before it gets its final name ([`SyncedTable::rename`]), so that a crash never leaves a
    /// complete-looking table that is not complete.
    pub(crate) fn sync(self) -> Result<SyncedTable, PipelineError> {
        let Table {
            writer,
            partial,
            path,
            ..
        } = self;
        let file = writer.0.into_inner().map_err(|e| PipelineError::Io {
            path: partial.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        file.sync_data().map_err(|source| PipelineError::Io {
            path: partial.clone(),
            source,
        })?;
        Ok(SyncedTable { partial, path })
    }
}

/// A complete table on disk under its `.partial` name.
pub(crate) struct SyncedTable {
    partial: PathBuf,
    path: PathBuf,
}

impl SyncedTable {
    /// Gives the table its final name.
    pub(crate) fn rename(self) -> Result<(), PipelineError> {
        let SyncedTable { partial, path } = self;
        std::fs::rename(&partial, &path).map_err(|source| PipelineError::Io { path, source })
    }
}

/// Appends one CSV row to `out`, byte for byte as [`Table::row`] of a table with `spreadsheet_safe`
/// writes it: what [`MentionEncoder`] is checked against.
#[cfg(test)]
pub(crate) fn encode_row<const N: usize>(
    out: &mut Vec<u8>,
    fields: [&str; N],
    spreadsheet_safe: bool,
) {
    let mut w = CsvWriter(out);
    // Writing into a Vec cannot fail.
    let _ = if spreadsheet_safe {
        w.write_record(fields.iter().map(|c| spreadsheet_safe_cell(c.as_bytes())))
    } else {
        w.write_record(fields)
    };
}

/// Encodes `mentions.csv` rows byte for byte as [`encode_row`] of [`mention_fields`] does, remembering the
/// encoded cells of recent entities (ID, name, type; default ID) and aliases (text, language): mentions of
/// one entity recur (the slice of the peers' benchmark has 522 k mentions of 23 k entities), and reading
/// an entity's record and strings from the index (cache misses in tables of tens of megabytes), splitting
/// its attributes and scanning its cells for quotes again for every mention was most of a row's cost.
/// Each thread that encodes rows keeps one; its memory is bounded by the slots.
#[derive(Default)]
pub(crate) struct MentionEncoder {
    /// The setting the remembered cells were encoded with.
    spreadsheet_safe: bool,
    /// Direct-mapped: (entity + 1, `id,name,type` encoded, `default_id` encoded); 0: empty.
    entities: Vec<(u32, Vec<u8>, Vec<u8>)>,
    /// Direct-mapped: (alias + 1, `alias,alias_lang` encoded); 0: empty.
    aliases: Vec<(u32, Vec<u8>)>,
    /// The current document's ID cell, encoded once for all its rows.
    doc_id: Vec<u8>,
}

/// Slots of each of [`MentionEncoder`]'s memos.
const ENCODER_SLOTS: usize = 1 << 12;

impl MentionEncoder {
    /// Appends the rows of the mentions `rows` of `doc` to `out`.
    pub(crate) fn encode_rows(
        &mut self,
        out: &mut Vec<u8>,
        doc: &Document,
        rows: &[MentionRow],
        gazetteer: &Matcher,
        spreadsheet_safe: bool,
    ) {
        self.doc_id.clear();
        push_cells(&mut self.doc_id, [doc.id.as_str()], spreadsheet_safe);
        for m in rows {
            self.encode(out, doc, m, gazetteer, spreadsheet_safe);
        }
    }

    /// Appends the row of mention `m` of `doc` to `out` (`self.doc_id` holds `doc`'s ID cell).
    fn encode(
        &mut self,
        out: &mut Vec<u8>,
        doc: &Document,
        m: &MentionRow,
        gazetteer: &Matcher,
        spreadsheet_safe: bool,
    ) {
        if self.entities.is_empty() || self.spreadsheet_safe != spreadsheet_safe {
            self.spreadsheet_safe = spreadsheet_safe;
            self.entities.clear();
            self.entities.resize_with(ENCODER_SLOTS, Default::default);
            self.aliases.clear();
            self.aliases.resize_with(ENCODER_SLOTS, Default::default);
        }
        let slot = |id: u32| (id.wrapping_mul(0x9E37_79B9) >> 20) as usize % ENCODER_SLOTS;
        let safe = spreadsheet_safe;
        let e = &mut self.entities[slot(m.entity)];
        if e.0 != m.entity.wrapping_add(1) {
            let entity = gazetteer.entity(m.entity);
            e.0 = m.entity.wrapping_add(1);
            e.1.clear();
            push_cells(&mut e.1, [entity.id, entity.name, entity.entity_type], safe);
            e.2.clear();
            push_cells(&mut e.2, [default_id(entity.attributes)], safe);
        }
        let a = &mut self.aliases[slot(m.alias)];
        if a.0 != m.alias.wrapping_add(1) {
            let alias = gazetteer.alias(m.alias);
            a.0 = m.alias.wrapping_add(1);
            a.1.clear();
            push_cells(&mut a.1, [alias.text, alias.lang], safe);
        }
        // Digits need no quotes and never look like a formula.
        let number = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(decimal(n, &mut [0; 20]));
        out.extend_from_slice(&self.doc_id);
        out.push(b',');
        push_name(out, m.field);
        out.push(b',');
        number(out, m.start);
        out.push(b',');
        number(out, m.end);
        out.push(b',');
        push_cells(out, [m.surface(doc)], safe);
        out.push(b',');
        out.extend_from_slice(&e.1);
        out.push(b',');
        push_name(out, m.method);
        out.push(b',');
        out.extend_from_slice(&score_digits(m.score));
        out.push(b',');
        out.extend_from_slice(&a.1);
        out.push(b',');
        number(out, m.candidates as usize);
        out.push(b',');
        number(out, m.start_byte);
        out.push(b',');
        number(out, m.end_byte);
        out.push(b',');
        out.extend_from_slice(&e.2);
        out.push(b',');
        push_name(out, m.status);
        out.push(b'\n');
    }
}

/// Appends a cell that is one of the program's own names (of a field, a match method, a status):
/// lower-case words, which need no quotes and never look like a formula, so they are not scanned for
/// either at every mention.
fn push_name(out: &mut Vec<u8>, name: &'static str) {
    debug_assert!(name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b':'));
    debug_assert!(!needs_neutralising(name.as_bytes()));
    out.extend_from_slice(name.as_bytes());
}

/// Appends `cells` to `out` as [`CsvWriter`] writes them inside a record of several cells (joined by
/// `,`, no line end), each made spreadsheet-safe first if `spreadsheet_safe`.
fn push_cells<const N: usize>(out: &mut Vec<u8>, cells: [&str; N], spreadsheet_safe: bool) {
    for (k, cell) in cells.into_iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        if spreadsheet_safe {
            push_cell(out, &spreadsheet_safe_cell(cell.as_bytes()));
        } else {
            push_cell(out, cell.as_bytes());
        }
    }
}

/// One cell as [`CsvWriter`] writes it: quoted, with `"` doubled, if it holds `,`, `"`, `\r` or `\n`.
fn push_cell(out: &mut Vec<u8>, cell: &[u8]) {
    // Writing into a Vec cannot fail.
    let _ = write_cell(out, cell);
}

/// Writes one cell (see [`CsvWriter`]); whether it wrote anything (an empty cell is written as nothing).
fn write_cell<W: Write>(w: &mut W, cell: &[u8]) -> std::io::Result<bool> {
    if cell
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        w.write_all(b"\"")?;
        for (i, part) in cell.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                w.write_all(b"\"\"")?;
            }
            w.write_all(part)?;
        }
        w.write_all(b"\"")?;
        Ok(true)
    } else {
        w.write_all(cell)?;
        Ok(!cell.is_empty())
    }
}

/// Writes CSV records exactly as the `csv` crate's default writer does (fields joined by `,`, records
/// ended by `\n`; a field containing `,`, `"`, `\r` or `\n` quoted, with `"` doubled; a record of one
/// empty field written `""`), without its per-byte state machine: the mentions table is the bulk of the
/// output, and its fields rarely need quotes.
struct CsvWriter<W: Write>(W);

impl<W: Write> CsvWriter<W> {
    fn write_record<I, T>(&mut self, fields: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let w = &mut self.0;
        let mut empty = true;
        for (k, field) in fields.into_iter().enumerate() {
            let field = field.as_ref();
            if k > 0 {
                w.write_all(b",")?;
                empty = false;
            }
            if write_cell(w, field)? {
                empty = false;
            }
        }
        if empty {
            w.write_all(b"\"\"")?;
        }
        w.write_all(b"\n")
    }
}

pub(crate) const MENTIONS_HEADER: &[&str] = &[
    "doc_id",
    "field",
    "start",
    "end",
    "surface",
    "entity_id",
    "entity_name",
    "entity_type",
    "method",
    "score",
    "alias",
    "alias_lang",
    "candidates",
    "start_byte",
    "end_byte",
    "default_id",
    "status",
];

/// The default gazetteer's ID of an entity of the user's gazetteer that enrichment linked to it.
fn default_id(attributes: &str) -> &str {
    attributes
        .split("; ")
        .find_map(|kv| kv.strip_prefix("default_id="))
        .unwrap_or("")
}

/// The cells of one `mentions.csv` row (see [`MENTIONS_HEADER`]), borrowed: numbers are written into
/// `numbers`, a buffer the caller reuses, so a row costs no allocation.
pub(crate) fn mention_fields<'a>(
    doc: &'a Document,
    m: &'a MentionRow,
    gazetteer: &'a Matcher,
    numbers: &'a mut String,
) -> [&'a str; 17] {
    let entity = gazetteer.entity(m.entity);
    let alias = gazetteer.alias(m.alias);
    numbers.clear();
    let mut spans = [(0, 0); 6];
    for (span, n) in spans.iter_mut().zip([
        m.start,
        m.end,
        m.candidates as usize,
        m.start_byte,
        m.end_byte,
    ]) {
        let from = numbers.len();
        write_decimal(numbers, n);
        *span = (from, numbers.len());
    }
    let from = numbers.len();
    write_score(numbers, m.score);
    spans[5] = (from, numbers.len());
    let numbers: &'a str = numbers;
    let n = |k: usize| &numbers[spans[k].0..spans[k].1];
    [
        &doc.id,
        m.field,
        n(0),
        n(1),
        m.surface(doc),
        entity.id,
        entity.name,
        entity.entity_type,
        m.method,
        n(5),
        alias.text,
        alias.lang,
        n(2),
        n(3),
        n(4),
        default_id(entity.attributes),
        m.status,
    ]
}

/// `n` in decimal, as `write!(out, "{n}")` would write it, without the formatting machinery.
fn write_decimal(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    // ASCII digits only.
    out.push_str(std::str::from_utf8(decimal(n, &mut digits)).unwrap_or_default());
}

/// The decimal digits of `n`, written at the end of `buf`: two at a time, then copied out at once (a
/// row has five numbers, and pushing them a character at a time was 2% of a run on Arabic news).
fn decimal(mut n: usize, buf: &mut [u8; 20]) -> &[u8] {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut i = buf.len();
    while n >= 100 {
        let pair = n % 100 * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[n * 2..n * 2 + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    &buf[i..]
}

/// A score in [0, 1] with two decimals, as `format!("{:.2}")` would write it, without float formatting.
fn write_score(out: &mut String, score: f64) {
    out.extend(score_digits(score).map(char::from));
}

/// The four bytes [`write_score`] writes.
fn score_digits(score: f64) -> [u8; 4] {
    let hundredths = (score.clamp(0.0, 1.0) * 100.0).round() as u32;
    let digit = |d: u32| b'0' + d as u8;
    [
        digit(hundredths / 100),
        b'.',
        digit(hundredths / 10 % 10),
        digit(hundredths % 10),
    ]
}

/// Corpus-wide per-entity state: only counts and surface forms, never the mentions themselves. Hash
/// maps, which the writer thread updates for every mention row; they are only ever iterated in key
/// order (serialized sorted, copied into the aggregate's ordered maps).
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct EntityTally {
    mentions: u64,
    documents: u64,
    last_document: u64,
    #[serde(serialize_with = "sorted")]
    surfaces: FxHashMap<String, u64>,
}

/// Saved in a resumable run's checkpoint, keyed by entity index (valid for the same gazetteer only).
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct EntityTable {
    #[serde(serialize_with = "sorted")]
    tallies: FxHashMap<u32, EntityTally>,
}

/// A hash map serialized as the ordered map it stands for, so that checkpoints do not depend on hash
/// order.
fn sorted<K: Ord + Serialize, V: Serialize, S: Serializer>(
    map: &FxHashMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter().collect::<BTreeMap<_, _>>())
}

impl EntityTable {
    /// `document` is the run-wide sequence number of the document (1-based), so counting distinct
    /// documents needs no set.
    pub(crate) fn add(&mut self, document: u64, m: &MentionRow, surface: &str) {
        let t = self.tallies.entry(m.entity).or_default();
        t.mentions += 1;
        if t.last_document != document {
            t.last_document = document;
            t.documents += 1;
        }
        match t.surfaces.get_mut(surface) {
            Some(n) => *n += 1,
            None => {
                t.surfaces.insert(surface.to_owned(), 1);
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.tallies.len()
    }

    /// The mergeable form of the tally (entities by ID, with their names and types), from which
    /// `entities.csv` is written, so that a single run and a merge of parts share one writer.
    pub(crate) fn to_aggregate(&self, gazetteer: &Matcher, counts: AggregateCounts) -> Aggregate {
        let mut aggregate = Aggregate::new(gazetteer.fingerprint());
        aggregate.counts = counts;
        // In entity order, as before: two entities may share an ID (a user's and the default's), and
        // the later one's tally is the one kept.
        let mut tallies: Vec<_> = self.tallies.iter().collect();
        tallies.sort_unstable_by_key(|&(&entity, _)| entity);
        for (&entity, t) in tallies {
            let e = gazetteer.entity(entity);
            aggregate.entities.insert(
                e.id.to_owned(),
                EntityAggregate {
                    name: e.name.to_owned(),
                    entity_type: e.entity_type.to_owned(),
                    mentions: t.mentions,
                    documents: t.documents,
                    surfaces: t.surfaces.iter().map(|(s, &n)| (s.clone(), n)).collect(),
                },
            );
        }
        aggregate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field, method and status name a mention row has is written by `push_name` as the general
    /// cell writer writes it, with and without `--spreadsheet-safe`.
    #[test]
    fn program_names_are_written_as_any_cell_is() {
        use crate::process::{STATUS_ACCEPTED, STATUS_REVIEW};
        use entnorm_reconcile::Method;
        use entnorm_tokenize::KeyLayer;
        let methods = [
            Method::Key(KeyLayer::Exact),
            Method::Key(KeyLayer::Folded),
            Method::Key(KeyLayer::Translit),
            Method::Document,
            Method::DocumentAmbiguous,
            Method::Inflected,
            Method::Variant,
            Method::Fuzzy,
            Method::Demonym,
        ]
        .map(Method::name);
        let names = ["text", "title", STATUS_ACCEPTED, STATUS_REVIEW];
        for name in methods.into_iter().chain(names) {
            let mut ours = Vec::new();
            push_name(&mut ours, name);
            for safe in [false, true] {
                let mut general = Vec::new();
                push_cells(&mut general, [name], safe);
                assert_eq!(ours, general, "{name}");
            }
        }
    }

    #[test]
    fn csv_rows_are_written_as_the_csv_crate_writes_them() {
        let cells = [
            "",
            "a",
            "a,b",
            "say \"hi\"",
            "\"",
            "\"\"",
            "line\nbreak",
            "cr\rhere",
            "crlf\r\n",
            " lead",
            "tab\there",
            "Лавров",
            "#",
            "=1+2",
            ",",
            "\n",
        ];
        let mut records: Vec<Vec<&str>> = vec![vec![], vec![""], vec!["", ""], vec!["x"]];
        for (i, a) in cells.iter().enumerate() {
            records.push(vec![a]);
            for b in &cells[i..] {
                records.push(vec![a, b]);
                records.push(vec![b, "", a]);
            }
        }
        let mut ours = CsvWriter(Vec::new());
        let mut theirs = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        for r in &records {
            ours.write_record(r).unwrap();
            theirs.write_record(r).unwrap();
        }
        let theirs = theirs.into_inner().unwrap();
        assert_eq!(
            String::from_utf8(ours.0).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
    }

    #[test]
    fn the_mention_encoder_writes_the_rows_that_encode_row_writes() {
        use entnorm_gazetteer::{GazetteerBuilder, Origin};
        // Names, IDs and attributes that need quotes or look like formulas, in several scripts; more
        // entities and aliases than the memos have slots, so that remembered cells are also replaced.
        let mut tsv = String::from("entity_id\tname\ttype\tlang\tkind\tprior\tattributes\n");
        let names = [
            "Smith, John",
            "\"Quoted\" Org",
            "=SUM(A1)",
            "-Minus",
            "Сергей Лавров",
            "جمهورية مصر العربية",
            "東京都",
            "@handle",
        ];
        for i in 0..ENCODER_SLOTS + 400 {
            let name = format!("{} {i}", names[i % names.len()]);
            let attrs = match i % 3 {
                0 => format!("default_id=Q{i}; country=EG"),
                1 => "default_id=+1,\"x\"".to_owned(),
                _ => String::new(),
            };
            tsv.push_str(&format!(
                "E,{i}\t{name}\tPER\tund\tcanonical\t{i}\t{attrs}\n"
            ));
            tsv.push_str(&format!("E,{i}\t=alias \"{i}\"\tPER\tr,u\talias\t{i}\t\n"));
        }
        let mut b = GazetteerBuilder::new();
        b.add_bytes(Path::new("e.tsv"), tsv.as_bytes(), Origin::User)
            .unwrap();
        let m = Matcher::new(b.build());
        let doc = Document {
            id: "=doc,\"1\"".into(),
            title: Some("=Title, \"Лавров\"".into()),
            text: "Сергей Лавров, \"Smith\" and -x\nnext".into(),
            lang: None,
            date: None,
        };
        let rows: Vec<MentionRow> = (0..4 * ENCODER_SLOTS as u32)
            .map(|k| {
                let (field, len) = if k % 5 == 0 {
                    ("title", doc.title.as_ref().unwrap().len())
                } else {
                    ("text", doc.text.len())
                };
                let ends = [0, 1, 7, 12, len];
                let surface = |i: usize| {
                    let t = if field == "title" {
                        doc.title.as_deref().unwrap()
                    } else {
                        &doc.text
                    };
                    (0..=i)
                        .rev()
                        .find(|&j| t.is_char_boundary(ends[j].min(len)))
                        .map(|j| ends[j].min(len))
                        .unwrap()
                };
                let (a, z) = (surface((k % 3) as usize), surface(4));
                MentionRow {
                    field,
                    start: k as usize,
                    end: k as usize * 7 + 1,
                    start_byte: a,
                    end_byte: z,
                    entity: (k * 7919) % m.entity_count() as u32,
                    alias: (k * 104_729) % m.alias_count() as u32,
                    method: "key:exact",
                    score: f64::from(k % 101) / 100.0,
                    candidates: k % 4,
                    status: if k % 2 == 0 { "accepted" } else { "review" },
                }
            })
            .collect();
        assert_eq!(m.entity_count(), ENCODER_SLOTS + 400);
        assert_eq!(m.alias_count(), 2 * m.entity_count());
        // One encoder throughout: what it remembers under one setting must not be written under the other.
        let mut encoder = MentionEncoder::default();
        for safe in [false, true, false] {
            let mut expected = Vec::new();
            let mut numbers = String::new();
            for r in &rows {
                encode_row(
                    &mut expected,
                    mention_fields(&doc, r, &m, &mut numbers),
                    safe,
                );
            }
            let mut ours = Vec::new();
            // In documents of a few rows each, as the pipeline hands them over.
            for part in rows.chunks(7) {
                encoder.encode_rows(&mut ours, &doc, part, &m, safe);
            }
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(expected).unwrap(),
                "spreadsheet-safe: {safe}"
            );
        }
    }

    #[test]
    fn decimals_are_written_as_format_writes_them() {
        for n in [
            0,
            1,
            9,
            10,
            42,
            99,
            100,
            101,
            999,
            1000,
            1009,
            12345,
            99999,
            100000,
            u32::MAX as usize,
            usize::MAX,
        ] {
            let mut s = String::from("x");
            write_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }
}
