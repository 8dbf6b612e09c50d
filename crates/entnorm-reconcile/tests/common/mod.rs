//! Helpers shared by this crate's integration tests.

use entnorm_gazetteer::{MatchScratch, Matcher};
use entnorm_reconcile::{reconcile, Link, ResolveScratch};
use entnorm_tokenize::{Analysis, Analyzer};

/// The (surface, entity ID, method) of each link that matching `text` with `m` and reconciling the
/// mentions gives; `scratch` may carry memos of earlier texts.
pub fn reconciled_with(
    m: &Matcher,
    scratch: &mut ResolveScratch,
    text: &str,
    lang: Option<&str>,
) -> Vec<(String, String, &'static str)> {
    let mut analysis = Analysis::default();
    Analyzer::new().analyze(text, &mut analysis);
    let mut mentions = Vec::new();
    m.find(
        text,
        &analysis,
        lang,
        &mut MatchScratch::default(),
        &mut mentions,
    );
    let mut out: Vec<Link> = Vec::new();
    reconcile(text, &analysis, lang, &mentions, m, scratch, &mut out);
    out.iter()
        .map(|l| {
            (
                text[l.mention.start..l.mention.end].to_owned(),
                m.entity(l.mention.entity).id.to_owned(),
                l.method.name(),
            )
        })
        .collect()
}
