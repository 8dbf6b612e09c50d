//! The output tables. Each is written to `NAME.partial` and renamed when the run completes, so a table that
//! carries its final name is always complete.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use entnorm_gazetteer::Matcher;

use crate::aggregate::{Aggregate, AggregateCounts, EntityAggregate};
use crate::error::PipelineError;
use crate::process::MentionRow;

pub(crate) struct Table {
    writer: csv::Writer<BufWriter<File>>,
    partial: PathBuf,
    path: PathBuf,
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
        })
    }

    pub(crate) fn row<I, T>(&mut self, fields: I) -> Result<(), PipelineError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer
            .write_record(fields)
            .map_err(|e| csv_err(&self.partial, e))
    }

    pub(crate) fn finish(self) -> Result<(), PipelineError> {
        let Table {
            writer,
            partial,
            path,
        } = self;
        let mut inner = writer.into_inner().map_err(|e| PipelineError::Io {
            path: partial.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        inner.flush().map_err(|source| PipelineError::Io {
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
#[derive(Default)]
pub(crate) struct EntityTally {
    mentions: u64,
    documents: u64,
    last_document: u64,
    surfaces: BTreeMap<String, u64>,
}

#[derive(Default)]
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

    /// The mergeable form of the tally (entities by ID, with their names and types), from which
    /// `entities.csv` is written, so that a single run and a merge of parts share one writer.
    pub(crate) fn to_aggregate(&self, gazetteer: &Matcher, counts: AggregateCounts) -> Aggregate {
        let mut aggregate = Aggregate::new(gazetteer.fingerprint());
        aggregate.counts = counts;
        for (&entity, t) in &self.tallies {
            let e = gazetteer.entity(entity);
            aggregate.entities.insert(
                e.id.to_owned(),
                EntityAggregate {
                    name: e.name.to_owned(),
                    entity_type: e.entity_type.to_owned(),
                    mentions: t.mentions,
                    documents: t.documents,
                    surfaces: t.surfaces.clone(),
                },
            );
        }
        aggregate
    }
}
