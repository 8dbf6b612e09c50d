//! Calibrated scores: one scale for every method, so that a score reads as the chance that the link is
//! the annotated entity.
//!
//! The table below is the share of correct links per kind of link, measured on the development sets of
//! `../shared/data/eval-dev` taken together (every link overlapping an annotated mention, under the
//! protocol of `entnorm eval`, with each set's gazetteer as the user's beside the default), rounded to two
//! decimals, except that only kinds at least 95% right reach the top band (see [`table`]). A kind of
//! link is its method, the class of the entity (person, place, other), whether the name is one word or
//! several, and whether the alias
//! is shared by another entity of the same origin (two of the user's entities, or two of the default's when
//! no user gazetteer is loaded: the list itself is ambiguous there; an alias the user's entity shares only
//! with default entities is resolved by the user's precedence and counts as unshared, and so does one
//! shared with entities at least ten times less prominent); for a document
//! link: whether it replaced a link the gazetteer made. Re-measure with `scripts/eval_all.sh` and the precision-by-score-band tables when the
//! matching rules change.
//!
//! With a gazetteer of the user's own loaded, a link to an entity that only the default gazetteer has
//! scores [`DEFAULT_BESIDE_USER`]: on the development sets, where the default gazetteer stands beside each
//! set's own list, such a link was never the annotated entity (0 of 6,978). It is still written, with
//! status `review` under the default thresholds.

use entnorm_gazetteer::{AliasKind, Matcher, Origin};
use entnorm_tokenize::{Analysis, KeyLayer, TokenClass};

use crate::disambiguate::CoMention;
use crate::memo::LookupMemo;
use crate::{Link, Method};

/// Score of a link to a default-only entity while the user's own gazetteer is loaded (see module docs).
pub const DEFAULT_BESIDE_USER: f64 = 0.5;
/// Score of a link of a shared name moved to the reading the text names unambiguously elsewhere.
const CO_MENTION_MOVED: f64 = 0.6;
/// Score of a given name linked to the one person of the text with that given name.
const GIVEN_NAME: f64 = 0.79;

/// A country named by its demonym (`Iraqi officials`): 242 of 267 such links (91%) were right on the one
/// set that annotates demonyms (AIDA, English); scored just under the top band, as one set is a thin base.
const DEMONYM: f64 = 0.89;

/// What an entity is, as far as scores go: persons, places (`LOC`, `GPE`) and everything else
/// (organisations, products, events, concepts) are right at different rates through the same method.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Person,
    Place,
    Other,
}

impl Class {
    fn of(entity_type: &str) -> Class {
        match entity_type {
            "PER" => Class::Person,
            "LOC" | "GPE" => Class::Place,
            _ => Class::Other,
        }
    }
}

/// The highest score of a kind of link that is not in the top band (below).
const BELOW_TOP: f64 = 0.89;

/// (method, several words, shared alias, class of the entity) -> score: the measured share of correct
/// links of that kind on all development sets together (the links and the share behind each in the
/// comments), never below [`FLOOR`]. A kind with fewer than 200 links takes the share of its method and
/// word count over all classes.
///
/// The top band (0.90 and above) holds only kinds of links at least 95% right on the sets together and
/// at least 90% right on every set with 100 or more of them: persons named in several words (by any key,
/// inflected or transliterated), surnames resolved in the document, and places of several words matched
/// through folded keys. Every other kind scores its share, but at most [`BELOW_TOP`]: one-word names
/// (a person's surname alone was 84% right on nerel), places and organisations of several words (AIDA's
/// country and city names stand for sports teams; SlavicNER lists one name for an organisation and its
/// product), and name-part variants (94.5%).
fn table(method: Method, multi: bool, shared: bool, class: Class) -> Option<f64> {
    use Class::*;
    let share = match (method, multi, shared, class) {
        (Method::Key(KeyLayer::Exact), _, true, _) => FLOOR,
        // one word: 5,578 persons (95.2%; nerel 84.0%), 21,514 places (91.5%), 15,996 others (93.1%)
        (Method::Key(KeyLayer::Exact), false, false, Person) => 0.95,
        (Method::Key(KeyLayer::Exact), false, false, Place) => 0.91,
        (Method::Key(KeyLayer::Exact), false, false, Other) => 0.93,
        // several words: 10,307 persons (99.2%), 3,161 places (94.2%; AIDA 81.4%), 8,092 others (86.3%)
        (Method::Key(KeyLayer::Exact), true, false, Person) => 0.99,
        (Method::Key(KeyLayer::Exact), true, false, Place) => 0.94,
        (Method::Key(KeyLayer::Exact), true, false, Other) => 0.86,
        // one word: 59 persons (as all one-word folded links, 0.75), 697 places (75.2%), 467 others
        // (80.7%); several words: 178 persons (as all, 0.81), 216 places (96.8%), 265 others (69.1%)
        (Method::Key(KeyLayer::Folded), false, false, Person | Place) => 0.75,
        (Method::Key(KeyLayer::Folded), false, false, Other) => 0.80,
        (Method::Key(KeyLayer::Folded), true, false, Person) => 0.81,
        (Method::Key(KeyLayer::Folded), true, false, Place) => 0.96,
        (Method::Key(KeyLayer::Folded), true, false, Other) => 0.69,
        (Method::Key(KeyLayer::Folded), _, true, _) => 0.55,
        // one word: 55 persons (as all, 0.86), 492 places (88.0%), 618 others (89.0%); shared 62 (as
        // folded shared); several words: 623 persons (98.1%), 52 places and 51 others (as all, 0.93)
        (Method::Key(KeyLayer::Translit), false, false, Person) => 0.86,
        (Method::Key(KeyLayer::Translit), false, false, Place) => 0.88,
        (Method::Key(KeyLayer::Translit), false, false, Other) => 0.89,
        (Method::Key(KeyLayer::Translit), false, true, _) => 0.55,
        (Method::Key(KeyLayer::Translit), true, _, Person) => 0.98,
        (Method::Key(KeyLayer::Translit), true, _, Place | Other) => 0.93,
        // one word: 2,530 persons (82.3%), 16,345 places (92.9%), 5,748 others (79.9%); several words:
        // 2,739 persons (98.1%), 3,423 places (93.6%), 4,144 others (70.4%)
        (Method::Inflected, false, false, Person) => 0.82,
        (Method::Inflected, false, false, Place) => 0.92,
        (Method::Inflected, false, false, Other) => 0.79,
        (Method::Inflected, true, false, Person) => 0.98,
        (Method::Inflected, true, false, Place) => 0.93,
        (Method::Inflected, true, false, Other) => 0.70,
        (Method::Inflected, _, true, _) => FLOOR,
        // persons' names through name-part spellings: 1,681 (94.5%; slavicner 93.8%, nerel 100%)
        (Method::Variant, _, false, _) => 0.94,
        (Method::Variant, _, true, _) => FLOOR,
        // a surname or acronym no key matched, linked to the full mention: 6,100 persons (97.6%; nerel
        // 94.1%), 467 others (94.2%), 89 places (as all, 0.97); a short form that replaced the
        // gazetteer's link is scored by document resolution (RELINK_*)
        (Method::Document, _, false, Person) => 0.97,
        (Method::Document, _, false, Other) => 0.94,
        (Method::Document, _, false, Place) => 0.97,
        _ => return None,
    };
    Some(if in_top_band(method, multi, class) {
        share
    } else {
        share.min(BELOW_TOP)
    })
}

/// The kinds of links of the top band (see [`table`]).
fn in_top_band(method: Method, multi: bool, class: Class) -> bool {
    match method {
        Method::Key(KeyLayer::Folded) => multi && class == Class::Place,
        Method::Key(_) | Method::Inflected => multi && class == Class::Person,
        Method::Document => class == Class::Person,
        _ => false,
    }
}

/// The lowest calibrated score: kinds of links measured below it are still written, for review, under the
/// default thresholds (a name that matched is worth a look even when it is more often another entity).
const FLOOR: f64 = 0.5;

/// How much more prominent (prior) the chosen entity must be than another entity of its origin with the
/// same spelling for the spelling to count as unshared (`Sergey Lavrov` the minister, prior 1,201, beside a
/// sanctions-list entry of that name, prior 12).
const DOMINANT_PRIOR_RATIO: f64 = 10.0;

/// Whether another entity of the same origin as `entity`, not far less prominent, has the spelling of
/// `alias` (on any key layer).
fn shared_within_origin(
    matcher: &Matcher,
    entity: u32,
    alias: u32,
    lookups: &mut LookupMemo,
) -> bool {
    // Origin and prior only: `Matcher::entity` would decode the entity's four strings as well.
    let (origin, prior) = (matcher.entity_origin(entity), matcher.entity_prior(entity));
    lookups.hits(matcher, alias).iter().any(|h| {
        h.hit.entity != entity && h.origin == origin && h.prior * DOMINANT_PRIOR_RATIO >= prior
    })
}

/// Replaces the scores of `links` by calibrated ones. `user_loaded`: whether any gazetteer of the user's
/// own is among the matcher's sources.
pub(crate) fn calibrate(
    links: &mut [Link],
    co: &[CoMention],
    analysis: &Analysis,
    matcher: &Matcher,
    user_loaded: bool,
    lookups: &mut LookupMemo,
) {
    for (link, &co) in links.iter_mut().zip(co) {
        let m = &link.mention;
        if matches!(link.method, Method::Key(_))
            && matcher.alias_kind(m.alias) == AliasKind::Demonym
        {
            link.method = Method::Demonym;
        }
        if user_loaded && matcher.entity_origin(m.entity) == Origin::Default {
            link.score = link.score.min(DEFAULT_BESIDE_USER);
            continue;
        }
        if link.method == Method::Demonym {
            link.score = DEMONYM;
            continue;
        }
        let words = analysis.tokens()[m.token_start..m.token_end]
            .iter()
            .filter(|t| t.class == TokenClass::Word)
            .count();
        if link.method == Method::Document && m.candidates > 1 {
            // a short form that replaced the gazetteer's link: scored by document resolution
            continue;
        }
        if link.method == Method::Document && link.score < crate::DOCUMENT_SCORE {
            // a given name (325 links, 78.8%)
            link.score = GIVEN_NAME;
            continue;
        }
        if co == CoMention::Moved {
            // a shared name moved to the reading the text names elsewhere: 108 links, 59%
            link.score = CO_MENTION_MOVED;
            continue;
        }
        // (a document link with several candidates was passed over above)
        let shared = link.method != Method::Document
            && m.candidates > 1
            && shared_within_origin(matcher, m.entity, m.alias, lookups);
        // a shared name whose chosen reading the text names elsewhere (60 links, 88%) counts as unshared
        let shared = shared && co != CoMention::Confirmed;
        let class = Class::of(matcher.entity_type(m.entity));
        if let Some(score) = table(link.method, words > 1, shared, class) {
            link.score = score;
        }
    }
}
