//! The fuzzy stage and `unmatched.csv`: misspelt names in three scripts link with method `fuzzy` and a
//! score below the key layers; thresholds move rows between accepted, review and dropped; unknown names
//! are clustered across documents; the tables are identical for any thread count.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::util::*;

fn run(dir: &TempDir, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.path(name);
    let mut args = vec![
        "run".to_owned(),
        fixture("fuzzy.jsonl").display().to_string(),
        "--no-default-gazetteer".into(),
        "-g".into(),
        fixture("gazetteer.tsv").display().to_string(),
        "-g".into(),
        fixture("fuzzy-gazetteer.tsv").display().to_string(),
        "-o".into(),
        out.display().to_string(),
        "-q".into(),
        "--fuzzy".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_success(&run_entnorm(&refs, None));
    out
}

fn by_surface(rows: &[HashMap<String, String>], surface: &str) -> Option<HashMap<String, String>> {
    rows.iter().find(|r| r["surface"] == surface).cloned()
}

const MISSPELT: [(&str, &str); 4] = [
    ("Federica Mogerini", "t:mogherini"),
    ("Sergey Lavrof", "t:lavrov"),
    ("Сергей Лавроф", "t:lavrov"),
    ("سيرجي لافروف", "t:lavrov"),
];

#[test]
fn misspelt_names_link_with_method_fuzzy_in_three_scripts() {
    let dir = TempDir::new("fuzzy-links");
    let out = run(&dir, "out", &[]);
    let mentions = read_table(&out.join("mentions.csv"));
    assert_offsets_slice_text(&fixture("fuzzy.jsonl"), &mentions);
    for (surface, id) in MISSPELT {
        let m = by_surface(&mentions, surface).unwrap_or_else(|| panic!("{surface} not linked"));
        assert_eq!(m["entity_id"], id, "{surface}");
        assert_eq!(m["method"], "fuzzy", "{surface}");
        // The calibrated score of a fuzzy link of several words (89.7% right on the dev sets).
        assert_eq!(m["score"], "0.89", "{surface}");
        assert_eq!(m["status"], "accepted", "{surface}");
    }
    // Exact links keep their (calibrated) score and status; status is the last column.
    let exact = by_surface(&mentions, "Федерика Могерини").unwrap();
    assert_eq!(exact["method"], "exact");
    assert!(exact["score"].parse::<f64>().unwrap() >= 0.9, "{exact:?}");
    assert_eq!(exact["status"], "accepted");
    let header = std::fs::read_to_string(out.join("mentions.csv")).unwrap();
    assert!(header
        .lines()
        .next()
        .unwrap()
        .ends_with(",default_id,status"));
}

#[test]
fn thresholds_move_rows_between_accepted_review_and_dropped() {
    let dir = TempDir::new("fuzzy-thresholds");
    let review =
        read_table(&run(&dir, "review", &["--accept-threshold", "0.92"]).join("mentions.csv"));
    for (surface, _) in MISSPELT {
        assert_eq!(
            by_surface(&review, surface).unwrap()["status"],
            "review",
            "{surface}"
        );
    }
    assert_eq!(
        by_surface(&review, "John Kerry").map(|r| r["status"].clone()),
        None
    );
    assert_eq!(
        by_surface(&review, "جون كيري").unwrap()["status"],
        "accepted"
    );
    let dropped_dir = run(
        &dir,
        "dropped",
        &["--accept-threshold", "0.92", "--review-threshold", "0.91"],
    );
    let dropped = read_table(&dropped_dir.join("mentions.csv"));
    for (surface, _) in MISSPELT {
        assert!(by_surface(&dropped, surface).is_none(), "{surface}");
    }
    assert_eq!(
        by_surface(&dropped, "جون كيري").unwrap()["status"],
        "accepted"
    );
    // A dropped fuzzy link leaves an unmatched span with its nearest entity.
    let unmatched = read_table(&dropped_dir.join("unmatched.csv"));
    let row = unmatched
        .iter()
        .find(|r| r["variants"].contains("Federica Mogerini"))
        .expect("dropped span reported as unmatched");
    assert_eq!(row["nearest_entity_id"], "t:mogherini");
    assert_eq!(row["nearest_score"], "0.89");
    // Nonsense thresholds are refused.
    let out = run_entnorm(
        &[
            "run",
            "x.jsonl",
            "-o",
            "x",
            "--accept-threshold",
            "0.5",
            "--review-threshold",
            "0.6",
        ],
        None,
    );
    assert!(!out.status.success());
}

#[test]
fn unmatched_csv_clusters_spellings_of_an_unknown_name_across_documents() {
    let dir = TempDir::new("fuzzy-unmatched");
    let out = run(&dir, "out", &[]);
    let rows = read_table(&out.join("unmatched.csv"));
    let top = &rows[0];
    assert_eq!(top["cluster_key"], "olesya vernadskaya");
    assert_eq!(top["count"], "4");
    assert_eq!(top["documents"], "3");
    assert_eq!(
        top["variants"],
        "Olesya Vernadskaya (2); Olesia Vernadskaia (1); Олеся Вернадская (1)"
    );
    assert_eq!(top["example_doc_id"], "f-en-1");
    assert!(top["example_context"].contains("economist Olesya Vernadskaya, who"));
    // Linked names never appear; counts are ordered.
    assert!(rows.iter().all(|r| !r["variants"].contains("Mogerini")));
    let counts: Vec<u64> = rows.iter().map(|r| r["count"].parse().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn tables_are_identical_for_one_and_two_threads() {
    let dir = TempDir::new("fuzzy-threads");
    // Enough records for several batches per thread.
    let text = std::fs::read_to_string(fixture("fuzzy.jsonl")).unwrap();
    let mut many = String::new();
    for i in 0..300 {
        for line in text.lines() {
            many.push_str(&line.replacen("\"id\": \"", &format!("\"id\": \"{i}-"), 1));
            many.push('\n');
        }
    }
    let input = dir.path("many.jsonl");
    std::fs::write(&input, many).unwrap();
    let (g1, g2) = (fixture("gazetteer.tsv"), fixture("fuzzy-gazetteer.tsv"));
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path(&format!("t{threads}"));
        let args = [
            "run",
            input.to_str().unwrap(),
            "--no-default-gazetteer",
            "-g",
            g1.to_str().unwrap(),
            "-g",
            g2.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-q",
            "--threads",
            threads,
            "--fuzzy",
        ];
        assert_success(&run_entnorm(&args, None));
        outs.push(out);
    }
    for table in ["mentions.csv", "entities.csv", "unmatched.csv"] {
        let a = std::fs::read(outs[0].join(table)).unwrap();
        assert!(a.len() > 100, "{table}");
        assert!(
            a == std::fs::read(outs[1].join(table)).unwrap(),
            "{table} differs"
        );
    }
    let rows = read_table(&outs[0].join("unmatched.csv"));
    assert_eq!(rows[0]["count"], "1200");
    assert_eq!(rows[0]["documents"], "900");
}

/// The fuzzy index is stored beside the gazetteer index under its fingerprint: the second run reads it,
/// a damaged file is rebuilt (same tables), and a changed gazetteer gets an index of its own.
#[test]
fn the_fuzzy_index_is_cached_and_never_stale() {
    let dir = TempDir::new("fuzzy-cache");
    let cache = dir.path("cache");
    let gazetteer = dir.path("g.tsv");
    std::fs::copy(fixture("fuzzy-gazetteer.tsv"), &gazetteer).unwrap();
    let run = |name: &str| {
        let out = dir.path(name);
        let output = entnorm()
            .env("ENTNORM_CACHE_DIR", &cache)
            .args([
                "run",
                fixture("fuzzy.jsonl").to_str().unwrap(),
                "--no-default-gazetteer",
                "-g",
                fixture("gazetteer.tsv").to_str().unwrap(),
                "-g",
                gazetteer.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "-q",
                "--fuzzy",
            ])
            .output()
            .unwrap();
        assert_success(&output);
        std::fs::read(out.join("mentions.csv")).unwrap()
    };
    let fuzzy_files = || {
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".fuzzy1.idx"))
            .collect();
        files.sort();
        files
    };
    let first = run("first");
    let files = fuzzy_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let stored = std::fs::read(&files[0]).unwrap();
    assert!(String::from_utf8_lossy(&first).contains(",fuzzy,"));
    assert_eq!(run("second"), first);
    // Damaged: refused, rebuilt and stored again.
    let mut bad = stored.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    std::fs::write(&files[0], &bad).unwrap();
    assert_eq!(run("damaged"), first);
    assert_eq!(std::fs::read(&files[0]).unwrap(), stored);
    std::fs::write(&files[0], &stored[..100]).unwrap();
    assert_eq!(run("truncated"), first);
    assert_eq!(std::fs::read(&files[0]).unwrap(), stored);
    // A changed gazetteer: another fingerprint, another file; the new name links.
    let mut text = std::fs::read_to_string(&gazetteer).unwrap();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("t:vernadskaya\tOlesya Vernadskaya\tPER\tund\tcanonical\t10\n");
    std::fs::write(&gazetteer, text).unwrap();
    let changed = String::from_utf8(run("changed")).unwrap();
    assert_eq!(fuzzy_files().len(), 2);
    assert!(changed.contains("t:vernadskaya"), "{changed}");
}
