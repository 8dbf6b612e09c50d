//! `entnorm eval`: a run over a tiny gold file with its set gazetteer beside it, and its errors.

use crate::util::{assert_success, read_json, run_entnorm, TempDir};

const GAZETTEER: &str = "entity_id\tname\ttype\tlang\n\
                         Q58217\tСергей Лавров\tPER\tru\n\
                         Q22316\tJohn Kerry\tPER\ten\n";

// "Sergej Lavrov" [0,13), "John Kerry" [18,28), "Lavrov" [30,36).
const GOLD: &str = r#"{"doc_id": "a", "lang": "en", "text": "Sergej Lavrov met John Kerry. Lavrov left.", "mentions": [{"start": 0, "end": 13, "entity_id": "Q58217", "surface": "Sergej Lavrov", "type": "PER"}, {"start": 18, "end": 28, "entity_id": "Q22316", "surface": "John Kerry", "type": "PER"}, {"start": 30, "end": 36, "entity_id": "Q58217", "surface": "Lavrov", "type": "PER"}]}
"#;

#[test]
fn eval_scores_entnorm_and_the_baseline() {
    let dir = TempDir::new("eval-cli");
    std::fs::write(dir.path("tiny.jsonl"), GOLD).unwrap();
    std::fs::write(dir.path("tiny.gazetteer.tsv"), GAZETTEER).unwrap();
    let gold = dir.path("tiny.jsonl");
    let json = dir.path("out.json");
    let out = run_entnorm(
        &[
            "eval",
            gold.to_str().unwrap(),
            "--no-default-gazetteer",
            "--json",
            json.to_str().unwrap(),
        ],
        None,
    );
    assert_success(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("default gazetteer: not loaded"), "{stdout}");
    assert!(stdout.contains("tiny.gazetteer.tsv"), "{stdout}");
    // entnorm: "Sergej Lavrov" (transliterated), "John Kerry", and the bare "Lavrov", which is no alias but
    // inherits the full mention's entity (document-level resolution). Baseline: "John Kerry" only.
    let report = read_json(&json);
    let e = &report["evaluation"]["entnorm"]["overall"];
    assert_eq!(
        (e["gold"].as_u64(), e["gold_found"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        (e["output"].as_u64(), e["output_correct"].as_u64()),
        (Some(3), Some(3))
    );
    let b = &report["evaluation"]["baseline"]["overall"];
    assert_eq!(
        (b["gold"].as_u64(), b["gold_found"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        (b["output"].as_u64(), b["output_correct"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        report["default_gazetteer_fingerprint"],
        serde_json::Value::Null
    );

    // Restricted to a type the gold does not use: nothing is scored.
    let out = run_entnorm(
        &[
            "eval",
            gold.to_str().unwrap(),
            "--no-default-gazetteer",
            "--types",
            "ORG,LOC",
            "--json",
            json.to_str().unwrap(),
        ],
        None,
    );
    assert_success(&out);
    let report = read_json(&json);
    assert_eq!(report["evaluation"]["entnorm"]["overall"]["gold"], 0);
    assert_eq!(report["evaluation"]["entnorm"]["output_total"], 3);
}

#[test]
fn eval_needs_the_set_gazetteer() {
    let dir = TempDir::new("eval-cli-missing");
    std::fs::write(dir.path("tiny.jsonl"), GOLD).unwrap();
    let gold = dir.path("tiny.jsonl");
    let out = run_entnorm(
        &["eval", gold.to_str().unwrap(), "--no-default-gazetteer"],
        None,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tiny.gazetteer.tsv"), "{stderr}");
}
