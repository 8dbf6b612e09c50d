//! Disambiguation of aliases several entities share, by the article's other mentions: of the entities a
//! shared name may be (`Вашингтон` the city or the state; `Байден` the president or his family), the one the
//! same text names unambiguously elsewhere is meant; failing that, of the places it may be, the one whose
//! country the text names (`Tripoli` beside `Lebanon`), and of the persons, the one in office in the
//! text's year (`George Bush` in 1991 or in 2005).

use entnorm_gazetteer::Matcher;

use crate::memo::LookupMemo;
use crate::{Link, Method};

/// A place this many times as populous as another is the one its name means, whatever the text's
/// countries.
const DOMINANT_RATIO: f64 = 10.0;

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
pub(crate) fn by_co_mentions(
    links: &mut [Link],
    matcher: &Matcher,
    year: Option<i32>,
    lookups: &mut LookupMemo,
) -> Vec<CoMention> {
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
    if named.is_empty() && year.is_none() {
        return out;
    }
    // What the country test reads of the named entities, read once per text when first needed.
    let mut named_places: Option<NamedPlaces> = None;
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
        let hits = lookups.hits(matcher, m.alias);
        let mut present: Vec<(u32, u32)> = Vec::new();
        for h in hits {
            let h = &h.hit;
            if named.binary_search(&h.entity).is_ok()
                && !present.iter().any(|&(e, _)| e == h.entity)
            {
                present.push((h.entity, h.alias));
            }
        }
        // The passes below choose among the readings of the linked entity's own gazetteer (the user's
        // `Beijing` is never moved to the default's because China is named).
        let origin = matcher.entity_origin(m.entity);
        // An iterator, not a collection: this runs for every link of a shared name.
        let own = || hits.iter().filter(move |h| h.origin == origin);
        if present.is_empty() && own().all(|h| h.place) {
            // No reading named outright, and all are places (never a village named `Russia` over the
            // country): those whose country the text names, unless ten times smaller than the largest
            // (`Paris` beside the United States is still Paris, France).
            let largest = own().map(|h| h.population).fold(0.0, f64::max);
            for h in own() {
                if h.population * DOMINANT_RATIO >= largest
                    && country_named_in(
                        matcher,
                        h.hit.entity,
                        named_places.get_or_insert_with(|| NamedPlaces::new(matcher, &named)),
                    )
                    && !present.iter().any(|&(e, _)| e == h.hit.entity)
                {
                    present.push((h.hit.entity, h.hit.alias));
                }
            }
        }
        if let (true, Some(year)) = (present.is_empty(), year) {
            // Nor a place's country: if all readings are persons, those in office or role that year.
            let persons = own().all(|h| h.person);
            for h in own().filter(|_| persons) {
                let e = matcher.entity(h.hit.entity);
                if active_in(e.attributes, year) && !present.iter().any(|&(x, _)| x == h.hit.entity)
                {
                    present.push((h.hit.entity, h.hit.alias));
                }
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

/// The value of `key` in `key=value; key=value` attributes.
pub(crate) fn attribute<'a>(attributes: &'a str, key: &str) -> Option<&'a str> {
    attributes.split(';').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.trim() == key).then_some(v.trim())
    })
}

/// What [`country_named`] reads of one entity of `linked`.
struct NamedEntity<'m> {
    entity: u32,
    id: &'m str,
    default_id: Option<&'m str>,
    place: bool,
    country: Option<&'m str>,
}

/// What [`country_named`] reads of each entity of `linked`, read once.
struct NamedPlaces<'m>(Vec<NamedEntity<'m>>);

impl<'m> NamedPlaces<'m> {
    fn new(matcher: &'m Matcher, linked: &[u32]) -> Self {
        NamedPlaces(
            linked
                .iter()
                .map(|&e| {
                    let other = matcher.entity(e);
                    NamedEntity {
                        entity: e,
                        id: other.id,
                        default_id: attribute(other.attributes, "default_id"),
                        place: other.entity_type == "LOC",
                        country: attribute(other.attributes, "country"),
                    }
                })
                .collect(),
        )
    }
}

/// [`country_named`] with the linked entities read beforehand.
fn country_named_in(matcher: &Matcher, place: u32, linked: &NamedPlaces<'_>) -> bool {
    let attrs = matcher.entity(place).attributes;
    let country = attribute(attrs, "country");
    let country_qid = attribute(attrs, "country_qid");
    if country.is_none() && country_qid.is_none() {
        return false;
    }
    linked.0.iter().any(|other| {
        if other.entity == place {
            return false;
        }
        (country_qid.is_some()
            && (Some(other.id) == country_qid || other.default_id == country_qid))
            || (other.place && country.is_some() && other.country == country)
    })
}

/// Whether `linked` holds the place's country (by its QID, or a user's entity linked to that QID as its
/// `default_id`), or another place of the same country.
pub(crate) fn country_named(matcher: &Matcher, place: u32, linked: &[u32]) -> bool {
    country_named_in(matcher, place, &NamedPlaces::new(matcher, linked))
}

/// Whether a person's dated office or roles span `year`: the `from`/`to` dates of an office
/// (`from=2009-01-20; to=2017-01-20`; no `to`, still in office) or a Phoenix role range (`roles=USAGOV
/// 2009-2017 | USAELI 1997-`); an undated role says nothing.
pub(crate) fn active_in(attributes: &str, year: i32) -> bool {
    let year_of = |d: &str| d.get(..4).and_then(|y| y.parse::<i32>().ok());
    if let Some(from) = attribute(attributes, "from").and_then(year_of) {
        let to = attribute(attributes, "to")
            .and_then(year_of)
            .unwrap_or(i32::MAX);
        if from <= year && year <= to {
            return true;
        }
    }
    attribute(attributes, "roles").is_some_and(|roles| {
        roles.split('|').any(|role| {
            let Some((_, range)) = role.trim().rsplit_once(' ') else {
                return false;
            };
            let Some((a, b)) = range.split_once('-') else {
                return false;
            };
            let (a, b) = (a.parse::<i32>().ok(), b.parse::<i32>().ok());
            (a.is_some() || b.is_some())
                && a.is_none_or(|a| a <= year)
                && b.is_none_or(|b| year <= b)
        })
    })
}
