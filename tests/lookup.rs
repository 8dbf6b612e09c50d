//! `entnorm lookup`: which entities a name would match.

use crate::util::*;

fn lookup(names: &[&str]) -> Vec<Vec<String>> {
    let gaz = fixture("gazetteer.tsv");
    let mut args = vec![
        "lookup",
        "--no-default-gazetteer",
        "-g",
        gaz.to_str().unwrap(),
    ];
    args.extend(names);
    let out = run_entnorm(&args, None);
    assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

#[test]
fn lookup_reports_entity_method_and_score_per_layer() {
    let rows = lookup(&["Sergey Lavrov", "СЕРГЕЙ ЛАВРОВ", "Sergej Lawrow"]);
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Sergey Lavrov", "t:lavrov", "exact"),
            ("СЕРГЕЙ ЛАВРОВ", "t:lavrov", "folded"),
            ("Sergej Lawrow", "t:lavrov", "translit")
        ]
    );
}

#[test]
fn lookup_suggests_near_names_when_nothing_matches() {
    let rows = lookup(&["Sergei Lavrof"]);
    assert!(!rows.is_empty());
    assert_eq!(
        (rows[0][1].as_str(), rows[0][4].as_str()),
        ("t:lavrov", "suggestion")
    );
    let score: f64 = rows[0][5].parse().unwrap();
    assert!(score > 0.85 && score < 1.0, "{score}");
}

#[test]
fn lookup_with_a_language_shows_inflected_forms_as_run_links_them() {
    let gaz = fixture("gazetteer.tsv");
    let args = [
        "lookup",
        "--no-default-gazetteer",
        "-g",
        gaz.to_str().unwrap(),
        "--lang",
        "ru",
        "Сергею Лаврову",
    ];
    let out = run_entnorm(&args, None);
    assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let row: Vec<&str> = text.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!((row[1], row[4]), ("t:lavrov", "inflected"), "{text}");
    let score: f64 = row[5].parse().unwrap();
    assert!(
        score > 0.5 && score < 1.0,
        "a calibrated score, not the key layer's 1.00: {text}"
    );
    // Without the language there are no case endings to strip: only suggestions.
    let rows = lookup(&["Сергею Лаврову"]);
    assert!(rows.iter().all(|r| r[4] == "suggestion"), "{rows:?}");
}
