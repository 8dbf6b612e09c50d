//! Places named by their demonyms (`Iraqi officials`): rows of kind `demonym`, matched only in English
//! text, reported with method `demonym` and their own score, and never used to link a user's entity.

mod common;

use std::path::Path;

use common::reconciled_links;
use entnorm_gazetteer::{GazetteerBuilder, Matcher, Origin};
use entnorm_reconcile::ResolveScratch;

const DEFAULT: &str = "entity_id\tname\ttype\tlang\tkind\tprior
Q796\tIraq\tGPE\tund\tcanonical\t1000000
Q796\tIrak\tGPE\tde\tlabel\t
Q796\tIraqi\tGPE\ten\tdemonym\t
Q96\tMexico\tGPE\tund\tcanonical\t1000000
Q96\tMexican\tGPE\ten\tdemonym\t
Q183\tGermany\tGPE\tund\tcanonical\t1000000
Q183\tDeutschland\tGPE\tde\tlabel\t
Q183\tGerman\tGPE\ten\tdemonym\t
";

fn matcher(user: Option<&str>) -> Matcher {
    let mut b = GazetteerBuilder::new();
    if let Some(user) = user {
        b.add_bytes(Path::new("user.tsv"), user.as_bytes(), Origin::User)
            .unwrap();
    }
    b.add_bytes(
        Path::new("default.tsv"),
        DEFAULT.as_bytes(),
        Origin::Default,
    )
    .unwrap();
    Matcher::new(b.build())
}

fn links(m: &Matcher, text: &str, lang: Option<&str>) -> Vec<(String, String, &'static str, f64)> {
    reconciled_links(m, &mut ResolveScratch::default(), text, lang)
        .iter()
        .map(|l| {
            (
                text[l.mention.start..l.mention.end].to_owned(),
                m.entity(l.mention.entity).id.to_owned(),
                l.method.name(),
                l.score,
            )
        })
        .collect()
}

#[test]
fn an_english_demonym_names_its_country_with_its_own_method_and_no_higher_a_score_than_the_name() {
    let m = matcher(None);
    let found = links(
        &m,
        "Iraqi officials met Mexican diplomats in Iraq.",
        Some("en"),
    );
    let summary: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|(s, id, method, _)| (s.as_str(), id.as_str(), *method))
        .collect();
    assert_eq!(
        summary,
        [
            ("Iraqi", "Q796", "demonym"),
            ("Mexican", "Q96", "demonym"),
            ("Iraq", "Q796", "exact")
        ]
    );
    assert!(found[0].3 <= found[2].3, "{found:?}");
    assert!(found[0].3 >= 0.7, "accepted by default: {found:?}");
}

#[test]
fn demonyms_are_english_only() {
    let m = matcher(None);
    // Spanish text: `Mexican` is no Spanish word
    assert_eq!(
        links(&m, "El grupo Mexican Institute of Sound tocó.", Some("es")),
        vec![]
    );
}

#[test]
fn a_demonym_is_no_evidence_that_a_users_entity_is_the_country() {
    // The user's entity named `German` (the language) must not take over Germany's names.
    let m = matcher(Some(
        "entity_id\tname\ttype\tlang\nmy:german\tGerman\tGPE\ten\n",
    ));
    let found = links(&m, "Deutschland", Some("de"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "Q183");
}
