//! The fuzzy index: stored and read back exactly, refused when damaged or built for other sources;
//! removed aliases, numbers and per-word edit budgets; and the name-like span rules that keep noise out.

use std::path::Path;

use entnorm_gazetteer::{GazetteerBuilder, Matcher, Origin};
use entnorm_reconcile::fuzzy::{
    osa_distance, osa_within, same_numbers, FuzzyIndex, FuzzyLoadError, FUZZY_SEVERAL_WORDS_SCORE,
};
use entnorm_reconcile::name_like_spans;
use entnorm_tokenize::{Analysis, Analyzer};

const USER: &str = "entity_id\tname\ttype\tlang\tkind
t:syria\tSyria\tGPE\ten\tcanonical
t:syria\tSyrien\tGPE\tde\tlabel
t:syria\tСирия\tGPE\tru\tlabel
t:syria\tΣυρία\tGPE\tel\tlabel
t:mogherini\tFederica Mogherini\tPER\tund\tcanonical
t:pius7\tPius VII\tPER\tund\tcanonical
t:hobbs\tSteve Hobbs\tPER\tund\tcanonical
t:lavrov\tSergey Lavrov\tPER\tund\tcanonical
";

fn matcher_with(extra: &str) -> Matcher {
    let mut b = GazetteerBuilder::new();
    if !extra.is_empty() {
        b.add_bytes(Path::new("remove.tsv"), extra.as_bytes(), Origin::User)
            .unwrap();
    }
    b.add_bytes(Path::new("user.tsv"), USER.as_bytes(), Origin::User)
        .unwrap();
    Matcher::new(b.build())
}

/// The fuzzy key of a name, as the pipeline makes it for a span.
fn key(name: &str) -> String {
    let mut analysis = Analysis::default();
    Analyzer::new().analyze(name, &mut analysis);
    let mut key = String::new();
    entnorm_reconcile::fuzzy::span_key(&analysis, 0..analysis.len(), &mut key);
    key
}

/// The entity the fuzzy index links the name to, if any.
fn hit_entity(index: &FuzzyIndex, m: &Matcher, name: &str) -> Option<String> {
    index
        .search(&key(name), Some("en"), m)
        .map(|h| m.entity(h.entity).id.to_owned())
}

const QUERIES: [&str; 6] = [
    "Federica Mogerini",
    "Sergey Lavrof",
    "Syriaa",
    "Sirija",
    "Pius XI",
    "Steve Jobs",
];

#[test]
fn a_stored_index_reads_back_to_the_same_answers() {
    let m = matcher_with("");
    let built = FuzzyIndex::build(&m);
    let bytes = built.to_bytes(&m);
    let read = FuzzyIndex::from_bytes(&bytes, &m).expect("valid index");
    assert_eq!(read.key_count(), built.key_count());
    assert_eq!(read.entry_count(), built.entry_count());
    for q in QUERIES {
        assert_eq!(
            read.search(q, Some("en"), &m),
            built.search(q, Some("en"), &m),
            "{q}"
        );
    }
    assert_eq!(
        hit_entity(&read, &m, "Federica Mogerini").as_deref(),
        Some("t:mogherini")
    );
    let hit = read.search(&key("Sergey Lavrof"), None, &m).unwrap();
    assert_eq!(hit.score, FUZZY_SEVERAL_WORDS_SCORE);
}

#[test]
fn a_damaged_or_foreign_index_is_refused() {
    let m = matcher_with("");
    let bytes = FuzzyIndex::build(&m).to_bytes(&m);
    // Any flipped byte past the header: the checksum.
    for at in [40, bytes.len() / 2, bytes.len() - 9, bytes.len() - 1] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x20;
        assert!(FuzzyIndex::from_bytes(&bad, &m).is_err(), "byte {at}");
    }
    assert!(FuzzyIndex::from_bytes(&bytes[..bytes.len() / 3], &m).is_err());
    assert!(FuzzyIndex::from_bytes(b"", &m).is_err());
    // Built for other sources (another fingerprint).
    let other =
        matcher_with("entity_id\tname\ttype\tlang\tkind\nt:x\tXanadu City\tGPE\ten\tcanonical\n");
    assert!(matches!(
        FuzzyIndex::from_bytes(&bytes, &other),
        Err(FuzzyLoadError::Mismatch(_))
    ));
    // Another format version.
    let mut version = bytes.clone();
    version[8] = version[8].wrapping_add(1);
    assert!(matches!(
        FuzzyIndex::from_bytes(&version, &m),
        Err(FuzzyLoadError::Mismatch(_))
    ));
}

#[test]
fn a_removed_alias_is_not_reached_through_a_near_spelling_of_its_entity() {
    let removal = "entity_id\tname\ttype\tlang\tkind\nt:syria\tSyria\tGPE\ten\tremove\n";
    let m = matcher_with(removal);
    let removals = vec![("t:syria".to_owned(), "Syria".to_owned())];
    // Without the removals, `Syria` has the key (`syria`) of the entity's Greek label `Συρία`.
    let plain = FuzzyIndex::build(&m);

    assert_eq!(hit_entity(&plain, &m, "Syria").as_deref(), Some("t:syria"));
    let index = FuzzyIndex::build_with_removals(&m, &removals);
    assert_eq!(hit_entity(&index, &m, "Syria"), None);
    assert_eq!(
        hit_entity(&index, &m, "Syrie"),
        None,
        "near the removed alias"
    );
    // The entity's other names still reach it.
    assert_eq!(
        hit_entity(&index, &m, "Syrienn").as_deref(),
        Some("t:syria")
    );
    // And the removals survive storage.
    let read = FuzzyIndex::from_bytes(&index.to_bytes(&m), &m).unwrap();
    assert_eq!(hit_entity(&read, &m, "Syria"), None);
}

#[test]
fn numbers_and_short_words_are_not_fuzzy() {
    let m = matcher_with("");
    let index = FuzzyIndex::build(&m);
    // A regnal number one edit away is another person.
    assert_eq!(hit_entity(&index, &m, "Pius XI"), None);
    // `Pius VI` shares its key with `Pius VII` (doubled letters are unified): the link is refused on the
    // numbers as written.
    assert!(!same_numbers("Pius VI", "Pius VII"));
    assert!(!same_numbers("Route 66", "Route 67"));
    assert!(same_numbers("Pius VII", "Pius VII."));
    assert!(same_numbers("Federica Mogerini", "Federica Mogherini"));
    // Lower-case `vi` is a word, not a number.
    assert!(same_numbers("Jean vi Dupont", "Jean Dupont"));
    // Names without digits or Roman capitals, in any script, write no numbers; numbers next to such
    // letters still count.
    assert!(same_numbers("بشار الأسد", "بشار الاسد"));
    assert!(!same_numbers("Людовик XIV", "Людовик XV"));
    assert!(!same_numbers("قرار 2254", "قرار 2245"));
    // A number glued to letters of another script is part of a word, not a number.
    assert!(same_numbers("Людовик XIVв", "Людовик"));
    assert!(!same_numbers("Людовик XIV", "Людовик"));
    // Two edits on one four-letter word of a name are too many, however long the whole name.
    assert_eq!(hit_entity(&index, &m, "Steve Jobs"), None);
    assert_eq!(
        hit_entity(&index, &m, "Steve Hobs").as_deref(),
        Some("t:hobbs")
    );
    // Keys of different word counts only meet when they differ by spaces alone.
    assert_eq!(
        hit_entity(&index, &m, "SergeyLavrov").as_deref(),
        Some("t:lavrov")
    );
}

fn spans(text: &str, lang: Option<&str>) -> Vec<String> {
    let mut analysis = Analysis::default();
    Analyzer::new().analyze(text, &mut analysis);
    let covered = vec![false; analysis.len()];
    let mut out = Vec::new();
    name_like_spans(text, &analysis, &covered, &[], lang, &mut out);
    out.iter()
        .map(|s| text[s.start..s.end].to_owned())
        .collect()
}

#[test]
fn look_alike_spellings_contractions_and_legal_forms_are_not_names() {
    // `Sуria` with a Cyrillic у; `Rusѕia` with a Cyrillic ѕ.
    assert_eq!(
        spans(
            "Officials in Sуria and Rusѕia met Hassan Rouhani.",
            Some("en")
        ),
        ["Hassan Rouhani"]
    );
    assert_eq!(
        spans(
            "He said I've seen Hassan Rouhani and I'll see Peter O'Toole.",
            Some("en")
        ),
        ["Hassan Rouhani", "Peter O'Toole"]
    );
    // The rest of a company name whose start was linked.
    assert_eq!(
        spans("He works for Corp Holdings Nevada.", Some("en")),
        ["Holdings Nevada"]
    );
}

#[test]
fn a_word_that_only_starts_sentences_is_not_a_name() {
    // Ukrainian `Однак` (however) and `Тепер` (now) start sentences; `Зеленський` recurs inside one.
    let text = "Однак зустріч відбулася. Тепер усе інакше. Зеленський приїхав, і з ним говорили про Зеленський план.";
    assert_eq!(spans(text, Some("uk")), ["Зеленський", "Зеленський"]);
    // Russian `Глава` (head) before a title.
    assert!(spans("Глава ведомства выступил с речью.", Some("ru")).is_empty());
}

#[test]
fn a_german_noun_after_an_article_is_not_part_of_the_name() {
    assert_eq!(
        spans(
            "Gestern sprach die Kanzlerin Angela Merkel mit 26 Millionen Zuschauern.",
            Some("de")
        ),
        ["Angela Merkel"]
    );
    assert!(spans("Das kostet mehreren Millionen Euro.", Some("de")).is_empty());
}

#[test]
fn edit_distance_counts_characters_and_transpositions_in_every_script() {
    let mut rows = Default::default();
    let mut d = |a: &str, b: &str| osa_distance(a, b, &mut rows);
    assert_eq!(d("Lavrov", "Lavrov"), 0);
    assert_eq!(d("Lavrov", "Lavorv"), 1, "a transposition is one edit");
    assert_eq!(d("Mogherini", "Mogerini"), 1);
    // Optimal string alignment: no substring is edited twice.
    assert_eq!(d("ca", "abc"), 3);
    // Characters, not bytes: each Cyrillic, Greek or Arabic letter is two bytes.
    assert_eq!(d("Сергей", "Сергий"), 1);
    assert_eq!(d("Λαβρόφ", "Λαβροφ"), 1);
    assert_eq!(d("الجعفري", "الجعفرى"), 1);
    // Look-alike letters of two scripts (Latin `a`, `o`; Cyrillic `а`, `о`) are different characters.
    assert_eq!(d("Lavrov", "Лавров"), 6);
    // The bounded test agrees with the distance on both sides of every bound.
    for (a, b) in [
        ("Lavrov", "Lavorv"),
        ("ca", "abc"),
        ("Mogherini", "Mogerini"),
        ("Сергей", "Сергий"),
        ("Lavrov", "Лавров"),
        ("abcdefgh", "badcfehg"),
        ("", "abc"),
    ] {
        let distance = d(a, b);
        for max in 0..8 {
            assert_eq!(
                osa_within(a, b, max, &mut Default::default()),
                distance <= max,
                "{a} / {b} within {max}"
            );
        }
    }
}
