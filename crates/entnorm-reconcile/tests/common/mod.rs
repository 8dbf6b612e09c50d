//! Helpers shared by this crate's integration tests.

use entnorm_gazetteer::{Matcher, Mention};
use entnorm_reconcile::{reconcile, Link, ResolveScratch};
use entnorm_tokenize::Analysis;

/// The links that matching `text` with `m` and reconciling the mentions give; `scratch` may carry memos
/// of earlier texts.
pub fn reconciled_links(
    m: &Matcher,
    scratch: &mut ResolveScratch,
    text: &str,
    lang: Option<&str>,
) -> Vec<Link> {
    let (analysis, mentions) = matched(m, text, lang);
    let mut out: Vec<Link> = Vec::new();
    reconcile(text, &analysis, lang, &mentions, m, scratch, &mut out);
    out
}

/// The analysis of `text` and the mentions `m` finds in it.
pub fn matched(m: &Matcher, text: &str, lang: Option<&str>) -> (Analysis, Vec<Mention>) {
    m.find_in(text, lang)
}

/// (surface, entity ID, method) of each link of [`reconciled_links`].
#[allow(dead_code)] // not every test crate that includes this module uses every helper
pub fn reconciled_with(
    m: &Matcher,
    scratch: &mut ResolveScratch,
    text: &str,
    lang: Option<&str>,
) -> Vec<(String, String, &'static str)> {
    reconciled_links(m, scratch, text, lang)
        .iter()
        .map(|l| {
            (
                text[l.mention.start..l.mention.end].to_owned(),
                m.entity(l.mention.entity).id.to_owned(),
                l.method.name(),
            )
        })
        .collect()
}
