//! Acronyms of initials: a country known by some acronym is also found by the initials of its names of
//! several words, in the language of each name only.

mod common;

use std::path::Path;

use entnorm_gazetteer::{GazetteerBuilder, Matcher, Origin};

const DEFAULT: &str = "entity_id\tname\ttype\tlang\tkind\tprior
Q30\tUnited States\tGPE\ten\tcanonical\t1000000
Q30\tUSA\tGPE\ten\tabbreviation\t
Q30\tZdružene države Amerike\tGPE\tsl\tlabel\t
Q30\tСъединени американски щати\tGPE\tbg\tlabel\t
Q30\tSpojené státy americké\tGPE\tcs\tlabel\t
Q16\tCanada\tGPE\ten\tcanonical\t1000000
Q16\tCAN\tGPE\ten\tabbreviation\t
Q16\tSpojené státy arktické\tGPE\tcs\tlabel\t
Q851\tSaudi Arabia\tGPE\ten\tcanonical\t1000000
Q851\tKSA\tGPE\ten\tabbreviation\t
Q851\tKingdom of Saudi Arabia\tGPE\ten\tlabel\t
Q17\tJapan\tGPE\ten\tcanonical\t1000000
Q17\tNihon Koku Kuni\tGPE\tja\tlabel\t
Q9\tSmall Town Hall\tLOC\ten\tcanonical\t10
Q9\tSTH\tLOC\ten\tabbreviation\t
";

fn matcher() -> Matcher {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(
        Path::new("default.tsv"),
        DEFAULT.as_bytes(),
        Origin::Default,
    )
    .unwrap();
    Matcher::new(b.build())
}

fn ids(m: &Matcher, text: &str, lang: &str) -> Vec<(String, String)> {
    common::found_ids(m, text, Some(lang))
}

fn owned(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn initials_of_a_countrys_name_find_it_in_that_language() {
    let m = matcher();
    assert_eq!(
        ids(&m, "Predsednik ZDA je prispel.", "sl"),
        owned(&[("ZDA", "Q30")])
    );
    assert_eq!(
        ids(&m, "Президентът на САЩ пристигна.", "bg"),
        owned(&[("САЩ", "Q30")])
    );
    // Slovenian initials are no Bulgarian or Czech acronym
    assert_eq!(ids(&m, "ZDA", "cs"), owned(&[]));
    // `KSA` was listed already; its letters are not added twice
    assert_eq!(ids(&m, "Talks with KSA.", "en"), owned(&[("KSA", "Q851")]));
}

#[test]
fn shared_short_or_minor_initials_are_not_added() {
    let m = matcher();
    // two countries give `SSA` in Czech: neither gets it
    assert_eq!(ids(&m, "Prezident SSA.", "cs"), owned(&[]));
    // two letters are too few (`United States` -> `US` is no added alias)
    assert_eq!(ids(&m, "US", "en"), owned(&[]));
    // an entity known by no acronym gets none (`NKK`), nor one below a country's prominence (`STH` is
    // listed, `Small Town Hall` gives it again but the place is minor: only the listed alias matches)
    assert_eq!(ids(&m, "NKK", "ja"), owned(&[]));
}
