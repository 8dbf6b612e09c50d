//! Reconciliation: links between mentions and entities that the gazetteer's key layers cannot make alone.
//!
//! So far this crate owns document-level resolution of short person names: once an article names
//! "John Kerry", a later "Kerry" is John Kerry, whatever else the gazetteer calls `Kerry` (an Irish county)
//! and even if it has no entry for the bare surname at all. A surname that two people named in full in the
//! same article share is left as the gazetteer matched it: the article does not say which one is meant.
//! Inflection, name-part variants and fuzzy matching are to come. No I/O, no threads.

use std::collections::HashMap;

use entnorm_gazetteer::{layer_score, Matcher, Mention};
use entnorm_tokenize::{Analysis, KeyLayer, TokenClass};

/// How a link was made, as written in the `method` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A gazetteer alias matched on this key.
    Key(KeyLayer),
    /// A short form inherited the entity of a full mention in the same document.
    Document,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Key(layer) => layer.name(),
            Method::Document => "document",
        }
    }
}

/// Confidence of a short form linked to a full mention of the same document: below an exact alias, above
/// a transliterated one, because the article itself names the person.
pub const DOCUMENT_SCORE: f64 = 0.9;

/// A mention with the method and score that produced its link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    pub mention: Mention,
    pub method: Method,
    pub score: f64,
}

/// Per-thread scratch for [`resolve_document`].
#[derive(Default)]
pub struct ResolveScratch {
    /// Folded surname key -> the entity and alias of the first full person mention ending with it, or
    /// `None` once two different entities do. A map, not a list, so that a document where every token is
    /// a name stays linear (looked up once per token, never iterated: output order does not depend on it).
    surnames: HashMap<String, Option<(u32, u32)>>,
    covered: Vec<bool>,
}

fn is_person(matcher: &Matcher, entity: u32) -> bool {
    matcher.entity(entity).entity_type == "PER"
}

fn word_tokens(analysis: &Analysis, m: &Mention) -> usize {
    analysis.tokens()[m.token_start..m.token_end]
        .iter()
        .filter(|t| t.class == TokenClass::Word)
        .count()
}

/// The one entity whose full mention ends with this surname key, if exactly one does, with the alias of
/// its first full mention (reported as the alias of the short form: the name that licensed the link).
fn unique_person(surnames: &HashMap<String, Option<(u32, u32)>>, key: &str) -> Option<(u32, u32)> {
    surnames.get(key).copied().flatten()
}

fn add_surname(
    surnames: &mut HashMap<String, Option<(u32, u32)>>,
    key: &str,
    entity: u32,
    alias: u32,
) {
    match surnames.get_mut(key) {
        None => {
            surnames.insert(key.to_owned(), Some((entity, alias)));
        }
        Some(found) => {
            if found.is_some_and(|(e, _)| e != entity) {
                *found = None;
            }
        }
    }
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
    let tokens = analysis.tokens();
    // Clearing costs the table's capacity: after an exceptionally long document, start small again.
    if scratch.surnames.capacity() > 4096 {
        scratch.surnames = HashMap::new();
    } else {
        scratch.surnames.clear();
    }
    for m in mentions {
        if is_person(matcher, m.entity) && word_tokens(analysis, m) >= 2 {
            let last = (m.token_start..m.token_end)
                .rev()
                .find(|&i| tokens[i].class == TokenClass::Word);
            if let Some(i) = last {
                add_surname(
                    &mut scratch.surnames,
                    analysis.key(KeyLayer::Folded, i),
                    m.entity,
                    m.alias,
                );
            }
        }
    }
    let start = out.len();
    if scratch.surnames.is_empty() {
        out.extend(mentions.iter().map(|&m| Link {
            mention: m,
            method: Method::Key(m.layer),
            score: layer_score(m.layer),
        }));
        return;
    }
    scratch.covered.clear();
    scratch.covered.resize(tokens.len(), false);
    for m in mentions {
        scratch.covered[m.token_start..m.token_end].fill(true);
        let single =
            m.token_end - m.token_start == 1 && tokens[m.token_start].class == TokenClass::Word;
        let relinked = single
            .then(|| {
                unique_person(
                    &scratch.surnames,
                    analysis.key(KeyLayer::Folded, m.token_start),
                )
            })
            .flatten()
            .filter(|&(e, _)| e != m.entity);
        out.push(match relinked {
            Some((entity, alias)) => Link {
                mention: Mention {
                    entity,
                    alias,
                    candidates: m.candidates + 1,
                    ..*m
                },
                method: Method::Document,
                score: DOCUMENT_SCORE,
            },
            None => Link {
                mention: *m,
                method: Method::Key(m.layer),
                score: layer_score(m.layer),
            },
        });
    }
    // Surnames the gazetteer did not match at all: capitalised words equal to a full mention's last word.
    for (i, t) in tokens.iter().enumerate() {
        if scratch.covered[i] || t.class != TokenClass::Word {
            continue;
        }
        if !text[t.start..t.end]
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
        {
            continue;
        }
        if let Some((entity, alias)) =
            unique_person(&scratch.surnames, analysis.key(KeyLayer::Folded, i))
        {
            out.push(Link {
                mention: Mention {
                    token_start: i,
                    token_end: i + 1,
                    start: t.start,
                    end: t.end,
                    layer: KeyLayer::Folded,
                    alias,
                    entity,
                    candidates: 1,
                },
                method: Method::Document,
                score: DOCUMENT_SCORE,
            });
        }
    }
    out[start..].sort_by_key(|l| l.mention.token_start);
}
