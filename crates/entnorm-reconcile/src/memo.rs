//! A per-thread memo of [`Matcher::lookup`] of alias spellings. Disambiguation and scoring ask, for every
//! link of a shared name, which entities its alias's spelling names; a lookup analyses the spelling and
//! walks the tries again. Names recur across a corpus (Zipf), so the answers are remembered by alias id.

use entnorm_gazetteer::{LookupHit, Matcher, Origin};

use crate::disambiguate::attribute;

/// Direct-mapped slots.
const SLOTS: usize = 1 << 14;
/// The most hits kept in all slots together (about 12 MiB), so that memory stays bounded whatever the
/// corpus and gazetteer (a name thousands of places share has thousands of hits): past it, every answer
/// is forgotten.
const MAX_KEPT: usize = 1 << 18;

#[derive(Default)]
pub(crate) struct LookupMemo {
    /// [`Matcher::instance`] of the matcher whose answers the slots hold (0: none yet).
    matcher: u64,
    slots: Vec<Option<(u32, Vec<Hit>)>>,
    /// Hits in all slots.
    kept: usize,
    /// The last answer too long to keep.
    long: Vec<Hit>,
}

/// A lookup hit with what disambiguation and scoring read of its entity, so that they do not read the
/// entity's record (a cache miss in a table of tens of megabytes) for every link again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit {
    pub(crate) hit: LookupHit,
    pub(crate) origin: Origin,
    pub(crate) prior: f64,
    /// The entity's type is `LOC`.
    pub(crate) place: bool,
    /// The entity's type is `PER`.
    pub(crate) person: bool,
    /// Its `population` attribute (0 when absent or not a number).
    pub(crate) population: f64,
}

impl LookupMemo {
    /// Forgets every answer unless they are `matcher`'s.
    pub(crate) fn bind(&mut self, matcher: &Matcher) {
        if self.matcher != matcher.instance() || self.slots.is_empty() {
            self.matcher = matcher.instance();
            self.slots.clear();
            self.slots.resize_with(SLOTS, || None);
            self.kept = 0;
        }
    }

    /// `matcher.lookup` of the text of `alias`, with facts of each hit's entity. [`Self::bind`] must
    /// have been called with `matcher`.
    pub(crate) fn hits(&mut self, matcher: &Matcher, alias: u32) -> &[Hit] {
        debug_assert_eq!(self.matcher, matcher.instance());
        let at =
            (alias.wrapping_mul(0x9E37_79B9) >> (32 - SLOTS.trailing_zeros())) as usize % SLOTS;
        if matches!(&self.slots[at], Some((a, _)) if *a == alias) {
            return self.slots[at].as_ref().map_or(&[], |(_, hits)| hits);
        }
        let hits: Vec<Hit> = matcher
            .lookup(matcher.alias(alias).text)
            .into_iter()
            .map(|hit| {
                let e = matcher.entity(hit.entity);
                Hit {
                    hit,
                    origin: e.origin,
                    prior: e.prior,
                    place: e.entity_type == "LOC",
                    person: e.entity_type == "PER",
                    population: attribute(e.attributes, "population")
                        .and_then(|p| p.parse::<f64>().ok())
                        .unwrap_or(0.0),
                }
            })
            .collect();
        if hits.len() > MAX_KEPT {
            self.long = hits;
            return &self.long;
        }
        if let Some((_, old)) = &self.slots[at] {
            self.kept -= old.len();
        }
        if self.kept + hits.len() > MAX_KEPT {
            self.slots.iter_mut().for_each(|slot| *slot = None);
            self.kept = 0;
        }
        self.kept += hits.len();
        self.slots[at] = Some((alias, hits));
        self.slots[at].as_ref().map_or(&[], |(_, hits)| hits)
    }
}
