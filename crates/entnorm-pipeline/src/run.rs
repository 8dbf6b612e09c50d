//! The batch driver: reads records in input order, processes them in parallel batches, and writes every
//! table in input order, so the output never depends on the number of threads.

use std::io::IsTerminal;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entnorm_gazetteer::Matcher;
use entnorm_reconcile::FuzzyIndex;
use serde::{Deserialize, Serialize};

use crate::aggregate::AggregateCounts;
use crate::checkpoint::{Checkpoint, Setup};
use crate::error::PipelineError;
use crate::input::{
    discover, parse_json_line, precheck, FieldNames, InputItem, ReadOptions, Record, RecordStream,
};
use crate::output::{mention_fields, EntityTable, MentionEncoder};
use crate::process::{
    Linking, MentionRow, UnmatchedRow, Worker, DEFAULT_ACCEPT_THRESHOLD, DEFAULT_REVIEW_THRESHOLD,
};
use crate::sink::{is_stdout, write_partial, Sink, StreamFormat, TABLE_NAMES};
use crate::unmatched::UnmatchedTally;

/// Settings of one run, already validated by the caller.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub inputs: Vec<PathBuf>,
    pub out_dir: PathBuf,
    pub threads: usize,
    pub fields: FieldNames,
    /// Show a progress line on stderr (only honoured when stderr is a terminal).
    pub progress: bool,
    /// Records per parallel batch; bounds memory together with `batch_bytes`.
    pub batch_records: usize,
    /// A batch is closed once its records hold this many bytes of text, whatever their number.
    pub batch_bytes: usize,
    /// The language of documents that do not give one (ISO 639 code).
    pub default_lang: Option<String>,
    /// Filter mode: rows go to stdout in this format instead of tables in `out_dir` (see `sink`).
    pub stream: Option<StreamFormat>,
    /// Also write the partial aggregate (see `aggregate`) here; `-` appends it to the filter-mode stream.
    pub partial: Option<PathBuf>,
    /// Links scored at least this are `accepted`; lower ones down to `review_threshold` are `review`.
    pub accept_threshold: f64,
    /// Links scored lower than this are not written.
    pub review_threshold: f64,
    /// Fuzzy matching of name-like spans and the unmatched table (see `entnorm_reconcile::fuzzy`).
    pub fuzzy: bool,
    /// Only the gazetteer's key layers, no reconciliation: for measuring what reconciliation costs.
    pub key_layers_only: bool,
    /// Record size limits and UTF-8 repair.
    pub read: ReadOptions,
    /// Neutralise cells that spreadsheet programs would read as formulas (changes the data).
    pub spreadsheet_safe: bool,
    /// Set (to the signal number) by a signal handler: the run stops after the current batch, leaves its
    /// tables `.partial` and returns a summary with `interrupted` set.
    pub stop: Option<Arc<AtomicUsize>>,
    /// Go on from the checkpoint in `out_dir` (see [`crate::checkpoint`]).
    pub resume: bool,
    /// Least time between two checkpoints; one is written at the end of an input file once this much has
    /// passed since the last (zero: after every file).
    pub checkpoint_interval: Duration,
    /// Gazetteer rows skipped by a lenient load (`--lenient`), each naming its file and line: listed in
    /// `run.json`.
    pub gazetteer_skipped_rows: Vec<String>,
    /// Test-only: processing the document with this ID panics (a planted fault, to show that a panic
    /// rejects one document and the run goes on). Set by the binary from `ENTNORM_TEST_PANIC_DOC`.
    #[doc(hidden)]
    pub panic_on_doc: Option<String>,
    /// Test-only: a pause after each input file, so that a test can interrupt a run midway without a
    /// race. Set by the binary from `ENTNORM_TEST_FILE_DELAY_MS`.
    #[doc(hidden)]
    pub file_delay: Duration,
}

impl RunConfig {
    pub fn new(inputs: Vec<PathBuf>, out_dir: PathBuf) -> Self {
        RunConfig {
            inputs,
            out_dir,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            fields: FieldNames::default(),
            progress: true,
            batch_records: 512,
            batch_bytes: 64 << 20,
            default_lang: None,
            stream: None,
            partial: None,
            accept_threshold: DEFAULT_ACCEPT_THRESHOLD,
            review_threshold: DEFAULT_REVIEW_THRESHOLD,
            fuzzy: true,
            key_layers_only: false,
            read: ReadOptions::default(),
            spreadsheet_safe: false,
            stop: None,
            resume: false,
            checkpoint_interval: Duration::from_secs(30),
            gazetteer_skipped_rows: Vec::new(),
            panic_on_doc: None,
            file_delay: Duration::ZERO,
        }
    }
}

/// Per-input-file accounting, written to `run.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InputSummary {
    pub path: String,
    pub records: u64,
    pub processed: u64,
    pub rejected: u64,
    pub bytes_of_text: u64,
    /// Records whose invalid UTF-8 was replaced by U+FFFD (`--replace-invalid-utf8`).
    pub utf8_replaced: u64,
    /// Whether every record of the file was read (false for a file not reached by an interrupted run,
    /// and for a file that could not be opened or read to its end: see `read_error`).
    pub complete: bool,
    /// Why the file was not read to its end; the rejected record that says so is in rejects.csv.
    pub read_error: Option<String>,
}

/// What a run reports.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunSummary {
    pub records: u64,
    pub processed: u64,
    pub rejected: u64,
    pub mentions: u64,
    pub entities: u64,
    pub bytes_of_text: u64,
    pub inputs: Vec<InputSummary>,
    pub elapsed_seconds: f64,
    /// The process's peak resident memory so far (`VmHWM` of /proc/self/status; None where there is no
    /// /proc), including the mapped gazetteer index.
    pub peak_rss_bytes: Option<u64>,
    /// Input files skipped because a resumed run's checkpoint had them done.
    pub files_resumed: usize,
    /// Set when a signal stopped the run: the signal's name. The tables are then left `.partial`.
    #[serde(skip)]
    pub interrupted: Option<String>,
    /// Input files fully done at the last checkpoint: what `--resume` skips.
    #[serde(skip)]
    pub files_checkpointed: usize,
    /// The run is under way (the `run.json` written at its start says so until the end).
    #[serde(skip)]
    pub running: bool,
}

impl RunSummary {
    /// Whether the run went through every input and wrote every table under its final name.
    pub fn finished(&self) -> bool {
        !self.running && self.interrupted.is_none()
    }

    /// `finished`, `running`, or `interrupted by SIGNAL`: the `state` of `run.json`.
    pub fn state(&self) -> String {
        match (&self.interrupted, self.running) {
            (Some(signal), _) => format!("interrupted by {signal}"),
            (None, true) => "running".into(),
            (None, false) => "finished".into(),
        }
    }
}

/// What a worker made of one input item.
struct Handled {
    /// For a line read as [`Record::Unparsed`]: the record parsed from it, and whether its invalid UTF-8
    /// was replaced.
    parsed: Option<(Record, bool)>,
    /// For a document: its outcome.
    outcome: Option<Outcome>,
}

enum Outcome {
    /// The document's mention rows, unmatched spans and what the worker prepared for the writer's
    /// tables.
    Processed(Vec<MentionRow>, Vec<UnmatchedRow>, ForTables),
    Failed(String),
}

/// A document's part of the tables, prepared by the worker (which has the gazetteer records it reads
/// at hand), so that the one writer thread, whose work does not run in parallel, only copies bytes.
struct ForTables {
    /// Its rows of `mentions.csv`, encoded when every core runs a worker and tables are written.
    mentions: Option<Vec<u8>>,
    /// The length of its text in characters, for `documents.csv` (counted on from the last mention's
    /// offset, not over the whole text again).
    text_chars: usize,
}

/// The name of a signal number, for messages and `run.json`.
pub fn signal_name(signal: usize) -> String {
    match signal {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// Runs the whole pipeline over `config.inputs` with `matcher`, writing the tables into `config.out_dir`.
/// `run.json` is written by the caller, who knows the options and gazetteer files.
pub fn run(config: &RunConfig, matcher: &Matcher) -> Result<RunSummary, PipelineError> {
    let fuzzy = config
        .fuzzy
        .then(|| crate::index_cache::load_fuzzy_index(matcher, None).0);
    run_with(config, matcher, fuzzy.as_ref())
}

/// [`run`] with the fuzzy index given (None: no fuzzy stage, whatever `config.fuzzy` says).
pub fn run_with(
    config: &RunConfig,
    matcher: &Matcher,
    fuzzy: Option<&FuzzyIndex>,
) -> Result<RunSummary, PipelineError> {
    let linking = Linking {
        fuzzy,
        accept: config.accept_threshold,
        review: config.review_threshold,
        key_layers_only: config.key_layers_only,
    };
    let started = Instant::now();
    let files = discover(&config.inputs)?;
    // A mistake in the command (a missing or unreadable file, a CSV without the text column) stops the
    // run before anything is written; files found in directories are opened one at a time as reached.
    precheck(&files, &config.fields, &config.read)?;
    let dir = &config.out_dir;
    let tables = config.stream.is_none();
    // Whether every core runs a worker. Then the workers also parse the JSON lines and encode the rows of
    // `mentions.csv`: the one reader and the one writer would otherwise take a share of a core from
    // them. With a core to spare, those two threads do it beside the workers, for free. Tables are the
    // same either way.
    let every_core_works =
        std::thread::available_parallelism().map_or(1, |n| n.get()) <= config.threads.max(1);
    if config.resume && !tables {
        return Err(PipelineError::Resume {
            dir: dir.clone(),
            message: "filter mode (-o -) cannot be resumed".into(),
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads.max(1))
        .build()
        .map_err(|e| PipelineError::ThreadPool {
            threads: config.threads,
            message: e.to_string(),
        })?;

    let setup = Setup::new(config, &files, matcher.fingerprint());
    let mut checkpoint = None;
    if tables {
        std::fs::create_dir_all(dir).map_err(|source| PipelineError::Io {
            path: dir.clone(),
            source,
        })?;
        if config.resume {
            if files.iter().any(|f| f.is_stdin()) {
                return Err(PipelineError::Resume {
                    dir: dir.clone(),
                    message: "a run reading stdin cannot be resumed".into(),
                });
            }
            checkpoint = Checkpoint::load(dir, &setup)?;
            if checkpoint.is_none() && config.progress {
                eprintln!(
                    "entnorm: no checkpoint in {}: starting from the beginning",
                    dir.display()
                );
            }
        }
        // Nothing complete-looking may survive from an earlier run in the same directory while this one
        // is under way: a run killed before its end must not leave old tables beside its own `.partial`
        // ones.
        for name in TABLE_NAMES.iter().chain(&["entities.csv", "run.json"]) {
            match std::fs::remove_file(dir.join(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(PipelineError::Io {
                        path: dir.join(name),
                        source,
                    })
                }
            }
        }
        if checkpoint.is_none() {
            Checkpoint::remove(dir);
        }
        // Until the end, run.json says the run is not finished: also what a killed run leaves.
        let running = RunSummary {
            running: true,
            ..RunSummary::default()
        };
        crate::manifest::write_manifest(dir, config, matcher, &running)?;
    }

    let gazetteer = matcher;
    let mut summary = RunSummary {
        inputs: files
            .iter()
            .map(|f| InputSummary {
                path: f.display(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let mut entities = EntityTable::default();
    let mut unmatched = UnmatchedTally::default();
    let mut document_seq = 0u64;
    let mut skip = vec![false; files.len()];
    let mut resume_from = None;
    if let Some(cp) = checkpoint {
        resume_from = Some(cp.table_bytes);
        skip[..cp.files_done].fill(true);
        summary.inputs = cp.inputs;
        summary.mentions = cp.mentions;
        summary.files_resumed = cp.files_done;
        summary.files_checkpointed = cp.files_done;
        entities = cp.entities;
        unmatched = cp.unmatched;
        document_seq = cp.document_seq;
    }
    let mut sink = Sink::create(config, resume_from)?;
    // Rows of `mentions.csv` this thread encodes (when not every core runs a worker), and the number
    // buffer of filter-mode mention rows.
    let mut numbers = String::new();
    let (mut row_encoder, mut row_bytes) = (MentionEncoder::default(), Vec::new());
    let mut progress = Progress::new(config.progress);
    let mut last_checkpoint = Instant::now();

    // Reading and parsing run on a thread of their own, one batch ahead (a batch holds at most
    // `batch_records` records and about `batch_bytes` of text, so memory stays bounded); while the pool
    // matches a batch, this thread writes the rows of the previous one, in input order whatever the number
    // of threads. A reader that panicked is reported, never taken for the end of the input.
    let batch_records = config.batch_records.max(1);
    let batch_bytes_limit = config.batch_bytes;
    let read = ReadOptions {
        defer_json: every_core_works,
        ..config.read.clone()
    };
    let mut items = RecordStream::new(files, skip, config.fields.clone(), read);
    let (batches, received) = std::sync::mpsc::sync_channel::<Vec<InputItem>>(1);
    let reader = std::thread::Builder::new()
        .name("entnorm-reader".into())
        .spawn(move || loop {
            let mut batch = Vec::with_capacity(batch_records);
            let mut batch_bytes = 0usize;
            while batch.len() < batch_records && batch_bytes < batch_bytes_limit {
                let Some(item) = items.next() else { break };
                match &item {
                    InputItem::Record(Record::Document { doc, .. }) => {
                        batch_bytes += doc.text.len() + doc.title.as_ref().map_or(0, String::len);
                    }
                    InputItem::Record(Record::Unparsed { line, .. }) => batch_bytes += line.len(),
                    _ => {}
                }
                batch.push(item);
            }
            if batch.is_empty() || batches.send(batch).is_err() {
                break;
            }
        })
        .map_err(|e| PipelineError::ThreadPool {
            threads: 1,
            message: format!("cannot start the input reader thread: {e}"),
        })?;
    let stop_signal = || {
        config
            .stop
            .as_ref()
            .map(|s| s.load(Ordering::SeqCst))
            .filter(|&s| s != 0)
    };
    // One worker per pool thread, kept from batch to batch: its scratch (the matcher's token cache, the
    // analyzer's key memo, buffers) stays warm instead of being rebuilt for every chunk.
    let workers: Vec<Mutex<Option<Worker>>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(None))
        .collect();
    let encode_in_workers = tables && every_core_works;
    let process_chunk = |items: &[InputItem]| -> Vec<Handled> {
        let mut lease = WorkerLease::take(&workers, || Worker::with_linking(matcher, linking));
        let mut process = |doc: &crate::input::Document| {
            let mut outcome = process_isolated(
                lease.worker(),
                doc,
                config.default_lang.as_deref(),
                config.panic_on_doc.as_deref(),
            );
            if let Outcome::Processed(rows, _, prepared) = &mut outcome {
                if encode_in_workers {
                    let mut bytes = Vec::with_capacity(rows.len() * 160);
                    lease.worker().row_encoder.encode_rows(
                        &mut bytes,
                        doc,
                        rows,
                        gazetteer,
                        config.spreadsheet_safe,
                    );
                    prepared.mentions = Some(bytes);
                }
            }
            outcome
        };
        items
            .iter()
            .map(|item| match item {
                InputItem::Record(Record::Document { doc, .. }) => Handled {
                    parsed: None,
                    outcome: Some(process(doc)),
                },
                InputItem::Record(Record::Unparsed { at, line }) => {
                    let replace = config.read.replace_invalid_utf8;
                    let (record, repaired) = parse_json_line(line, *at, &config.fields, replace);
                    let outcome = match &record {
                        Record::Document { doc, .. } => Some(process(doc)),
                        _ => None,
                    };
                    Handled {
                        parsed: Some((record, repaired)),
                        outcome,
                    }
                }
                _ => Handled {
                    parsed: None,
                    outcome: None,
                },
            })
            .collect()
    };
    let mut write_batch = |batch: &[InputItem],
                           handled: Vec<Handled>|
     -> Result<(), PipelineError> {
        for (item, Handled { parsed, outcome }) in batch.iter().zip(handled) {
            let record = match (item, &parsed) {
                (InputItem::Record(_), Some((record, repaired))) => {
                    let at = record.source();
                    summary.inputs[at.file as usize].utf8_replaced += u64::from(*repaired);
                    record
                }
                (InputItem::Record(record), None) => record,
                (InputItem::FileEnd { file, outcome }, _) => {
                    let input = &mut summary.inputs[*file as usize];
                    // Added to the lines the workers repaired, for a file whose lines they parsed.
                    input.utf8_replaced += outcome.utf8_replaced;
                    input.read_error = outcome.error.clone();
                    input.complete = outcome.error.is_none();
                    let files_done = *file as usize + 1;
                    if !config.file_delay.is_zero() {
                        std::thread::sleep(config.file_delay);
                    }
                    if tables && last_checkpoint.elapsed() >= config.checkpoint_interval {
                        let table_bytes = sink.checkpoint()?.expect("tables were checked above");
                        let cp = Checkpoint {
                            version: Checkpoint::new_version(),
                            setup: setup.clone(),
                            files_done,
                            table_bytes,
                            document_seq,
                            mentions: summary.mentions,
                            inputs: summary.inputs.clone(),
                            entities: std::mem::take(&mut entities),
                            unmatched: std::mem::take(&mut unmatched),
                        };
                        let saved = cp.save(dir);
                        entities = cp.entities;
                        unmatched = cp.unmatched;
                        saved?;
                        summary.files_checkpointed = files_done;
                        last_checkpoint = Instant::now();
                    }
                    continue;
                }
            };
            let at = record.source();
            let file_name = &summary.inputs[at.file as usize].path.clone();
            let input = &mut summary.inputs[at.file as usize];
            input.records += 1;
            match (record, outcome) {
                (Record::Document { doc, .. }, Some(Outcome::Processed(rows, spans, prepared))) => {
                    document_seq += 1;
                    input.processed += 1;
                    let text_bytes =
                        (doc.text.len() + doc.title.as_ref().map_or(0, String::len)) as u64;
                    input.bytes_of_text += text_bytes;
                    match &prepared.mentions {
                        Some(bytes) => sink.encoded_mentions(bytes)?,
                        None if tables => {
                            row_bytes.clear();
                            row_encoder.encode_rows(
                                &mut row_bytes,
                                doc,
                                &rows,
                                gazetteer,
                                config.spreadsheet_safe,
                            );
                            sink.encoded_mentions(&row_bytes)?;
                        }
                        None => {
                            for m in &rows {
                                sink.mention(mention_fields(doc, m, gazetteer, &mut numbers))?;
                            }
                        }
                    }
                    for m in &rows {
                        entities.add(document_seq, m, m.surface(doc));
                    }
                    for u in &spans {
                        unmatched.add(document_seq, &doc.id, u, gazetteer);
                    }
                    summary.mentions += rows.len() as u64;
                    sink.processed(&doc.id, file_name, at, rows.len(), prepared.text_chars)?;
                    progress.advance(text_bytes);
                }
                (Record::Document { doc, .. }, Some(Outcome::Failed(reason))) => {
                    input.rejected += 1;
                    let reason = format!("internal error: {reason}");
                    sink.reject(file_name, at, Some(&doc.id), &reason)?;
                }
                (Record::Rejected { doc_id, reason, .. }, _) => {
                    input.rejected += 1;
                    sink.reject(file_name, at, doc_id.as_deref(), reason)?;
                }
                (Record::Document { .. }, None) => unreachable!("every document gets an outcome"),
                (Record::Unparsed { .. }, _) => unreachable!("workers parse every deferred line"),
            }
        }
        Ok(())
    };
    let mut incoming = received.iter();
    let mut interrupted = None;
    // Batches are processed in chunks, spawned on the pool as soon as the batch arrives: the chunks of
    // the next batch run while the last chunks of the previous one finish and while this thread writes
    // it, so no thread waits at the end of a batch for the slowest record of another.
    let written = pool.in_place_scope(|scope| -> Result<(), PipelineError> {
        let process_chunk = &process_chunk;
        let mut previous: Option<StartedBatch> = None;
        loop {
            interrupted = stop_signal();
            let batch = if interrupted.is_some() {
                None
            } else {
                incoming.next()
            };
            let started = batch.map(|batch| {
                let batch = Arc::new(batch);
                let parts: Vec<_> = (0..batch.len())
                    .step_by(CHUNK_RECORDS)
                    .map(|from| {
                        let (done, part) = sync_channel(1);
                        let items = Arc::clone(&batch);
                        scope.spawn(move |_| {
                            let to = (from + CHUNK_RECORDS).min(items.len());
                            // The receiver is only gone if the run already failed.
                            let _ = done.send(process_chunk(&items[from..to]));
                        });
                        part
                    })
                    .collect();
                (batch, parts)
            });
            if let Some((batch, parts)) = previous.take() {
                let mut outcomes = Vec::with_capacity(batch.len());
                for part in parts {
                    outcomes.extend(part.recv().map_err(|_| PipelineError::ThreadPool {
                        threads: config.threads,
                        message: "a worker thread failed (panicked); the run is incomplete".into(),
                    })?);
                }
                write_batch(&batch, outcomes)?;
            }
            match started {
                Some(started) => previous = Some(started),
                None => return Ok(()),
            }
        }
    });
    written?;
    // Dropping the receiver unblocks a reader still waiting to send (an interrupted run).
    drop(received);
    match interrupted {
        Some(signal) => summary.interrupted = Some(signal_name(signal)),
        None => {
            if reader.join().is_err() {
                return Err(PipelineError::ThreadPool {
                    threads: 1,
                    message: "the input reader thread failed (panicked); the run is incomplete"
                        .into(),
                });
            }
        }
    }
    progress.finish();

    // The run checks its own bookkeeping before claiming success: every record read is accounted for.
    for input in &summary.inputs {
        if input.records != input.processed + input.rejected {
            return Err(PipelineError::Accounting {
                path: input.path.clone(),
                read: input.records,
                processed: input.processed,
                rejected: input.rejected,
            });
        }
        summary.records += input.records;
        summary.processed += input.processed;
        summary.rejected += input.rejected;
        summary.bytes_of_text += input.bytes_of_text;
    }
    summary.entities = entities.len() as u64;
    if summary.interrupted.is_some() {
        // Stopped by a signal: the tables stay `.partial` (never complete-looking); the checkpoint, if
        // any, lets `--resume` go on from the last one.
        sink.abandon()?;
    } else {
        let mut aggregate = entities.to_aggregate(
            gazetteer,
            AggregateCounts {
                records: summary.records,
                processed: summary.processed,
                rejected: summary.rejected,
                mentions: summary.mentions,
                bytes_of_text: summary.bytes_of_text,
            },
        );
        aggregate.unmatched = unmatched.into_keys();
        if let Some(path) = &config.partial {
            write_partial(path, &aggregate)?;
        }
        let partial_rows = config.partial.as_deref().is_some_and(is_stdout);
        sink.finish(&aggregate, partial_rows, config.spreadsheet_safe)?;
        if tables {
            Checkpoint::remove(dir);
        }
    }
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary.peak_rss_bytes = peak_rss_bytes();
    Ok(summary)
}

/// The process's peak resident set size, from Linux's /proc/self/status.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A batch whose chunks are on the pool, with one receiver per chunk for its outcomes, in order.
type StartedBatch = (Arc<Vec<InputItem>>, Vec<Receiver<Vec<Handled>>>);

/// Records per job on the pool: small enough that the threads' shares of a batch even out, large
/// enough that spawning costs nothing next to the work.
const CHUNK_RECORDS: usize = 16;

/// The worker of the current pool thread, taken from its slot for one chunk of records and put back
/// when the chunk is done. Where the slot is empty (never yet used, or a chunk of the same thread is
/// still running) a new worker is made.
struct WorkerLease<'a, 'm> {
    slot: Option<&'a Mutex<Option<Worker<'m>>>>,
    worker: Option<Worker<'m>>,
}

impl<'a, 'm> WorkerLease<'a, 'm> {
    fn take(workers: &'a [Mutex<Option<Worker<'m>>>], new: impl FnOnce() -> Worker<'m>) -> Self {
        let slot = rayon::current_thread_index().and_then(|i| workers.get(i));
        let kept = slot.and_then(|s| s.lock().ok()?.take());
        WorkerLease {
            slot,
            worker: Some(kept.unwrap_or_else(new)),
        }
    }

    fn worker(&mut self) -> &mut Worker<'m> {
        self.worker
            .as_mut()
            .expect("a lease holds its worker until dropped")
    }
}

impl Drop for WorkerLease<'_, '_> {
    fn drop(&mut self) {
        if let (Some(slot), Some(worker)) = (self.slot, self.worker.take()) {
            if let Ok(mut kept) = slot.lock() {
                *kept = Some(worker);
            }
        }
    }
}

/// Runs one document, turning a panic into a rejection so one bad article never stops the batch; a
/// worker that has just analysed a very long text drops its scratch ([`Worker::trim`]).
fn process_isolated(
    worker: &mut Worker<'_>,
    doc: &crate::input::Document,
    default_lang: Option<&str>,
    panic_on_doc: Option<&str>,
) -> Outcome {
    let mut spans = Vec::new();
    let work = || {
        if panic_on_doc == Some(doc.id.as_str()) {
            panic!(
                "planted fault (ENTNORM_TEST_PANIC_DOC) in document {}",
                doc.id
            );
        }
        worker.process_with_unmatched(doc, default_lang, &mut spans)
    };
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(rows) => {
            let text_chars = worker.text_chars();
            debug_assert_eq!(text_chars, doc.text.chars().count());
            worker.trim();
            let prepared = ForTables {
                mentions: None,
                text_chars,
            };
            Outcome::Processed(rows, std::mem::take(&mut spans), prepared)
        }
        Err(payload) => {
            worker.reset();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic with a non-text payload".into());
            Outcome::Failed(format!("panic while processing: {message}"))
        }
    }
}

/// Progress on stderr, only when a person is watching.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    records: u64,
    bytes: u64,
    started: Instant,
}

impl Progress {
    fn new(wanted: bool) -> Self {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            records: 0,
            bytes: 0,
            started: Instant::now(),
        }
    }

    fn advance(&mut self, bytes: u64) {
        self.records += 1;
        self.bytes += bytes;
        if let Some(bar) = &self.bar {
            if self.records % 256 == 0 {
                let secs = self.started.elapsed().as_secs_f64().max(1e-9);
                let mb = self.bytes as f64 / 1e6;
                bar.set_message(format!(
                    "{} records, {mb:.1} MB, {:.1} MB/s",
                    self.records,
                    mb / secs
                ));
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
