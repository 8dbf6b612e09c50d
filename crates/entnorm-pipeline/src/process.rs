//! Per-document work done on the worker threads: analyse each field, match, and turn matches into rows.

use entnorm_gazetteer::{MatchScratch, Matcher, Mention};
use entnorm_reconcile::{
    link_fuzzy, reconcile_dated, FuzzyIndex, FuzzyScratch, Link, ResolveScratch, Unmatched,
};
use entnorm_tokenize::{Analysis, Analyzer, CharOffsets};

use crate::input::Document;
use crate::output::MentionEncoder;

/// One mention as written to `mentions.csv`, with code-point offsets into its field.
#[derive(Clone, Debug, PartialEq)]
pub struct MentionRow {
    pub field: &'static str,
    pub start: usize,
    pub end: usize,
    pub start_byte: usize,
    pub end_byte: usize,
    pub entity: u32,
    pub alias: u32,
    pub method: &'static str,
    pub score: f64,
    pub candidates: u32,
    /// [`STATUS_ACCEPTED`] or [`STATUS_REVIEW`].
    pub status: &'static str,
}

impl MentionRow {
    /// The mention as written: `start_byte..end_byte` of the document's field `field`. Not kept in the
    /// row, so that a mention costs no allocation; `doc` must be the document the row was found in.
    pub fn surface<'d>(&self, doc: &'d Document) -> &'d str {
        let text = match self.field {
            "title" => doc.title.as_deref().unwrap_or_default(),
            _ => &doc.text,
        };
        &text[self.start_byte..self.end_byte]
    }
}

/// `status` of a link scored at least the accept threshold.
pub const STATUS_ACCEPTED: &str = "accepted";
/// `status` of a link scored below the accept threshold but at least the review threshold.
pub const STATUS_REVIEW: &str = "review";
/// Default `--accept-threshold`: links scored lower are written for review only (chosen on the
/// development sets: see the README).
pub const DEFAULT_ACCEPT_THRESHOLD: f64 = 0.7;
/// Default `--review-threshold`: links scored lower are not written at all.
pub const DEFAULT_REVIEW_THRESHOLD: f64 = 0.5;

/// How links are made and filtered beyond the gazetteer's key layers.
#[derive(Clone, Copy, Debug)]
pub struct Linking<'m> {
    /// Fuzzy matching of name-like spans that nothing else linked (None: off, and no unmatched spans).
    pub fuzzy: Option<&'m FuzzyIndex>,
    /// Links scored at least this are `accepted`.
    pub accept: f64,
    /// Links scored at least this (and below `accept`) are written with status `review`; lower ones are
    /// dropped.
    pub review: f64,
    /// Only the gazetteer's key layers, no reconciliation (for measuring its cost; see
    /// [`entnorm_reconcile::key_links`]).
    pub key_layers_only: bool,
}

impl Default for Linking<'_> {
    fn default() -> Self {
        Linking {
            fuzzy: None,
            accept: DEFAULT_ACCEPT_THRESHOLD,
            review: DEFAULT_REVIEW_THRESHOLD,
            key_layers_only: false,
        }
    }
}

/// A name-like span that nothing linked, for `unmatched.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct UnmatchedRow {
    pub field: &'static str,
    /// Code-point offset of the span in its field.
    pub start: usize,
    pub surface: String,
    /// The normalized (fuzzy) key the span is counted under.
    pub key: String,
    /// The span with up to [`CONTEXT_CHARS`] characters either side, white space collapsed.
    pub context: String,
    /// The nearest alias's entity and the fuzzy score, if any alias was within reach.
    pub nearest: Option<(u32, f64)>,
}

/// Characters of context on either side of an unmatched span.
pub const CONTEXT_CHARS: usize = 40;

/// Per-thread state: the analyzer and match scratch are reused for every document this thread handles.
pub struct Worker<'m> {
    matcher: &'m Matcher,
    analyzer: Analyzer,
    analysis: Analysis,
    scratch: MatchScratch,
    mentions: Vec<Mention>,
    resolve_scratch: ResolveScratch,
    links: Vec<Link>,
    linking: Linking<'m>,
    fuzzy_scratch: FuzzyScratch,
    unmatched: Vec<Unmatched>,
    /// Encodes the thread's `mentions.csv` rows where the workers do (see `run`).
    pub(crate) row_encoder: MentionEncoder,
    /// Code points in the text field of the document processed last, counted on from its last
    /// mention's offset instead of over the whole text again.
    text_chars: usize,
}

impl<'m> Worker<'m> {
    /// A worker with the default thresholds and no fuzzy stage.
    pub fn new(matcher: &'m Matcher) -> Self {
        Worker::with_linking(matcher, Linking::default())
    }

    pub fn with_linking(matcher: &'m Matcher, linking: Linking<'m>) -> Self {
        Worker {
            matcher,
            analyzer: Analyzer::new(),
            analysis: Analysis::default(),
            scratch: MatchScratch::default(),
            mentions: Vec::new(),
            resolve_scratch: ResolveScratch::default(),
            links: Vec::new(),
            linking,
            fuzzy_scratch: FuzzyScratch::default(),
            unmatched: Vec::new(),
            row_encoder: MentionEncoder::default(),
            text_chars: 0,
        }
    }

    /// The length in code points of the text field of the document processed last (until a
    /// [`Worker::trim`] or [`Worker::reset`]).
    pub(crate) fn text_chars(&self) -> usize {
        self.text_chars
    }

    /// Finds the mentions of one document, title first, then text. `default_lang` stands in for a
    /// document without a language of its own.
    pub fn process(&mut self, doc: &Document, default_lang: Option<&str>) -> Vec<MentionRow> {
        let mut unmatched = Vec::new();
        self.process_with_unmatched(doc, default_lang, &mut unmatched)
    }

    /// [`Worker::process`], also appending the document's unmatched name-like spans to `unmatched`
    /// (only when the fuzzy stage is on).
    pub fn process_with_unmatched(
        &mut self,
        doc: &Document,
        default_lang: Option<&str>,
        unmatched: &mut Vec<UnmatchedRow>,
    ) -> Vec<MentionRow> {
        let lang = doc
            .lang
            .as_deref()
            .filter(|l| !l.is_empty())
            .or(default_lang);
        // The year of a date written year first (`2015-07-21 02:51:32`, `2015`); other forms say nothing.
        let year = doc
            .date
            .as_deref()
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse::<i32>().ok());
        let mut rows = Vec::new();
        if let Some(title) = &doc.title {
            self.process_field("title", title, lang, year, &mut rows, unmatched);
        }
        self.text_chars = self.process_field("text", &doc.text, lang, year, &mut rows, unmatched);
        rows
    }

    /// Finds the mentions of one field and appends its rows; returns the field's length in code points.
    fn process_field(
        &mut self,
        field: &'static str,
        text: &str,
        lang: Option<&str>,
        year: Option<i32>,
        rows: &mut Vec<MentionRow>,
        unmatched: &mut Vec<UnmatchedRow>,
    ) -> usize {
        self.analyzer.analyze(text, &mut self.analysis);
        self.mentions.clear();
        self.matcher.find(
            text,
            &self.analysis,
            lang,
            &mut self.scratch,
            &mut self.mentions,
        );
        self.links.clear();
        if self.linking.key_layers_only {
            entnorm_reconcile::key_links(&self.mentions, &mut self.links);
        } else {
            reconcile_dated(
                text,
                &self.analysis,
                lang,
                year,
                &self.mentions,
                self.matcher,
                &mut self.resolve_scratch,
                &mut self.links,
            );
        }
        self.unmatched.clear();
        if let Some(index) = self.linking.fuzzy {
            link_fuzzy(
                text,
                &self.analysis,
                lang,
                self.matcher,
                index,
                self.linking.review,
                &mut self.fuzzy_scratch,
                &mut self.links,
                &mut self.unmatched,
            );
        }
        let mut offsets = CharOffsets::new(text);
        rows.reserve(self.links.len());
        for link in &self.links {
            if link.score < self.linking.review {
                continue;
            }
            let m = &link.mention;
            let start = offsets.char_offset(m.start);
            let end = offsets.char_offset(m.end);
            rows.push(MentionRow {
                field,
                start,
                end,
                start_byte: m.start,
                end_byte: m.end,
                entity: m.entity,
                alias: m.alias,
                method: link.method.name(),
                score: link.score,
                candidates: m.candidates,
                status: if link.score >= self.linking.accept {
                    STATUS_ACCEPTED
                } else {
                    STATUS_REVIEW
                },
            });
        }
        // The text's length in code points, counted on from the last link's offset.
        let chars = offsets.char_offset(text.len());
        if self.unmatched.is_empty() {
            return chars;
        }
        // Offsets only move forward: unmatched spans are in text order, but interleave with the links.
        let mut offsets = CharOffsets::new(text);
        for u in &self.unmatched {
            let s = &u.span;
            unmatched.push(UnmatchedRow {
                field,
                start: offsets.char_offset(s.start),
                surface: text[s.start..s.end].to_owned(),
                key: u.key.clone(),
                context: context(text, s.start, s.end),
                nearest: u.nearest.map(|h| (h.entity, h.score)),
            });
        }
        chars
    }

    /// After a panic the scratch buffers may hold anything; start them afresh.
    pub fn reset(&mut self) {
        *self = Worker::with_linking(self.matcher, self.linking);
    }

    /// Starts afresh after a text of more than [`KEPT_SCRATCH_TOKENS`] tokens, whose scratch (a few
    /// hundred bytes per token over the analysis, matching and resolution) a worker kept for the whole
    /// run would otherwise hold to the end: memory stays bounded by ordinary texts, not the longest one.
    pub fn trim(&mut self) {
        if self.analysis.len() > KEPT_SCRATCH_TOKENS {
            self.reset();
        }
    }
}

/// Tokens of the longest text whose scratch a [`Worker`] keeps for the next one (about 30 times a long
/// news article).
pub const KEPT_SCRATCH_TOKENS: usize = 1 << 16;

/// `text[start..end]` with up to [`CONTEXT_CHARS`] characters either side, runs of white space as one
/// space.
fn context(text: &str, start: usize, end: usize) -> String {
    let before = text[..start]
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let after = text[end..]
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(text.len(), |(i, _)| end + i);
    let mut out = String::with_capacity(after - before);
    let mut space = false;
    for c in text[before..after].chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}
