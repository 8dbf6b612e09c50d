//! The bundled default gazetteer on the same news excerpt in English, Russian and Arabic: the persons and
//! countries found in English are found in the other scripts wherever the gazetteer has names in them.

use std::collections::BTreeSet;

use crate::util::*;

fn entities_in(file: &str, dir: &TempDir) -> BTreeSet<String> {
    let out = dir.path(file);
    let input = fixture(file);
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
        .into_iter()
        .map(|m| m["entity_id"].clone())
        .collect()
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
