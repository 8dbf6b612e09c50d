use std::path::PathBuf;

/// Everything that can go wrong while loading gazetteer sources. Every variant names the file, and the line
/// where there is one, because a researcher fixing a list of 100,000 names needs to find the row.
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("{path}: cannot read gazetteer: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: gazetteer has no header row (expected columns entity_id, name, type, lang)")]
    Empty { path: PathBuf },
    #[error("{path}:{line}: header lacks required column `{column}` (found: {found})")]
    MissingColumn {
        path: PathBuf,
        line: u64,
        column: &'static str,
        found: String,
    },
    #[error("{path}:{line}: {message}")]
    Row {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: {source}")]
    Index {
        path: PathBuf,
        #[source]
        source: crate::index::IndexError,
    },
    #[error("{path}: not a gazetteer file or directory")]
    NotFound { path: PathBuf },
}
