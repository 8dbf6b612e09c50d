//! The bundled default gazetteer on the same news excerpt in English, Russian and Arabic: the persons and
//! countries found in English are found in the other scripts wherever the gazetteer has names in them.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::util::*;

fn entities_in(file: &str, dir: &TempDir) -> BTreeSet<String> {
    mentions_of(&fixture(file), &dir.path(file))
        .into_iter()
        .map(|m| m["entity_id"].clone())
        .collect()
}

/// The rows of `mentions.csv` of `entnorm run INPUT -o OUT` with the default gazetteer alone.
fn mentions_of(input: &Path, out: &Path) -> Vec<HashMap<String, String>> {
    assert_success(&run_entnorm(
        &[
            "run",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-q",
        ],
        None,
    ));
    read_table(&out.join("mentions.csv"))
}

#[test]
fn same_excerpt_in_latin_cyrillic_and_arabic_script_finds_the_same_entities() {
    let dir = TempDir::new("scripts-default");
    let en = entities_in("syria-excerpt.en.txt", &dir);
    let ru = entities_in("syria-excerpt.ru.txt", &dir);
    let ar = entities_in("syria-excerpt.ar.txt", &dir);
    // Kerry Q22316 and Mogherini Q3741557 have Russian and Arabic labels in the default gazetteer (from
    // EveryPolitician's Wikidata labels); Syria Q858 and Russia Q159 have names in every script.
    for qid in ["Q22316", "Q3741557", "Q858", "Q159"] {
        assert!(en.contains(qid), "English excerpt lacks {qid}: {en:?}");
        assert!(ru.contains(qid), "Cyrillic excerpt lacks {qid}: {ru:?}");
        assert!(ar.contains(qid), "Arabic excerpt lacks {qid}: {ar:?}");
    }
}

/// The places of a country that split from another (Ukraine from the USSR: Phoenix codes it `USRUKR`,
/// then `UKRUNR`, then `UKR`) are places, not an organisation: Phoenix lumps `KIEV`, `Donbas` and
/// `Chernobyl` with misspellings of the country into one actor, which the gazetteer build takes for the
/// country it is (keeping only its names of the country: `Belorussia`). A world city's exonyms, which
/// GeoNames gives without a language, match in text of any language (`Kiev` in English, `Kiew` in
/// German), English `Bosnia` is Bosnia and Herzegovina, and `Kosavo` (a Phoenix misspelling) Kosovo.
/// Phoenix's English demonyms that the country sources lack are the countries' demonyms (`Russian`), as
/// are the demonyms among rigour's weak names (`Libyan`, `Iraqi`).
#[test]
fn places_of_the_default_gazetteer_are_no_lumped_actors_and_keep_their_exonyms() {
    let dir = TempDir::new("lumped-default");
    let input = dir.path("news.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"id":"en","lang":"en","text":"Shelling in Donbas, talks in Kiev, a visit to Chernobyl; Belorussia, Bosnia and Kosavo abstained. Russian, Libyan and Iraqi officials met."}"#,
            "\n",
            r#"{"id":"de","lang":"de","text":"In Kiew und Moskau wurde verhandelt."}"#,
            "\n"
        ),
    )
    .unwrap();
    let rows = mentions_of(&input, &dir.path("out"));
    let linked = |surface: &str| -> Vec<(String, String)> {
        rows.iter()
            .filter(|m| m["surface"] == surface)
            .map(|m| (m["entity_id"].clone(), m["entity_type"].clone()))
            .collect()
    };
    assert_eq!(linked("Kiev"), [("geonames:703448".into(), "LOC".into())]);
    assert_eq!(linked("Kiew"), [("geonames:703448".into(), "LOC".into())]);
    assert_eq!(linked("Moskau"), [("geonames:524901".into(), "LOC".into())]);
    assert_eq!(linked("Belorussia"), [("Q184".into(), "GPE".into())]);
    assert_eq!(linked("Bosnia"), [("Q225".into(), "GPE".into())]);
    // CAMEO codes Kosovo `KSV` (its lumped entry `Cosovo` with `Prishtina`), rigour `XKX`.
    assert_eq!(linked("Kosavo"), [("Q1246".into(), "GPE".into())]);
    // Demonyms the country sources lack: Phoenix's (`Russian`), rigour's weak names (`Libyan`).
    for (demonym, country) in [("Russian", "Q159"), ("Libyan", "Q1016")] {
        let rows: Vec<_> = rows.iter().filter(|m| m["surface"] == demonym).collect();
        assert_eq!(rows.len(), 1, "{demonym}");
        assert_eq!(
            (rows[0]["entity_id"].as_str(), rows[0]["method"].as_str()),
            (country, "demonym")
        );
    }
    // rigour's weak name `Iraqi` (no language, so gated in English text) is Iraq's demonym.
    assert_eq!(linked("Iraqi"), [("Q796".into(), "GPE".into())]);
    for place in ["Donbas", "Chernobyl"] {
        assert!(
            linked(place).iter().all(|(_, t)| t != "ORG" && t != "PER"),
            "{place}: {:?}",
            linked(place)
        );
    }
}
