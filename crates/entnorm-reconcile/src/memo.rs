//! A per-thread memo of [`Matcher::lookup`] of alias spellings. Disambiguation and scoring ask, for every
//! link of a shared name, which entities its alias's spelling names; a lookup analyses the spelling and
//! walks the tries again. Names recur across a corpus (Zipf), so the answers are remembered by alias id.

use entnorm_gazetteer::{LookupHit, Matcher};

/// Direct-mapped slots: bounded memory whatever the corpus.
const SLOTS: usize = 1 << 12;

#[derive(Default)]
pub(crate) struct LookupMemo {
    /// [`Matcher::instance`] of the matcher whose answers the slots hold (0: none yet).
    matcher: u64,
    slots: Vec<Option<(u32, Vec<LookupHit>)>>,
}

impl LookupMemo {
    /// Forgets every answer unless they are `matcher`'s.
    pub(crate) fn bind(&mut self, matcher: &Matcher) {
        if self.matcher != matcher.instance() || self.slots.is_empty() {
            self.matcher = matcher.instance();
            self.slots.clear();
            self.slots.resize_with(SLOTS, || None);
        }
    }

    /// `matcher.lookup` of the text of `alias`. [`Self::bind`] must have been called with `matcher`.
    pub(crate) fn hits(&mut self, matcher: &Matcher, alias: u32) -> &[LookupHit] {
        debug_assert_eq!(self.matcher, matcher.instance());
        let slot = &mut self.slots[(alias.wrapping_mul(0x9E37_79B9) >> 20) as usize % SLOTS];
        if !matches!(slot, Some((a, _)) if *a == alias) {
            *slot = Some((alias, matcher.lookup(matcher.alias(alias).text)));
        }
        match slot {
            Some((_, hits)) => hits,
            None => unreachable!("the slot was just filled"),
        }
    }
}
