//! Readers, the parallel batch driver and the CSV writers.
//!
//! [`run`] streams records from the inputs ([`input`]), processes batches of them on a rayon pool with one
//! [`Worker`] per thread, and writes `mentions.csv`, `documents.csv`, `rejects.csv` and `entities.csv` in
//! input order, or in filter mode kind-tagged rows on stdout ([`sink`]). Per-record problems become rows of
//! `rejects.csv`; only problems with the run as a whole are [`PipelineError`]s. [`aggregate`] holds the
//! corpus-wide state in a form that parts of a corpus can write and `entnorm merge` can add up.

pub mod aggregate;
mod bounded;
mod checkpoint;
mod error;
pub mod eval;
mod index_cache;
pub mod input;
mod manifest;
#[doc(hidden)]
pub mod oracles;
mod output;
mod process;
mod run;
pub mod sink;
pub mod tsv;
pub mod unmatched;
pub mod wikidata;

pub use aggregate::{
    merge_partials, partial_files, write_merge_report, Aggregate, AggregateCounts, EntityAggregate,
};
pub use error::PipelineError;
pub use eval::{
    evaluate, read_gold, score_document, set_gazetteer_path, BaselineMatcher, Counts, EvalError,
    EvalOptions, EvalReport, Evaluation, GoldDocument, GoldMention, OutputMention, Scores,
};
pub use index_cache::{
    build_index, default_cache_dir, load_fuzzy_index, load_matcher, load_matcher_lenient,
    user_removals, IndexOrigin,
};
pub use input::{
    check_named_inputs, parse_json_line, Document, FieldNames, FileOutcome, Format, InputFile,
    ReadOptions, Record, RecordSource, DEFAULT_MAX_DECOMPRESSED_RATIO, DEFAULT_MAX_RECORD_BYTES,
};
pub use manifest::write_manifest;
pub use process::{
    Linking, MentionRow, UnmatchedRow, Worker, DEFAULT_ACCEPT_THRESHOLD, DEFAULT_REVIEW_THRESHOLD,
    STATUS_ACCEPTED, STATUS_REVIEW,
};
pub use run::{run, run_with, signal_name, InputSummary, RunConfig, RunSummary};
pub use sink::{write_error_row, StreamFormat};
pub use wikidata::{
    import_wikidata, ImportProgress, ImportStats, WikidataError, WikidataImportOptions,
};
