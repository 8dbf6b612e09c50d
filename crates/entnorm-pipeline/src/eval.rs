//! `entnorm eval`: scoring the pipeline against gold-annotated documents.
//!
//! The gold format and the protocol are those of the project's development sets (`eval-dev/README.md` of
//! the shared research data): one JSON document per line with `doc_id`, `lang`, `text` and `mentions`
//! (`start`/`end` in Unicode code points, end exclusive, `entity_id` or `null`, `surface`, `type`).
//!
//! Only *linked* gold mentions (`entity_id` not null) are scored, optionally only those of some types:
//!
//! - **recall** = scored gold mentions for which some output mention has the same entity ID and an
//!   overlapping span (exact-span variant: the same span);
//! - **precision** = output mentions that overlap a scored gold mention and carry its entity ID (exact
//!   variant: and have its span), divided by the output mentions that overlap any scored gold mention.
//!   Output over unannotated text, over NIL mentions only, or over gold mentions of types not scored, is
//!   not counted;
//! - **F1** of the two; all micro-averaged, overall, per document language and per entity type. Recall is
//!   attributed to the gold mention's type; an output mention to the type of the gold mention it is
//!   judged against (one with its entity ID and span if any, else one with its entity ID, else the one it
//!   overlaps most; ties go to the gold mention listed first);
//! - precision of the output mentions by score band.
//!
//! Every figure comes with the [`BaselineMatcher`]'s beside it: exact, case-sensitive matching of the set
//! gazetteer's names, independent of the entnorm matcher.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use entnorm_gazetteer::Matcher;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::input::Document;
use crate::process::Worker;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Gold {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}:{line}: {message}")]
    Gazetteer {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool { threads: usize, message: String },
}

// ---------------------------------------------------------------------------------------------------------
// Gold documents

/// One annotated mention: code-point span into the document's `text`, end exclusive.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct GoldMention {
    pub start: usize,
    pub end: usize,
    /// `None`: a NIL mention (an entity not in the knowledge base); never scored.
    pub entity_id: Option<String>,
    #[serde(default)]
    pub surface: String,
    #[serde(rename = "type")]
    pub mention_type: String,
}

/// One gold document.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct GoldDocument {
    pub doc_id: String,
    #[serde(default)]
    pub lang: String,
    pub text: String,
    pub mentions: Vec<GoldMention>,
}

impl GoldDocument {
    /// The language the figures are grouped by: `lang`, or `und` when it is empty.
    pub fn lang_key(&self) -> &str {
        if self.lang.is_empty() {
            "und"
        } else {
            &self.lang
        }
    }
}

/// Reads a gold JSON Lines file (plain or `.gz`). Blank lines are skipped; a line that is not a gold
/// document, or a mention whose span is outside the text or does not spell its `surface`, is an error
/// naming the line.
pub fn read_gold(path: &Path) -> Result<Vec<GoldDocument>, EvalError> {
    parse_gold(open_plain_or_gz(path)?, path)
}

/// A buffered reader over a file, decompressing it when its name ends in `.gz`.
fn open_plain_or_gz(path: &Path) -> Result<std::io::BufReader<Box<dyn Read>>, EvalError> {
    let file = std::fs::File::open(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    Ok(std::io::BufReader::new(reader))
}

/// Parses gold JSON Lines from `reader`; `path` only names the source in errors.
pub fn parse_gold(reader: impl BufRead, path: &Path) -> Result<Vec<GoldDocument>, EvalError> {
    let mut docs = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line.map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let gold_err = |message: String| EvalError::Gold {
            path: path.to_path_buf(),
            line: line_no,
            message,
        };
        let doc: GoldDocument = serde_json::from_str(&line)
            .map_err(|e| gold_err(format!("not a gold document: {e}")))?;
        let chars: Vec<char> = doc.text.chars().collect();
        for m in &doc.mentions {
            if m.start >= m.end || m.end > chars.len() {
                return Err(gold_err(format!(
                    "document {}: mention [{}, {}) is empty or outside the text ({} code points)",
                    doc.doc_id,
                    m.start,
                    m.end,
                    chars.len()
                )));
            }
            if !m.surface.is_empty() {
                let spelled: String = chars[m.start..m.end].iter().collect();
                if spelled != m.surface {
                    return Err(gold_err(format!(
                        "document {}: mention [{}, {}) reads {spelled:?} in the text, not {:?}",
                        doc.doc_id, m.start, m.end, m.surface
                    )));
                }
            }
        }
        docs.push(doc);
    }
    Ok(docs)
}

/// The set gazetteer of a gold file: `<set>.gazetteer.tsv` beside `nerel.jsonl`, or with a variant
/// `<set>.gazetteer-<variant>.tsv` (`slavicner.gazetteer-alllemmas.tsv`).
pub fn set_gazetteer_path(gold: &Path, variant: Option<&str>) -> PathBuf {
    let name = gold
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut stem = name.as_str();
    for ext in [".gz", ".jsonl", ".ndjson", ".json"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    let file = match variant {
        Some(v) => format!("{stem}.gazetteer-{v}.tsv"),
        None => format!("{stem}.gazetteer.tsv"),
    };
    gold.with_file_name(file)
}

// ---------------------------------------------------------------------------------------------------------
// Output mentions and the two systems

/// A linked mention produced by a system, in code points of the document's `text`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputMention {
    pub start: usize,
    pub end: usize,
    pub entity_id: String,
    pub score: f64,
}

/// The entnorm pipeline's mentions of one gold document (its `text`, with its `lang`), as
/// [`Worker::process`] finds them for `entnorm run`.
pub fn entnorm_mentions(
    worker: &mut Worker<'_>,
    matcher: &Matcher,
    doc: &GoldDocument,
) -> Vec<OutputMention> {
    let input = Document {
        id: doc.doc_id.clone(),
        title: None,
        text: doc.text.clone(),
        lang: (!doc.lang.is_empty()).then(|| doc.lang.clone()),
        date: None,
    };
    worker
        .process(&input, None)
        .into_iter()
        .filter(|row| row.status == crate::process::STATUS_ACCEPTED)
        .map(|row| OutputMention {
            start: row.start,
            end: row.end,
            entity_id: matcher.entity(row.entity).id.to_owned(),
            score: row.score,
        })
        .collect()
}

/// The baseline of the protocol: exact, case-sensitive matching of gazetteer names. A name matches where
/// it occurs verbatim and neither the character before nor the one after is alphanumeric; matches are
/// leftmost-longest and do not overlap; a name given for several entities goes to its first row's entity.
/// Every match scores 1.0.
#[derive(Clone, Debug, Default)]
pub struct BaselineMatcher {
    /// Trie over characters: (node, char) -> child node. Node 0 is the root.
    edges: FxHashMap<(u32, char), u32>,
    /// Per node: the entity (index into `ids`) of the first row whose name ends there.
    terminal: Vec<Option<u32>>,
    ids: Vec<String>,
    id_index: FxHashMap<String, u32>,
    names: usize,
}

impl BaselineMatcher {
    pub fn new() -> Self {
        BaselineMatcher {
            terminal: vec![None],
            ..Default::default()
        }
    }

    /// Adds a name of an entity; a name already added keeps its first entity. Empty names are ignored.
    pub fn add(&mut self, entity_id: &str, name: &str) {
        if name.is_empty() {
            return;
        }
        let mut node = 0u32;
        for c in name.chars() {
            node = match self.edges.get(&(node, c)) {
                Some(&next) => next,
                None => {
                    let next = self.terminal.len() as u32;
                    self.terminal.push(None);
                    self.edges.insert((node, c), next);
                    next
                }
            };
        }
        if self.terminal[node as usize].is_none() {
            let entity = match self.id_index.get(entity_id) {
                Some(&e) => e,
                None => {
                    let e = self.ids.len() as u32;
                    self.ids.push(entity_id.to_owned());
                    self.id_index.insert(entity_id.to_owned(), e);
                    e
                }
            };
            self.terminal[node as usize] = Some(entity);
            self.names += 1;
        }
    }

    /// The names of a gazetteer TSV file (plain or `.gz`): header row naming `entity_id` and `name`,
    /// `#` comments and blank lines skipped, rows with `kind` = `remove` skipped.
    pub fn from_tsv(path: &Path) -> Result<Self, EvalError> {
        let reader = open_plain_or_gz(path)?;
        let mut matcher = BaselineMatcher::new();
        let mut columns: Option<(usize, usize, Option<usize>)> = None;
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|source| EvalError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let Some((id_col, name_col, kind_col)) = columns else {
                let find = |name: &str| fields.iter().position(|f| f.trim() == name);
                let (Some(id), Some(name)) = (find("entity_id"), find("name")) else {
                    return Err(EvalError::Gazetteer {
                        path: path.to_path_buf(),
                        line: i as u64 + 1,
                        message: "header row must name the columns entity_id and name".to_owned(),
                    });
                };
                columns = Some((id, name, find("kind")));
                continue;
            };
            let (Some(id), Some(name)) = (fields.get(id_col), fields.get(name_col)) else {
                return Err(EvalError::Gazetteer {
                    path: path.to_path_buf(),
                    line: i as u64 + 1,
                    message: format!("row has {} columns, fewer than the header", fields.len()),
                });
            };
            if kind_col.and_then(|k| fields.get(k)) == Some(&"remove") {
                continue;
            }
            matcher.add(id, name);
        }
        Ok(matcher)
    }

    /// Distinct names indexed.
    pub fn name_count(&self) -> usize {
        self.names
    }

    /// The matches in `text`, in text order, with code-point offsets.
    pub fn find(&self, text: &str) -> Vec<OutputMention> {
        let chars: Vec<char> = text.chars().collect();
        let boundary = |i: usize| i == 0 || i == chars.len() || !chars[i].is_alphanumeric();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if i > 0 && chars[i - 1].is_alphanumeric() {
                i += 1;
                continue;
            }
            let mut node = 0u32;
            let mut best: Option<(usize, u32)> = None;
            for (j, &c) in chars.iter().enumerate().skip(i) {
                match self.edges.get(&(node, c)) {
                    Some(&next) => node = next,
                    None => break,
                }
                if let Some(entity) = self.terminal[node as usize] {
                    if boundary(j + 1) {
                        best = Some((j + 1, entity));
                    }
                }
            }
            match best {
                Some((end, entity)) => {
                    out.push(OutputMention {
                        start: i,
                        end,
                        entity_id: self.ids[entity as usize].clone(),
                        score: 1.0,
                    });
                    i = end;
                }
                None => i += 1,
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------------------
// Scoring

/// Which gold mentions are scored, and how entnorm links.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// Score only gold mentions of these types (`None`: all types).
    pub types: Option<BTreeSet<String>>,
    /// Worker threads (0: rayon's global pool). The figures never depend on it.
    pub threads: usize,
    /// Run the fuzzy stage (as `entnorm run --fuzzy` does).
    pub fuzzy: bool,
    /// `--accept-threshold`: only links with status `accepted` are scored.
    pub accept: f64,
    /// `--review-threshold`.
    pub review: f64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            types: None,
            threads: 0,
            fuzzy: true,
            accept: crate::process::DEFAULT_ACCEPT_THRESHOLD,
            review: crate::process::DEFAULT_REVIEW_THRESHOLD,
        }
    }
}

/// Counts behind one row of figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Scored gold mentions (linked, of a scored type): the recall denominator.
    pub gold: u64,
    /// Scored gold mentions overlapped by an output mention with their entity ID.
    pub gold_found: u64,
    /// Scored gold mentions with an output mention of their entity ID and exactly their span.
    pub gold_found_exact: u64,
    /// Output mentions overlapping a scored gold mention: the precision denominator.
    pub output: u64,
    /// Of those, mentions overlapping a scored gold mention with their entity ID.
    pub output_correct: u64,
    /// Of those, mentions with exactly the span and entity ID of a scored gold mention.
    pub output_correct_exact: u64,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// F1 of precision and recall; with gold but no output over it (precision undefined, recall 0) it is 0.
fn f1(p: Option<f64>, r: Option<f64>) -> Option<f64> {
    match (p, r) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (_, Some(_)) => Some(0.0),
        _ => None,
    }
}

impl Counts {
    pub fn precision(&self) -> Option<f64> {
        ratio(self.output_correct, self.output)
    }
    pub fn recall(&self) -> Option<f64> {
        ratio(self.gold_found, self.gold)
    }
    pub fn f1(&self) -> Option<f64> {
        f1(self.precision(), self.recall())
    }
    pub fn precision_exact(&self) -> Option<f64> {
        ratio(self.output_correct_exact, self.output)
    }
    pub fn recall_exact(&self) -> Option<f64> {
        ratio(self.gold_found_exact, self.gold)
    }
    pub fn f1_exact(&self) -> Option<f64> {
        f1(self.precision_exact(), self.recall_exact())
    }
    pub fn add(&mut self, other: &Counts) {
        self.gold += other.gold;
        self.gold_found += other.gold_found;
        self.gold_found_exact += other.gold_found_exact;
        self.output += other.output;
        self.output_correct += other.output_correct;
        self.output_correct_exact += other.output_correct_exact;
    }
}

/// Score bands for precision by score: lower bounds (inclusive), highest first; a band's upper bound is
/// the next higher band's lower bound (exclusive), the top band is `score >= 1.0`.
pub const SCORE_BANDS: [(f64, &str); 7] = [
    (1.0, "1.00"),
    (0.9, "[0.90,1.00)"),
    (0.8, "[0.80,0.90)"),
    (0.7, "[0.70,0.80)"),
    (0.6, "[0.60,0.70)"),
    (0.5, "[0.50,0.60)"),
    (f64::NEG_INFINITY, "<0.50"),
];

fn band_of(score: f64) -> usize {
    SCORE_BANDS
        .iter()
        .position(|&(lower, _)| score >= lower)
        .unwrap_or(SCORE_BANDS.len() - 1)
}

/// Output mentions overlapping scored gold in one score band, and how many of them are correct.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BandCounts {
    pub band: String,
    pub output: u64,
    pub correct: u64,
}

/// All figures of one system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scores {
    pub overall: Counts,
    pub by_lang: BTreeMap<String, Counts>,
    pub by_type: BTreeMap<String, Counts>,
    /// One entry per [`SCORE_BANDS`] band, in that order.
    pub bands: Vec<BandCounts>,
    /// Every output mention, scored or not.
    pub output_total: u64,
}

impl Default for Scores {
    fn default() -> Self {
        Scores {
            overall: Counts::default(),
            by_lang: BTreeMap::new(),
            by_type: BTreeMap::new(),
            bands: SCORE_BANDS
                .iter()
                .map(|&(_, label)| BandCounts {
                    band: label.to_owned(),
                    ..Default::default()
                })
                .collect(),
            output_total: 0,
        }
    }
}

impl Scores {
    pub fn add(&mut self, other: &Scores) {
        self.overall.add(&other.overall);
        for (k, c) in &other.by_lang {
            self.by_lang.entry(k.clone()).or_default().add(c);
        }
        for (k, c) in &other.by_type {
            self.by_type.entry(k.clone()).or_default().add(c);
        }
        for (mine, theirs) in self.bands.iter_mut().zip(&other.bands) {
            mine.output += theirs.output;
            mine.correct += theirs.correct;
        }
        self.output_total += other.output_total;
    }

    /// Precision (overlap) of the scored output mentions with a score of at least `min`, over whole bands.
    pub fn precision_at_least(&self, min: f64) -> Option<f64> {
        let (mut out, mut correct) = (0, 0);
        for (b, &(lower, _)) in self.bands.iter().zip(&SCORE_BANDS) {
            if lower >= min {
                out += b.output;
                correct += b.correct;
            }
        }
        ratio(correct, out)
    }

    /// Output mentions not counted for precision (over unannotated text, NIL or unscored types).
    pub fn output_unscored(&self) -> u64 {
        self.output_total - self.overall.output
    }
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Scores one document's output against its gold mentions.
pub fn score_document(
    doc: &GoldDocument,
    output: &[OutputMention],
    options: &EvalOptions,
) -> Scores {
    let gold: Vec<(&GoldMention, &str)> = doc
        .mentions
        .iter()
        .filter_map(|m| Some((m, m.entity_id.as_deref()?)))
        .filter(|(m, _)| {
            options
                .types
                .as_ref()
                .is_none_or(|t| t.contains(&m.mention_type))
        })
        .collect();
    let lang = doc.lang_key();
    let mut scores = Scores {
        output_total: output.len() as u64,
        ..Scores::default()
    };
    let record = |scores: &mut Scores, mention_type: &str, c: Counts| {
        scores.overall.add(&c);
        scores.by_lang.entry(lang.to_owned()).or_default().add(&c);
        scores
            .by_type
            .entry(mention_type.to_owned())
            .or_default()
            .add(&c);
    };

    for &(g, id) in &gold {
        let span = (g.start, g.end);
        let same_id = output
            .iter()
            .filter(|o| o.entity_id == id && overlaps((o.start, o.end), span));
        let mut c = Counts {
            gold: 1,
            ..Counts::default()
        };
        for o in same_id {
            c.gold_found = 1;
            if (o.start, o.end) == span {
                c.gold_found_exact = 1;
            }
        }
        record(&mut scores, &g.mention_type, c);
    }

    for o in output {
        let span = (o.start, o.end);
        // The gold mention this output is judged against: same ID and span, else same ID, else the largest
        // overlap; the first listed wins ties.
        let mut judge: Option<((bool, bool, usize), &GoldMention)> = None;
        for &(g, id) in &gold {
            if !overlaps(span, (g.start, g.end)) {
                continue;
            }
            let same_id = id == o.entity_id;
            let key = (
                same_id && span == (g.start, g.end),
                same_id,
                o.end.min(g.end) - o.start.max(g.start),
            );
            if judge.as_ref().is_none_or(|(best, _)| key > *best) {
                judge = Some((key, g));
            }
        }
        let Some(((exact, correct, _), g)) = judge else {
            continue;
        };
        let c = Counts {
            output: 1,
            output_correct: correct as u64,
            output_correct_exact: exact as u64,
            ..Counts::default()
        };
        record(&mut scores, &g.mention_type, c);
        let band = &mut scores.bands[band_of(o.score)];
        band.output += 1;
        band.correct += correct as u64;
    }
    scores
}

// ---------------------------------------------------------------------------------------------------------
// Running an evaluation

/// The figures of entnorm and the baseline over a set of gold documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub documents: u64,
    /// Documents whose processing panicked (scored with no entnorm output, as `entnorm run` rejects them).
    pub failed_documents: u64,
    pub gold_mentions: u64,
    pub gold_linked: u64,
    pub entnorm: Scores,
    pub baseline: Scores,
}

/// Runs entnorm (`matcher`) and the baseline over `gold` and scores both. Documents are processed in
/// parallel; the figures are sums of integer counts and do not depend on the thread count.
pub fn evaluate(
    gold: &[GoldDocument],
    matcher: &Matcher,
    baseline: &BaselineMatcher,
    options: &EvalOptions,
) -> Result<Evaluation, EvalError> {
    let fuzzy = options
        .fuzzy
        .then(|| crate::index_cache::load_fuzzy_index(matcher, None).0);
    evaluate_with(gold, matcher, baseline, options, fuzzy.as_ref())
}

/// [`evaluate`] with the fuzzy index given (used when `options.fuzzy`; None: no fuzzy stage).
pub fn evaluate_with(
    gold: &[GoldDocument],
    matcher: &Matcher,
    baseline: &BaselineMatcher,
    options: &EvalOptions,
    fuzzy: Option<&entnorm_reconcile::FuzzyIndex>,
) -> Result<Evaluation, EvalError> {
    let linking = crate::process::Linking {
        fuzzy: fuzzy.filter(|_| options.fuzzy),
        accept: options.accept,
        review: options.review,
        key_layers_only: false,
    };
    let work = || -> Vec<(Scores, Scores, bool)> {
        gold.par_iter()
            .map_init(
                || Worker::with_linking(matcher, linking),
                |worker, doc| {
                    let (output, failed) = match catch_unwind(AssertUnwindSafe(|| {
                        entnorm_mentions(worker, matcher, doc)
                    })) {
                        Ok(out) => (out, false),
                        Err(_) => {
                            worker.reset();
                            (Vec::new(), true)
                        }
                    };
                    let base = baseline.find(&doc.text);
                    (
                        score_document(doc, &output, options),
                        score_document(doc, &base, options),
                        failed,
                    )
                },
            )
            .collect()
    };
    let per_doc = if options.threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads)
            .build()
            .map_err(|e| EvalError::ThreadPool {
                threads: options.threads,
                message: e.to_string(),
            })?
            .install(work)
    } else {
        work()
    };
    let mut eval = Evaluation {
        documents: gold.len() as u64,
        failed_documents: 0,
        gold_mentions: gold.iter().map(|d| d.mentions.len() as u64).sum(),
        gold_linked: gold
            .iter()
            .flat_map(|d| &d.mentions)
            .filter(|m| m.entity_id.is_some())
            .count() as u64,
        entnorm: Scores::default(),
        baseline: Scores::default(),
    };
    for (system, base, failed) in &per_doc {
        eval.entnorm.add(system);
        eval.baseline.add(base);
        eval.failed_documents += *failed as u64;
    }
    Ok(eval)
}

/// A gazetteer file the matcher was compiled from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GazetteerFile {
    pub path: String,
    pub origin: String,
    pub fingerprint: String,
}

/// An evaluation with what it was run on: the report `entnorm eval` prints and writes as JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    pub gold: String,
    pub set_gazetteer: String,
    /// Names the baseline matched with (distinct names of the set gazetteer).
    pub baseline_names: u64,
    /// Scored gold types (`None`: all).
    pub types: Option<Vec<String>>,
    /// Fingerprint of all gazetteer sources and the normalizer (`Matcher::fingerprint`).
    pub fingerprint: String,
    /// Fingerprint of the default gazetteer alone (`None` when it was not loaded).
    pub default_gazetteer_fingerprint: Option<String>,
    pub gazetteer_files: Vec<GazetteerFile>,
    pub entities: u64,
    pub aliases: u64,
    pub entnorm_version: String,
    pub evaluation: Evaluation,
}

impl EvalReport {
    /// Describes an evaluation; `default_fingerprint` is `fingerprint_sources` of the default gazetteer.
    pub fn new(
        gold: &Path,
        set_gazetteer: &Path,
        baseline: &BaselineMatcher,
        matcher: &Matcher,
        default_fingerprint: Option<String>,
        options: &EvalOptions,
        evaluation: Evaluation,
    ) -> Self {
        EvalReport {
            gold: gold.display().to_string(),
            set_gazetteer: set_gazetteer.display().to_string(),
            baseline_names: baseline.name_count() as u64,
            types: options.types.as_ref().map(|t| t.iter().cloned().collect()),
            fingerprint: matcher.fingerprint().to_owned(),
            default_gazetteer_fingerprint: default_fingerprint,
            gazetteer_files: matcher
                .sources()
                .iter()
                .map(|s| GazetteerFile {
                    path: s.path.display().to_string(),
                    origin: s.origin.name().to_owned(),
                    fingerprint: s.fingerprint.clone(),
                })
                .collect(),
            entities: matcher.entity_count() as u64,
            aliases: matcher.alias_count() as u64,
            entnorm_version: env!("CARGO_PKG_VERSION").to_owned(),
            evaluation,
        }
    }

    /// The JSON summary: the report with precision, recall and F1 added beside every set of counts.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("report serializes");
        for system in ["entnorm", "baseline"] {
            let scores = &self.evaluation_of(system);
            let s = &mut v["evaluation"][system];
            s["overall"] = counts_json(&scores.overall);
            for (k, c) in &scores.by_lang {
                s["by_lang"][k] = counts_json(c);
            }
            for (k, c) in &scores.by_type {
                s["by_type"][k] = counts_json(c);
            }
            for (i, b) in scores.bands.iter().enumerate() {
                s["bands"][i]["precision"] = serde_json::json!(ratio(b.correct, b.output));
            }
            s["precision_score_at_least_0_9"] = serde_json::json!(scores.precision_at_least(0.9));
            s["output_unscored"] = serde_json::json!(scores.output_unscored());
        }
        v
    }

    /// [`EvalReport::to_json`] as indented text with a final newline.
    pub fn to_json_pretty(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.to_json()).expect("JSON serializes");
        text.push('\n');
        text
    }

    fn evaluation_of(&self, system: &str) -> &Scores {
        if system == "baseline" {
            &self.evaluation.baseline
        } else {
            &self.evaluation.entnorm
        }
    }

    /// The readable tables `entnorm eval` prints.
    pub fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let e = &self.evaluation;
        writeln!(out, "gold: {}", self.gold)?;
        writeln!(
            out,
            "  {} documents, {} mentions, {} linked; scored types: {}",
            e.documents,
            e.gold_mentions,
            e.gold_linked,
            match &self.types {
                Some(t) => t.join(","),
                None => "all".to_owned(),
            }
        )?;
        if e.failed_documents > 0 {
            writeln!(
                out,
                "  {} documents failed in entnorm (scored with no output)",
                e.failed_documents
            )?;
        }
        writeln!(
            out,
            "set gazetteer: {} ({} distinct names for the baseline)",
            self.set_gazetteer, self.baseline_names
        )?;
        writeln!(
            out,
            "entnorm {}: {} entities, {} aliases; gazetteer fingerprint {}",
            self.entnorm_version, self.entities, self.aliases, self.fingerprint
        )?;
        match &self.default_gazetteer_fingerprint {
            Some(f) => writeln!(out, "default gazetteer fingerprint: {f}")?,
            None => writeln!(out, "default gazetteer: not loaded")?,
        }
        for f in &self.gazetteer_files {
            writeln!(out, "  {} {} {}", f.origin, f.fingerprint, f.path)?;
        }
        for (name, s) in [("entnorm", &e.entnorm), ("baseline", &e.baseline)] {
            writeln!(
                out,
                "{name}: {} output mentions, {} overlap scored gold, {} not counted (unannotated text, NIL or unscored types)",
                s.output_total,
                s.overall.output,
                s.output_unscored()
            )?;
        }

        writeln!(out)?;
        writeln!(
            out,
            "Overall (precision = correct / output overlapping scored gold; recall over scored gold)"
        )?;
        writeln!(
            out,
            "{:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "match", "P", "R", "F1", "base P", "base R", "base F1"
        )?;
        let (s, b) = (&e.entnorm.overall, &e.baseline.overall);
        for (label, mine, base) in [
            (
                "overlap",
                [s.precision(), s.recall(), s.f1()],
                [b.precision(), b.recall(), b.f1()],
            ),
            (
                "exact",
                [s.precision_exact(), s.recall_exact(), s.f1_exact()],
                [b.precision_exact(), b.recall_exact(), b.f1_exact()],
            ),
        ] {
            write!(out, "{label:<10}")?;
            for x in mine.iter().chain(&base) {
                write!(out, " {:>8}", pct(*x))?;
            }
            writeln!(out)?;
        }
        writeln!(
            out,
            "counts: entnorm gold found {}/{} (exact {}), output correct {}/{} (exact {}); baseline gold found {}/{} (exact {}), output correct {}/{} (exact {})",
            s.gold_found,
            s.gold,
            s.gold_found_exact,
            s.output_correct,
            s.output,
            s.output_correct_exact,
            b.gold_found,
            b.gold,
            b.gold_found_exact,
            b.output_correct,
            b.output,
            b.output_correct_exact
        )?;

        for (title, mine, base) in [
            ("By language", &e.entnorm.by_lang, &e.baseline.by_lang),
            ("By gold type", &e.entnorm.by_type, &e.baseline.by_type),
        ] {
            writeln!(out)?;
            writeln!(out, "{title} (overlap; exact-span recall as R=)")?;
            writeln!(
                out,
                "{:<8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} | {:>7} {:>7} {:>7} {:>7} {:>7}",
                "",
                "gold",
                "output",
                "P",
                "R",
                "F1",
                "R=",
                "output",
                "base P",
                "base R",
                "base F1",
                "base R="
            )?;
            let keys: BTreeSet<&String> = mine.keys().chain(base.keys()).collect();
            let empty = Counts::default();
            for k in keys {
                let s = mine.get(k).unwrap_or(&empty);
                let b = base.get(k).unwrap_or(&empty);
                writeln!(
                    out,
                    "{:<8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} | {:>7} {:>7} {:>7} {:>7} {:>7}",
                    k,
                    s.gold.max(b.gold),
                    s.output,
                    pct(s.precision()),
                    pct(s.recall()),
                    pct(s.f1()),
                    pct(s.recall_exact()),
                    b.output,
                    pct(b.precision()),
                    pct(b.recall()),
                    pct(b.f1()),
                    pct(b.recall_exact())
                )?;
            }
        }

        writeln!(out)?;
        writeln!(
            out,
            "Precision by score band (output mentions overlapping scored gold)"
        )?;
        writeln!(
            out,
            "{:<12} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8}",
            "score", "output", "correct", "P", "base out", "correct", "base P"
        )?;
        for (s, b) in e.entnorm.bands.iter().zip(&e.baseline.bands) {
            writeln!(
                out,
                "{:<12} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8}",
                s.band,
                s.output,
                s.correct,
                pct(ratio(s.correct, s.output)),
                b.output,
                b.correct,
                pct(ratio(b.correct, b.output))
            )?;
        }
        Ok(())
    }
}

fn counts_json(c: &Counts) -> serde_json::Value {
    let mut v = serde_json::to_value(c).expect("counts serialize");
    v["precision"] = serde_json::json!(c.precision());
    v["recall"] = serde_json::json!(c.recall());
    v["f1"] = serde_json::json!(c.f1());
    v["precision_exact"] = serde_json::json!(c.precision_exact());
    v["recall_exact"] = serde_json::json!(c.recall_exact());
    v["f1_exact"] = serde_json::json!(c.f1_exact());
    v
}

/// A proportion as a percentage with one decimal, `-` when undefined.
pub fn pct(x: Option<f64>) -> String {
    match x {
        Some(x) => format!("{:.1}", 100.0 * x),
        None => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_gazetteer_names() {
        assert_eq!(
            set_gazetteer_path(Path::new("/d/nerel.jsonl"), None),
            PathBuf::from("/d/nerel.gazetteer.tsv")
        );
        assert_eq!(
            set_gazetteer_path(Path::new("d/slavicner.jsonl"), Some("alllemmas")),
            PathBuf::from("d/slavicner.gazetteer-alllemmas.tsv")
        );
        assert_eq!(
            set_gazetteer_path(Path::new("x.jsonl.gz"), None),
            PathBuf::from("x.gazetteer.tsv")
        );
    }

    #[test]
    fn bands() {
        assert_eq!(band_of(1.0), 0);
        assert_eq!(band_of(0.95), 1);
        assert_eq!(band_of(0.9), 1);
        assert_eq!(band_of(0.85), 2);
        assert_eq!(band_of(0.75), 3);
        assert_eq!(band_of(0.6), 4);
        assert_eq!(band_of(0.5), 5);
        assert_eq!(band_of(0.1), 6);
    }
}
