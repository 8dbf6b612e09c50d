//! Reconciliation: links between mentions and entities that the gazetteer's key layers cannot make alone.
//!
//! [`reconcile`] adds, to the gazetteer's mentions of one text: inflected forms (`Лаврова`, `Ławrowa`,
//! `Německa`), matched through the gazetteer's stem trie in texts of languages with case endings; then
//! document-level resolution (module `document`): surnames, given names and acronyms that inherit the
//! entity of the full mention of the same text (`Kerry` after `John Kerry`, `EU` beside `European Union`),
//! with short forms that two entities of the text share marked, not guessed. [`fuzzy`] links name-like
//! spans ([`spans`]) that no key matched to the nearest alias by edit distance ([`link_fuzzy`]) and reports
//! the rest as unmatched.
//! No I/O, no threads.

mod caseless;
mod disambiguate;
mod document;
pub mod fuzzy;
mod memo;
mod orgname;
mod score;
pub mod spans;

use entnorm_gazetteer::{layer_score, InflectScratch, Matcher, Mention, Origin};
use entnorm_tokenize::{Analysis, KeyLayer};

pub use fuzzy::{FuzzyCache, FuzzyHit, FuzzyIndex};
pub use spans::{name_like_spans, NameSpan};

/// How a link was made, as written in the `method` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A gazetteer alias matched on this key.
    Key(KeyLayer),
    /// A short form inherited the entity of a full mention in the same document.
    Document,
    /// A short form two entities of the document share: the gazetteer's link is kept, marked for review.
    DocumentAmbiguous,
    /// An inflected form matched an alias through its stem (`Лаврова` → `Лавров`).
    Inflected,
    /// A person's name matched with other spellings of its name parts (`Serguei Lavrov` → Sergey Lavrov).
    Variant,
    /// A name-like span within a small edit distance of an alias ([`fuzzy`]).
    Fuzzy,
    /// A place named by its demonym (`Iraqi` → Iraq), an alias of kind `demonym`.
    Demonym,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Key(layer) => layer.name(),
            Method::Document => "document",
            Method::DocumentAmbiguous => "document-ambiguous",
            Method::Inflected => "inflected",
            Method::Variant => "variant",
            Method::Fuzzy => "fuzzy",
            Method::Demonym => "demonym",
        }
    }
}

/// Confidence of an inflected form matched through its stem.
pub const INFLECTED_SCORE: f64 = 0.8;

pub use caseless::CASELESS_WORD_SCORE;
pub use document::{AMBIGUOUS_SCORE, DOCUMENT_SCORE, GIVEN_NAME_SCORE};
pub use score::DEFAULT_BESIDE_USER;

/// A mention with the method and score that produced its link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    pub mention: Mention,
    pub method: Method,
    pub score: f64,
}

/// Per-thread scratch for [`resolve_document`] and [`reconcile`].
#[derive(Default)]
pub struct ResolveScratch {
    inflect: InflectScratch,
    inflected: Vec<Mention>,
    /// Per inflected mention: whether name-part spellings made it (method variant).
    variant: Vec<bool>,
    links: Vec<Link>,
    document: document::DocScratch,
    lookups: memo::LookupMemo,
}

/// Whether a gazetteer of the user's own is among the matcher's sources (links to default-only entities
/// then score [`DEFAULT_BESIDE_USER`]).
fn user_loaded(matcher: &Matcher) -> bool {
    matcher.sources().iter().any(|s| s.origin == Origin::User)
}

/// The key layers' mentions as links with their layers' scores, and nothing else: no inflected forms, no
/// document-level resolution, no disambiguation or calibration. Only for measuring what reconciliation
/// costs (`entnorm run --key-layers-only`); the links are not calibrated like [`reconcile`]'s.
pub fn key_links(mentions: &[Mention], out: &mut Vec<Link>) {
    out.extend(mentions.iter().map(key_link));
}

fn key_link(m: &Mention) -> Link {
    Link {
        mention: *m,
        method: Method::Key(m.layer),
        score: layer_score(m.layer),
    }
}

/// Everything this crate adds to the gazetteer's mentions of one text (`lang`: the document's language,
/// if known): inflected forms, then document-level resolution of short forms, with calibrated scores
/// (module `score`), and one-word place names of caseless scripts that the text uses as common words
/// written for review (module `caseless`). Output is in text order.
pub fn reconcile(
    text: &str,
    analysis: &Analysis,
    lang: Option<&str>,
    mentions: &[Mention],
    matcher: &Matcher,
    scratch: &mut ResolveScratch,
    out: &mut Vec<Link>,
) {
    reconcile_dated(text, analysis, lang, None, mentions, matcher, scratch, out);
}

/// [`reconcile`] for a text of a known year: a person's name several people share goes to the one
/// whose office or role (dates of the gazetteer's `from`/`to` and Phoenix `roles` attributes) spans that
/// year, when exactly one does.
#[allow(clippy::too_many_arguments)]
pub fn reconcile_dated(
    text: &str,
    analysis: &Analysis,
    lang: Option<&str>,
    year: Option<i32>,
    mentions: &[Mention],
    matcher: &Matcher,
    scratch: &mut ResolveScratch,
    out: &mut Vec<Link>,
) {
    scratch.inflected.clear();
    scratch.variant.clear();
    matcher.find_inflected(
        text,
        analysis,
        lang,
        mentions,
        &mut scratch.inflect,
        &mut scratch.inflected,
        &mut scratch.variant,
    );
    let mut links = std::mem::take(&mut scratch.links);
    links.clear();
    // Merge in text order; an inflected match replaces the (shorter) mentions it covers.
    let stem_link = |k: usize| Link {
        mention: scratch.inflected[k],
        method: if scratch.variant[k] {
            Method::Variant
        } else {
            Method::Inflected
        },
        score: INFLECTED_SCORE,
    };
    let mut k = 0;
    for m in mentions {
        while k < scratch.inflected.len() && scratch.inflected[k].token_end <= m.token_start {
            links.push(stem_link(k));
            k += 1;
        }
        let inside = k < scratch.inflected.len()
            && scratch.inflected[k].token_start <= m.token_start
            && m.token_end <= scratch.inflected[k].token_end;
        if !inside {
            links.push(key_link(m));
        }
    }
    for k in k..scratch.inflected.len() {
        links.push(stem_link(k));
    }
    let start = out.len();
    document::resolve_links(
        text,
        analysis,
        lang,
        &links,
        matcher,
        &mut scratch.document,
        out,
    );
    scratch.links = links;
    let user_loaded = user_loaded(matcher);
    scratch.lookups.bind(matcher);
    let co = disambiguate::by_co_mentions(&mut out[start..], matcher, year, &mut scratch.lookups);
    score::calibrate(
        &mut out[start..],
        &co,
        analysis,
        matcher,
        user_loaded,
        &mut scratch.lookups,
    );
    caseless::demote_common_words(text, analysis, &mut out[start..], matcher);
    orgname::demote_places_in_company_names(text, analysis, &mut out[start..], matcher);
}

/// Turns the gazetteer's mentions of one text into links, resolving surname-only mentions (matched by the
/// gazetteer or not) to the person named in full in the same text. Output is in text order.
pub fn resolve_document(
    text: &str,
    analysis: &Analysis,
    mentions: &[Mention],
    matcher: &Matcher,
    scratch: &mut ResolveScratch,
    out: &mut Vec<Link>,
) {
    let links: Vec<Link> = mentions.iter().map(key_link).collect();
    document::resolve_links(
        text,
        analysis,
        None,
        &links,
        matcher,
        &mut scratch.document,
        out,
    );
}

/// A name-like span that no link covers, with the nearest alias the fuzzy index found for it (if any
/// within reach): material for `unmatched.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Unmatched {
    pub span: NameSpan,
    /// The span's fuzzy key ([`fuzzy::span_key`]).
    pub key: String,
    pub nearest: Option<FuzzyHit>,
}

/// Per-thread scratch for [`link_fuzzy`].
#[derive(Default)]
pub struct FuzzyScratch {
    covered: Vec<bool>,
    linked: Vec<(usize, usize)>,
    spans: Vec<NameSpan>,
    key: String,
    cache: FuzzyCache,
}

/// The fuzzy stage of one text: finds the name-like spans that `links` (in text order) leave uncovered,
/// links those whose nearest alias scores at least `min_score` (method [`Method::Fuzzy`]), and appends
/// the others to `unmatched`. A run of three or four words that does not link as a whole is tried
/// without its leading words (titles: `Foreign Minister Sergei Lavrow`), then without its trailing
/// words, down to two words (a single word of a run is not tried: `Minister` alone is one edit from a
/// town). `links` stays in text order.
#[allow(clippy::too_many_arguments)]
pub fn link_fuzzy(
    text: &str,
    analysis: &Analysis,
    lang: Option<&str>,
    matcher: &Matcher,
    index: &FuzzyIndex,
    min_score: f64,
    scratch: &mut FuzzyScratch,
    links: &mut Vec<Link>,
    unmatched: &mut Vec<Unmatched>,
) {
    let tokens = analysis.tokens();
    scratch.covered.clear();
    scratch.covered.resize(tokens.len(), false);
    scratch.linked.clear();
    for l in links.iter() {
        scratch.covered[l.mention.token_start..l.mention.token_end].fill(true);
        scratch
            .linked
            .push((l.mention.token_start, l.mention.token_end));
    }
    scratch.spans.clear();
    name_like_spans(
        text,
        analysis,
        &scratch.covered,
        &scratch.linked,
        lang,
        &mut scratch.spans,
    );
    if scratch.spans.is_empty() {
        return;
    }
    let before = links.len();
    let user_loaded = user_loaded(matcher);
    for s in &scratch.spans {
        // The hit of tokens a..b, its score calibrated for their text.
        let search = |a: usize, b: usize, scratch_key: &mut String, cache: &mut FuzzyCache| {
            fuzzy::span_key(analysis, a..b, scratch_key);
            index
                .search_cached(scratch_key, lang, matcher, cache)
                .and_then(|mut h| {
                    let span_text = &text[tokens[a].start()..tokens[b - 1].end()];
                    if !fuzzy::same_numbers(span_text, matcher.alias(h.alias).text) {
                        return None;
                    }
                    h.score = h.score_for(span_text, matcher, user_loaded);
                    Some(h)
                })
        };
        let whole = search(
            s.token_start,
            s.token_end,
            &mut scratch.key,
            &mut scratch.cache,
        );
        let key = scratch.key.clone();
        let mut linked = whole
            .filter(|h| h.score >= min_score)
            .map(|h| (s.token_start, s.token_end, h));
        let n = s.token_end - s.token_start;
        if linked.is_none() && (3..=4).contains(&n) {
            let parts = (1..n - 1)
                .map(|k| (s.token_start + k, s.token_end))
                .chain((1..n - 1).map(|k| (s.token_start, s.token_end - k)));
            for (a, b) in parts {
                if let Some(h) = search(a, b, &mut scratch.key, &mut scratch.cache) {
                    if h.score >= min_score {
                        linked = Some((a, b, h));
                        break;
                    }
                }
            }
        }
        match linked {
            Some((a, b, h)) => links.push(Link {
                mention: Mention {
                    token_start: a,
                    token_end: b,
                    start: tokens[a].start(),
                    end: tokens[b - 1].end(),
                    layer: KeyLayer::Translit,
                    alias: h.alias,
                    entity: h.entity,
                    candidates: h.candidates,
                },
                method: Method::Fuzzy,
                score: h.score,
            }),
            // Caseless-script spans are weak evidence of a name: reported only as near misses.
            None if s.caseless && whole.is_none() => {}
            None => unmatched.push(Unmatched {
                span: *s,
                key,
                nearest: whole,
            }),
        }
    }
    if links.len() > before {
        links.sort_by_key(|l| l.mention.token_start);
    }
}
