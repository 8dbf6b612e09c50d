//! Checkpoints of a run, so that an interrupted run can be resumed (`entnorm run --resume`).
//!
//! While a run goes on, `OUTDIR/checkpoint.json` records, after some completed input file, everything
//! needed to go on from there: how many input files are done (always a prefix of the input list, which is
//! read in order), the byte length of each `.partial` table at that point, the per-file counts, and the
//! corpus-wide aggregates. The tables are synced to disk before the checkpoint is written, and the
//! checkpoint is replaced atomically (temporary file, sync, rename), so a run killed at any instant leaves
//! either the previous checkpoint or the new one, each consistent with the tables' first bytes.
//!
//! A resumed run cuts every `.partial` table back to its checkpointed length, restores the aggregates,
//! skips the completed files and goes on: its final tables are byte-identical to those of an uninterrupted
//! run. It requires the same inputs (paths, sizes and modification times), options and gazetteer, which the
//! checkpoint records as its [`Setup`]; anything else is refused with an error naming the difference.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::PipelineError;
use crate::input::InputFile;
use crate::output::EntityTable;
use crate::run::{InputSummary, RunConfig};

pub(crate) const CHECKPOINT_FILE: &str = "checkpoint.json";
const CHECKPOINT_VERSION: u32 = 1;

/// What must be equal for a run to be resumed: everything that decides the tables' bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Setup {
    pub(crate) entnorm_version: String,
    pub(crate) normalizer_version: u32,
    pub(crate) gazetteer_fingerprint: String,
    pub(crate) inputs: Vec<InputIdentity>,
    pub(crate) options: serde_json::Value,
}

/// An input file as a resumed run must find it again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct InputIdentity {
    pub(crate) path: String,
    pub(crate) bytes: Option<u64>,
    pub(crate) modified_ns: Option<u128>,
}

impl Setup {
    pub(crate) fn new(
        config: &RunConfig,
        files: &[InputFile],
        gazetteer_fingerprint: &str,
    ) -> Self {
        let inputs = files
            .iter()
            .map(|f| {
                let meta = std::fs::metadata(&f.path).ok();
                InputIdentity {
                    path: f.display(),
                    bytes: meta.as_ref().map(|m| m.len()),
                    modified_ns: meta
                        .and_then(|m| m.modified().ok())
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| d.as_nanos()),
                }
            })
            .collect();
        let r = &config.read;
        let options = serde_json::json!({
            "id_fields": config.fields.id,
            "text_field": config.fields.text,
            "title_field": config.fields.title,
            "lang_field": config.fields.lang,
            "date_field": config.fields.date,
            "default_lang": config.default_lang,
            "max_record_bytes": r.max_record_bytes,
            "max_decompressed_ratio": r.max_decompressed_ratio,
            "replace_invalid_utf8": r.replace_invalid_utf8,
            "spreadsheet_safe": config.spreadsheet_safe,
        });
        Setup {
            entnorm_version: env!("CARGO_PKG_VERSION").to_owned(),
            normalizer_version: entnorm_tokenize::NORMALIZER_VERSION,
            gazetteer_fingerprint: gazetteer_fingerprint.to_owned(),
            inputs,
            options,
        }
    }

    /// The first difference between the checkpoint's setup (`self`) and this run's, in words.
    fn difference(&self, now: &Setup) -> Option<String> {
        if self.entnorm_version != now.entnorm_version
            || self.normalizer_version != now.normalizer_version
        {
            return Some(format!(
                "it was started by entnorm {} (normalizer {}), this is {} (normalizer {})",
                self.entnorm_version,
                self.normalizer_version,
                now.entnorm_version,
                now.normalizer_version
            ));
        }
        if self.gazetteer_fingerprint != now.gazetteer_fingerprint {
            return Some(format!(
                "it used gazetteer {}, this run has {}",
                self.gazetteer_fingerprint, now.gazetteer_fingerprint
            ));
        }
        if self.inputs.len() != now.inputs.len() {
            return Some(format!(
                "it had {} input files, this run has {}",
                self.inputs.len(),
                now.inputs.len()
            ));
        }
        for (then, now) in self.inputs.iter().zip(&now.inputs) {
            if then.path != now.path {
                return Some(format!(
                    "its input files differ: {} then, {} now",
                    then.path, now.path
                ));
            }
            if then != now {
                return Some(format!(
                    "input {} changed since (size or modification time)",
                    now.path
                ));
            }
        }
        if self.options != now.options {
            return Some(format!(
                "its options differ: {} then, {} now",
                self.options, now.options
            ));
        }
        None
    }
}

/// The state of a run after its first `files_done` input files.
#[derive(Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    pub(crate) version: u32,
    pub(crate) setup: Setup,
    pub(crate) files_done: usize,
    /// Byte lengths of mentions.csv.partial, documents.csv.partial and rejects.csv.partial.
    pub(crate) table_bytes: [u64; 3],
    pub(crate) document_seq: u64,
    pub(crate) mentions: u64,
    pub(crate) inputs: Vec<InputSummary>,
    pub(crate) entities: EntityTable,
    /// The unmatched-span tally (absent in checkpoints of an entnorm without it).
    #[serde(default)]
    pub(crate) unmatched: crate::unmatched::UnmatchedTally,
}

impl Checkpoint {
    pub(crate) fn new_version() -> u32 {
        CHECKPOINT_VERSION
    }

    /// Writes the checkpoint atomically: a temporary file, synced, then renamed over the old one.
    pub(crate) fn save(&self, dir: &Path) -> Result<(), PipelineError> {
        let path = dir.join(CHECKPOINT_FILE);
        let tmp = dir.join(format!("{CHECKPOINT_FILE}.partial"));
        let io = |path: &PathBuf| {
            let path = path.clone();
            move |source| PipelineError::Io { path, source }
        };
        let bytes = serde_json::to_vec(self).map_err(|e| PipelineError::Io {
            path: tmp.clone(),
            source: std::io::Error::other(e),
        })?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(&bytes).map_err(io(&tmp))?;
            f.sync_data().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        // The rename itself is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// The checkpoint in `dir`, if there is one, checked against this run's setup.
    pub(crate) fn load(dir: &Path, now: &Setup) -> Result<Option<Checkpoint>, PipelineError> {
        let path = dir.join(CHECKPOINT_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(PipelineError::Io { path, source }),
        };
        let resume_err = |message: String| PipelineError::Resume {
            dir: dir.to_path_buf(),
            message,
        };
        let cp: Checkpoint = serde_json::from_slice(&bytes)
            .map_err(|e| resume_err(format!("{} is unreadable: {e}", path.display())))?;
        if cp.version != CHECKPOINT_VERSION {
            return Err(resume_err(format!(
                "{} has format version {}, this entnorm writes {CHECKPOINT_VERSION}",
                path.display(),
                cp.version
            )));
        }
        if let Some(diff) = cp.setup.difference(now) {
            return Err(resume_err(format!(
                "the interrupted run cannot be resumed by this command: {diff}; run the same command \
                 again with --resume, or start afresh without --resume"
            )));
        }
        if cp.files_done > now.inputs.len() || cp.inputs.len() != now.inputs.len() {
            return Err(resume_err(format!(
                "{} does not fit the input list",
                path.display()
            )));
        }
        Ok(Some(cp))
    }

    pub(crate) fn remove(dir: &Path) {
        let _ = std::fs::remove_file(dir.join(CHECKPOINT_FILE));
    }
}
