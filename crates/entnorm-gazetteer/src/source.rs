//! Reading gazetteer source files (TSV, optionally gzip-compressed) into a [`Gazetteer`].
//!
//! The format is documented in `gazetteers/README.md`: a header row naming at least `entity_id`, `name`,
//! `type` and `lang`; optional `kind`, `prior` and `attributes`; extra columns ignored; no quoting.

use std::io::Read;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::error::GazetteerError;
use crate::model::{
    content_fingerprint, Alias, AliasKind, Entity, Gazetteer, NamePart, Origin, SourceInfo,
};

/// A gazetteer file or a directory of them, and whether it is the user's or the bundled default.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    pub path: PathBuf,
    pub origin: Origin,
}

impl SourceSpec {
    pub fn user(path: impl Into<PathBuf>) -> Self {
        SourceSpec {
            path: path.into(),
            origin: Origin::User,
        }
    }
    pub fn default_gazetteer(path: impl Into<PathBuf>) -> Self {
        SourceSpec {
            path: path.into(),
            origin: Origin::Default,
        }
    }
}

/// The gazetteer files a spec stands for: the file itself, or the `.tsv`/`.tsv.gz` files of a directory in
/// byte order of their names (so the load order, and with it the output, never depends on the file system).
pub fn expand_source(spec: &SourceSpec) -> Result<Vec<PathBuf>, GazetteerError> {
    let path = &spec.path;
    let meta = std::fs::metadata(path).map_err(|source| GazetteerError::Io {
        path: path.clone(),
        source,
    })?;
    if meta.is_file() {
        return Ok(vec![path.clone()]);
    }
    if !meta.is_dir() {
        return Err(GazetteerError::NotFound { path: path.clone() });
    }
    let entries = std::fs::read_dir(path).map_err(|source| GazetteerError::Io {
        path: path.clone(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| GazetteerError::Io {
            path: path.clone(),
            source,
        })?;
        let p = entry.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if (name.ends_with(".tsv") || name.ends_with(".tsv.gz")) && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads a whole file, decompressing `.gz` transparently. Gazetteers are read once per run, so holding one
/// file in memory is fine, and it lets the fingerprint cover exactly the stored bytes.
fn read_source_bytes(path: &Path) -> Result<(Vec<u8>, String), GazetteerError> {
    let io_err = |source| GazetteerError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io_err)?;
    let fingerprint = content_fingerprint(&raw);
    let is_gzip = raw.starts_with(&[0x1f, 0x8b]);
    if is_gzip {
        let mut text = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut text)
            .map_err(io_err)?;
        Ok((text, fingerprint))
    } else {
        Ok((raw, fingerprint))
    }
}

struct Columns {
    entity_id: usize,
    name: usize,
    entity_type: usize,
    lang: usize,
    kind: Option<usize>,
    prior: Option<usize>,
    attributes: Option<usize>,
    /// The number of fields a row must have to reach every required column; optional columns beyond a
    /// row's end read as empty, so a trailing empty `prior` or `kind` may be left off.
    needed: usize,
}

/// A header naming `name_part` and `name_group` and no `entity_id` makes the file a table of name-part
/// spellings (`gazetteers/README.md`): the positions of those two columns.
fn name_part_columns(header: &str) -> Option<(usize, usize)> {
    let names: Vec<&str> = header.split('\t').map(str::trim).collect();
    let find = |col: &str| names.iter().position(|n| n.eq_ignore_ascii_case(col));
    if find("entity_id").is_some() {
        return None;
    }
    Some((find("name_part")?, find("name_group")?))
}

impl Columns {
    fn from_header(header: &str, path: &Path, line: u64) -> Result<Columns, GazetteerError> {
        let names: Vec<&str> = header.split('\t').map(str::trim).collect();
        let find = |col: &str| names.iter().position(|n| n.eq_ignore_ascii_case(col));
        let require = |col: &'static str| {
            find(col).ok_or_else(|| GazetteerError::MissingColumn {
                path: path.to_path_buf(),
                line,
                column: col,
                found: names.join(", "),
            })
        };
        let mut cols = Columns {
            entity_id: require("entity_id")?,
            name: require("name")?,
            entity_type: require("type")?,
            lang: require("lang")?,
            kind: find("kind"),
            prior: find("prior"),
            attributes: find("attributes"),
            needed: 0,
        };
        cols.needed = [cols.entity_id, cols.name, cols.entity_type, cols.lang]
            .into_iter()
            .max()
            .unwrap_or(0)
            + 1;
        Ok(cols)
    }
}

/// Accumulates sources into one [`Gazetteer`], merging rows by entity ID.
#[derive(Default)]
pub struct GazetteerBuilder {
    gazetteer: Gazetteer,
    by_id: FxHashMap<String, u32>,
    /// (entity, alias text) -> alias index: one alias per spelling, carrying every language it is given in.
    seen_alias: FxHashMap<(u32, String), u32>,
    /// Origin of the row that set each entity's type: a user's row overrides the default's type.
    type_from: Vec<Origin>,
    /// `kind=remove` rows: (entity ID, alias text, or `*` for the whole entity).
    removals: Vec<(String, String)>,
    lenient: bool,
    report: LoadReport,
}

/// What a lenient load skipped and noticed: for `entnorm gazetteer check` and `--lenient` runs.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Rows that could not be used, each naming its file and line.
    pub bad_rows: Vec<GazetteerError>,
    /// Rows repeating an (entity, name, language) already given.
    pub duplicate_rows: u64,
    /// Rows giving an entity a type other than the one it already has, from the same origin: (file:line, ID,
    /// kept type, other type).
    pub type_conflicts: Vec<(String, String, String, String)>,
    /// Aliases and entities removed by `kind=remove` rows.
    pub removed_aliases: u64,
    pub removed_entities: u64,
    /// `kind=remove` rows that matched nothing.
    pub unmatched_removals: Vec<(String, String)>,
    /// User entities linked to default entities.
    pub enrichment: crate::enrich::EnrichReport,
}

impl GazetteerBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// In lenient mode a bad row is recorded in the [`LoadReport`] and skipped instead of failing the load.
    pub fn lenient(&mut self, yes: bool) -> &mut Self {
        self.lenient = yes;
        self
    }

    /// Loads a file or directory of files.
    pub fn add(&mut self, spec: &SourceSpec) -> Result<&mut Self, GazetteerError> {
        for file in expand_source(spec)? {
            self.add_file(&file, spec.origin)?;
        }
        Ok(self)
    }

    pub fn add_file(&mut self, path: &Path, origin: Origin) -> Result<&mut Self, GazetteerError> {
        let (bytes, fingerprint) = read_source_bytes(path)?;
        self.add_text(path, &bytes, fingerprint, origin)
    }

    /// Adds a source already in memory (uncompressed); `path` only labels it in errors and the manifest.
    pub fn add_bytes(
        &mut self,
        path: &Path,
        bytes: &[u8],
        origin: Origin,
    ) -> Result<&mut Self, GazetteerError> {
        self.add_text(path, bytes, content_fingerprint(bytes), origin)
    }

    fn add_text(
        &mut self,
        path: &Path,
        bytes: &[u8],
        fingerprint: String,
        origin: Origin,
    ) -> Result<&mut Self, GazetteerError> {
        let source_index = self.gazetteer.sources.len() as u32;
        let mut rows = 0u64;
        let mut columns: Option<Columns> = None;
        // (name_part, name_group) column positions when the file is a name-part table.
        let mut name_parts: Option<(usize, usize)> = None;
        let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        for (i, raw_line) in body.split(|&b| b == b'\n').enumerate() {
            let line_no = i as u64 + 1;
            let raw_line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
            let line = match std::str::from_utf8(raw_line) {
                Ok(line) => line,
                Err(e) => {
                    let err = GazetteerError::Row {
                        path: path.to_path_buf(),
                        line: line_no,
                        message: format!("invalid UTF-8 at byte {} of the line", e.valid_up_to()),
                    };
                    // A row of invalid UTF-8 is a bad row like any other; the header must be readable.
                    if self.lenient && columns.is_some() {
                        self.report.bad_rows.push(err);
                        continue;
                    }
                    return Err(err);
                }
            };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if name_parts.is_none() && columns.is_none() {
                name_parts = name_part_columns(line);
                if name_parts.is_some() {
                    continue;
                }
            }
            if let Some((form_col, group_col)) = name_parts {
                let fields: Vec<&str> = line.split('\t').collect();
                match (fields.get(form_col), fields.get(group_col)) {
                    (Some(form), Some(group))
                        if !form.trim().is_empty() && !group.trim().is_empty() =>
                    {
                        self.gazetteer.name_parts.push(NamePart {
                            form: form.trim().to_owned(),
                            group: group.trim().to_owned(),
                        });
                        rows += 1;
                    }
                    _ => {
                        let err = GazetteerError::Row {
                            path: path.to_path_buf(),
                            line: line_no,
                            message: "a name-part row needs a name_part and a name_group"
                                .to_owned(),
                        };
                        if self.lenient {
                            self.report.bad_rows.push(err);
                        } else {
                            return Err(err);
                        }
                    }
                }
                continue;
            }
            let Some(cols) = &columns else {
                columns = Some(Columns::from_header(line, path, line_no)?);
                continue;
            };
            match self.add_row(line, cols, path, line_no, origin, source_index) {
                Ok(()) => rows += 1,
                Err(e) if self.lenient => self.report.bad_rows.push(e),
                Err(e) => return Err(e),
            }
        }
        if columns.is_none() && name_parts.is_none() {
            return Err(GazetteerError::Empty {
                path: path.to_path_buf(),
            });
        }
        self.gazetteer.sources.push(SourceInfo {
            path: path.to_path_buf(),
            origin,
            rows,
            fingerprint,
        });
        Ok(self)
    }

    fn add_row(
        &mut self,
        line: &str,
        cols: &Columns,
        path: &Path,
        line_no: u64,
        origin: Origin,
        source: u32,
    ) -> Result<(), GazetteerError> {
        let row_err = |message: String| GazetteerError::Row {
            path: path.to_path_buf(),
            line: line_no,
            message,
        };
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < cols.needed {
            return Err(row_err(format!(
                "expected at least {} tab-separated fields, found {}",
                cols.needed,
                fields.len()
            )));
        }
        let id = fields[cols.entity_id].trim();
        let name = fields[cols.name].trim();
        let entity_type = fields[cols.entity_type].trim();
        let lang = fields[cols.lang].trim();
        if id.is_empty() {
            return Err(row_err("empty entity_id".into()));
        }
        if name.is_empty() {
            return Err(row_err(format!("empty name for entity {id}")));
        }
        if entity_type.is_empty() {
            return Err(row_err(format!("empty type for entity {id}")));
        }
        let optional = |col: Option<usize>| col.and_then(|c| fields.get(c)).map(|f| f.trim());
        let kind_text = optional(cols.kind).unwrap_or("");
        if kind_text == "remove" {
            self.removals.push((id.to_owned(), name.to_owned()));
            return Ok(());
        }
        let kind = AliasKind::parse(kind_text).ok_or_else(|| {
            row_err(format!(
                "unknown kind `{kind_text}` (expected canonical, label, alias, abbreviation, transliteration or remove)"
            ))
        })?;
        let prior = match optional(cols.prior) {
            None | Some("") => 0.0,
            Some(p) => match p.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => v,
                _ => return Err(row_err(format!("prior `{p}` is not a non-negative number"))),
            },
        };
        let attributes = match optional(cols.attributes) {
            None | Some("") => Vec::new(),
            Some(a) => parse_attributes(a).map_err(row_err)?,
        };

        let gaz = &mut self.gazetteer;
        let entity = match self.by_id.get(id) {
            Some(&e) => e,
            None => {
                let e = gaz.entities.len() as u32;
                gaz.entities.push(Entity {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    entity_type: entity_type.to_owned(),
                    prior: 0.0,
                    attributes: Vec::new(),
                    origin,
                    canonical_from: None,
                });
                self.by_id.insert(id.to_owned(), e);
                self.type_from.push(origin);
                e
            }
        };
        let ent = &mut gaz.entities[entity as usize];
        if ent.entity_type != entity_type {
            let set_by = &mut self.type_from[entity as usize];
            if origin < *set_by {
                ent.entity_type = entity_type.to_owned();
                *set_by = origin;
            } else if origin == *set_by {
                self.report.type_conflicts.push((
                    format!("{}:{line_no}", path.display()),
                    id.to_owned(),
                    ent.entity_type.clone(),
                    entity_type.to_owned(),
                ));
            }
        }
        ent.prior = ent.prior.max(prior);
        ent.origin = ent.origin.min(origin);
        if kind == AliasKind::Canonical && ent.canonical_from.is_none_or(|o| origin < o) {
            ent.name = name.to_owned();
            ent.canonical_from = Some(origin);
        }
        for (k, v) in attributes {
            if !ent.attributes.iter().any(|(k2, v2)| *k2 == k && *v2 == v) {
                ent.attributes.push((k, v));
            }
        }
        match self.seen_alias.get(&(entity, name.to_owned())) {
            Some(&existing) => {
                let alias = &mut gaz.aliases[existing as usize];
                if alias.langs.iter().any(|l| l == lang) || lang.is_empty() {
                    self.report.duplicate_rows += 1;
                } else {
                    alias.langs.push(lang.to_owned());
                }
                alias.kind = alias.kind.min(kind);
                alias.origin = alias.origin.min(origin);
            }
            None => {
                self.seen_alias
                    .insert((entity, name.to_owned()), gaz.aliases.len() as u32);
                gaz.aliases.push(Alias {
                    entity,
                    text: name.to_owned(),
                    lang: lang.to_owned(),
                    langs: if lang.is_empty() {
                        Vec::new()
                    } else {
                        vec![lang.to_owned()]
                    },
                    kind,
                    source,
                    origin,
                });
            }
        }
        Ok(())
    }

    /// The `kind=remove` rows read so far: (entity ID, alias text, or `*` for the whole entity).
    pub fn removals(&self) -> &[(String, String)] {
        &self.removals
    }

    pub fn build(self) -> Gazetteer {
        self.build_with_report().0
    }

    /// The merged gazetteer after `kind=remove` rows are applied and user entities are linked to the
    /// default entities they name ([`crate::enrich_user_entities`]), and what the load noticed.
    pub fn build_with_report(self) -> (Gazetteer, LoadReport) {
        let (mut gazetteer, mut report) = self.apply_removals();
        crate::enrich::add_initials(&mut gazetteer);
        report.enrichment = crate::enrich::enrich_user_entities(&mut gazetteer);
        (gazetteer, report)
    }

    fn apply_removals(self) -> (Gazetteer, LoadReport) {
        let GazetteerBuilder {
            mut gazetteer,
            by_id,
            removals,
            mut report,
            ..
        } = self;
        if removals.is_empty() {
            return (gazetteer, report);
        }
        let mut drop_entity = vec![false; gazetteer.entities.len()];
        let mut drop_alias: rustc_hash::FxHashSet<(u32, &str)> = Default::default();
        for (id, name) in &removals {
            match by_id.get(id) {
                Some(&e) if name == "*" => drop_entity[e as usize] = true,
                Some(&e)
                    if gazetteer
                        .aliases
                        .iter()
                        .any(|a| a.entity == e && a.text == *name) =>
                {
                    drop_alias.insert((e, name.as_str()));
                }
                _ => report.unmatched_removals.push((id.clone(), name.clone())),
            }
        }
        // Renumber entities so that indices stay dense after whole entities go.
        let mut new_index = vec![u32::MAX; gazetteer.entities.len()];
        let mut kept = Vec::with_capacity(gazetteer.entities.len());
        for (i, e) in gazetteer.entities.into_iter().enumerate() {
            if drop_entity[i] {
                report.removed_entities += 1;
            } else {
                new_index[i] = kept.len() as u32;
                kept.push(e);
            }
        }
        gazetteer.entities = kept;
        let before = gazetteer.aliases.len();
        let aliases = std::mem::take(&mut gazetteer.aliases);
        gazetteer.aliases = aliases
            .into_iter()
            .filter(|a| {
                !drop_entity[a.entity as usize]
                    && !drop_alias.contains(&(a.entity, a.text.as_str()))
            })
            .map(|mut a| {
                a.entity = new_index[a.entity as usize];
                a
            })
            .collect();
        report.removed_aliases = (before - gazetteer.aliases.len()) as u64;
        (gazetteer, report)
    }
}

fn parse_attributes(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
            _ => Err(format!("attribute `{pair}` is not of the form key=value")),
        })
        .collect()
}

impl Gazetteer {
    /// Loads the sources leniently: bad rows are skipped and listed in the report (for `check`).
    pub fn load_lenient(specs: &[SourceSpec]) -> Result<(Gazetteer, LoadReport), GazetteerError> {
        let mut builder = GazetteerBuilder::new();
        builder.lenient(true);
        for spec in specs {
            builder.add(spec)?;
        }
        Ok(builder.build_with_report())
    }

    /// Loads and merges the given sources in order.
    pub fn load(specs: &[SourceSpec]) -> Result<Gazetteer, GazetteerError> {
        let mut builder = GazetteerBuilder::new();
        for spec in specs {
            builder.add(spec)?;
        }
        Ok(builder.build())
    }
}

/// The fingerprint an index compiled from these sources would carry, computed from the files' bytes
/// without parsing them: how `entnorm run` decides whether a cached index is still valid.
pub fn fingerprint_sources(specs: &[SourceSpec]) -> Result<String, GazetteerError> {
    fingerprint_sources_with(specs, file_fingerprint)
}

/// [`fingerprint_sources`], with each file's content fingerprint given by `file_fingerprint` (which must
/// agree with [`file_fingerprint`]; a caller may remember fingerprints of files it knows unchanged).
pub fn fingerprint_sources_with(
    specs: &[SourceSpec],
    mut file_fingerprint: impl FnMut(&Path) -> Result<String, GazetteerError>,
) -> Result<String, GazetteerError> {
    let mut parts = Vec::new();
    for spec in specs {
        for file in expand_source(spec)? {
            parts.push((spec.origin, file_fingerprint(&file)?));
        }
    }
    Ok(crate::model::combined_fingerprint(
        parts.iter().map(|(o, f)| (*o, f.as_str())),
    ))
}

/// The content fingerprint of one source file, as [`fingerprint_sources`] takes it: a hash of its bytes.
pub fn file_fingerprint(file: &Path) -> Result<String, GazetteerError> {
    let raw = std::fs::read(file).map_err(|source| GazetteerError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    Ok(content_fingerprint(&raw))
}
