//! Calibrated scores: one scale for every method, so that a score reads as the chance that the link is
//! the annotated entity.
//!
//! The table below is the share of correct links per kind of link, measured on the development sets of
//! `../shared/data/eval-dev` taken together (every link overlapping an annotated mention, under the
//! protocol of `entnorm eval`, with each set's gazetteer as the user's beside the default), rounded to two
//! decimals. A kind of link is its method, whether the name is one word or several, and whether the alias
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

/// (method class, several words, shared alias) -> score: the measured share of correct links of that
/// kind on all development sets together (the number of links behind each in the comments; a kind with
/// fewer than 200 links takes the score of its nearest kind), never below [`FLOOR`].
fn table(method: Method, multi: bool, shared: bool) -> Option<f64> {
    Some(match (method, multi, shared) {
        // 42,003 one-word and 21,512 several-word unshared links; 4,781 shared ones (47.4%)
        (Method::Key(KeyLayer::Exact), false, false) => 0.92,
        (Method::Key(KeyLayer::Exact), true, false) => 0.94,
        (Method::Key(KeyLayer::Exact), _, true) => FLOOR,
        // 1,202 / 652 / 137 (shared: 56.2%)
        (Method::Key(KeyLayer::Folded), false, false) => 0.75,
        (Method::Key(KeyLayer::Folded), true, false) => 0.81,
        (Method::Key(KeyLayer::Folded), _, true) => 0.55,
        // 1,161 / 725 (several words, shared or not) / 62 (one word shared: as folded shared)
        (Method::Key(KeyLayer::Translit), false, false) => 0.86,
        (Method::Key(KeyLayer::Translit), true, _) => 0.93,
        (Method::Key(KeyLayer::Translit), false, true) => 0.55,
        // 18,946 / 9,138; shared ones 49% and 42% in an earlier measurement
        (Method::Inflected, false, false) => 0.88,
        (Method::Inflected, true, false) => 0.86,
        (Method::Inflected, _, true) => FLOOR,
        // persons' names through name-part spellings: 1,682 (93.8% slavicner, 100% nerel)
        (Method::Variant, _, false) => 0.94,
        (Method::Variant, _, true) => FLOOR,
        // a surname or acronym no key matched, linked to the full mention: 6,673 (97.2%); a short form
        // that replaced the gazetteer's link is scored by document resolution (RELINK_*)
        (Method::Document, _, false) => 0.97,
        _ => return None,
    })
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
    let chosen = matcher.entity(entity);
    lookups.hits(matcher, alias).iter().any(|h| {
        h.hit.entity != entity
            && h.origin == chosen.origin
            && h.prior * DOMINANT_PRIOR_RATIO >= chosen.prior
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
            && matcher.alias(m.alias).kind == AliasKind::Demonym
        {
            link.method = Method::Demonym;
        }
        if user_loaded && matcher.entity(m.entity).origin == Origin::Default {
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
        let shared = if link.method == Method::Document {
            m.candidates > 1
        } else {
            m.candidates > 1 && shared_within_origin(matcher, m.entity, m.alias, lookups)
        };
        // a shared name whose chosen reading the text names elsewhere (60 links, 88%) counts as unshared
        let shared = shared && co != CoMention::Confirmed;
        if let Some(score) = table(link.method, words > 1, shared) {
            link.score = score;
        }
    }
}
