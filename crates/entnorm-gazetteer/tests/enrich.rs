//! Cross-lingual enrichment: a user's one-name entity gains the default gazetteer's names of the same
//! entity, under the user's ID; ambiguous and contested links are not made.

mod common;

use std::path::Path;

use entnorm_gazetteer::{GazetteerBuilder, Matcher, Origin};

const DEFAULT: &str = "entity_id\tname\ttype\tlang\tkind\tprior\tattributes
Q1001\tGermany\tGPE\ten\tcanonical\t1000000
Q1001\tГермания\tGPE\tru\tlabel\t
Q1001\tNiemcy\tGPE\tpl\tlabel\t
Q1001\tNěmecko\tGPE\tcs\tlabel\t
Q1001\tMünchen\tGPE\tund\talias\t
Q2001\tGeorgia\tGPE\ten\tcanonical\t1000000
Q2002\tGeorgia\tGPE\ten\tcanonical\t10000
Q2002\tAtlanta state\tGPE\ten\talias\t
geonames:2643743\tLondon\tLOC\ten\tcanonical\t4000\tpopulation=8961989
geonames:2643743\tЛондон\tLOC\tru\tlabel\t
geonames:2643743\tLondyn\tLOC\tund\talias\t
geonames:6058560\tLondon\tLOC\ten\tcanonical\t422\tpopulation=422324
geonames:3099434\tGdańsk\tLOC\tpl\tcanonical\t461\tpopulation=461865
geonames:3099434\tГданьск\tLOC\tru\tlabel\t
geonames:3099434\tDanzig\tLOC\tund\talias\t
geonames:6058560\tЛондон\tLOC\tund\talias\t
Q3001\tAngela Merkel\tPER\ten\tcanonical\t100
Q4001\tEuropean Union\tORG\ten\tcanonical\t1000000
Q4001\tЕС\tORG\tru\tabbreviation\t
Q4001\tEU\tORG\ten\tabbreviation\t
";

fn matcher(user: &str) -> (Matcher, entnorm_gazetteer::LoadReport) {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("user.tsv"), user.as_bytes(), Origin::User)
        .unwrap();
    b.add_bytes(
        Path::new("default.tsv"),
        DEFAULT.as_bytes(),
        Origin::Default,
    )
    .unwrap();
    let (g, report) = b.build_with_report();
    (Matcher::new(g), report)
}

fn ids(m: &Matcher, text: &str) -> Vec<(String, String)> {
    common::found_ids(m, text, None)
}

#[test]
fn a_user_entity_named_in_one_language_is_found_in_others_under_the_users_id() {
    let (m, report) = matcher("entity_id\tname\ttype\tlang\nmy:DE\tГермания\tLOC\tru\n");
    assert_eq!(
        report.enrichment.linked,
        vec![("my:DE".to_owned(), "Q1001".to_owned())]
    );
    let found = ids(&m, "Niemcy, Německo und Germany");
    assert_eq!(
        found,
        [
            ("Niemcy".into(), "my:DE".into()),
            ("Německo".into(), "my:DE".into()),
            ("Germany".into(), "my:DE".into())
        ]
    );
    let e = (0..m.entity_count() as u32)
        .map(|i| m.entity(i))
        .find(|e| e.id == "my:DE")
        .unwrap();
    assert!(
        e.attributes.contains("default_id=Q1001"),
        "{}",
        e.attributes
    );
    assert!(
        !(0..m.entity_count() as u32).any(|i| m.entity(i).id == "Q1001"),
        "the default entity is absorbed"
    );
}

#[test]
fn a_user_entitys_borrowed_one_word_names_match_in_text_of_any_language() {
    // `Danzig` is a GeoNames name without a language: for the default entity alone (a city of under a
    // million people) it is gated out of English text (such one-word names are common words in some
    // language); once the user lists Gdańsk, it is a name of the user's entity and matches wherever the
    // user's own names do.
    let text = "The ship sailed from Danzig yesterday";
    let (alone, _) = matcher("entity_id\tname\ttype\tlang\nmy:DE\tГермания\tLOC\tru\n");
    assert_eq!(common::found_ids(&alone, text, Some("en")), []);
    let (m, report) = matcher("entity_id\tname\ttype\tlang\nmy:GDN\tГданьск\tLOC\tbg\n");
    assert_eq!(
        report.enrichment.linked,
        vec![("my:GDN".to_owned(), "geonames:3099434".to_owned())]
    );
    assert_eq!(
        common::found_ids(&m, text, Some("en")),
        [("Danzig".to_owned(), "my:GDN".to_owned())]
    );
}

#[test]
fn a_contested_default_entity_goes_to_the_user_entity_sharing_its_strongest_name() {
    // `München` is a stray alias filed under Germany; `Германия` is a label of it.
    let user = "entity_id\tname\ttype\tlang\nmy:DE\tГермания\tLOC\tru\nmy:MUC\tMünchen\tLOC\tde\n";
    let (m, report) = matcher(user);
    assert_eq!(
        report.enrichment.linked,
        vec![("my:DE".to_owned(), "Q1001".to_owned())]
    );
    assert_eq!(
        ids(&m, "München"),
        [("München".to_owned(), "my:MUC".to_owned())]
    );
}

#[test]
fn ambiguous_names_and_other_types_link_nothing() {
    // Two default entities are called Georgia, neither a place with a population (a country's prior does
    // not outweigh a US state's); Merkel is a person, not a place.
    let user =
        "entity_id\tname\ttype\tlang\nmy:GE\tGeorgia\tGPE\ten\nmy:AM\tAngela Merkel\tLOC\ten\n";
    let (m, report) = matcher(user);
    assert!(
        report.enrichment.linked.is_empty(),
        "{:?}",
        report.enrichment.linked
    );
    assert_eq!(report.enrichment.ambiguous, 1);
    assert_eq!(
        ids(&m, "Atlanta state"),
        [("Atlanta state".to_owned(), "Q2002".to_owned())]
    );
}

#[test]
fn a_name_shared_by_default_entities_links_the_one_ten_times_as_prominent() {
    // London, England has 21 times the population of London, Ontario: a list's `Лондон` is the former
    // (their priors are capped, at 4,000 and 422).
    let (m, report) = matcher("entity_id\tname\ttype\tlang\nmy:LON\tЛондон\tLOC\tbg\n");
    assert_eq!(
        report.enrichment.linked,
        vec![("my:LON".to_owned(), "geonames:2643743".to_owned())]
    );
    assert_eq!(report.enrichment.ambiguous, 0);
    assert_eq!(
        ids(&m, "Londyn"),
        [("Londyn".to_owned(), "my:LON".to_owned())]
    );
    assert_eq!(
        ids(&m, "London"),
        [("London".to_owned(), "my:LON".to_owned())]
    );
}

#[test]
fn an_acronym_links_the_one_prominent_entity_whose_name_it_abbreviates() {
    let default = "entity_id\tname\ttype\tlang\tkind\tprior
Q1065\tOrganisation des Nations unies\tORG\tfr\tlabel\t1000000
Q1065\tОрганизация Объединённых Наций\tORG\tru\tlabel\t
Q1065\tUN\tORG\ten\tabbreviation\t
Q7817\tВсемирная организация здравоохранения\tORG\tru\tlabel\t1000000
Q7817\tWHO\tORG\ten\tabbreviation\t
x:1\tВысшая Офицерская Закалка\tORG\tru\talias\t1000000
x:1\tВОЗ-1\tORG\tru\tabbreviation\t
x:2\tОбщество охраны насекомых\tORG\tru\talias\t100000
x:2\tООН-2\tORG\tru\tabbreviation\t
x:3\tОсобая Охраняемая Нива\tLOC\tru\talias\t10000000
x:3\tОON\tLOC\tru\tabbreviation\t
x:4\tОбъединение Охотников Нижегородских\tORG\tru\talias\t10000000
x:5\tЧастное охранное предприятие\tORG\tru\talias\t5000
x:5\tCHOP\tORG\tru\tabbreviation\t
";
    let mut b = GazetteerBuilder::new();
    let user = "entity_id\tname\ttype\tlang\nmy:UN\tООН\tORG\tru\nmy:WHO\tВОЗ\tORG\tru\nmy:CHOP\tЧОП\tORG\tru\n";
    b.add_bytes(Path::new("user.tsv"), user.as_bytes(), Origin::User)
        .unwrap();
    b.add_bytes(
        Path::new("default.tsv"),
        default.as_bytes(),
        Origin::Default,
    )
    .unwrap();
    let (g, report) = b.build_with_report();
    let m = Matcher::new(g);
    // ООН: the United Nations, ten times as prominent as the other ORG known by an acronym with those
    // initials (the LOC does not count, nor x:4, which no acronym names); ВОЗ: two organisations of equal
    // prominence, so none; ЧОП: the one organisation is not prominent enough for a bare acronym.
    assert_eq!(
        report.enrichment.linked,
        vec![("my:UN".to_owned(), "Q1065".to_owned())]
    );
    assert_eq!(report.enrichment.by_initials, 1);
    assert_eq!(
        ids(&m, "Организация Объединённых Наций"),
        [(
            "Организация Объединённых Наций".to_owned(),
            "my:UN".to_owned()
        )]
    );
}

#[test]
fn short_names_link_only_as_acronyms_written_alike() {
    let (m, report) =
        matcher("entity_id\tname\ttype\tlang\nmy:EU\tЕС\tORG\tbg\nmy:eu-word\tEu\tORG\ten\n");
    assert_eq!(
        report.enrichment.linked,
        vec![("my:EU".to_owned(), "Q4001".to_owned())]
    );
    assert_eq!(ids(&m, "EU"), [("EU".to_owned(), "my:EU".to_owned())]);
}

const PERSONS: &str = "entity_id\tname\ttype\tlang\tkind\tprior
Q22686\tDonald Trump\tPER\ten\tcanonical\t2201
Q22686\tТрамп, Дональд\tPER\tru\tlabel\t2201
Q22686\tDonald Trump Jr\tPER\ten\talias\t2201
Q900\tMary Trump\tPER\ten\tcanonical\t101
Q58217\tSergey Lavrov\tPER\ten\tcanonical\t1201
Q7001\tJohn Smith\tPER\ten\tcanonical\t101
Q7002\tAnna Smith\tPER\ten\tcanonical\t101
";

const NAME_PARTS: &str = "name_part\tname_group
trump\tQ1
трамп\tQ1
sergei\tQ2
sergey\tQ2
siergiej\tQ2
сергей\tQ2
lavrov\tQ3
ławrow\tQ3
smith\tQ4
смит\tQ4
";

fn with_name_parts(user: &str) -> (Matcher, entnorm_gazetteer::LoadReport) {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("user.tsv"), user.as_bytes(), Origin::User)
        .unwrap();
    b.add_bytes(
        Path::new("persons.tsv"),
        PERSONS.as_bytes(),
        Origin::Default,
    )
    .unwrap();
    b.add_bytes(
        Path::new("name_parts.tsv"),
        NAME_PARTS.as_bytes(),
        Origin::Default,
    )
    .unwrap();
    let (g, report) = b.build_with_report();
    assert_eq!(g.name_parts.len(), 10);
    (Matcher::new(g), report)
}

#[test]
fn a_person_named_by_a_surname_or_another_spelling_is_linked_through_name_parts() {
    let user = "entity_id\tname\ttype\tlang
PER-Trump\tТрамп\tPER\tru
PER-Lavrov\tSiergiej Ławrow\tPER\tpl
PER-Smith\tСмит\tPER\tru
";
    let (m, report) = with_name_parts(user);
    // Трамп: two default Trumps, one ten times as prominent; Siergiej Ławrow agrees word by word.
    assert_eq!(report.enrichment.by_name_parts, 2);
    assert_eq!(
        ids(&m, "Donald Trump met Sergey Lavrov"),
        [
            ("Donald Trump".to_owned(), "PER-Trump".to_owned()),
            ("Sergey Lavrov".to_owned(), "PER-Lavrov".to_owned())
        ]
    );
    // The user names Trump by his surname alone, so the surname of his other names counts too; Lavrov,
    // named in full, does not get a bare surname.
    assert!(report.enrichment.surnames_added >= 1);
    assert_eq!(
        ids(&m, "Trump in Lavrov"),
        [("Trump".to_owned(), "PER-Trump".to_owned())]
    );
    // Only words that are the user's surname: not the given name of an inverted `Трамп, Дональд`.
    assert_eq!(ids(&m, "Дональд"), []);
    // Смит: two equally prominent Smiths, not guessed.
    assert_eq!(
        ids(&m, "John Smith"),
        [("John Smith".to_owned(), "Q7001".to_owned())]
    );
}
