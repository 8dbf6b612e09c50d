//! Document-level resolution of surname-only mentions, on real names in several scripts.

mod common;

use std::path::Path;

use common::{matched, reconciled_links, reconciled_with};
use entnorm_gazetteer::{GazetteerBuilder, Matcher, Origin};
use entnorm_reconcile::{resolve_document, Link, ResolveScratch};

const GAZETTEER: &str = "entity_id\tname\ttype\tlang\tkind\tprior
t:kerry\tJohn Kerry\tPER\ten\tcanonical\t100
t:kerry\tДжон Керри\tPER\tru\tlabel\t
t:kerry-county\tKerry\tLOC\ten\tcanonical\t1000
t:lavrov\tSergey Lavrov\tPER\ten\tcanonical\t100
t:lavrov\tСергей Лавров\tPER\tru\tlabel\t
t:jsmith\tJohn Smith\tPER\ten\tcanonical\t10
t:asmith\tAnna Smith\tPER\ten\tcanonical\t10
t:syria\tSyria\tGPE\ten\tcanonical\t1000
t:un\tUnited Nations\tORG\ten\tcanonical\t1000
";

fn links(text: &str) -> Vec<(String, String, &'static str)> {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), GAZETTEER.as_bytes(), Origin::User)
        .unwrap();
    let m = Matcher::new(b.build());
    let (analysis, mentions) = matched(&m, text, None);
    let mut out: Vec<Link> = Vec::new();
    resolve_document(
        text,
        &analysis,
        &mentions,
        &m,
        &mut ResolveScratch::default(),
        &mut out,
    );
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

fn owned(v: &[(&str, &str, &'static str)]) -> Vec<(String, String, &'static str)> {
    v.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect()
}

#[test]
fn a_surname_after_the_full_name_is_that_person_even_where_the_gazetteer_says_otherwise() {
    assert_eq!(
        links("John Kerry met Sergey Lavrov. Kerry said Lavrov agreed."),
        owned(&[
            ("John Kerry", "t:kerry", "exact"),
            ("Sergey Lavrov", "t:lavrov", "exact"),
            ("Kerry", "t:kerry", "document"),
            ("Lavrov", "t:lavrov", "document"),
        ])
    );
}

#[test]
fn cyrillic_surnames_resolve_too() {
    assert_eq!(
        links("Сергей Лавров и Джон Керри. Лавров ответил."),
        owned(&[
            ("Сергей Лавров", "t:lavrov", "exact"),
            ("Джон Керри", "t:kerry", "exact"),
            ("Лавров", "t:lavrov", "document")
        ])
    );
}

#[test]
fn without_a_full_name_in_the_text_nothing_is_inherited() {
    assert_eq!(
        links("Kerry said Syria"),
        owned(&[
            ("Kerry", "t:kerry-county", "exact"),
            ("Syria", "t:syria", "exact")
        ])
    );
}

#[test]
fn a_surname_two_people_of_the_text_share_is_not_guessed() {
    assert_eq!(
        links("John Smith and Anna Smith arrived. Smith spoke."),
        owned(&[
            ("John Smith", "t:jsmith", "exact"),
            ("Anna Smith", "t:asmith", "exact")
        ])
    );
}

#[test]
fn only_persons_lend_their_last_word_and_lower_case_words_never_inherit() {
    assert_eq!(
        links("The United Nations met. Nations agreed; john kerry and kerry."),
        owned(&[("United Nations", "t:un", "exact")])
    );
}

const MORE: &str = "entity_id\tname\ttype\tlang\tkind\tprior
t:jaafari\tBashar Jaafari\tPER\ten\tcanonical\t100
t:eu\tEuropean Union\tORG\ten\tcanonical\t1000
t:eu\tЕвропейский союз\tORG\tru\tlabel\t
t:es\tES\tGPE\tund\talias\t10
t:kerry\tJohn Kerry\tPER\ten\tcanonical\t100
t:lavrov\tСергей Лавров\tPER\tru\tcanonical\t100
t:smith\tSmith\tPER\ten\tcanonical\t1
t:jsmith\tJohn Smith\tPER\ten\tcanonical\t10
t:asmith\tAnna Smith\tPER\ten\tcanonical\t10
";

fn reconciled(text: &str, lang: Option<&str>) -> Vec<(String, String, &'static str)> {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), MORE.as_bytes(), Origin::User)
        .unwrap();
    let m = Matcher::new(b.build());
    reconciled_with(&m, &mut ResolveScratch::default(), text, lang)
}

#[test]
fn surnames_compare_without_apostrophes_and_given_names_resolve_too() {
    assert_eq!(
        reconciled(
            "Syria's envoy Bashar Jaafari spoke. Ja'afari said no; John Kerry agreed, John left.",
            Some("en")
        ),
        owned(&[
            ("Bashar Jaafari", "t:jaafari", "exact"),
            ("Ja'afari", "t:jaafari", "document"),
            ("John Kerry", "t:kerry", "exact"),
            ("John", "t:kerry", "document"),
        ])
    );
}

#[test]
fn acronyms_spelled_out_in_the_text_take_the_spelled_out_entity() {
    assert_eq!(
        reconciled("Европейский союз (ЕС) ответил. ЕС заявил.", Some("ru")),
        owned(&[
            ("Европейский союз", "t:eu", "exact"),
            ("ЕС", "t:eu", "document"),
            ("ЕС", "t:eu", "document"),
        ])
    );
}

#[test]
fn inflected_short_forms_resolve_in_languages_with_case_endings() {
    assert_eq!(
        reconciled("Сергей Лавров прибыл. Лаврову вручили письмо.", Some("ru")),
        owned(&[
            ("Сергей Лавров", "t:lavrov", "exact"),
            ("Лаврову", "t:lavrov", "document"),
        ])
    );
}

#[test]
fn a_matched_short_form_two_people_share_is_kept_and_marked() {
    assert_eq!(
        reconciled("John Smith met Anna Smith. Smith spoke.", Some("en")),
        owned(&[
            ("John Smith", "t:jsmith", "exact"),
            ("Anna Smith", "t:asmith", "exact"),
            ("Smith", "t:smith", "document-ambiguous"),
        ])
    );
}

#[test]
fn a_shared_name_goes_to_the_reading_the_text_names_elsewhere() {
    const SHARED: &str = "entity_id\tname\ttype\tlang\tkind\tprior
t:dc\tWashington\tLOC\ten\tcanonical\t10
t:state\tWashington\tLOC\ten\tcanonical\t1
t:state\tWashington State\tLOC\ten\talias\t
";
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), SHARED.as_bytes(), Origin::User)
        .unwrap();
    let m = Matcher::new(b.build());
    let links = |text: &str| {
        reconciled_links(&m, &mut ResolveScratch::default(), text, None)
            .iter()
            .map(|l| m.entity(l.mention.entity).id.to_owned())
            .collect::<Vec<_>>()
    };
    // alone, the more prominent reading
    assert_eq!(links("Rain in Washington."), ["t:dc"]);
    // beside an unambiguous name of the other reading, that one
    assert_eq!(
        links("Washington State voted. Rain in Washington."),
        ["t:state", "t:state"]
    );
}

#[test]
fn a_shared_place_name_goes_to_the_place_in_the_country_the_text_names() {
    // Two real Tripolis (GeoNames populations); the default gazetteer's attribute layout.
    const PLACES: &str = "entity_id\tname\ttype\tlang\tkind\tprior\tattributes
geonames:2210247\tTripoli\tLOC\tund\tcanonical\t1150\tcountry=LY; country_qid=Q1016; population=1150989
geonames:266826\tTripoli\tLOC\tund\tcanonical\t229\tcountry=LB; country_qid=Q822; population=229398
Q822\tLebanon\tGPE\tund\tcanonical\t1000000\tiso2=LB
Q1016\tLibya\tGPE\tund\tcanonical\t1000000\tiso2=LY
geonames:276781\tBeirut\tLOC\tund\tcanonical\t1916\tcountry=LB; country_qid=Q822; population=1916100
";
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), PLACES.as_bytes(), Origin::Default)
        .unwrap();
    let m = Matcher::new(b.build());
    let links = |text: &str| {
        reconciled_links(&m, &mut ResolveScratch::default(), text, None)
            .iter()
            .map(|l| (m.entity(l.mention.entity).id.to_owned(), l.score))
            .collect::<Vec<_>>()
    };
    // alone, the larger city
    assert_eq!(links("Clashes in Tripoli.")[0].0, "geonames:2210247");
    // beside Lebanon, or another Lebanese city, the Lebanese one, written for review (a moved link)
    let beside_country = links("Clashes in Tripoli, in northern Lebanon.");
    assert_eq!(beside_country[0].0, "geonames:266826");
    assert!(beside_country[0].1 < 0.7, "{beside_country:?}");
    assert_eq!(
        links("Clashes in Tripoli and Beirut.")[0].0,
        "geonames:266826"
    );
    // beside Libya, the Libyan one, now confirmed: scored as an unshared name
    let beside_libya = links("Clashes in Tripoli, Libya.");
    let alone = links("Clashes in Tripoli.");
    assert_eq!(beside_libya[0].0, "geonames:2210247");
    assert!(
        beside_libya[0].1 > alone[0].1,
        "{beside_libya:?} vs {alone:?}"
    );
}

#[test]
fn a_shared_person_name_goes_to_the_one_in_office_in_the_texts_year() {
    // The two presidents Bush as the default gazetteer's persons carry their offices.
    const BUSHES: &str = "entity_id\tname\ttype\tlang\tkind\tprior\tattributes
Q23505\tGeorge Bush\tPER\ten\talias\t3000\toffice=President; jurisdiction=the United States of America; from=1989-01-20; to=1993-01-20
Q207\tGeorge Bush\tPER\ten\talias\t3000\toffice=President; jurisdiction=the United States of America; from=2001-01-20; to=2009-01-20
";
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), BUSHES.as_bytes(), Origin::Default)
        .unwrap();
    let m = Matcher::new(b.build());
    let text = "President George Bush spoke to reporters.";
    let links = |year: Option<i32>| {
        let (analysis, mentions) = matched(&m, text, None);
        let mut out: Vec<Link> = Vec::new();
        entnorm_reconcile::reconcile_dated(
            text,
            &analysis,
            None,
            year,
            &mentions,
            &m,
            &mut ResolveScratch::default(),
            &mut out,
        );
        out.iter()
            .map(|l| m.entity(l.mention.entity).id.to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(links(Some(1991)), ["Q23505"]);
    assert_eq!(links(Some(2005)), ["Q207"]);
    // Neither in office (or no date): the gazetteer's own choice stands, whichever it is.
    assert_eq!(links(Some(2015)), links(None));
}
