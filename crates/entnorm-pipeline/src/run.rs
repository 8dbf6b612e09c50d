//! The batch driver: reads records in input order, processes them in parallel batches, and writes every
//! table in input order, so the output never depends on the number of threads.

use std::io::IsTerminal;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use entnorm_gazetteer::Matcher;
use entnorm_reconcile::FuzzyIndex;
use rayon::prelude::*;
use serde::Serialize;

use crate::aggregate::AggregateCounts;
use crate::error::PipelineError;
use crate::input::{discover, FieldNames, FileReader, Record};
use crate::output::{mention_fields, EntityTable};
use crate::process::{
    Linking, MentionRow, UnmatchedRow, Worker, DEFAULT_ACCEPT_THRESHOLD, DEFAULT_REVIEW_THRESHOLD,
};
use crate::sink::{is_stdout, write_partial, Sink, StreamFormat};
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
    /// Records per parallel batch; bounds memory together with the record size.
    pub batch_records: usize,
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
            default_lang: None,
            stream: None,
            partial: None,
            accept_threshold: DEFAULT_ACCEPT_THRESHOLD,
            review_threshold: DEFAULT_REVIEW_THRESHOLD,
            fuzzy: true,
        }
    }
}

/// Per-input-file accounting, written to `run.json`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InputSummary {
    pub path: String,
    pub records: u64,
    pub processed: u64,
    pub rejected: u64,
    pub bytes_of_text: u64,
}

/// What a finished run reports.
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
}

enum Outcome {
    Processed(Vec<MentionRow>, Vec<UnmatchedRow>),
    Failed(String),
}

/// Runs the whole pipeline over `config.inputs` with `matcher`, writing the tables into `config.out_dir`.
/// `run.json` is written by the caller, who knows the options and gazetteer files. The fuzzy index, if
/// `config.fuzzy`, is built here; [`run_with`] takes one already built (or loaded from the cache).
pub fn run(config: &RunConfig, matcher: &Matcher) -> Result<RunSummary, PipelineError> {
    let fuzzy = config.fuzzy.then(|| FuzzyIndex::build(matcher));
    run_with(config, matcher, fuzzy.as_ref())
}

/// [`run`] with the fuzzy index given (None: no fuzzy stage, whatever `config.fuzzy` says).
pub fn run_with(
    config: &RunConfig,
    matcher: &Matcher,
    fuzzy: Option<&FuzzyIndex>,
) -> Result<RunSummary, PipelineError> {
    let started = Instant::now();
    let linking = Linking {
        fuzzy,
        accept: config.accept_threshold,
        review: config.review_threshold,
    };
    let files = discover(&config.inputs)?;
    // Open every input before writing anything, so a missing or unreadable input stops the run up front.
    let mut readers = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        readers.push(FileReader::open(f, i as u32, &config.fields)?);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads.max(1))
        .build()
        .map_err(|e| PipelineError::ThreadPool {
            threads: config.threads,
            message: e.to_string(),
        })?;

    let gazetteer = matcher;
    let mut sink = Sink::create(config)?;
    let mut entities = EntityTable::default();
    let mut unmatched = UnmatchedTally::default();
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
    let mut progress = Progress::new(config.progress);
    let mut document_seq = 0u64;
    let mut numbers = String::new(); // reused by every mentions.csv row

    let mut records = readers.into_iter().flatten().peekable();
    let mut batch: Vec<Record> = Vec::with_capacity(config.batch_records);
    while records.peek().is_some() {
        batch.clear();
        batch.extend(records.by_ref().take(config.batch_records.max(1)));
        let outcomes: Vec<Option<Outcome>> = pool.install(|| {
            batch
                .par_iter()
                .map_init(
                    || Worker::with_linking(matcher, linking),
                    |worker, record| match record {
                        Record::Document { doc, .. } => Some(process_isolated(
                            worker,
                            doc,
                            config.default_lang.as_deref(),
                        )),
                        Record::Rejected { .. } => None,
                    },
                )
                .collect()
        });
        for (record, outcome) in batch.iter().zip(outcomes) {
            let at = record.source();
            let file_name = &summary.inputs[at.file as usize].path.clone();
            let input = &mut summary.inputs[at.file as usize];
            input.records += 1;
            match (record, outcome) {
                (Record::Document { doc, .. }, Some(Outcome::Processed(rows, spans))) => {
                    document_seq += 1;
                    input.processed += 1;
                    let text_bytes =
                        (doc.text.len() + doc.title.as_ref().map_or(0, String::len)) as u64;
                    input.bytes_of_text += text_bytes;
                    for m in &rows {
                        sink.mention(mention_fields(&doc.id, m, gazetteer, &mut numbers))?;
                        entities.add(document_seq, m);
                    }
                    for u in &spans {
                        unmatched.add(document_seq, &doc.id, u, gazetteer);
                    }
                    summary.mentions += rows.len() as u64;
                    sink.processed(&doc.id, file_name, at, rows.len(), &doc.text)?;
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
    sink.finish(&aggregate, partial_rows)?;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Runs one document, turning a panic into a rejection so one bad article never stops the batch.
fn process_isolated(
    worker: &mut Worker<'_>,
    doc: &crate::input::Document,
    default_lang: Option<&str>,
) -> Outcome {
    let mut spans = Vec::new();
    match catch_unwind(AssertUnwindSafe(|| {
        worker.process_with_unmatched(doc, default_lang, &mut spans)
    })) {
        Ok(rows) => Outcome::Processed(rows, spans),
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
