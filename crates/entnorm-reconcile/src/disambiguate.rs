//! Disambiguation of aliases several entities share, by the article's other mentions: of the entities a
//! shared name may be (`Вашингтон` the city or the state; `Байден` the president or his family), the one the
//! same text names unambiguously elsewhere is meant.

use entnorm_gazetteer::Matcher;

use crate::{Link, Method};

/// What co-mentions said about a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoMention {
    /// Not a shared name, or the text says nothing.
    None,
    /// The chosen entity is named unambiguously elsewhere in the text, and no other reading is.
    Confirmed,
    /// Another reading is the one the text names elsewhere: the link was moved to it.
    Moved,
}

/// Looks at every link of a shared name (`candidates` > 1) and, where exactly one of its readings is
/// named elsewhere in the text by an unshared link, keeps or moves the link to that reading. Returns one
/// outcome per link.
pub(crate) fn by_co_mentions(links: &mut [Link], matcher: &Matcher) -> Vec<CoMention> {
    let mut out = vec![CoMention::None; links.len()];
    if !links.iter().any(|l| l.mention.candidates > 1) {
        return out;
    }
    let mut named: Vec<u32> = links
        .iter()
        .filter(|l| l.mention.candidates == 1)
        .map(|l| l.mention.entity)
        .collect();
    named.sort_unstable();
    named.dedup();
    if named.is_empty() {
        return out;
    }
    for (k, link) in links.iter_mut().enumerate() {
        let m = &mut link.mention;
        if m.candidates < 2
            || !matches!(
                link.method,
                Method::Key(_) | Method::Inflected | Method::Variant
            )
        {
            continue;
        }
        let hits = matcher.lookup(matcher.alias(m.alias).text);
        let mut present: Vec<(u32, u32)> = Vec::new();
        for h in &hits {
            if named.binary_search(&h.entity).is_ok()
                && !present.iter().any(|&(e, _)| e == h.entity)
            {
                present.push((h.entity, h.alias));
            }
        }
        match present.as_slice() {
            [(e, _)] if *e == m.entity => out[k] = CoMention::Confirmed,
            [(e, a)] => {
                m.entity = *e;
                m.alias = *a;
                out[k] = CoMention::Moved;
            }
            _ => {}
        }
    }
    out
}
