//! The output tables. Each is written to `NAME.partial` and renamed when the run completes, so a table that
//! carries its final name is always complete.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use entnorm_gazetteer::Matcher;
use serde::{Deserialize, Serialize};

use crate::error::PipelineError;
use crate::process::MentionRow;

pub(crate) struct Table {
    writer: csv::Writer<BufWriter<File>>,
    partial: PathBuf,
    path: PathBuf,
    spreadsheet_safe: bool,
}

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
        let mut writer =
            csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 16, file));
        writer
            .write_record(header)
            .map_err(|e| csv_err(&partial, e))?;
        Ok(Table {
            writer,
            partial,
            path,
            spreadsheet_safe: false,
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
        let writer = csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 16, file));
        Ok(Table {
            writer,
            partial,
            path,
            spreadsheet_safe: false,
        })
    }

    pub(crate) fn spreadsheet_safe(mut self, yes: bool) -> Self {
        self.spreadsheet_safe = yes;
        self
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
        result.map_err(|e| csv_err(&self.partial, e))
    }

    /// Writes everything buffered to the file and syncs it to disk, returning the file's length: the
    /// point a resumed run cuts the table back to.
    pub(crate) fn checkpoint(&mut self) -> Result<u64, PipelineError> {
        let io = |source| PipelineError::Io {
            path: self.partial.clone(),
            source,
        };
        self.writer.flush().map_err(io)?;
        let file = self.writer.get_ref().get_ref();
        file.sync_data().map_err(io)?;
        Ok(file.metadata().map_err(io)?.len())
    }

    /// Writes everything buffered to the file (for an interrupted run, whose tables stay `.partial`).
    pub(crate) fn flush(&mut self) -> Result<(), PipelineError> {
        self.writer.flush().map_err(|source| PipelineError::Io {
            path: self.partial.clone(),
            source,
        })
    }

    pub(crate) fn finish(self) -> Result<(), PipelineError> {
        let Table {
            writer,
            partial,
            path,
            ..
        } = self;
        let inner = writer.into_inner().map_err(|e| PipelineError::Io {
            path: partial.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let file = inner.into_inner().map_err(|e| PipelineError::Io {
            path: partial.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        // On disk before it gets its final name: a crash never leaves a complete-looking table that is
        // not complete.
        file.sync_data().map_err(|source| PipelineError::Io {
            path: partial.clone(),
            source,
        })?;
        std::fs::rename(&partial, &path).map_err(|source| PipelineError::Io { path, source })
    }
}

fn csv_err(path: &Path, e: csv::Error) -> PipelineError {
    PipelineError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
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
];

/// The default gazetteer's ID of an entity of the user's gazetteer that enrichment linked to it.
fn default_id(attributes: &str) -> &str {
    attributes
        .split("; ")
        .find_map(|kv| kv.strip_prefix("default_id="))
        .unwrap_or("")
}

pub(crate) fn mention_fields(doc_id: &str, m: &MentionRow, gazetteer: &Matcher) -> [String; 16] {
    let entity = gazetteer.entity(m.entity);
    let alias = gazetteer.alias(m.alias);
    [
        doc_id.to_owned(),
        m.field.to_owned(),
        m.start.to_string(),
        m.end.to_string(),
        m.surface.clone(),
        entity.id.to_owned(),
        entity.name.to_owned(),
        entity.entity_type.to_owned(),
        m.method.to_owned(),
        format!("{:.2}", m.score),
        alias.text.to_owned(),
        alias.lang.to_owned(),
        m.candidates.to_string(),
        m.start_byte.to_string(),
        m.end_byte.to_string(),
        default_id(entity.attributes).to_owned(),
    ]
}

/// Corpus-wide per-entity state: only counts and surface forms, never the mentions themselves.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct EntityTally {
    mentions: u64,
    documents: u64,
    last_document: u64,
    surfaces: BTreeMap<String, u64>,
}

/// Saved in a resumable run's checkpoint, keyed by entity index (valid for the same gazetteer only).
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct EntityTable {
    tallies: BTreeMap<u32, EntityTally>,
}

impl EntityTable {
    /// `document` is the run-wide sequence number of the document (1-based), so counting distinct
    /// documents needs no set.
    pub(crate) fn add(&mut self, document: u64, m: &MentionRow) {
        let t = self.tallies.entry(m.entity).or_default();
        t.mentions += 1;
        if t.last_document != document {
            t.last_document = document;
            t.documents += 1;
        }
        *t.surfaces.entry(m.surface.clone()).or_default() += 1;
    }

    pub(crate) fn len(&self) -> usize {
        self.tallies.len()
    }

    pub(crate) fn write(
        &self,
        dir: &Path,
        gazetteer: &Matcher,
        spreadsheet_safe: bool,
    ) -> Result<(), PipelineError> {
        let table = Table::create(
            dir,
            "entities.csv",
            &[
                "entity_id",
                "entity_name",
                "entity_type",
                "mentions",
                "documents",
                "surface_forms",
            ],
        )?;
        let mut table = table.spreadsheet_safe(spreadsheet_safe);
        let mut rows: Vec<(&u32, &EntityTally)> = self.tallies.iter().collect();
        rows.sort_by(|a, b| {
            b.1.mentions
                .cmp(&a.1.mentions)
                .then_with(|| gazetteer.entity(*a.0).id.cmp(gazetteer.entity(*b.0).id))
        });
        for (&entity, t) in rows {
            let e = gazetteer.entity(entity);
            let mut surfaces: Vec<(&String, &u64)> = t.surfaces.iter().collect();
            surfaces.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let forms = surfaces
                .iter()
                .map(|(s, n)| format!("{s} ({n})"))
                .collect::<Vec<_>>()
                .join("; ");
            table.row([
                e.id,
                e.name,
                e.entity_type,
                &t.mentions.to_string(),
                &t.documents.to_string(),
                &forms,
            ])?;
        }
        table.finish()
    }
}
