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
    finished: bool,
    options: Options<'a>,
    gazetteer: GazetteerManifest,
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
    accept_threshold: f64,
    review_threshold: f64,
    fuzzy: bool,
}

#[derive(Serialize)]
struct GazetteerManifest {
    fingerprint: String,
    entities: usize,
    aliases: usize,
    files: Vec<GazetteerFile>,
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
        finished: true,
        options: Options {
            threads: config.threads,
            batch_records: config.batch_records,
            id_fields: &config.fields.id,
            text_field: &config.fields.text,
            title_field: &config.fields.title,
            default_lang: config.default_lang.as_deref(),
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
