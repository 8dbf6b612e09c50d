//! `run.json`: what was run, on what, with which gazetteer, and whether every record is accounted for.

use std::path::Path;

use entnorm_gazetteer::Matcher;
use serde::Serialize;

use crate::error::PipelineError;
use crate::run::{RunConfig, RunSummary};

#[derive(Serialize)]
struct Manifest<'a> {
    tool: &'static str,
    version: &'static str,
    normalizer_version: u32,
    /// True only when every input was read and every table has its final name.
    finished: bool,
    /// `running` (also what a killed run leaves), `interrupted by SIGTERM`, or `finished`.
    state: String,
    /// Input files done at the last checkpoint of an unfinished run: `--resume` skips them.
    files_checkpointed: usize,
    options: Options<'a>,
    gazetteer: GazetteerManifest<'a>,
    counts: &'a RunSummary,
}

#[derive(Serialize)]
struct Options<'a> {
    threads: usize,
    batch_records: usize,
    id_fields: &'a [String],
    text_field: &'a str,
    title_field: &'a str,
    default_lang: Option<&'a str>,
    max_record_bytes: usize,
    max_decompressed_ratio: u64,
    replace_invalid_utf8: bool,
    spreadsheet_safe: bool,
    resume: bool,
    accept_threshold: f64,
    review_threshold: f64,
    fuzzy: bool,
}

#[derive(Serialize)]
struct GazetteerManifest<'a> {
    fingerprint: String,
    entities: usize,
    aliases: usize,
    files: Vec<GazetteerFile>,
    /// Rows skipped by `--lenient`, with file and line.
    skipped_rows: &'a [String],
}

#[derive(Serialize)]
struct GazetteerFile {
    path: String,
    origin: &'static str,
    rows: u64,
    fingerprint: String,
}

/// Writes `run.json` atomically (temporary file, then rename).
pub fn write_manifest(
    dir: &Path,
    config: &RunConfig,
    gazetteer: &Matcher,
    summary: &RunSummary,
) -> Result<(), PipelineError> {
    let manifest = Manifest {
        tool: "entnorm",
        version: env!("CARGO_PKG_VERSION"),
        normalizer_version: entnorm_tokenize::NORMALIZER_VERSION,
        finished: summary.finished(),
        state: summary.state(),
        files_checkpointed: if summary.finished() {
            summary.inputs.len()
        } else {
            summary.files_checkpointed
        },
        options: Options {
            threads: config.threads,
            batch_records: config.batch_records,
            id_fields: &config.fields.id,
            text_field: &config.fields.text,
            title_field: &config.fields.title,
            default_lang: config.default_lang.as_deref(),
            max_record_bytes: config.read.max_record_bytes,
            max_decompressed_ratio: config.read.max_decompressed_ratio,
            replace_invalid_utf8: config.read.replace_invalid_utf8,
            spreadsheet_safe: config.spreadsheet_safe,
            resume: config.resume,
            accept_threshold: config.accept_threshold,
            review_threshold: config.review_threshold,
            fuzzy: config.fuzzy,
        },
        gazetteer: GazetteerManifest {
            fingerprint: gazetteer.fingerprint().to_owned(),
            entities: gazetteer.entity_count(),
            aliases: gazetteer.alias_count(),
            files: gazetteer
                .sources()
                .iter()
                .map(|s| GazetteerFile {
                    path: s.path.display().to_string(),
                    origin: s.origin.name(),
                    rows: s.rows,
                    fingerprint: s.fingerprint.clone(),
                })
                .collect(),
            skipped_rows: &config.gazetteer_skipped_rows,
        },
        counts: summary,
    };
    let path = dir.join("run.json");
    let partial = dir.join("run.json.partial");
    let mut text = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
    text.push('\n');
    std::fs::write(&partial, text).map_err(|source| PipelineError::Io {
        path: partial.clone(),
        source,
    })?;
    std::fs::rename(&partial, &path).map_err(|source| PipelineError::Io { path, source })
}
