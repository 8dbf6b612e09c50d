//! Document-level resolution of surname-only mentions, on real names in several scripts.

use std::path::Path;

use entnorm_gazetteer::{GazetteerBuilder, MatchScratch, Matcher, Origin};
use entnorm_reconcile::{resolve_document, Link, ResolveScratch};
use entnorm_tokenize::{Analysis, Analyzer};

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
    let mut analysis = Analysis::default();
    Analyzer::new().analyze(text, &mut analysis);
    let mut mentions = Vec::new();
    m.find(
        text,
        &analysis,
        None,
        &mut MatchScratch::default(),
        &mut mentions,
    );
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
