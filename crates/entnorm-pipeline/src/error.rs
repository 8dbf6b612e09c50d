use std::path::PathBuf;

/// Failures that stop a run. Problems with single records are not errors: they become rows of `rejects.csv`.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: input not found")]
    InputNotFound { path: PathBuf },
    #[error("{path}: unsupported input type (expected .jsonl, .ndjson, .json, .csv or .txt, optionally .gz or .zst)")]
    UnsupportedInput { path: PathBuf },
    #[error("{path}: CSV input has no column `{column}` (columns: {found})")]
    MissingCsvColumn {
        path: PathBuf,
        column: String,
        found: String,
    },
    #[error(transparent)]
    Gazetteer(#[from] entnorm_gazetteer::GazetteerError),
    #[error("record accounting failed for {path}: {read} records read but {processed} processed + {rejected} rejected")]
    Accounting {
        path: String,
        read: u64,
        processed: u64,
        rejected: u64,
    },
    #[error("cannot resume the run in {dir}: {message}")]
    Resume { dir: PathBuf, message: String },
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool { threads: usize, message: String },
    #[error("{path}:{line}: {message}")]
    Partial {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: cannot merge this part: {message}")]
    Merge { path: PathBuf, message: String },
    #[error("no partial aggregates to merge")]
    NoParts,
}
