//! The scorer of `entnorm eval` on hand-made gold/output cases, the baseline matcher, and one whole
//! evaluation over a tiny gold file and gazetteer. Every expected number is worked out from the protocol's
//! definitions (recall over linked gold mentions; precision over output overlapping linked gold).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use entnorm_gazetteer::SourceSpec;
use entnorm_pipeline::eval::{
    evaluate, parse_gold, read_gold, score_document, set_gazetteer_path, BaselineMatcher, Counts,
    EvalOptions, EvalReport, GoldDocument, GoldMention, OutputMention, Scores,
};
use entnorm_pipeline::load_matcher;

fn gold(start: usize, end: usize, id: Option<&str>, ty: &str) -> GoldMention {
    GoldMention {
        start,
        end,
        entity_id: id.map(str::to_owned),
        surface: String::new(),
        mention_type: ty.to_owned(),
    }
}

fn out(start: usize, end: usize, id: &str, score: f64) -> OutputMention {
    OutputMention {
        start,
        end,
        entity_id: id.to_owned(),
        score,
    }
}

fn doc(lang: &str, mentions: Vec<GoldMention>) -> GoldDocument {
    GoldDocument {
        doc_id: "d".to_owned(),
        lang: lang.to_owned(),
        text: "x".repeat(100),
        mentions,
    }
}

fn all() -> EvalOptions {
    EvalOptions::default()
}

fn only(types: &[&str]) -> EvalOptions {
    EvalOptions {
        types: Some(types.iter().map(|t| t.to_string()).collect()),
        threads: 0,
        ..EvalOptions::default()
    }
}

fn counts(
    gold: u64,
    gold_found: u64,
    gold_found_exact: u64,
    output: u64,
    output_correct: u64,
    output_correct_exact: u64,
) -> Counts {
    Counts {
        gold,
        gold_found,
        gold_found_exact,
        output,
        output_correct,
        output_correct_exact,
    }
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("defined");
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn overlap_and_exact_spans() {
    // A partial overlap with the right ID counts for overlap scores only; the exact span for both.
    let d = doc(
        "en",
        vec![
            gold(0, 10, Some("Q1"), "PER"),
            gold(20, 25, Some("Q2"), "LOC"),
        ],
    );
    let s = score_document(&d, &[out(0, 5, "Q1", 1.0), out(20, 25, "Q2", 1.0)], &all());
    assert_eq!(s.overall, counts(2, 2, 1, 2, 2, 1));
    close(s.overall.precision(), 1.0);
    close(s.overall.recall(), 1.0);
    close(s.overall.precision_exact(), 0.5);
    close(s.overall.recall_exact(), 0.5);
    close(s.overall.f1_exact(), 0.5);
    assert_eq!(s.by_type["PER"], counts(1, 1, 0, 1, 1, 0));
    assert_eq!(s.by_type["LOC"], counts(1, 1, 1, 1, 1, 1));
}

#[test]
fn wrong_entity_is_neither_found_nor_correct() {
    let d = doc("en", vec![gold(0, 5, Some("Q1"), "PER")]);
    let s = score_document(&d, &[out(0, 5, "Q9", 1.0)], &all());
    assert_eq!(s.overall, counts(1, 0, 0, 1, 0, 0));
    close(s.overall.precision(), 0.0);
    close(s.overall.f1(), 0.0);
}

#[test]
fn nil_mentions_are_ignored() {
    // The NIL mention is neither in the recall denominator nor does output over it count for precision.
    let d = doc(
        "en",
        vec![gold(0, 5, None, "PER"), gold(10, 15, Some("Q2"), "ORG")],
    );
    let s = score_document(&d, &[out(0, 5, "Q7", 1.0), out(10, 15, "Q2", 1.0)], &all());
    assert_eq!(s.overall, counts(1, 1, 1, 1, 1, 1));
    assert_eq!(s.output_total, 2);
    assert_eq!(s.output_unscored(), 1);
    assert!(!s.by_type.contains_key("PER"));
}

#[test]
fn precision_denominator_excludes_unannotated_text() {
    let d = doc("en", vec![gold(0, 5, Some("Q1"), "PER")]);
    let output = [
        out(0, 5, "Q1", 1.0),
        out(30, 35, "Q5", 1.0),
        out(40, 45, "Q1", 1.0),
    ];
    let s = score_document(&d, &output, &all());
    assert_eq!(s.overall, counts(1, 1, 1, 1, 1, 1));
    close(s.overall.precision(), 1.0);
    assert_eq!(s.output_total, 3);
    assert_eq!(s.output_unscored(), 2);
}

#[test]
fn nested_gold_mentions() {
    // "Moscow State University" [0,23) ORG Q10 with "Moscow" [0,6) LOC Q649 nested in it.
    let d = doc(
        "en",
        vec![
            gold(0, 23, Some("Q10"), "ORG"),
            gold(0, 6, Some("Q649"), "LOC"),
        ],
    );
    // Output of the inner name: overlaps both gold mentions and is correct for the inner one.
    let s = score_document(&d, &[out(0, 6, "Q649", 1.0)], &all());
    assert_eq!(s.overall, counts(2, 1, 1, 1, 1, 1));
    assert_eq!(s.by_type["LOC"], counts(1, 1, 1, 1, 1, 1));
    assert_eq!(s.by_type["ORG"], counts(1, 0, 0, 0, 0, 0));
    // Output of the outer name: correct and exact for the outer one, attributed to ORG.
    let s = score_document(&d, &[out(0, 23, "Q10", 1.0)], &all());
    assert_eq!(s.overall, counts(2, 1, 1, 1, 1, 1));
    assert_eq!(s.by_type["ORG"], counts(1, 1, 1, 1, 1, 1));
    assert_eq!(s.by_type["LOC"], counts(1, 0, 0, 0, 0, 0));
    // Both: every gold mention found, both outputs correct.
    let s = score_document(
        &d,
        &[out(0, 23, "Q10", 1.0), out(0, 6, "Q649", 1.0)],
        &all(),
    );
    assert_eq!(s.overall, counts(2, 2, 2, 2, 2, 2));
}

#[test]
fn output_is_judged_against_the_gold_mention_with_its_id_else_the_largest_overlap() {
    // Gold [0,6) PER Q1 and [6,12) ORG Q2; output [4,12) overlaps Q1 by 2 and Q2 by 6.
    let d = doc(
        "en",
        vec![
            gold(0, 6, Some("Q1"), "PER"),
            gold(6, 12, Some("Q2"), "ORG"),
        ],
    );
    let s = score_document(&d, &[out(4, 12, "Q1", 1.0)], &all());
    assert_eq!(s.overall, counts(2, 1, 0, 1, 1, 0));
    assert_eq!(s.by_type["PER"], counts(1, 1, 0, 1, 1, 0));
    assert_eq!(s.by_type["ORG"], counts(1, 0, 0, 0, 0, 0));
    // With an ID of neither, it is wrong and goes to ORG (the larger overlap).
    let s = score_document(&d, &[out(4, 12, "Q9", 1.0)], &all());
    assert_eq!(s.overall, counts(2, 0, 0, 1, 0, 0));
    assert_eq!(s.by_type["ORG"], counts(1, 0, 0, 1, 0, 0));
    assert_eq!(s.by_type["PER"], counts(1, 0, 0, 0, 0, 0));
}

#[test]
fn a_gold_mention_is_found_once_however_many_outputs_cover_it() {
    let d = doc("en", vec![gold(0, 10, Some("Q1"), "PER")]);
    let s = score_document(&d, &[out(0, 4, "Q1", 1.0), out(5, 10, "Q1", 1.0)], &all());
    assert_eq!(s.overall, counts(1, 1, 0, 2, 2, 0));
}

#[test]
fn type_restriction() {
    let d = doc(
        "ru",
        vec![
            gold(0, 5, Some("Q1"), "PER"),
            gold(10, 15, Some("Q2"), "MISC"),
        ],
    );
    let output = [out(0, 5, "Q1", 1.0), out(10, 15, "Q3", 1.0)];
    let s = score_document(&d, &output, &all());
    assert_eq!(s.overall, counts(2, 1, 1, 2, 1, 1));
    // Restricted to PER: the MISC mention is not scored, and the output over it is not counted.
    let s = score_document(&d, &output, &only(&["PER", "ORG"]));
    assert_eq!(s.overall, counts(1, 1, 1, 1, 1, 1));
    assert_eq!(s.output_unscored(), 1);
    assert_eq!(s.by_type.keys().collect::<Vec<_>>(), ["PER"]);
    // An output overlapping a scored and an unscored gold mention is judged against the scored one.
    let s = score_document(&d, &[out(3, 12, "Q2", 1.0)], &only(&["PER"]));
    assert_eq!(s.overall, counts(1, 0, 0, 1, 0, 0));
}

#[test]
fn f1_values() {
    // P = 2/3, R = 1/2: F1 = 2 * (1/3) / (7/6) = 4/7.
    let c = counts(4, 2, 2, 3, 2, 2);
    close(c.f1(), 4.0 / 7.0);
    // Gold but no output over it: P undefined, R = 0, F1 = 0. No gold: all undefined.
    let c = counts(3, 0, 0, 0, 0, 0);
    assert_eq!(c.precision(), None);
    close(c.f1(), 0.0);
    assert_eq!(Counts::default().f1(), None);
}

#[test]
fn score_bands_and_languages() {
    let d1 = doc(
        "ru",
        vec![
            gold(0, 5, Some("Q1"), "PER"),
            gold(10, 15, Some("Q2"), "PER"),
            gold(20, 25, Some("Q3"), "LOC"),
        ],
    );
    let s1 = score_document(
        &d1,
        &[
            out(0, 5, "Q1", 1.0),
            out(10, 15, "Q2", 0.95),
            out(20, 25, "Q9", 0.85),
        ],
        &all(),
    );
    let d2 = doc("pl", vec![gold(0, 5, Some("Q1"), "PER")]);
    let s2 = score_document(&d2, &[out(0, 5, "Q8", 0.3)], &all());
    let mut s = Scores::default();
    s.add(&s1);
    s.add(&s2);
    assert_eq!(s.overall, counts(4, 2, 2, 4, 2, 2));
    assert_eq!(s.by_lang["ru"], counts(3, 2, 2, 3, 2, 2));
    assert_eq!(s.by_lang["pl"], counts(1, 0, 0, 1, 0, 0));
    assert_eq!(s.by_type["PER"], counts(3, 2, 2, 3, 2, 2));
    let bands: Vec<(u64, u64)> = s.bands.iter().map(|b| (b.output, b.correct)).collect();
    assert_eq!(
        bands,
        [(1, 1), (1, 1), (1, 0), (0, 0), (0, 0), (0, 0), (1, 0)]
    );
    close(s.precision_at_least(0.9), 1.0);
    close(s.precision_at_least(0.8), 2.0 / 3.0);
}

#[test]
fn baseline_is_exact_case_sensitive_whole_word_leftmost_longest() {
    let mut b = BaselineMatcher::new();
    b.add("Q58217", "Лавров");
    b.add("Q58217", "Сергей Лавров");
    b.add("Q220", "Рим");
    b.add("Q90", "Paris");
    b.add("Q830149", "Paris"); // the same name again: the first row's entity keeps it
    b.add("Q60", "New York");
    b.add("Q9684", "New York Times");
    b.add("Q30", "U.S.");
    let text =
        "Сергей Лавров и Лаврова в Риме; Рим. paris, Paris. New York Timesy in the U.S. army";
    let found: Vec<(String, String)> = b
        .find(text)
        .into_iter()
        .map(|m| {
            let surface: String = text.chars().skip(m.start).take(m.end - m.start).collect();
            (surface, m.entity_id)
        })
        .collect();
    let expect = [
        ("Сергей Лавров", "Q58217"),
        ("Рим", "Q220"),
        ("Paris", "Q90"),
        ("New York", "Q60"),
        ("U.S.", "Q30"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(s, i)| (s.to_string(), i.to_string()))
        .collect();
    assert_eq!(found, expect);
    // Code-point offsets: "Сергей Лавров" is the first 13 characters.
    let first = &b.find(text)[0];
    assert_eq!((first.start, first.end, first.score), (0, 13, 1.0));
    assert_eq!(b.name_count(), 7);
}

#[test]
fn gold_lines_are_checked() {
    let good = r#"{"doc_id":"a","lang":"ru","text":"В Москве","mentions":[{"start":2,"end":8,"entity_id":"Q649","surface":"Москве","type":"LOC"}]}"#;
    let docs = parse_gold(good.as_bytes(), Path::new("g.jsonl")).unwrap();
    assert_eq!(docs[0].mentions[0].entity_id.as_deref(), Some("Q649"));
    let shifted = good.replace(r#""start":2,"end":8"#, r#""start":1,"end":7"#);
    let err = parse_gold(format!("\n{shifted}\n").as_bytes(), Path::new("g.jsonl")).unwrap_err();
    assert!(err.to_string().starts_with("g.jsonl:2: "), "{err}");
    let outside = good.replace(r#""end":8"#, r#""end":9"#);
    assert!(parse_gold(outside.as_bytes(), Path::new("g.jsonl")).is_err());
}

// ---------------------------------------------------------------------------------------------------------
// A whole evaluation

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("entnorm-eval-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A gold mention of the `nth` occurrence of `surface` in `text`, in code points.
fn mention(text: &str, surface: &str, nth: usize, id: Option<&str>, ty: &str) -> serde_json::Value {
    let byte = text
        .match_indices(surface)
        .nth(nth)
        .expect("surface in text")
        .0;
    let start = text[..byte].chars().count();
    serde_json::json!({
        "start": start, "end": start + surface.chars().count(),
        "entity_id": id, "surface": surface, "type": ty,
    })
}

#[test]
fn whole_evaluation_on_a_tiny_set() {
    let dir = TempDir::new("tiny");
    let gold_path = dir.0.join("tiny.jsonl");
    let gaz = set_gazetteer_path(&gold_path, None);
    assert_eq!(gaz, dir.0.join("tiny.gazetteer.tsv"));
    std::fs::write(
        &gaz,
        "entity_id\tname\ttype\tlang\n\
         Q58217\tСергей Лавров\tPER\tru\n\
         Q22316\tJohn Kerry\tPER\ten\n\
         Q649\tМосква\tLOC\tru\n\
         Q71\tGeneva\tLOC\ten\n",
    )
    .unwrap();
    let ru = "Сергей Лавров встретился с Джоном Керри в Москве. СЕРГЕЙ ЛАВРОВ заявил, что река Москва замёрзла.";
    let en = "Sergej Lavrov and John Kerry met in Geneva. Kerry said: John Kerry agrees.";
    let docs = [
        serde_json::json!({"doc_id": "ru-1", "lang": "ru", "text": ru, "mentions": [
            mention(ru, "Сергей Лавров", 0, Some("Q58217"), "PER"),
            mention(ru, "Джоном Керри", 0, Some("Q22316"), "PER"),
            mention(ru, "Москве", 0, Some("Q649"), "LOC"),
            mention(ru, "СЕРГЕЙ ЛАВРОВ", 0, Some("Q58217"), "PER"),
            // the river, not the city
            mention(ru, "Москва", 0, Some("Q175117"), "LOC"),
        ]}),
        // Geneva is NIL here; the second "John Kerry" is not annotated.
        serde_json::json!({"doc_id": "en-1", "lang": "en", "text": en, "mentions": [
            mention(en, "Sergej Lavrov", 0, Some("Q58217"), "PER"),
            mention(en, "John Kerry", 0, Some("Q22316"), "PER"),
            mention(en, "Geneva", 0, None, "LOC"),
            mention(en, "Kerry", 1, Some("Q22316"), "PER"),
        ]}),
    ];
    let lines: Vec<String> = docs.iter().map(|d| d.to_string()).collect();
    std::fs::write(&gold_path, lines.join("\n") + "\n").unwrap();

    let gold = read_gold(&gold_path).unwrap();
    assert_eq!(gold.len(), 2);
    // As `entnorm eval --no-default-gazetteer`: the set gazetteer alone, as a user gazetteer.
    let (matcher, _) = load_matcher(&[SourceSpec::user(&gaz)], None).unwrap();
    let baseline = BaselineMatcher::from_tsv(&gaz).unwrap();
    assert_eq!(baseline.name_count(), 4);

    let e = evaluate(&gold, &matcher, &baseline, &all()).unwrap();
    assert_eq!(
        (
            e.documents,
            e.gold_mentions,
            e.gold_linked,
            e.failed_documents
        ),
        (2, 9, 8, 0)
    );
    // entnorm: "Сергей Лавров" (exact), "СЕРГЕЙ ЛАВРОВ" (folded), "Москва" (exact, but the city: wrong),
    // "Sergej Lavrov" (translit), "John Kerry" twice (the second unannotated), "Geneva" (over NIL), and the
    // bare "Kerry" (document: it inherits the entity of "John Kerry" before it), and the inflected "Москве"
    // (inflected: the stem of "Москва"). "Джоном Керри" is not matched (John is not Джон on any key).
    let s = &e.entnorm;
    assert_eq!(s.output_total, 9);
    assert_eq!(s.overall, counts(8, 6, 6, 7, 6, 6));
    close(s.overall.precision(), 6.0 / 7.0);
    close(s.overall.recall(), 6.0 / 8.0);
    close(s.overall.f1(), 0.8);
    assert_eq!(s.by_lang["ru"], counts(5, 3, 3, 4, 3, 3));
    assert_eq!(s.by_lang["en"], counts(3, 3, 3, 3, 3, 3));
    assert_eq!(s.by_type["PER"], counts(6, 5, 5, 5, 5, 5));
    assert_eq!(s.by_type["LOC"], counts(2, 1, 1, 2, 1, 1));
    let bands: Vec<(u64, u64)> = s.bands.iter().map(|b| (b.output, b.correct)).collect();
    // Calibrated scores: [0.90, 1.00): Сергей Лавров and John Kerry (exact, a person in several words,
    // 0.99), Kerry (document, a person, 0.97), Sergej Lavrov (translit, a person in several words, 0.98);
    // [0.80, 0.90): Москва (exact, one word, 0.89 at most; wrong), СЕРГЕЙ ЛАВРОВ (folded, several words,
    // 0.81), Москве (inflected, one word, 0.89 at most).
    assert_eq!(
        bands,
        [(0, 0), (4, 4), (3, 2), (0, 0), (0, 0), (0, 0), (0, 0)]
    );
    close(s.precision_at_least(0.9), 1.0);

    // Baseline: only "Сергей Лавров", "Москва" (wrong), "John Kerry" twice and "Geneva" as written.
    let b = &e.baseline;
    assert_eq!(b.output_total, 5);
    assert_eq!(b.overall, counts(8, 2, 2, 3, 2, 2));
    close(b.overall.precision(), 2.0 / 3.0);
    close(b.overall.recall(), 0.25);
    assert_eq!(b.by_lang["ru"], counts(5, 1, 1, 2, 1, 1));
    assert_eq!(b.by_lang["en"], counts(3, 1, 1, 1, 1, 1));

    // Only LOC scored: the two Moscow mentions; the river is wrong in both systems, the inflected city
    // right in entnorm's.
    let loc = EvalOptions {
        types: Some(BTreeSet::from(["LOC".to_owned()])),
        threads: 2,
        ..EvalOptions::default()
    };
    let e = evaluate(&gold, &matcher, &baseline, &loc).unwrap();
    assert_eq!(e.entnorm.overall, counts(2, 1, 1, 2, 1, 1));
    assert_eq!(e.baseline.overall, counts(2, 0, 0, 1, 0, 0));

    // The report: fingerprint of the sources, no default gazetteer, and JSON figures beside the counts.
    let e = evaluate(&gold, &matcher, &baseline, &all()).unwrap();
    let report = EvalReport::new(&gold_path, &gaz, &baseline, &matcher, None, &all(), e);
    assert_eq!(report.fingerprint, matcher.fingerprint());
    let json = report.to_json();
    assert_eq!(
        json["evaluation"]["entnorm"]["overall"]["output_correct"],
        6
    );
    let precision = json["evaluation"]["entnorm"]["overall"]["precision"]
        .as_f64()
        .unwrap();
    close(Some(precision), 6.0 / 7.0);
    assert_eq!(json["evaluation"]["baseline"]["overall"]["recall"], 0.25);
    let mut text = Vec::new();
    report.write_text(&mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("default gazetteer: not loaded"), "{text}");
}
