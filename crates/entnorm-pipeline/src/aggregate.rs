//! Corpus-wide state that can be split and merged: the partial aggregate.
//!
//! `entities.csv` summarises the whole corpus, so a corpus processed in pieces (Spark partitions, shards
//! on several machines) needs each piece's share of that summary and a merge that adds the shares up.
//! [`Aggregate`] is that share: run-wide record counts and, per entity, mentions, documents and surface
//! forms with their counts. Every part is a sum over records, so merging is addition and the merged
//! `entities.csv` is byte-identical to the one a single run over all records writes, provided that each
//! input record went to exactly one part (a document is never split between parts) and every part was
//! made with the same gazetteer index (checked by fingerprint) and the same run options.
//!
//! # The partial file format (version 2)
//!
//! UTF-8 text, one record per line ending in `\n`, fields separated by tabs and escaped as in
//! [`crate::tsv`] (`\\`, `\t`, `\n`, `\r`). The first field of each line says what it is:
//!
//! ```text
//! entnorm-partial  2                                       first line: format name and version
//! gazetteer        FINGERPRINT                             the index the part was made with
//! counts           RECORDS PROCESSED REJECTED MENTIONS BYTES_OF_TEXT
//! entity           ENTITY_ID NAME TYPE MENTIONS DOCUMENTS  one per entity mentioned in the part
//! surface          ENTITY_ID SURFACE COUNT                 after its entity's line
//! unmatched        KEY COUNT DOCUMENTS EXAMPLE_DOC_ID EXAMPLE_FIELD EXAMPLE_START EXAMPLE_CONTEXT
//!                  NEAREST_ID NEAREST_NAME NEAREST_SCORE    one per normalized key of unmatched.csv
//! variant          KEY SPELLING COUNT                      after its key's line
//! end              LINES                                   last line: how many lines precede it
//! ```
//!
//! An `unmatched` line carries one normalized key's share of `unmatched.csv` (see [`crate::unmatched`]):
//! its span count, document count, the example (the smallest by document ID, field and code-point
//! start), and the nearest gazetteer entity with its fuzzy score in hundredths (three empty fields when
//! no alias was within reach); its `variant` lines hold at most [`crate::unmatched::MAX_VARIANTS`]
//! spellings with their counts, the first in string order (their counts add up to at most the key's
//! count; the rest are counted as other spellings). Keys come in string order after all entities.
//! Version 1 had no `unmatched` and `variant` lines.
//!
//! Entities are written in entity-ID order, each followed by its surface forms in string order, so a part
//! is byte-identical for any thread count. The reader checks everything it can: the version, that
//! `gazetteer` and `counts` come once, no duplicate entities or surfaces, that an entity's surface counts
//! add up to its mentions and all entities' mentions to the part's, and the `end` line (a truncated part
//! is refused). A reader of version 1 refuses unknown line kinds.
//!
//! **Adding a section**: give it a line kind of its
//! own keyed so that merging is addition (per normalized key: counts, document counts, variant counts),
//! add its map to [`Aggregate`] with the addition in [`Aggregate::merge`], write it in
//! [`Aggregate::write_partial`] after the surfaces, read it in `read_partial`, and raise
//! [`PARTIAL_VERSION`] so that an older entnorm refuses the new parts instead of dropping the section.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::PipelineError;
use crate::output::Table;
use crate::tsv;
use crate::unmatched::{Example, Nearest, UnmatchedKey};

/// The first field of a partial file's first line.
pub const PARTIAL_MAGIC: &str = "entnorm-partial";
/// The version of the partial file format this entnorm writes and reads.
pub const PARTIAL_VERSION: u32 = 2;

/// Record accounting of a part (or of the merged whole).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AggregateCounts {
    pub records: u64,
    pub processed: u64,
    pub rejected: u64,
    pub mentions: u64,
    pub bytes_of_text: u64,
}

/// One entity's share of `entities.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityAggregate {
    pub name: String,
    pub entity_type: String,
    pub mentions: u64,
    /// Records with at least one mention of the entity.
    pub documents: u64,
    /// Surface form -> number of mentions written so.
    pub surfaces: BTreeMap<String, u64>,
}

/// The mergeable corpus-wide state of a run or of a part of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregate {
    /// Fingerprint of the gazetteer index the counts were made with.
    pub gazetteer: String,
    pub counts: AggregateCounts,
    /// Entity ID -> its share.
    pub entities: BTreeMap<String, EntityAggregate>,
    /// Normalized key of unmatched name-like spans -> its share of `unmatched.csv`.
    pub unmatched: BTreeMap<String, UnmatchedKey>,
}

impl Aggregate {
    pub fn new(gazetteer: impl Into<String>) -> Self {
        Aggregate {
            gazetteer: gazetteer.into(),
            counts: AggregateCounts::default(),
            entities: BTreeMap::new(),
            unmatched: BTreeMap::new(),
        }
    }

    /// Adds `other` to `self`. Fails (leaving `self` unchanged) when the two were made with different
    /// gazetteers or disagree on an entity's name or type.
    pub fn merge(&mut self, other: Aggregate) -> Result<(), String> {
        if other.gazetteer != self.gazetteer {
            return Err(format!(
                "made with gazetteer index {}, the parts before it with {}; merge only parts of runs \
                 with the same index",
                other.gazetteer, self.gazetteer
            ));
        }
        for (id, e) in &other.entities {
            if let Some(mine) = self.entities.get(id) {
                if mine.name != e.name || mine.entity_type != e.entity_type {
                    return Err(format!(
                        "entity {id} is {} ({}) here but {} ({}) in the parts before it",
                        e.name, e.entity_type, mine.name, mine.entity_type
                    ));
                }
            }
        }
        let c = &mut self.counts;
        c.records += other.counts.records;
        c.processed += other.counts.processed;
        c.rejected += other.counts.rejected;
        c.mentions += other.counts.mentions;
        c.bytes_of_text += other.counts.bytes_of_text;
        for (id, e) in other.entities {
            match self.entities.get_mut(&id) {
                None => {
                    self.entities.insert(id, e);
                }
                Some(mine) => {
                    mine.mentions += e.mentions;
                    mine.documents += e.documents;
                    for (surface, n) in e.surfaces {
                        *mine.surfaces.entry(surface).or_default() += n;
                    }
                }
            }
        }
        for (key, u) in other.unmatched {
            match self.unmatched.get_mut(&key) {
                None => {
                    self.unmatched.insert(key, u);
                }
                Some(mine) => mine.merge(u),
            }
        }
        Ok(())
    }

    /// Writes the partial file format (module docs) to `out`.
    pub fn write_partial<W: Write + ?Sized>(&self, out: &mut W) -> std::io::Result<()> {
        let mut lines = 0u64;
        let mut line = |out: &mut W, fields: &[&str]| {
            lines += 1;
            tsv::write_row(out, fields)
        };
        line(out, &[PARTIAL_MAGIC, &PARTIAL_VERSION.to_string()])?;
        line(out, &["gazetteer", &self.gazetteer])?;
        let c = &self.counts;
        line(
            out,
            &[
                "counts",
                &c.records.to_string(),
                &c.processed.to_string(),
                &c.rejected.to_string(),
                &c.mentions.to_string(),
                &c.bytes_of_text.to_string(),
            ],
        )?;
        for (id, e) in &self.entities {
            line(
                out,
                &[
                    "entity",
                    id,
                    &e.name,
                    &e.entity_type,
                    &e.mentions.to_string(),
                    &e.documents.to_string(),
                ],
            )?;
            for (surface, n) in &e.surfaces {
                line(out, &["surface", id, surface, &n.to_string()])?;
            }
        }
        for (key, u) in &self.unmatched {
            let (nid, nname, nscore) = match &u.nearest {
                Some(n) => (n.entity_id.as_str(), n.name.as_str(), n.score.to_string()),
                None => ("", "", String::new()),
            };
            line(
                out,
                &[
                    "unmatched",
                    key,
                    &u.count.to_string(),
                    &u.documents.to_string(),
                    &u.example.doc_id,
                    &u.example.field,
                    &u.example.start.to_string(),
                    &u.example.context,
                    nid,
                    nname,
                    &nscore,
                ],
            )?;
            for (v, n) in &u.variants {
                line(out, &["variant", key, v, &n.to_string()])?;
            }
        }
        tsv::write_row(out, ["end", &lines.to_string()])
    }

    /// Writes the partial file atomically: to `PATH.tmp`, renamed to `PATH` when complete.
    pub fn write_partial_file(&self, path: &Path) -> Result<(), PipelineError> {
        let tmp = PathBuf::from(format!("{}.tmp", path.display()));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PipelineError::Io { path, source }
        };
        let file = File::create(&tmp).map_err(io(&tmp))?;
        let mut out = BufWriter::new(file);
        self.write_partial(&mut out).map_err(io(&tmp))?;
        out.flush().map_err(io(&tmp))?;
        drop(out);
        std::fs::rename(&tmp, path).map_err(io(path))
    }

    /// Reads one partial file (module docs), checking its structure and sums.
    pub fn read_partial_file(path: &Path) -> Result<Aggregate, PipelineError> {
        let file = File::open(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => PipelineError::InputNotFound {
                path: path.to_path_buf(),
            },
            _ => PipelineError::Io {
                path: path.to_path_buf(),
                source,
            },
        })?;
        read_partial(BufReader::new(file), path)
    }

    /// Writes `entities.csv` and `unmatched.csv` into `dir` (see [`Aggregate::write_entities`] and
    /// [`crate::unmatched`]).
    pub fn write_tables(&self, dir: &Path) -> Result<(), PipelineError> {
        self.write_tables_with(dir, false)
    }

    /// [`Aggregate::write_tables`], with cells neutralised for spreadsheets when asked.
    pub fn write_tables_with(
        &self,
        dir: &Path,
        spreadsheet_safe: bool,
    ) -> Result<(), PipelineError> {
        self.write_entities_with(dir, spreadsheet_safe)?;
        crate::unmatched::write_unmatched(dir, &self.unmatched, spreadsheet_safe)
    }

    /// Writes `entities.csv` into `dir`: most mentioned first, ties by entity ID; surface forms most
    /// frequent first, ties in string order. The order depends only on the counts, never on the order in
    /// which documents or parts arrived, which is what makes a merged table equal a single run's.
    pub fn write_entities(&self, dir: &Path) -> Result<(), PipelineError> {
        self.write_entities_with(dir, false)
    }

    /// [`Aggregate::write_entities`], with cells neutralised for spreadsheets (`--spreadsheet-safe`)
    /// when asked.
    pub fn write_entities_with(
        &self,
        dir: &Path,
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
        let mut rows: Vec<(&String, &EntityAggregate)> = self.entities.iter().collect();
        rows.sort_by(|a, b| b.1.mentions.cmp(&a.1.mentions).then_with(|| a.0.cmp(b.0)));
        for (id, e) in rows {
            let mut surfaces: Vec<(&String, &u64)> = e.surfaces.iter().collect();
            surfaces.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let forms = surfaces
                .iter()
                .map(|(s, n)| format!("{s} ({n})"))
                .collect::<Vec<_>>()
                .join("; ");
            table.row([
                id.as_str(),
                &e.name,
                &e.entity_type,
                &e.mentions.to_string(),
                &e.documents.to_string(),
                &forms,
            ])?;
        }
        table.finish()
    }
}

fn read_partial<R: BufRead>(mut reader: R, path: &Path) -> Result<Aggregate, PipelineError> {
    let err = |line: u64, message: String| PipelineError::Partial {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut gazetteer: Option<String> = None;
    let mut counts: Option<AggregateCounts> = None;
    let mut entities: BTreeMap<String, EntityAggregate> = BTreeMap::new();
    let mut unmatched: BTreeMap<String, UnmatchedKey> = BTreeMap::new();
    let mut ended = false;
    let mut n = 0u64;
    let mut raw = String::new();
    loop {
        raw.clear();
        let read = reader
            .read_line(&mut raw)
            .map_err(|source| PipelineError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if read == 0 {
            break;
        }
        n += 1;
        let Some(text) = raw.strip_suffix('\n') else {
            return Err(err(n, "line without its line feed (truncated part)".into()));
        };
        if ended {
            return Err(err(n, "text after the `end` line".into()));
        }
        let fields = text
            .split('\t')
            .map(tsv::unescape)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| err(n, m))?;
        let kind = fields[0].as_ref();
        let arity = |want: usize| {
            if fields.len() == want {
                Ok(())
            } else {
                Err(err(
                    n,
                    format!("`{kind}` line has {} fields, expected {want}", fields.len()),
                ))
            }
        };
        let number = |i: usize| {
            fields[i].parse::<u64>().map_err(|_| {
                err(
                    n,
                    format!("`{kind}` field {}: `{}` is not a count", i + 1, fields[i]),
                )
            })
        };
        if n == 1 {
            if kind != PARTIAL_MAGIC {
                return Err(err(
                    1,
                    format!("not an entnorm partial aggregate (expected `{PARTIAL_MAGIC}` first)"),
                ));
            }
            arity(2)?;
            let version = number(1)?;
            if version != u64::from(PARTIAL_VERSION) {
                return Err(err(
                    1,
                    format!(
                        "partial format version {version}; this entnorm reads version {PARTIAL_VERSION}"
                    ),
                ));
            }
            continue;
        }
        match kind {
            "gazetteer" => {
                arity(2)?;
                if gazetteer.replace(fields[1].to_string()).is_some() {
                    return Err(err(n, "second `gazetteer` line".into()));
                }
            }
            "counts" => {
                arity(6)?;
                let c = AggregateCounts {
                    records: number(1)?,
                    processed: number(2)?,
                    rejected: number(3)?,
                    mentions: number(4)?,
                    bytes_of_text: number(5)?,
                };
                if c.records != c.processed + c.rejected {
                    return Err(err(
                        n,
                        format!(
                            "{} records but {} processed + {} rejected",
                            c.records, c.processed, c.rejected
                        ),
                    ));
                }
                if counts.replace(c).is_some() {
                    return Err(err(n, "second `counts` line".into()));
                }
            }
            "entity" => {
                arity(6)?;
                let e = EntityAggregate {
                    name: fields[2].to_string(),
                    entity_type: fields[3].to_string(),
                    mentions: number(4)?,
                    documents: number(5)?,
                    surfaces: BTreeMap::new(),
                };
                if e.documents == 0 || e.documents > e.mentions {
                    return Err(err(
                        n,
                        format!(
                            "entity {} has {} mentions in {} documents",
                            fields[1], e.mentions, e.documents
                        ),
                    ));
                }
                if entities.insert(fields[1].to_string(), e).is_some() {
                    return Err(err(n, format!("entity {} listed twice", fields[1])));
                }
            }
            "surface" => {
                arity(4)?;
                let count = number(3)?;
                let Some(e) = entities.get_mut(fields[1].as_ref()) else {
                    return Err(err(
                        n,
                        format!("surface of entity {} before its `entity` line", fields[1]),
                    ));
                };
                if count == 0 || e.surfaces.insert(fields[2].to_string(), count).is_some() {
                    return Err(err(
                        n,
                        format!(
                            "surface `{}` of entity {} listed twice or with count 0",
                            fields[2], fields[1]
                        ),
                    ));
                }
            }
            "unmatched" => {
                arity(11)?;
                let nearest = if fields[8].is_empty() {
                    None
                } else {
                    let score = number(10)?;
                    if score > 100 {
                        return Err(err(n, format!("nearest score {score} over 100")));
                    }
                    Some(Nearest {
                        entity_id: fields[8].to_string(),
                        name: fields[9].to_string(),
                        score: score as u32,
                    })
                };
                let u = UnmatchedKey {
                    count: number(2)?,
                    documents: number(3)?,
                    variants: BTreeMap::new(),
                    example: Example {
                        doc_id: fields[4].to_string(),
                        field: fields[5].to_string(),
                        start: number(6)?,
                        context: fields[7].to_string(),
                    },
                    nearest,
                };
                if u.documents == 0 || u.documents > u.count {
                    return Err(err(
                        n,
                        format!(
                            "unmatched key `{}` has {} spans in {} documents",
                            fields[1], u.count, u.documents
                        ),
                    ));
                }
                if unmatched.insert(fields[1].to_string(), u).is_some() {
                    return Err(err(
                        n,
                        format!("unmatched key `{}` listed twice", fields[1]),
                    ));
                }
            }
            "variant" => {
                arity(4)?;
                let count = number(3)?;
                let Some(u) = unmatched.get_mut(fields[1].as_ref()) else {
                    return Err(err(
                        n,
                        format!("variant of key `{}` before its `unmatched` line", fields[1]),
                    ));
                };
                if count == 0
                    || u.variants.len() >= crate::unmatched::MAX_VARIANTS
                    || u.variants.insert(fields[2].to_string(), count).is_some()
                {
                    return Err(err(
                        n,
                        format!(
                            "variant `{}` of key `{}` listed twice, with count 0 or beyond the limit",
                            fields[2], fields[1]
                        ),
                    ));
                }
            }
            "end" => {
                arity(2)?;
                if number(1)? != n - 1 {
                    return Err(err(
                        n,
                        format!("`end` says {} lines precede it, found {}", fields[1], n - 1),
                    ));
                }
                ended = true;
            }
            other => {
                return Err(err(
                    n,
                    format!(
                        "unknown line kind `{other}` (written by a newer entnorm? this one reads \
                         partial format version {PARTIAL_VERSION})"
                    ),
                ))
            }
        }
    }
    if n == 0 {
        return Err(err(0, "empty file, not a partial aggregate".into()));
    }
    if !ended {
        return Err(err(n, "no `end` line: the part is truncated".into()));
    }
    let (Some(gazetteer), Some(counts)) = (gazetteer, counts) else {
        return Err(err(n, "missing `gazetteer` or `counts` line".into()));
    };
    let mut mentions = 0u64;
    for (id, e) in &entities {
        let sum: u64 = e.surfaces.values().sum();
        if sum != e.mentions {
            return Err(err(
                n,
                format!(
                    "entity {id}: surface counts add up to {sum}, its mentions are {}",
                    e.mentions
                ),
            ));
        }
        mentions += e.mentions;
    }
    for (key, u) in &unmatched {
        let sum: u64 = u.variants.values().sum();
        if sum > u.count || u.variants.is_empty() {
            return Err(err(
                n,
                format!(
                    "unmatched key `{key}`: variant counts add up to {sum}, its count is {}",
                    u.count
                ),
            ));
        }
    }
    if mentions != counts.mentions {
        return Err(err(
            n,
            format!(
                "entity mentions add up to {mentions}, the `counts` line says {}",
                counts.mentions
            ),
        ));
    }
    Ok(Aggregate {
        gazetteer,
        counts,
        entities,
        unmatched,
    })
}

/// The partial files named by `inputs`: a file stands for itself, a directory for every file in it whose
/// name does not start with `.` or `_` (Spark's `_SUCCESS` and `.crc` files), in name order.
pub fn partial_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, PipelineError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let io = |source| PipelineError::Io {
                path: input.clone(),
                source,
            };
            let mut found = Vec::new();
            for entry in std::fs::read_dir(input).map_err(io)? {
                let path = entry.map_err(io)?.path();
                let hidden = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.') || n.starts_with('_'));
                if path.is_file() && !hidden {
                    found.push(path);
                }
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Reads and merges the partial files; the error names the part that could not be read or merged.
pub fn merge_partials(files: &[PathBuf]) -> Result<Aggregate, PipelineError> {
    let mut merged: Option<Aggregate> = None;
    for path in files {
        let part = Aggregate::read_partial_file(path)?;
        match &mut merged {
            None => merged = Some(part),
            Some(m) => m.merge(part).map_err(|message| PipelineError::Merge {
                path: path.clone(),
                message,
            })?,
        }
    }
    merged.ok_or(PipelineError::NoParts)
}

/// Writes `merge.json` into `dir` (atomically): the parts merged, the gazetteer fingerprint and the
/// merged record counts.
pub fn write_merge_report(
    dir: &Path,
    parts: &[PathBuf],
    merged: &Aggregate,
) -> Result<(), PipelineError> {
    let report = serde_json::json!({
        "tool": "entnorm",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "merge",
        "finished": true,
        "gazetteer": { "fingerprint": merged.gazetteer },
        "parts": parts.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "counts": merged.counts,
        "entities": merged.entities.len(),
        "unmatched_keys": merged.unmatched.len(),
    });
    let path = dir.join("merge.json");
    let tmp = dir.join("merge.json.partial");
    std::fs::write(&tmp, format!("{report:#}\n")).map_err(|source| PipelineError::Io {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, &path).map_err(|source| PipelineError::Io { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (ID, name, documents, surface counts) of each entity.
    type Entities<'a> = &'a [(&'a str, &'a str, u64, &'a [(&'a str, u64)])];

    fn part(gaz: &str, entities: Entities) -> Aggregate {
        let mut a = Aggregate::new(gaz);
        for (id, name, documents, surfaces) in entities {
            let surfaces: BTreeMap<String, u64> =
                surfaces.iter().map(|(s, n)| (s.to_string(), *n)).collect();
            let mentions = surfaces.values().sum();
            a.counts.mentions += mentions;
            a.entities.insert(
                id.to_string(),
                EntityAggregate {
                    name: name.to_string(),
                    entity_type: "PER".into(),
                    mentions,
                    documents: *documents,
                    surfaces,
                },
            );
        }
        a.counts.records = 3;
        a.counts.processed = 2;
        a.counts.rejected = 1;
        a
    }

    fn round_trip(a: &Aggregate) -> Result<Aggregate, PipelineError> {
        let mut bytes = Vec::new();
        a.write_partial(&mut bytes).unwrap();
        read_partial(&bytes[..], Path::new("p"))
    }

    #[test]
    fn partial_round_trips_with_awkward_strings() {
        let a = part(
            "fp1",
            &[
                ("Q1", "Tab\there", 1, &[("Kerry", 2), ("John\nKerry", 1)]),
                ("Q2\\x", "Back\\slash", 2, &[("a\rb", 2)]),
            ],
        );
        assert_eq!(round_trip(&a).unwrap(), a);
    }

    #[test]
    fn merge_adds_counts_and_surfaces() {
        let mut a = part("fp", &[("Q1", "Kerry", 1, &[("Kerry", 2)])]);
        let b = part(
            "fp",
            &[
                ("Q1", "Kerry", 1, &[("Kerry", 1), ("Керри", 1)]),
                ("Q2", "X", 1, &[("X", 1)]),
            ],
        );
        a.merge(b).unwrap();
        let q1 = &a.entities["Q1"];
        assert_eq!((q1.mentions, q1.documents), (4, 2));
        assert_eq!(q1.surfaces["Kerry"], 3);
        assert_eq!(a.counts.records, 6);
        assert_eq!(a.counts.mentions, 5);
        assert_eq!(a.entities.len(), 2);
    }

    #[test]
    fn merge_refuses_parts_of_other_gazetteers() {
        let mut a = part("fp1", &[]);
        let e = a.merge(part("fp2", &[])).unwrap_err();
        assert!(e.contains("fp2") && e.contains("fp1"), "{e}");
    }

    #[test]
    fn reader_refuses_truncated_tampered_and_future_parts() {
        let a = part("fp", &[("Q1", "Kerry", 1, &[("Kerry", 2)])]);
        let mut bytes = Vec::new();
        a.write_partial(&mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let read = |s: &str| {
            read_partial(s.as_bytes(), Path::new("p"))
                .unwrap_err()
                .to_string()
        };
        // Truncated: the end line is missing.
        let truncated = lines[..lines.len() - 1].join("\n") + "\n";
        assert!(
            read(&truncated).contains("truncated"),
            "{}",
            read(&truncated)
        );
        // Truncated inside a line.
        assert!(read(&text[..text.len() - 3]).contains("truncated"));
        // A surface count changed: the sums no longer agree.
        let tampered = text.replace("Kerry\t2\n", "Kerry\t3\n");
        assert!(read(&tampered).contains("add up"), "{}", read(&tampered));
        // A newer format version.
        let future = text.replace("entnorm-partial\t2", "entnorm-partial\t3");
        assert!(read(&future).contains("version 3"), "{}", read(&future));
        // Not a partial at all.
        assert!(read("doc_id,field\n").contains("not an entnorm partial"));
        assert!(read("").contains("empty"));
    }
}
