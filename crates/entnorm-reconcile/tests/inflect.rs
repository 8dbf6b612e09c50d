//! Inflected forms matched through the stem trie, with their guards, on real names in several languages.

mod common;

use std::path::Path;

use common::reconciled_with;
use entnorm_gazetteer::{GazetteerBuilder, Matcher, Origin};
use entnorm_reconcile::ResolveScratch;

const GAZETTEER: &str = "entity_id\tname\ttype\tlang\tkind\tprior
t:lavrov\tSergey Lavrov\tPER\ten\tcanonical\t100
t:lavrov\tСергей Лавров\tPER\tru\tlabel\t
t:lavrov\tЛавров\tPER\tru\talias\t
t:lavrov\tŁawrow\tPER\tpl\talias\t
t:lavrova\tЛаврова\tPER\tru\tcanonical\t10
t:moscow\tМосква\tLOC\tru\tcanonical\t1000
t:moscow\tMoskwa\tLOC\tpl\tlabel\t
t:germany\tNěmecko\tGPE\tcs\tcanonical\t1000
t:germany\tNiemcy\tGPE\tpl\tlabel\t
t:poland\tPolska\tGPE\tpl\tcanonical\t1000
t:america\tAmerika\tLOC\tcs\tcanonical\t1000
t:german\tněmecký\tMISC\tcs\tcanonical\t1
t:court\tВерховный суд\tORG\tru\tcanonical\t10
t:suda\tСуда\tLOC\tru\tcanonical\t1
t:belgium\tBelgia\tGPE\tpl\tcanonical\t10
t:belga\tBelga\tORG\tpl\tcanonical\t100
t:rome\tРим\tLOC\tru\tcanonical\t1000
t:pakistan\tПакистан\tGPE\tru\tcanonical\t1000
t:russia\tРоссия\tGPE\tru\tcanonical\t1000
t:russia\tRusija\tGPE\tsl\tlabel\t
t:china\tКитай\tGPE\tru\tcanonical\t1000
t:covid\tкоронавирус\tEVT\tru\tcanonical\t10
t:democrats\tдемократ\tORG\tru\tcanonical\t10
";

fn links(text: &str, lang: Option<&str>) -> Vec<(String, String, &'static str)> {
    links_from(Origin::User, text, lang)
}

/// [`links`] with [`GAZETTEER`] loaded as a gazetteer of `origin`.
fn links_from(
    origin: Origin,
    text: &str,
    lang: Option<&str>,
) -> Vec<(String, String, &'static str)> {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), GAZETTEER.as_bytes(), origin)
        .unwrap();
    let m = Matcher::new(b.build());
    reconciled_with(&m, &mut ResolveScratch::default(), text, lang)
}

fn owned(v: &[(&str, &str, &'static str)]) -> Vec<(String, String, &'static str)> {
    v.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect()
}

#[test]
fn case_endings_meet_the_base_form() {
    assert_eq!(
        links("Визит Лаврову в Москве понравился.", Some("ru")),
        owned(&[
            ("Лаврову", "t:lavrov", "inflected"),
            ("Москве", "t:moscow", "inflected"),
        ])
    );
    assert_eq!(
        links("Spotkanie z Ławrowem w Moskwie.", Some("pl")),
        owned(&[
            ("Ławrowem", "t:lavrov", "inflected"),
            ("Moskwie", "t:moscow", "inflected"),
        ])
    );
    assert_eq!(
        links("Cesta do Německa a Pákistánu.", Some("cs")),
        owned(&[
            ("Německa", "t:germany", "inflected"),
            ("Pákistánu", "t:pakistan", "inflected"),
        ])
    );
}

#[test]
fn lower_case_names_of_the_users_take_case_endings_in_lower_case_words() {
    assert_eq!(
        links(
            "Вспышка коронавируса. Победа демократов над коронавирусом.",
            Some("ru")
        ),
        owned(&[
            ("коронавируса", "t:covid", "inflected"),
            ("демократов", "t:democrats", "inflected"),
            ("коронавирусом", "t:covid", "inflected"),
        ])
    );
    // a capitalised word does not take a lower-case name (`Демократов`, a surname)
    assert_eq!(links("Иван Демократов.", Some("ru")), owned(&[]));
}

#[test]
fn scratch_reused_across_texts_and_languages_gives_the_links_of_a_fresh_one() {
    // The same words recur in other languages, other case and without a language: what the scratch
    // remembers of a word (its stems) depends on all three.
    let texts: &[(&str, Option<&str>)] = &[
        ("Визит Лаврову в Москве понравился.", Some("ru")),
        ("Визит Лаврову в Москве понравился.", None),
        ("Визит Лаврову в Москве понравился.", Some("pl")),
        ("Вспышка демократов. Иван Демократов.", Some("ru")),
        ("Иван Демократов. Вспышка демократов.", Some("ru")),
        ("Spotkanie z Ławrowem w Moskwie.", Some("pl")),
        ("Spotkanie z Ławrowem w Moskwie.", Some("cs")),
        ("Wybory w Polsce i w Niemczech.", Some("pl")),
        ("Cesta do Německa a Pákistánu.", Some("cs")),
    ];
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), GAZETTEER.as_bytes(), Origin::User)
        .unwrap();
    let m = Matcher::new(b.build());
    let mut warm = ResolveScratch::default();
    let mut inflected = 0;
    for round in 0..3 {
        for &(text, lang) in texts {
            let fresh = reconciled_with(&m, &mut ResolveScratch::default(), text, lang);
            inflected += fresh.iter().filter(|l| l.2 == "inflected").count();
            assert_eq!(
                reconciled_with(&m, &mut warm, text, lang),
                fresh,
                "round {round}: {text} ({lang:?})"
            );
        }
    }
    assert!(inflected >= 3 * 8, "{inflected} inflected links");
}

/// A lower-case name takes case endings only in text of its language's family. GeoNames' lower-case
/// alternate names of towns (`verdeni` without a language, `sindi` given as Estonian) are
/// transliterations, not German words, and took German `werden` and `sind` for those towns; a Russian
/// common noun still meets its forms in Ukrainian text, as Slavic languages share such words.
#[test]
fn lower_case_names_take_case_endings_only_in_their_language_family() {
    let gazetteer = "entity_id\tname\ttype\tlang\tkind\tprior
t:verden\tverdeni\tLOC\tund\tlabel\t
t:sindi\tsindi\tLOC\tet\tlabel\t
t:climate\tklimawandel\tMISC\tde\tcanonical\t10
t:covid\tкоронавирус\tEVT\tru\tcanonical\t10
";
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), gazetteer.as_bytes(), Origin::User)
        .unwrap();
    let m = Matcher::new(b.build());
    let links = |text: &str, lang: &str| {
        reconciled_with(&m, &mut ResolveScratch::default(), text, Some(lang))
    };
    assert_eq!(
        links(
            "Sie werden es sehen: die Folgen des klimawandels sind schwer.",
            "de"
        ),
        owned(&[("klimawandels", "t:climate", "inflected")])
    );
    assert_eq!(
        links("Вспышка коронавируса.", "ru"),
        owned(&[("коронавируса", "t:covid", "inflected")])
    );
    assert_eq!(
        links("Спалах коронавируса.", "uk"),
        owned(&[("коронавируса", "t:covid", "inflected")])
    );
    // the Estonian name in Estonian text
    assert_eq!(
        links("Ta elab sindis.", "et"),
        owned(&[("sindis", "t:sindi", "inflected")])
    );
}

#[test]
fn lower_case_names_of_the_default_gazetteer_take_no_case_endings() {
    assert_eq!(
        links_from(Origin::Default, "Вспышка коронавируса.", Some("ru")),
        owned(&[])
    );
}

#[test]
fn consonant_alternations_before_case_endings() {
    assert_eq!(
        links("Wybory w Polsce i w Niemczech.", Some("pl")),
        owned(&[
            ("Polsce", "t:poland", "inflected"),
            ("Niemczech", "t:germany", "inflected"),
        ])
    );
    assert_eq!(
        links("Volby v Americe.", Some("cs")),
        owned(&[("Americe", "t:america", "inflected")])
    );
    // the rules are the language's: Russian has none of them
    assert_eq!(links("Визит в Полсце.", Some("ru")), owned(&[]));
}

#[test]
fn a_multi_word_name_is_inflected_as_a_whole_and_displaces_a_shorter_exact_match() {
    assert_eq!(
        links("Решение Верховного суда вступило в силу.", Some("ru")),
        owned(&[("Верховного суда", "t:court", "inflected")])
    );
}

#[test]
fn an_inflected_form_that_is_itself_a_name_stays_that_name() {
    assert_eq!(
        links("Визит Лаврова.", Some("ru")),
        owned(&[("Лаврова", "t:lavrova", "exact")])
    );
    // ... unless the article names a person in full whose surname it is
    assert_eq!(
        links("Визит Сергея Лаврова. Лаврова встретили.", Some("ru")),
        owned(&[
            ("Сергея Лаврова", "t:lavrov", "inflected"),
            ("Лаврова", "t:lavrov", "document"),
        ])
    );
}

#[test]
fn guards_case_language_length_and_closest_spelling() {
    // a lower-case word is not a capitalised name's inflection, but may be a lower-case name's
    assert_eq!(
        links("Jedu do německého města.", Some("cs")),
        owned(&[("německého", "t:german", "inflected")])
    );
    // languages without case endings, and unknown languages, get no inflected matches
    assert_eq!(links("Lavrovu", Some("en")), owned(&[]));
    assert_eq!(links("Lavrovu", None), owned(&[]));
    // a short stem stays exact only
    assert_eq!(links("В Риме.", Some("ru")), owned(&[]));
    // a long name with a short stem (`rosiya`, stem `ros`) takes endings, but a word sharing only the stem
    // with it is not its inflection (`Роса`, dew; `Rusa`, a given name)
    assert_eq!(
        links("Визит в Россию, посол России.", Some("ru")),
        owned(&[
            ("Россию", "t:russia", "inflected"),
            ("России", "t:russia", "inflected"),
        ])
    );
    assert_eq!(
        links("Predsednik Rusije je rekel.", Some("sl")),
        owned(&[("Rusije", "t:russia", "inflected")])
    );
    assert_eq!(links("Роса выпала. Rusa prišla.", Some("ru")), owned(&[]));
    assert_eq!(links("Rusa je prišla.", Some("sl")), owned(&[]));
    // of two names with the same stem, the one sharing the longer prefix
    assert_eq!(
        links("W Belgii.", Some("pl")),
        owned(&[("Belgii", "t:belgium", "inflected")])
    );
}

const PERSONS: &str = "entity_id\tname\ttype\tlang\tkind\tprior
Q58217\tSergey Lavrov\tPER\ten\tcanonical\t1201
Q4292018\tMaria Zakharova\tPER\ten\tcanonical\t801
Q1\tSergeyevka\tLOC\tru\tcanonical\t10
";

const NAME_PARTS: &str = "name_part\tname_group
sergei\tQ12902079
sergey\tQ12902079
serguei\tQ12902079
siergiej\tQ12902079
lavrov\tQ21492445
ławrow\tQ21492445
zakharova\tQ56276427
sacharowa\tQ56276427
";

/// A matcher over `persons` (a gazetteer of `origin`) and the name-part spellings `name_parts`.
fn with_name_parts(persons: &str, origin: Origin, name_parts: &str) -> Matcher {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("p.tsv"), persons.as_bytes(), origin)
        .unwrap();
    b.add_bytes(
        Path::new("name_parts.tsv"),
        name_parts.as_bytes(),
        Origin::Default,
    )
    .unwrap();
    Matcher::new(b.build())
}

fn variant_links(text: &str, lang: Option<&str>) -> Vec<(String, String, &'static str)> {
    let m = with_name_parts(PERSONS, Origin::Default, NAME_PARTS);
    reconciled_with(&m, &mut ResolveScratch::default(), text, lang)
}

#[test]
fn persons_names_match_in_other_spellings_of_their_name_parts() {
    // in any language, and without one
    for lang in [Some("en"), Some("fr"), None] {
        assert_eq!(
            variant_links("Serguei Lavrov a parlé.", lang),
            owned(&[("Serguei Lavrov", "Q58217", "variant")]),
            "{lang:?}"
        );
    }
    // a later word in another spelling, after a first word that has none (`Maria`): in English, whose
    // words take no case endings, the walk from `Maria` goes on only towards such spellings
    assert_eq!(
        variant_links("Maria Sacharowa said.", Some("en")),
        owned(&[("Maria Sacharowa", "Q4292018", "variant")])
    );
    // with case endings where the language has them
    assert_eq!(
        variant_links("Rozmowa z Siergiejem Ławrowem.", Some("pl")),
        owned(&[("Siergiejem Ławrowem", "Q58217", "variant")])
    );
    // not where every word is in capitals (a headline), where any two words look like a name
    assert_eq!(
        variant_links("SERGUEI LAVROV A PARLÉ.", Some("fr")),
        owned(&[])
    );
    assert_eq!(
        variant_links("SERGUEI Lavrov a parlé.", Some("fr")),
        owned(&[("SERGUEI Lavrov", "Q58217", "variant")])
    );
    // every word capitalised, and never one word alone
    assert_eq!(variant_links("serguei Lavrov", Some("en")), owned(&[]));
    assert_eq!(variant_links("Serguei said", Some("en")), owned(&[]));
}

#[test]
fn german_words_meet_only_names_they_can_be_forms_of() {
    // Real German news: `Auch` (also), `Kinder` (children) and `April` share the stems of the towns
    // `Auchi`, `Kindia` and `Aprilia` but add no German ending to those names, and `Rhein` drops the
    // `-e` no form of the town `Rheine` lacks; `Deutschlands`, `Wien` (a world city's German name) and a
    // user's `Europe` are still met. A world city's other names (Yantai's `Chefoo`, which GeoNames gives
    // without a language) match in any language but take no endings: `Chef` is no form of it.
    const PLACES: &str = "entity_id\tname\ttype\tlang\tkind\tprior
geonames:2348773\tAuchi\tLOC\tund\tcanonical\t104
geonames:2418362\tKindia\tLOC\tund\tcanonical\t181
geonames:3182851\tAprilia\tLOC\tund\tcanonical\t64
geonames:2848245\tRheine\tLOC\tund\tcanonical\t76
geonames:2761369\tVienna\tLOC\tund\tcanonical\t1691
geonames:1787093\tYantai\tLOC\tund\tcanonical\t2227
geonames:1787093\tChefoo\tLOC\tund\talias\t2227
Q183\tDeutschland\tGPE\tde\tcanonical\t1000000
";
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("default.tsv"), PLACES.as_bytes(), Origin::Default)
        .unwrap();
    b.add_bytes(
        Path::new("user.tsv"),
        "entity_id\tname\ttype\tlang\nmy:europe\tEurope\tLOC\ten\n".as_bytes(),
        Origin::User,
    )
    .unwrap();
    let m = Matcher::new(b.build());
    let text =
        "Auch die Kinder Deutschlands reisten im April vom Rhein nach Wien und durch Europa, sagte ihr Chef.";
    let found = reconciled_with(&m, &mut ResolveScratch::default(), text, Some("de"));
    let ids: Vec<(&str, &str)> = found
        .iter()
        .map(|(s, id, _)| (s.as_str(), id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("Deutschlands", "Q183"),
            ("Wien", "geonames:2761369"),
            ("Europa", "my:europe")
        ]
    );
}

#[test]
fn a_slavic_word_that_loses_a_names_final_vowels_is_no_form_of_it() {
    // Real pairs from news: `Совет` (council) and `Александр` are the towns `Совето` (Soweto) and
    // `Александрий` (Alexandria) without their final vowels, a form no case of those names has; `Иванов`
    // (a surname) is not the town `Иваново`; Czech `George` drops the `i` every form of `Georgia` keeps
    // (`Georgie`), and `Také` (also) is `Takeo` without an ending (`Takea` has one). World cities are not exempt. Plural names have a genitive without an ending (`из
    // Афин`, `z Českých Budějovic`); `Москву` and `Испании` (whose key `ispani` is a prefix of
    // `ispaniya`) have endings, and an adjective's `-ий` is replaced whole (`Европейского союза`).
    const PLACES: &str = "entity_id\tname\ttype\tlang\tkind\tprior
geonames:953781\tСовето\tLOC\tru\tcanonical\t1695
geonames:361058\tАлександрий\tLOC\tru\tcanonical\t5000
geonames:555312\tИваново\tLOC\tru\tcanonical\t420
geonames:524901\tМосква\tLOC\tru\tcanonical\t12000
geonames:264371\tАфины\tLOC\tru\tcanonical\t664
geonames:3077929\tČeské Budějovice\tLOC\tcs\tcanonical\t94
geonames:2510769\tИспания\tLOC\tru\tcanonical\t46000
geonames:4197000\tGeorgia\tLOC\ten\tcanonical\t10000
geonames:1821940\tTakeo\tLOC\tund\tcanonical\t43
Q458\tЕвропейский союз\tORG\tru\tcanonical\t1000
";
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("default.tsv"), PLACES.as_bytes(), Origin::Default)
        .unwrap();
    let m = Matcher::new(b.build());
    let mut scratch = ResolveScratch::default();
    let text =
        "Совет Федерации одобрил закон. Александр Иванов прилетел из Афин в Москву вместе с \
                министром Испании и послом Европейского союза.";
    assert_eq!(
        reconciled_with(&m, &mut scratch, text, Some("ru")),
        owned(&[
            ("Афин", "geonames:264371", "inflected"),
            ("Москву", "geonames:524901", "inflected"),
            ("Испании", "geonames:2510769", "inflected"),
            ("Европейского союза", "Q458", "inflected"),
        ])
    );
    let text_cs = "George Clooney přiletěl z Českých Budějovic do Georgie. Také do Takea.";
    assert_eq!(
        reconciled_with(&m, &mut scratch, text_cs, Some("cs")),
        owned(&[
            ("Českých Budějovic", "geonames:3077929", "inflected"),
            ("Georgie", "geonames:4197000", "inflected"),
            ("Takea", "geonames:1821940", "inflected"),
        ])
    );
    // The user's own names keep such matches: the user chose them.
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("user.tsv"), PLACES.as_bytes(), Origin::User)
        .unwrap();
    let m = Matcher::new(b.build());
    let found = reconciled_with(&m, &mut scratch, text, Some("ru"));
    assert!(
        found.contains(&owned(&[("Совет", "geonames:953781", "inflected")])[0]),
        "{found:?}"
    );
}

#[test]
fn a_name_in_capitals_takes_endings_only_after_its_capitals() {
    // Real cases: the Phoenix actor list writes places in capitals under a lumped Ukraine actor
    // (`KIEV`, `ODESA`), which German `Kiew` and `Odessa` met through their stems; `Odessa` is the city
    // (an alias of its own), `Kiew` nothing here. An acronym still takes endings after its capitals in
    // Russian (`ОМОНа`).
    const NAMES: &str = "entity_id\tname\ttype\tlang\tkind\tprior
phoenix:ua\tCharkiv\tORG\ten\tcanonical\t6530
phoenix:ua\tKIEV\tORG\ten\tabbreviation\t6530
phoenix:ua\tODESA\tORG\ten\tabbreviation\t6530
geonames:698740\tOdesa\tLOC\tund\tcanonical\t1015
geonames:698740\tOdesa\tLOC\tde\talias\t1015
Q2367337\tОМОН\tORG\tru\tcanonical\t100
";
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("default.tsv"), NAMES.as_bytes(), Origin::Default)
        .unwrap();
    let m = Matcher::new(b.build());
    let mut scratch = ResolveScratch::default();
    assert_eq!(
        reconciled_with(
            &m,
            &mut scratch,
            "Die Gespräche in Kiew und Odessas Hafen gingen weiter.",
            Some("de")
        ),
        owned(&[("Odessas", "geonames:698740", "inflected")])
    );
    assert_eq!(
        reconciled_with(
            &m,
            &mut scratch,
            "Сотрудники ОМОНа задержали его.",
            Some("ru")
        ),
        owned(&[("ОМОНа", "Q2367337", "inflected")])
    );
}

#[test]
fn a_short_word_is_no_respelling_of_a_name_part() {
    // Real pairs from news: `Ahmed Al` (as in `Ahmed Al Jaber`) is not Ahmed Ali though `al` and `ali`
    // share a name group; a word in another alphabet is only approximated by its transliteration, so
    // there three letters are enough (`Нил Койл` is Neil Coyle).
    const PERSONS: &str = "entity_id\tname\ttype\tlang\tkind\tprior
Q1\tAhmed Ali\tPER\ten\tcanonical\t100
Q2\tNeil Coyle\tPER\ten\tcanonical\t100
";
    const NAME_PARTS: &str = "name_part\tname_group
ali\tG1
al\tG1
neil\tG2
нил\tG2
coyle\tG3
койл\tG3
";
    let m = with_name_parts(PERSONS, Origin::Default, NAME_PARTS);
    let mut scratch = ResolveScratch::default();
    assert_eq!(
        reconciled_with(&m, &mut scratch, "Ahmed Al Jaber said.", Some("en")),
        owned(&[])
    );
    assert_eq!(
        reconciled_with(&m, &mut scratch, "Нил Койл заявил.", Some("ru")),
        owned(&[("Нил Койл", "Q2", "variant")])
    );
    // The user's own persons keep every variant: the user chose them.
    let m = with_name_parts(PERSONS, Origin::User, NAME_PARTS);
    assert_eq!(
        reconciled_with(&m, &mut scratch, "Ahmed Al Jaber said.", Some("en")),
        owned(&[("Ahmed Al", "Q1", "variant")])
    );
}
