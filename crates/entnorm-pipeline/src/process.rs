//! Per-document work done on the worker threads: analyse each field, match, and turn matches into rows.

use entnorm_gazetteer::{MatchScratch, Matcher, Mention};
use entnorm_reconcile::{reconcile, Link, ResolveScratch};
use entnorm_tokenize::{Analysis, Analyzer, CharOffsets};

use crate::input::Document;

/// One mention as written to `mentions.csv`, with code-point offsets into its field.
#[derive(Clone, Debug, PartialEq)]
pub struct MentionRow {
    pub field: &'static str,
    pub start: usize,
    pub end: usize,
    pub start_byte: usize,
    pub end_byte: usize,
    pub surface: String,
    pub entity: u32,
    pub alias: u32,
    pub method: &'static str,
    pub score: f64,
    pub candidates: u32,
}

/// Per-thread state: the analyzer and match scratch are reused for every document this thread handles.
pub struct Worker<'m> {
    matcher: &'m Matcher,
    analyzer: Analyzer,
    analysis: Analysis,
    scratch: MatchScratch,
    mentions: Vec<Mention>,
    resolve_scratch: ResolveScratch,
    links: Vec<Link>,
}

impl<'m> Worker<'m> {
    pub fn new(matcher: &'m Matcher) -> Self {
        Worker {
            matcher,
            analyzer: Analyzer::new(),
            analysis: Analysis::default(),
            scratch: MatchScratch::default(),
            mentions: Vec::new(),
            resolve_scratch: ResolveScratch::default(),
            links: Vec::new(),
        }
    }

    /// Finds the mentions of one document, title first, then text. `default_lang` stands in for a
    /// document without a language of its own.
    pub fn process(&mut self, doc: &Document, default_lang: Option<&str>) -> Vec<MentionRow> {
        let lang = doc
            .lang
            .as_deref()
            .filter(|l| !l.is_empty())
            .or(default_lang);
        let mut rows = Vec::new();
        if let Some(title) = &doc.title {
            self.process_field("title", title, lang, &mut rows);
        }
        self.process_field("text", &doc.text, lang, &mut rows);
        rows
    }

    fn process_field(
        &mut self,
        field: &'static str,
        text: &str,
        lang: Option<&str>,
        rows: &mut Vec<MentionRow>,
    ) {
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
        reconcile(
            text,
            &self.analysis,
            lang,
            &self.mentions,
            self.matcher,
            &mut self.resolve_scratch,
            &mut self.links,
        );
        let mut offsets = CharOffsets::new(text);
        for link in &self.links {
            let m = &link.mention;
            let start = offsets.char_offset(m.start);
            let end = offsets.char_offset(m.end);
            rows.push(MentionRow {
                field,
                start,
                end,
                start_byte: m.start,
                end_byte: m.end,
                surface: text[m.start..m.end].to_owned(),
                entity: m.entity,
                alias: m.alias,
                method: link.method.name(),
                score: link.score,
                candidates: m.candidates,
            });
        }
    }

    /// After a panic the scratch buffers may hold anything; start them afresh.
    pub fn reset(&mut self) {
        *self = Worker::new(self.matcher);
    }
}
