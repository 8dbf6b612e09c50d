//! Helpers shared by this crate's integration tests.

use entnorm_gazetteer::{Matcher, Mention};

/// The mentions `m` finds in `text`, in text order; `lang` gates language-tagged aliases.
pub fn found(m: &Matcher, text: &str, lang: Option<&str>) -> Vec<Mention> {
    m.find_in(text, lang).1
}

/// The (surface, entity ID) pairs `m` finds in `text`, in text order; `lang` gates language-tagged aliases.
#[allow(dead_code)] // not every test crate that includes this module uses every helper
pub fn found_ids(m: &Matcher, text: &str, lang: Option<&str>) -> Vec<(String, String)> {
    found(m, text, lang)
        .iter()
        .map(|x| {
            (
                text[x.start..x.end].to_owned(),
                m.entity(x.entity).id.to_owned(),
            )
        })
        .collect()
}
