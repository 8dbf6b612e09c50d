//! The `entnorm` command: parses arguments, loads the gazetteer, hands over to `entnorm-pipeline`, and
//! reports errors. No matching logic lives here.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use entnorm_gazetteer::{Gazetteer, Matcher, SourceSpec};
use entnorm_pipeline::{
    build_index, default_cache_dir, import_wikidata, load_fuzzy_index,
    load_matcher as load_matcher_from, load_matcher_lenient, merge_partials, partial_files,
    run_with, write_error_row, write_manifest, write_merge_report, FieldNames, ImportProgress,
    IndexOrigin, ReadOptions, RunConfig, StreamFormat, WikidataImportOptions,
    DEFAULT_MAX_DECOMPRESSED_RATIO, DEFAULT_MAX_RECORD_BYTES,
};

#[derive(Parser)]
#[command(
    name = "entnorm",
    version,
    about = "Find entity mentions in multilingual news and map every spelling to one ID"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find mentions in articles and write the CSV tables into OUTDIR.
    Run(RunArgs),
    /// Show which entities a name would match, with the method and score.
    Lookup(LookupArgs),
    /// Build, check or import gazetteers.
    #[command(subcommand)]
    Gazetteer(GazetteerCommand),
    /// Score the pipeline against gold-annotated documents, with the exact-match baseline beside it.
    Eval(EvalArgs),
    /// Combine partial aggregates (`run --partial`) into entities.csv and unmatched.csv, equal to one run
    /// over all inputs.
    Merge(MergeArgs),
}

#[derive(Args)]
struct MergeArgs {
    /// Partial aggregate files, or directories of them (files starting with `.` or `_` are skipped).
    #[arg(required = true, value_name = "PART")]
    parts: Vec<PathBuf>,
    /// Directory for entities.csv, unmatched.csv and merge.json.
    #[arg(short = 'o', long = "out", value_name = "OUTDIR")]
    out: PathBuf,
    /// Also write the merged partial aggregate to this file (for merging in several rounds).
    #[arg(long, value_name = "FILE")]
    partial: Option<PathBuf>,
    /// Neutralise entities.csv cells for spreadsheets, as `run --spreadsheet-safe` does.
    #[arg(long)]
    spreadsheet_safe: bool,
    /// No summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Tsv,
}

/// How links are made and filtered beyond the key layers (shared by `run` and `eval`).
#[derive(Args)]
struct LinkArgs {
    /// Links scored at least this get status `accepted`. Scores are calibrated: the share of such links
    /// that were right on the development sets, by method, word count and entity class; 0.90 and above
    /// only for kinds at least 95% right (persons in several words 0.98-0.99, surnames resolved in the
    /// document 0.97, places in several words through folded keys 0.96), others at most 0.89 (exact
    /// 0.86-0.89, inflected 0.70-0.89, translit 0.86-0.89, demonym 0.89, folded 0.69-0.81, a name two of
    /// your entities share 0.50; see README).
    #[arg(long, value_name = "SCORE", default_value_t = entnorm_pipeline::DEFAULT_ACCEPT_THRESHOLD)]
    accept_threshold: f64,
    /// Links scored below the accept threshold but at least this are written with status `review`;
    /// lower ones are not written.
    #[arg(long, value_name = "SCORE", default_value_t = entnorm_pipeline::DEFAULT_REVIEW_THRESHOLD)]
    review_threshold: f64,
    /// Fuzzy matching of name-like spans that nothing else linked, and the unmatched.csv table. Off by
    /// default: its calibrated links (several words 0.89, one word in another script 0.79, in the same
    /// script 0.50) raise F1 on the dev sets but lower precision on four of them (see README). Its
    /// candidate index is cached beside the gazetteer index (about 1.3x the time of a run without it).
    #[arg(long)]
    fuzzy: bool,
}

impl LinkArgs {
    fn check(&self) -> Result<()> {
        let (a, r) = (self.accept_threshold, self.review_threshold);
        if !(0.0..=1.0).contains(&a) || !(0.0..=1.0).contains(&r) || r > a {
            bail!(
                "thresholds must satisfy 0 <= --review-threshold <= --accept-threshold <= 1 (got {r} and {a})"
            );
        }
        Ok(())
    }
}

#[derive(Args)]
struct EvalArgs {
    /// Gold JSON Lines: doc_id, lang, text, mentions (code-point start/end, entity_id or null, type).
    #[arg(value_name = "GOLD")]
    gold: PathBuf,
    /// Further gazetteers, loaded after the set gazetteer and before the default; repeatable.
    #[arg(short = 'g', long = "gazetteer", value_name = "GAZETTEER")]
    gazetteers: Vec<PathBuf>,
    /// Do not load the bundled default gazetteer.
    #[arg(long)]
    no_default_gazetteer: bool,
    /// The set's gazetteer, loaded as a user gazetteer and used by the baseline (default:
    /// <set>.gazetteer.tsv beside GOLD).
    #[arg(long, value_name = "PATH")]
    set_gazetteer: Option<PathBuf>,
    /// Use <set>.gazetteer-VARIANT.tsv beside GOLD as the set gazetteer (e.g. `alllemmas`).
    #[arg(long, value_name = "VARIANT", conflicts_with = "set_gazetteer")]
    set_variant: Option<String>,
    /// Score only gold mentions of these types, comma-separated (e.g. PER,ORG,LOC,EVT,PRO).
    #[arg(long, value_delimiter = ',', value_name = "TYPE")]
    types: Option<Vec<String>>,
    /// Also write the figures as JSON to this file.
    #[arg(long, value_name = "OUT.json")]
    json: Option<PathBuf>,
    /// Compile the sources in memory instead of using (and filling) the index cache.
    #[arg(long)]
    no_cache: bool,
    /// Worker threads (default: all cores). The figures are identical for any value.
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    #[command(flatten)]
    link: LinkArgs,
    /// No gazetteer message on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Subcommand)]
enum GazetteerCommand {
    /// Compile gazetteer sources into one memory-mappable index file.
    Build(BuildArgs),
    /// Validate gazetteer sources (bad rows with file and line, duplicates, conflicts) and print statistics.
    Check(CheckArgs),
    /// Turn a Wikidata JSON dump (latest-all.json, plain, .gz or .bz2) into a gazetteer.
    ImportWikidata(ImportArgs),
}

#[derive(Args)]
struct ImportArgs {
    /// The dump: one entity per line inside a JSON array.
    dump: PathBuf,
    /// The gazetteer to write (.tsv, or .tsv.gz to compress).
    #[arg(short = 'o', long = "out", value_name = "GAZETTEER")]
    out: PathBuf,
    /// Languages of labels and aliases to keep, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    languages: Option<Vec<String>>,
    /// Entity types to keep (PER, ORG, LOC, GPE, EVT, PRO, MISC), comma-separated (default: all mapped).
    #[arg(long, value_delimiter = ',')]
    types: Option<Vec<String>>,
    /// Keep only items with at least this many sitelinks (Wikipedia articles).
    #[arg(long, default_value_t = 0)]
    min_sitelinks: u32,
    /// Keep items whose `instance of` maps to no type, as MISC.
    #[arg(long)]
    include_unmapped: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', default_value_t = 0)]
    threads: usize,
    /// No progress display.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    gazetteer: GazetteerArgs,
}

#[derive(Args)]
struct BuildArgs {
    #[command(flatten)]
    gazetteer: GazetteerArgs,
    /// The index file to write.
    #[arg(short = 'o', long = "out", value_name = "INDEX")]
    out: PathBuf,
}

#[derive(Args)]
struct GazetteerArgs {
    /// A gazetteer file (.tsv or .tsv.gz) or a directory of them; repeatable. These take precedence over the
    /// bundled default gazetteer.
    #[arg(short = 'g', long = "gazetteer", value_name = "GAZETTEER")]
    gazetteers: Vec<PathBuf>,
    /// Do not load the bundled default gazetteer.
    #[arg(long)]
    no_default_gazetteer: bool,
    /// Use this compiled index (from `entnorm gazetteer build`) instead of gazetteer sources.
    #[arg(long, value_name = "INDEX", conflicts_with_all = ["gazetteers", "no_default_gazetteer"])]
    index: Option<PathBuf>,
    /// Compile the sources in memory instead of using (and filling) the index cache.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Args)]
struct RunArgs {
    /// JSON Lines, CSV or .txt files, directories of them, or `-` for JSON Lines on stdin (.gz/.zst read
    /// transparently).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Directory for mentions.csv, entities.csv, documents.csv, rejects.csv and run.json, or `-` for
    /// filter mode: kind-tagged rows (mention, reject, partial, error) on stdout and no tables.
    #[arg(short = 'o', long = "out", value_name = "OUTDIR")]
    out: PathBuf,
    /// Row format of filter mode (`-o -`): csv (RFC 4180, no header) or tsv (one row per line, `\\`,
    /// `\t`, `\n`, `\r` escaped). Default: csv.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<FormatArg>,
    /// Also write the partial aggregate (per-entity counts and surface forms, record counts) that
    /// `entnorm merge` combines; `-` appends it to stdout as `partial` rows in filter mode.
    #[arg(long, value_name = "FILE")]
    partial: Option<PathBuf>,
    #[command(flatten)]
    gazetteer: GazetteerArgs,
    #[command(flatten)]
    link: LinkArgs,
    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Field (JSON) or column (CSV) holding the text.
    #[arg(long, alias = "text-column", default_value = "text")]
    text_field: String,
    /// Field or column holding the document ID; repeatable, first present wins.
    #[arg(long, alias = "id-column", default_values_t = [String::from("id"), String::from("doc_id")])]
    id_field: Vec<String>,
    /// Field or column holding the title (matched too, reported as field `title`).
    #[arg(long, alias = "title-column", default_value = "title")]
    title_field: String,
    /// Field or column holding the language code.
    #[arg(long, default_value = "lang")]
    lang_field: String,
    /// Field or column holding the date.
    #[arg(long, default_value = "date")]
    date_field: String,
    /// Language (ISO 639 code) of documents that give none. Knowing the language keeps one-word names
    /// of other languages (`Man`, Isle of Man in Estonian) from matching common words.
    #[arg(long, value_name = "CODE")]
    lang: Option<String>,
    /// No progress display.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Longest record read, in bytes (a JSON line, a CSV row, a whole .txt file); a longer one is
    /// rejected, and memory stays bounded whatever the input. At most 4 GiB - 1.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_RECORD_BYTES)]
    max_record_bytes: usize,
    /// Stop reading a compressed input that expands to more than this many times its size (beyond its
    /// first 64 MiB): a decompression bomb. 0 disables the check.
    #[arg(long, value_name = "RATIO", default_value_t = DEFAULT_MAX_DECOMPRESSED_RATIO)]
    max_decompressed_ratio: u64,
    /// Read records with invalid UTF-8 by replacing the bad bytes with U+FFFD (default: reject them).
    #[arg(long)]
    replace_invalid_utf8: bool,
    /// Prefix with ' every CSV cell that starts with =, +, -, @, a tab or a carriage return, so that
    /// spreadsheet programs show it as text instead of running it as a formula. Changes the data.
    #[arg(long)]
    spreadsheet_safe: bool,
    /// Skip bad gazetteer rows (listed on stderr and in run.json) instead of stopping.
    #[arg(long)]
    lenient: bool,
    /// Go on with the interrupted run in OUTDIR: skip the input files it completed (the same command
    /// line is required) and end with the tables an uninterrupted run would have written.
    #[arg(long)]
    resume: bool,
    /// For measurement only: the gazetteer's key layers (exact, folded, transliterated) without any
    /// reconciliation, to time the exact-only pipeline against the whole one.
    #[arg(long, hide = true)]
    key_layers_only: bool,
    /// Least seconds between two checkpoints (written at the end of an input file) for --resume.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    checkpoint_interval: f64,
    /// Where the compiled gazetteer is read from while matching: `mapped` (the index file, paged in as
    /// needed: starts at once), `resident` (copied into the process's memory on 2 MiB pages where Linux
    /// offers them: 0.05-1 s for 280 MB of index, then matching runs several percent faster than
    /// through 4 KiB pages), or `auto`: for input files of at least 32 MiB or a directory (stdin counts
    /// as small), the index file read through 2 MiB pages of the page cache (Linux 6.x with large
    /// folios; when the file is cached in small ones, it is dropped from the cache and read anew, once
    /// for all later runs), else copied as `resident`. Tables are identical either way.
    #[arg(long, value_enum, value_name = "HOW", default_value = "auto")]
    index_memory: IndexMemory,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum IndexMemory {
    Auto,
    Mapped,
    Resident,
}

/// Input size from which `--index-memory auto` copies the index: the copy (0.04-0.06 s for the 280 MB
/// index of 1.3M aliases, 0.12-0.16 s on one core) is repaid by faster matching (3-9% less time on the
/// 50 MB slice of the shared corpus) over some 30 MB of news text.
const RESIDENT_FROM_INPUT_BYTES: u64 = 32 << 20;

impl IndexMemory {
    fn resident_for(self, inputs: &[PathBuf]) -> bool {
        match self {
            IndexMemory::Mapped => false,
            IndexMemory::Resident => true,
            IndexMemory::Auto => {
                // Sizes on disk (compressed files count as their compressed size). A directory is
                // taken for a corpus rather than walked here: the run walks it anyway, and a tree of
                // many files would be listed twice. Inputs that cannot be read count as nothing here,
                // as the run reports them.
                let mut bytes = 0u64;
                for input in inputs.iter().filter(|p| p.as_os_str() != "-") {
                    match std::fs::metadata(input) {
                        Ok(m) if m.is_dir() => return true,
                        Ok(m) => bytes += m.len(),
                        Err(_) => {}
                    }
                }
                bytes >= RESIDENT_FROM_INPUT_BYTES
            }
        }
    }
}

/// Has the index read through 2 MiB pages when `how` asks for it (see `--index-memory`): from the page
/// cache where it holds the file in 2 MiB folios or can be made to (`auto`), else from a copy in the
/// process's memory; if that fails the run goes on with the mapped index, only slower.
fn place_index(matcher: &mut Matcher, how: IndexMemory, inputs: &[PathBuf], verbose: bool) {
    if !how.resident_for(inputs) {
        return;
    }
    if how == IndexMemory::Auto && matcher.mapped_bytes().is_some_and(mapped_in_huge_pages) {
        #[cfg(target_os = "linux")]
        FolioNotes::of(matcher).inspect(FolioNotes::saw_huge_folios);
        if verbose {
            eprintln!(
                "entnorm: index read from its file, which the page cache maps in 2 MiB pages \
                 (--index-memory auto)"
            );
        }
        return;
    }
    #[cfg(target_os = "linux")]
    if how == IndexMemory::Auto && cache_index_in_huge_folios(matcher, verbose) {
        return;
    }
    let started = std::time::Instant::now();
    match matcher.make_resident() {
        Ok(()) if verbose => eprintln!(
            "entnorm: index copied into memory (--index-memory) in {:.2} s",
            started.elapsed().as_secs_f64()
        ),
        Ok(()) => {}
        Err(e) => eprintln!("entnorm: warning: {e}; the index stays mapped from its file"),
    }
}

/// Notes beside a cached index about how the page cache has held it on this kernel: `INDEX.small-folios`
/// (it could not be read in 2 MiB folios) spares later runs the attempt, `INDEX.huge-folios` (it was
/// mapped in 2 MiB pages) says an attempt that fails is worth making again. Each holds the kernel's
/// release, and counts only on that kernel.
#[cfg(target_os = "linux")]
struct FolioNotes {
    small: PathBuf,
    huge: PathBuf,
    kernel: String,
}

#[cfg(target_os = "linux")]
impl FolioNotes {
    fn of(matcher: &Matcher) -> Option<FolioNotes> {
        let beside = |suffix: &str| {
            matcher.index_path().map(|p| {
                let mut note = p.as_os_str().to_owned();
                note.push(suffix);
                PathBuf::from(note)
            })
        };
        Some(FolioNotes {
            small: beside(".small-folios")?,
            huge: beside(".huge-folios")?,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default(),
        })
    }

    fn says(&self, note: &std::path::Path) -> bool {
        std::fs::read_to_string(note).is_ok_and(|k| k == self.kernel)
    }

    /// Whether the page cache is known not to hold this index in 2 MiB folios on this kernel: noted
    /// so, and never seen to. A failure where it once worked (a process with transparent huge pages
    /// disabled, memory too fragmented for a moment) is not taken for the kernel's answer: a note of
    /// that kind used to make every later run copy the index.
    fn small_only(&self) -> bool {
        self.says(&self.small) && !self.says(&self.huge)
    }

    /// Best effort, once per kernel: without the note a later failure is only taken as final.
    fn saw_huge_folios(&self) {
        if !self.says(&self.huge) {
            let _ = std::fs::write(&self.huge, &self.kernel);
        }
    }

    /// Best effort: without the note, the next run only tries again.
    fn saw_small_folios(&self) {
        if !self.says(&self.huge) {
            let _ = std::fs::write(&self.small, &self.kernel);
        }
    }
}

/// Has the page cache read the mapped index file anew in 2 MiB folios (`Matcher::remap_in_huge_pages`)
/// and tells whether it is now mapped in 2 MiB pages: better than a copy where it works, as the cached
/// file serves every later run too. Where it did not (a kernel or file system without large folios),
/// a note says so ([`FolioNotes`]), and later runs on the same kernel copy at once instead of reading
/// the file again first.
#[cfg(target_os = "linux")]
fn cache_index_in_huge_folios(matcher: &mut Matcher, verbose: bool) -> bool {
    let Some(notes) = FolioNotes::of(matcher) else {
        return false;
    };
    if notes.small_only() {
        return false;
    }
    let started = std::time::Instant::now();
    match matcher.remap_in_huge_pages() {
        Ok(()) if matcher.mapped_bytes().is_some_and(mapped_in_huge_pages) => {
            notes.saw_huge_folios();
            if verbose {
                eprintln!(
                    "entnorm: index file read anew into the page cache in 2 MiB pages in {:.2} s \
                     (--index-memory auto; later runs map it as it is)",
                    started.elapsed().as_secs_f64()
                );
            }
            return true;
        }
        Ok(()) => {
            if verbose {
                eprintln!(
                    "entnorm: note: the page cache did not take the index file in 2 MiB pages; \
                     copying the index instead"
                );
            }
            notes.saw_small_folios();
        }
        Err(e) if verbose => eprintln!("entnorm: note: {e}; copying the index instead"),
        Err(_) => {}
    }
    false
}

/// Whether the system maps at least 90% of `bytes`, a file mapping, in 2 MiB pages: the gain of a
/// resident copy (see `--index-memory`), already there without one. Recent Linux kernels cache files in
/// large folios and map whole 2 MiB ones at once; a page is only mapped once read, so one byte per
/// 2 MiB is read first (the run reads them anyway). Elsewhere, or if `/proc/self/smaps` cannot be
/// read: false.
fn mapped_in_huge_pages(bytes: &[u8]) -> bool {
    const HUGE_PAGE: usize = 2 << 20;
    if !cfg!(target_os = "linux") || bytes.len() < HUGE_PAGE {
        return false;
    }
    for at in (0..bytes.len()).step_by(HUGE_PAGE) {
        std::hint::black_box(bytes[at]);
    }
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return false;
    };
    let start = bytes.as_ptr() as usize;
    let huge = file_pmd_mapped_bytes(&smaps, start..start + bytes.len());
    huge >= bytes.len() / 10 * 9
}

/// Bytes that `/proc/PID/smaps` text `smaps` reports as mapped in PMD-sized pages of files
/// (`FilePmdMapped`) in the mappings that overlap address range `range`.
fn file_pmd_mapped_bytes(smaps: &str, range: std::ops::Range<usize>) -> usize {
    let mut overlaps = false;
    let mut bytes = 0;
    for line in smaps.lines() {
        // A mapping's header: `7f3a00000000-7f3a11000000 r--s 00000000 fd:01 1234  /path`.
        let header = line.split_once(' ').and_then(|(addrs, _)| {
            let (lo, hi) = addrs.split_once('-')?;
            Some((
                usize::from_str_radix(lo, 16).ok()?,
                usize::from_str_radix(hi, 16).ok()?,
            ))
        });
        if let Some((lo, hi)) = header {
            overlaps = lo < range.end && range.start < hi;
        } else if let Some(kb) = line.strip_prefix("FilePmdMapped:") {
            if overlaps {
                let kb = kb.trim().trim_end_matches("kB").trim();
                bytes += kb.parse::<usize>().unwrap_or(0) * 1024;
            }
        }
    }
    bytes
}

#[derive(Args)]
struct LookupArgs {
    /// Names to look up.
    #[arg(required = true)]
    names: Vec<String>,
    /// Language (ISO 639 code) of the text the names come from: a name that no alias spells also goes
    /// through the pipeline in that language, so inflected forms (`Лаврова`) and name-part variants show
    /// with the method and score `run` would give them.
    #[arg(long, value_name = "CODE")]
    lang: Option<String>,
    #[command(flatten)]
    gazetteer: GazetteerArgs,
}

/// The bundled default gazetteer: `ENTNORM_DEFAULT_GAZETTEER` if set, else `gazetteers/default` of the
/// source tree this binary was built from.
fn default_gazetteer_dir() -> PathBuf {
    match std::env::var_os("ENTNORM_DEFAULT_GAZETTEER") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/gazetteers/default")),
    }
}

fn source_specs(args: &GazetteerArgs) -> Result<Vec<SourceSpec>> {
    let mut specs: Vec<SourceSpec> = args.gazetteers.iter().map(SourceSpec::user).collect();
    if !args.no_default_gazetteer {
        let dir = default_gazetteer_dir();
        if !dir.exists() {
            bail!(
                "the default gazetteer is missing at {} (set ENTNORM_DEFAULT_GAZETTEER, or use \
                 --no-default-gazetteer with -g)",
                dir.display()
            );
        }
        specs.push(SourceSpec::default_gazetteer(dir));
    }
    if specs.is_empty() {
        bail!("no gazetteer: give one with -g, or drop --no-default-gazetteer");
    }
    Ok(specs)
}

/// The index cache directory (compiled gazetteers, and the fuzzy index beside each), or None with
/// `--no-cache`.
fn cache_dir(no_cache: bool) -> Option<PathBuf> {
    if no_cache {
        None
    } else {
        default_cache_dir()
    }
}

fn load_matcher(args: &GazetteerArgs, verbose: bool) -> Result<Matcher> {
    let started = std::time::Instant::now();
    let (matcher, origin) = match &args.index {
        Some(path) => (Matcher::open(path)?, IndexOrigin::Cached(path.clone())),
        None => {
            let specs = source_specs(args)?;
            let cache = cache_dir(args.no_cache);
            load_matcher_from(&specs, cache.as_deref()).context("cannot load gazetteer")?
        }
    };
    if let IndexOrigin::InMemory(Some(reason)) = &origin {
        eprintln!("entnorm: warning: {reason}; the index was compiled in memory");
    }
    if verbose {
        let how = match &origin {
            IndexOrigin::Cached(p) => format!("index {}", p.display()),
            IndexOrigin::Built(p) => format!("compiled, cached as {}", p.display()),
            IndexOrigin::InMemory(_) => "compiled in memory".to_owned(),
        };
        eprintln!(
            "entnorm: gazetteer: {} entities, {} aliases from {} files ({how}) in {:.2} s",
            matcher.entity_count(),
            matcher.alias_count(),
            matcher.sources().len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(matcher)
}

fn cmd_check(args: CheckArgs) -> Result<ExitCode> {
    let specs = source_specs(&args.gazetteer)?;
    let (g, report) = Gazetteer::load_lenient(&specs)?;
    let mut out = std::io::stdout().lock();
    for s in &g.sources {
        writeln!(
            out,
            "file\t{}\t{}\t{} rows",
            s.path.display(),
            s.origin.name(),
            s.rows
        )?;
    }
    let mut langs = std::collections::BTreeSet::new();
    let mut types: std::collections::BTreeMap<&str, u64> = Default::default();
    let mut kinds: std::collections::BTreeMap<&str, u64> = Default::default();
    for a in &g.aliases {
        langs.extend(a.langs.iter().map(String::as_str));
        *kinds.entry(a.kind.name()).or_default() += 1;
    }
    for e in &g.entities {
        *types.entry(e.entity_type.as_str()).or_default() += 1;
    }
    writeln!(out, "entities\t{}", g.entities.len())?;
    writeln!(
        out,
        "aliases\t{} (distinct spellings per entity)",
        g.aliases.len()
    )?;
    writeln!(out, "languages\t{}", langs.len())?;
    for (t, n) in &types {
        writeln!(out, "type\t{t}\t{n}")?;
    }
    for (k, n) in &kinds {
        writeln!(out, "kind\t{k}\t{n}")?;
    }
    writeln!(out, "duplicate rows\t{}", report.duplicate_rows)?;
    let en = &report.enrichment;
    writeln!(
        out,
        "linked to default\t{} user entities ({} of them persons by name parts, {} acronyms by initials; {} aliases gained; {} ambiguous left unlinked)",
        en.linked.len(),
        en.by_name_parts,
        en.by_initials,
        en.aliases_moved,
        en.ambiguous
    )?;
    writeln!(
        out,
        "removed\t{} entities, {} aliases",
        report.removed_entities, report.removed_aliases
    )?;
    for (id, name) in &report.unmatched_removals {
        writeln!(out, "warning\tremove row matches nothing: {id} {name}")?;
    }
    for (at, id, kept, other) in &report.type_conflicts {
        writeln!(
            out,
            "warning\t{at}: entity {id} has type {kept}; this row says {other} (kept {kept})"
        )?;
    }
    for e in &report.bad_rows {
        writeln!(out, "error\t{e}")?;
    }
    writeln!(out, "bad rows\t{}", report.bad_rows.len())?;
    Ok(if report.bad_rows.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn cmd_import(args: ImportArgs) -> Result<()> {
    use std::io::IsTerminal;
    let options = WikidataImportOptions {
        languages: args.languages,
        types: args.types,
        min_sitelinks: args.min_sitelinks,
        include_unmapped: args.include_unmapped,
        threads: args.threads,
        ..WikidataImportOptions::default()
    };
    // Written to a temporary name and renamed when complete, like every table entnorm writes.
    let partial = PathBuf::from(format!("{}.partial", args.out.display()));
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let mut writer: Box<dyn Write> = if args.out.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::write::GzEncoder::new(
            std::io::BufWriter::new(file),
            flate2::Compression::default(),
        ))
    } else {
        Box::new(std::io::BufWriter::new(file))
    };
    let show = !args.quiet && std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let progress = |p: ImportProgress| {
        if show {
            eprint!(
                "\rentnorm: {} entities read, {} written, {:.0} MB, {:.0} s   ",
                p.entities,
                p.entities_written,
                p.bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
        }
    };
    let stats = import_wikidata(&args.dump, &mut writer, &options, &progress)?;
    writer.flush()?;
    drop(writer);
    std::fs::rename(&partial, &args.out)?;
    if show {
        eprintln!();
    }
    if !args.quiet {
        eprintln!(
            "entnorm: {} entities ({} items) read; {} written with {} rows to {} in {:.1} s",
            stats.entities,
            stats.items,
            stats.entities_written,
            stats.rows_written,
            args.out.display(),
            started.elapsed().as_secs_f64()
        );
        for (t, n) in &stats.by_type {
            eprintln!("entnorm:   {t}\t{n}");
        }
    }
    Ok(())
}

fn cmd_build(args: BuildArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let specs = source_specs(&args.gazetteer)?;
    let matcher = build_index(&specs, &args.out)?;
    eprintln!(
        "entnorm: wrote {} ({} entities, {} aliases, {} not indexed as too short; fingerprint {}) in {:.1} s",
        args.out.display(),
        matcher.entity_count(),
        matcher.alias_count(),
        matcher.skipped_aliases(),
        matcher.fingerprint(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// SIGINT, SIGTERM and SIGHUP ask the run to stop: it finishes the current batch, leaves the tables
/// `.partial` and writes run.json with `finished: false`. A second signal exits at once.
fn stop_on_signals() -> Result<std::sync::Arc<std::sync::atomic::AtomicUsize>> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::sync::Arc;
    let which = Arc::new(AtomicUsize::new(0));
    let asked = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM, SIGHUP] {
        // Registered first, so it sees the flag as the earlier signal left it.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&asked))?;
        signal_hook::flag::register(signal, Arc::clone(&asked))?;
        signal_hook::flag::register_usize(signal, Arc::clone(&which), signal as usize)?;
    }
    Ok(which)
}

fn cmd_run(args: RunArgs) -> Result<ExitCode> {
    let filter = args.out.as_os_str() == "-";
    if !filter && args.format.is_some() {
        bail!("--format applies to filter mode only (-o -)");
    }
    let is_stdout = |p: &PathBuf| p.as_os_str() == "-";
    if !filter && args.partial.as_ref().is_some_and(is_stdout) {
        bail!("--partial - (to stdout) needs filter mode (-o -)");
    }
    if !filter {
        return run_tables(args, None);
    }
    let format = match args.format {
        Some(FormatArg::Tsv) => StreamFormat::Tsv,
        Some(FormatArg::Csv) | None => StreamFormat::Csv,
    };
    // In filter mode a consumer may see only stdout (Spark's pipe does), so a failure also ends the
    // stream with an `error` row carrying the message; stderr and the exit status say it too.
    let result = run_tables(args, Some(format));
    if let Ok(code) = &result {
        if *code != ExitCode::SUCCESS {
            write_error_row(
                format,
                "entnorm: error: interrupted by a signal; the stream is incomplete",
            );
        }
    }
    if let Err(err) = &result {
        // Causes whose text the message already contains are left out.
        let mut message = String::new();
        for cause in err.chain().map(ToString::to_string) {
            if !message.contains(&cause) {
                if !message.is_empty() {
                    message.push_str(": ");
                }
                message.push_str(&cause);
            }
        }
        write_error_row(format, &format!("entnorm: error: {message}"));
    }
    result
}

/// Refuses bad options and missing inputs of `run`, before the gazetteer is loaded: on a first run that
/// compiles it (about 20 s for the default one), a mistyped option or path is reported at once.
fn check_run_args(args: &RunArgs, stream: Option<StreamFormat>) -> Result<()> {
    args.link.check()?;
    if stream.is_some() && args.resume {
        bail!("--resume needs an output directory (not filter mode, -o -)");
    }
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    if args.max_record_bytes == 0 {
        bail!("--max-record-bytes must be at least 1");
    }
    // Texts are analysed with 32-bit token offsets.
    if u32::try_from(args.max_record_bytes).is_err() {
        bail!(
            "--max-record-bytes must be below 4 GiB ({}), not {}",
            u64::from(u32::MAX) + 1,
            args.max_record_bytes
        );
    }
    if !(args.checkpoint_interval >= 0.0 && args.checkpoint_interval.is_finite()) {
        bail!("--checkpoint-interval must be a number of seconds, 0 or more");
    }
    entnorm_pipeline::check_named_inputs(&args.inputs)?;
    Ok(())
}

fn run_tables(args: RunArgs, stream: Option<StreamFormat>) -> Result<ExitCode> {
    check_run_args(&args, stream)?;
    let stop = stop_on_signals().context("cannot install signal handlers")?;
    let (mut matcher, skipped_rows) = if args.lenient && args.gazetteer.index.is_none() {
        let specs = source_specs(&args.gazetteer)?;
        let cache = cache_dir(args.gazetteer.no_cache);
        let (m, _, skipped) =
            load_matcher_lenient(&specs, cache.as_deref()).context("cannot load gazetteer")?;
        for row in &skipped {
            eprintln!("entnorm: warning: gazetteer row skipped (--lenient): {row}");
        }
        (m, skipped)
    } else {
        (load_matcher(&args.gazetteer, !args.quiet)?, Vec::new())
    };
    place_index(&mut matcher, args.index_memory, &args.inputs, !args.quiet);
    let mut config = RunConfig::new(args.inputs, args.out);
    config.stream = stream;
    config.partial = args.partial;
    config.accept_threshold = args.link.accept_threshold;
    config.review_threshold = args.link.review_threshold;
    config.fuzzy = args.link.fuzzy;
    config.key_layers_only = args.key_layers_only;
    if let Some(t) = args.threads {
        config.threads = t;
    }
    config.progress = !args.quiet;
    config.default_lang = args.lang;
    config.fields = FieldNames {
        id: args.id_field,
        text: args.text_field,
        title: args.title_field,
        lang: args.lang_field,
        date: args.date_field,
    };
    config.read = ReadOptions {
        max_record_bytes: args.max_record_bytes,
        max_decompressed_ratio: args.max_decompressed_ratio,
        replace_invalid_utf8: args.replace_invalid_utf8,
        defer_json: false, // the run decides (see `entnorm_pipeline::run`)
    };
    config.spreadsheet_safe = args.spreadsheet_safe;
    config.resume = args.resume;
    config.checkpoint_interval = std::time::Duration::from_secs_f64(args.checkpoint_interval);
    config.gazetteer_skipped_rows = skipped_rows;
    config.stop = Some(stop);
    // A planted fault for the test that shows one panicking article is rejected and the run goes on.
    config.panic_on_doc = std::env::var("ENTNORM_TEST_PANIC_DOC").ok();
    // A pause after each input file, for the tests that interrupt a run midway.
    if let Some(ms) = std::env::var("ENTNORM_TEST_FILE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.file_delay = std::time::Duration::from_millis(ms);
    }
    // A lenient load that skipped rows has an index that is never cached, nor is its fuzzy index.
    let fuzzy = config.fuzzy.then(|| {
        let no_cache = args.gazetteer.no_cache || !config.gazetteer_skipped_rows.is_empty();
        load_fuzzy_index(&matcher, cache_dir(no_cache).as_deref()).0
    });
    let summary = run_with(&config, &matcher, fuzzy.as_ref())?;
    if stream.is_none() {
        write_manifest(&config.out_dir, &config, &matcher, &summary)?;
    }
    if let Some(signal) = &summary.interrupted {
        eprintln!(
            "entnorm: interrupted by {signal} after {} records ({} processed, {} rejected); the tables in {} \
             are left as .partial; {} of {} input files were done at the last checkpoint: run the same \
             command with --resume to go on",
            summary.records,
            summary.processed,
            summary.rejected,
            config.out_dir.display(),
            summary.files_checkpointed,
            summary.inputs.len()
        );
        let code = match signal.as_str() {
            "SIGINT" => 130,
            "SIGHUP" => 129,
            _ => 143,
        };
        return Ok(ExitCode::from(code));
    }
    let unread: Vec<&entnorm_pipeline::InputSummary> = summary
        .inputs
        .iter()
        .filter(|i| i.read_error.is_some())
        .collect();
    for input in &unread {
        eprintln!(
            "entnorm: warning: {}: {} (listed in rejects.csv)",
            input.path,
            input.read_error.as_deref().unwrap_or_default()
        );
    }
    if !args.quiet {
        let resumed = if summary.files_resumed > 0 {
            format!(
                " ({} input files done before resuming)",
                summary.files_resumed
            )
        } else {
            String::new()
        };
        eprintln!(
            "entnorm: {} records ({} processed, {} rejected), {} mentions of {} entities, {:.1} MB in {:.1} s -> {}{resumed}",
            summary.records,
            summary.processed,
            summary.rejected,
            summary.mentions,
            summary.entities,
            summary.bytes_of_text as f64 / 1e6,
            summary.elapsed_seconds,
            if stream.is_some() {
                "stdout".into()
            } else {
                config.out_dir.display().to_string()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_merge(args: MergeArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let files = partial_files(&args.parts)?;
    let merged = merge_partials(&files)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    if let Some(path) = &args.partial {
        merged.write_partial_file(path)?;
    }
    merged.write_tables_with(&args.out, args.spreadsheet_safe)?;
    write_merge_report(&args.out, &files, &merged)?;
    if !args.quiet {
        let c = merged.counts;
        eprintln!(
            "entnorm: merged {} parts: {} records ({} processed, {} rejected), {} mentions of {} entities in {:.1} s -> {}",
            files.len(),
            c.records,
            c.processed,
            c.rejected,
            c.mentions,
            merged.entities.len(),
            started.elapsed().as_secs_f64(),
            args.out.display()
        );
    }
    Ok(())
}

fn cmd_lookup(args: LookupArgs) -> Result<()> {
    let matcher = load_matcher(&args.gazetteer, false)?;
    let g = &matcher;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "name\tentity_id\tentity_name\tentity_type\tmethod\tscore\talias\talias_lang"
    )?;
    for name in &args.names {
        let hits = matcher.lookup(name);
        let mut linked = false;
        if hits.is_empty() {
            // No alias spells it: what the pipeline makes of the name as a text of its own.
            let doc = entnorm_pipeline::Document {
                id: String::new(),
                title: None,
                text: name.clone(),
                lang: args.lang.clone(),
                date: None,
            };
            let mut worker = entnorm_pipeline::Worker::new(&matcher);
            for row in worker.process(&doc, None) {
                let e = g.entity(row.entity);
                let a = g.alias(row.alias);
                let surface = if row.surface(&doc) == *name {
                    String::new()
                } else {
                    format!(" (for `{}`)", row.surface(&doc))
                };
                writeln!(
                    out,
                    "{name}\t{}\t{}\t{}\t{}{surface}\t{:.2}\t{}\t{}",
                    e.id, e.name, e.entity_type, row.method, row.score, a.text, a.lang
                )?;
                linked = true;
            }
        }
        if hits.is_empty() && !linked {
            // Nothing matches: show the nearest names, marked as suggestions, so a typo or an unknown
            // spelling can be told apart at a glance.
            for (alias, score) in matcher.suggest(name, 3) {
                let a = g.alias(alias);
                let e = g.entity(a.entity);
                writeln!(
                    out,
                    "{name}\t{}\t{}\t{}\tsuggestion\t{score:.2}\t{}\t{}",
                    e.id, e.name, e.entity_type, a.text, a.lang
                )?;
            }
        }
        for hit in hits {
            let e = g.entity(hit.entity);
            let a = g.alias(hit.alias);
            writeln!(
                out,
                "{name}\t{}\t{}\t{}\t{}\t{:.2}\t{}\t{}",
                e.id,
                e.name,
                e.entity_type,
                hit.layer.name(),
                hit.score,
                a.text,
                a.lang
            )?;
        }
    }
    Ok(())
}

fn cmd_eval(args: EvalArgs) -> Result<()> {
    use entnorm_pipeline::eval;
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    args.link.check()?;
    let set_gazetteer = match &args.set_gazetteer {
        Some(p) => p.clone(),
        None => eval::set_gazetteer_path(&args.gold, args.set_variant.as_deref()),
    };
    if !set_gazetteer.is_file() {
        bail!(
            "the set gazetteer {} does not exist (give it with --set-gazetteer)",
            set_gazetteer.display()
        );
    }
    let gazetteer = GazetteerArgs {
        gazetteers: std::iter::once(set_gazetteer.clone())
            .chain(args.gazetteers)
            .collect(),
        no_default_gazetteer: args.no_default_gazetteer,
        index: None,
        no_cache: args.no_cache,
    };
    let gold = eval::read_gold(&args.gold)?;
    let baseline = eval::BaselineMatcher::from_tsv(&set_gazetteer)?;
    let matcher = load_matcher(&gazetteer, !args.quiet)?;
    let defaults: Vec<SourceSpec> = source_specs(&gazetteer)?
        .into_iter()
        .filter(|s| matches!(s.origin, entnorm_gazetteer::Origin::Default))
        .collect();
    let default_fingerprint = if defaults.is_empty() {
        None
    } else {
        Some(entnorm_gazetteer::fingerprint_sources(&defaults)?)
    };
    let options = eval::EvalOptions {
        types: args.types.map(|t| t.into_iter().collect()),
        threads: args.threads.unwrap_or(0),
        fuzzy: args.link.fuzzy,
        accept: args.link.accept_threshold,
        review: args.link.review_threshold,
    };
    let fuzzy = options
        .fuzzy
        .then(|| load_fuzzy_index(&matcher, cache_dir(gazetteer.no_cache).as_deref()).0);
    let evaluation = eval::evaluate_with(&gold, &matcher, &baseline, &options, fuzzy.as_ref())?;
    let report = eval::EvalReport::new(
        &args.gold,
        &set_gazetteer,
        &baseline,
        &matcher,
        default_fingerprint,
        &options,
        evaluation,
    );
    if let Some(path) = &args.json {
        let text = report.to_json_pretty();
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    report.write_text(&mut out)?;
    out.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd_run(args),
        Command::Lookup(args) => cmd_lookup(args).map(|()| ExitCode::SUCCESS),
        Command::Gazetteer(GazetteerCommand::Build(args)) => {
            cmd_build(args).map(|()| ExitCode::SUCCESS)
        }
        Command::Gazetteer(GazetteerCommand::Check(args)) => cmd_check(args),
        Command::Gazetteer(GazetteerCommand::ImportWikidata(args)) => {
            cmd_import(args).map(|()| ExitCode::SUCCESS)
        }
        Command::Eval(args) => cmd_eval(args).map(|()| ExitCode::SUCCESS),
        Command::Merge(args) => cmd_merge(args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`entnorm lookup ... | head`) is the reader's choice, not a failure.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("entnorm: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::file_pmd_mapped_bytes;

    /// A mapping's lines as `/proc/self/smaps` gives them (abridged), with its `FilePmdMapped` in kB.
    fn mapping(range: &str, path: &str, pmd_kb: usize) -> String {
        format!(
            "{range} r--s 00000000 fe:00 247030                     {path}\n\
             Size:             272384 kB\nKernelPageSize:        4 kB\nRss:              270336 kB\n\
             AnonHugePages:         0 kB\nShmemPmdMapped:        0 kB\n\
             FilePmdMapped:    {pmd_kb:>6} kB\nShared_Hugetlb:        0 kB\nTHPeligible:           1\n\
             VmFlags: rd mr me ms sd\n"
        )
    }

    /// Only the mappings overlapping the range count, however the kernel splits the range into
    /// mappings, and the other lines of a mapping are not taken for headers.
    #[test]
    fn file_pmd_mapped_bytes_sums_the_mappings_that_overlap_the_range() {
        let smaps = [
            mapping("55e974fc8000-55e974fca000", "/usr/bin/entnorm", 0),
            mapping("7f0000000000-7f0000400000", "/tmp/other.idx", 4096),
            mapping("7f1000000000-7f1008000000", "/cache/gazetteer.idx", 131072),
            mapping("7f1008000000-7f1010000000", "/cache/gazetteer.idx", 65536),
            mapping("7f2000000000-7f2000200000", "[heap]", 2048),
        ]
        .concat();
        let whole = 0x7f10_0000_0000..0x7f10_1000_0000;
        assert_eq!(
            file_pmd_mapped_bytes(&smaps, whole),
            (131072 + 65536) * 1024
        );
        let second_half = 0x7f10_0900_0000..0x7f10_0a00_0000;
        assert_eq!(file_pmd_mapped_bytes(&smaps, second_half), 65536 * 1024);
        let between = 0x7f00_0040_0000..0x7f10_0000_0000;
        assert_eq!(file_pmd_mapped_bytes(&smaps, between), 0);
    }
}
