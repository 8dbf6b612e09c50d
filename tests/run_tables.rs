//! `entnorm run` on multilingual articles: the tables, their offsets, determinism across thread counts,
//! and malformed records.

use crate::util::*;

fn run_fixture(dir: &TempDir, extra: &[&str]) -> std::path::PathBuf {
    let (out, result) = run_fixture_verbose(dir, &[extra, &["--quiet"]].concat());
    assert_success(&result);
    out
}

/// `entnorm run` on the fixture articles with the fixture gazetteer only, into `out` below `dir`.
fn run_fixture_verbose(
    dir: &TempDir,
    extra: &[&str],
) -> (std::path::PathBuf, std::process::Output) {
    let out = dir.path("out");
    let input = fixture("articles.jsonl");
    let gaz = fixture("gazetteer.tsv");
    let mut args = vec![
        "run",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-default-gazetteer",
    ];
    args.extend(["-g", gaz.to_str().unwrap()]);
    args.extend(extra);
    let result = run_entnorm(&args, None);
    (out, result)
}

/// Asserts that the tables of two runs' output directories are byte-identical.
fn assert_identical_tables(a: &std::path::Path, b: &std::path::Path) {
    for table in [
        "mentions.csv",
        "entities.csv",
        "documents.csv",
        "rejects.csv",
    ] {
        assert_eq!(
            std::fs::read(a.join(table)).unwrap(),
            std::fs::read(b.join(table)).unwrap(),
            "{table}"
        );
    }
}

#[test]
fn mentions_in_every_script_with_offsets_that_slice_the_text() {
    let dir = TempDir::new("scripts");
    let out = run_fixture(&dir, &[]);
    let mentions = read_table(&out.join("mentions.csv"));
    assert_offsets_slice_text(&fixture("articles.jsonl"), &mentions);
    let found = |doc: &str, id: &str| {
        mentions
            .iter()
            .any(|m| m["doc_id"] == doc && m["entity_id"] == id)
    };
    for (doc, id) in [
        ("en-1", "t:kerry"),
        ("en-1", "t:lavrov"),
        ("en-1", "t:aleppo"),
        ("ru-1", "t:lavrov"),
        ("ar-1", "t:lavrov"),
        ("ar-1", "t:kerry"),
        ("ar-1", "t:aleppo"),
        ("zh-1", "t:lavrov"),
        ("zh-1", "t:aleppo"),
        ("ja-1", "t:syria"),
        ("ja-1", "t:russia"),
        ("de-1", "t:lavrov"),
        ("el-1", "t:syria"),
        ("he-1", "t:syria"),
        ("hi-1", "t:syria"),
        ("th-1", "t:syria"),
        ("ko-1", "t:syria"),
    ] {
        assert!(
            found(doc, id),
            "{doc} should mention {id}; mentions: {mentions:#?}"
        );
    }
    // Whole words only: `Irani` is not Iran, `Римма` is not Рим; `Russia's` is Russia.
    assert!(!mentions
        .iter()
        .any(|m| m["surface"] == "Irani" || m["surface"].starts_with("Римм")));
    assert!(mentions
        .iter()
        .any(|m| m["doc_id"] == "en-1" && m["surface"] == "Russia"));
    // Sergej Lawrow (German spelling) reaches the same entity through the transliterated key.
    let lawrow = mentions
        .iter()
        .find(|m| m["doc_id"] == "de-1" && m["entity_id"] == "t:lavrov")
        .unwrap();
    assert_eq!(
        (lawrow["surface"].as_str(), lawrow["method"].as_str()),
        ("Sergej Lawrow", "translit")
    );
    // Titles are matched and reported as their own field.
    assert!(mentions
        .iter()
        .any(|m| m["doc_id"] == "ru-1" && m["field"] == "title" && m["entity_id"] == "t:lavrov"));
}

#[test]
fn entities_documents_and_manifest_agree_with_mentions() {
    let dir = TempDir::new("tables");
    let out = run_fixture(&dir, &[]);
    let mentions = read_table(&out.join("mentions.csv"));
    let entities = read_table(&out.join("entities.csv"));
    let documents = read_table(&out.join("documents.csv"));
    let manifest = read_json(&out.join("run.json"));
    for e in &entities {
        let of_entity: Vec<_> = mentions
            .iter()
            .filter(|m| m["entity_id"] == e["entity_id"])
            .collect();
        assert_eq!(
            e["mentions"],
            of_entity.len().to_string(),
            "{}",
            e["entity_id"]
        );
        let mut docs: Vec<&String> = of_entity.iter().map(|m| &m["doc_id"]).collect();
        docs.sort();
        docs.dedup();
        assert_eq!(e["documents"], docs.len().to_string(), "{}", e["entity_id"]);
    }
    assert_eq!(documents.len(), 12);
    assert!(documents.iter().all(|d| d["status"] == "processed"));
    // `chars` is the text's length in code points (counted by the workers when every core runs one,
    // by the writer otherwise; the thread-count test compares both).
    for line in std::fs::read_to_string(fixture("articles.jsonl"))
        .unwrap()
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (id, text) = (v["id"].as_str().unwrap(), v["text"].as_str().unwrap());
        let row = documents.iter().find(|d| d["doc_id"] == id).unwrap();
        assert_eq!(row["chars"], text.chars().count().to_string(), "{id}");
    }
    let per_doc: usize = documents
        .iter()
        .map(|d| d["mentions"].parse::<usize>().unwrap())
        .sum();
    assert_eq!(per_doc, mentions.len());
    assert_eq!(manifest["counts"]["records"], 12);
    assert_eq!(manifest["counts"]["mentions"], mentions.len());
    assert_eq!(manifest["finished"], true);
    assert_eq!(manifest["gazetteer"]["files"][0]["origin"], "user");
    assert!(!out.join("mentions.csv.partial").exists());
}

#[test]
fn one_and_two_threads_give_byte_identical_tables() {
    let one = TempDir::new("threads1");
    let two = TempDir::new("threads2");
    let a = run_fixture(&one, &["--threads", "1"]);
    let b = run_fixture(&two, &["--threads", "2"]);
    assert_identical_tables(&a, &b);
}

#[test]
fn mapped_and_resident_index_give_byte_identical_tables() {
    let mapped = TempDir::new("index-mapped");
    let resident = TempDir::new("index-resident");
    let a = run_fixture(&mapped, &["--index-memory", "mapped"]);
    let (b, result) = run_fixture_verbose(&resident, &["--index-memory", "resident"]);
    assert_success(&result);
    // The run says that it copied the index (the flag is not ignored).
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("index copied into memory"), "{stderr}");
    assert!(
        std::fs::read(a.join("mentions.csv")).unwrap().len() > 1000,
        "too few mentions"
    );
    assert_identical_tables(&a, &b);
}

/// `--index-memory auto` on a directory (a long run): an index the page cache cannot map in 2 MiB pages
/// (the fixture's, smaller than one such page) is copied, and a note beside it, naming the kernel,
/// spares later runs the attempt to have the file cached anew, unless the index was once mapped in
/// 2 MiB pages on that kernel; the tables are those of a mapped run.
#[cfg(target_os = "linux")]
#[test]
fn auto_index_memory_notes_an_index_it_cannot_map_in_huge_pages() {
    let dir = TempDir::new("index-auto");
    let (cache, inputs) = (dir.path("cache"), dir.path("in"));
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::copy(fixture("articles.jsonl"), inputs.join("articles.jsonl")).unwrap();
    let gaz = fixture("gazetteer.tsv");
    let run = |out: &str, how: &str| {
        let out = dir.path(out);
        let result = entnorm()
            .env("ENTNORM_CACHE_DIR", &cache)
            .args(["run", inputs.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .args(["--no-default-gazetteer", "-g", gaz.to_str().unwrap()])
            .args(["--index-memory", how])
            .output()
            .unwrap();
        assert_success(&result);
        (out, String::from_utf8_lossy(&result.stderr).into_owned())
    };
    let (mapped, _) = run("mapped", "mapped");
    let (first, stderr) = run("auto1", "auto");
    assert!(stderr.contains("index copied into memory"), "{stderr}");
    let notes: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".idx.small-folios"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(std::fs::read_to_string(&notes[0]).unwrap(), kernel);
    let noted_at = std::fs::metadata(&notes[0]).unwrap().modified().unwrap();
    let (second, stderr) = run("auto2", "auto");
    assert!(stderr.contains("index copied into memory"), "{stderr}");
    // The second run did not try again: a failed attempt writes the note anew.
    let note_now = std::fs::metadata(&notes[0]).unwrap().modified().unwrap();
    assert_eq!(note_now, noted_at, "the note was written again");
    // Where the page cache once held the index in 2 MiB pages on this kernel, the note of a failure is
    // not the kernel's last word (a run with huge pages disabled for its process wrote one, and every
    // later run copied): the next run tries again, and its failure writes no note.
    let huge_note = notes[0].with_extension("huge-folios");
    std::fs::write(&huge_note, &kernel).unwrap();
    let (third, stderr) = run("auto3", "auto");
    assert!(
        stderr.contains("did not take the index file in 2 MiB pages"),
        "{stderr}"
    );
    assert!(stderr.contains("index copied into memory"), "{stderr}");
    let note_now = std::fs::metadata(&notes[0]).unwrap().modified().unwrap();
    assert_eq!(note_now, noted_at, "a failure after a success was noted");
    assert_identical_tables(&mapped, &first);
    assert_identical_tables(&mapped, &second);
    assert_identical_tables(&mapped, &third);
}

#[test]
fn malformed_lines_are_rejected_and_every_good_line_processed() {
    let dir = TempDir::new("malformed");
    let input = dir.path("mixed.jsonl");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(
        "{\"id\":\"good-1\",\"text\":\"Сергей Лавров прибыл в Сирию.\"}\n".as_bytes(),
    );
    bytes.extend_from_slice(b"{\"id\":\"broken\",\"text\":\"unterminated\n");
    bytes.extend_from_slice(b"{\"id\":\"bad-utf8\",\"text\":\"Syria \xff\xfe\"}\n");
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(b"{\"id\":\"no-text\",\"body\":\"Syria\"}\n");
    bytes.extend_from_slice(b"[\"an\",\"array\"]\n");
    bytes.extend_from_slice(b"{\"id\":\"num-text\",\"text\":42}\n");
    bytes.extend_from_slice(b"{\"text\":\"no id at all, Syria\"}\n");
    bytes.extend_from_slice("{\"doc_id\":7,\"text\":\"John Kerry in Syria\"}\r\n".as_bytes());
    std::fs::write(&input, &bytes).unwrap();
    let out = dir.path("out");
    let gaz = fixture("gazetteer.tsv");
    let args = [
        "run",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-default-gazetteer",
        "-g",
    ];
    let result = run_entnorm(&[&args[..], &[gaz.to_str().unwrap(), "-q"]].concat(), None);
    assert_success(&result);
    let rejects = read_table(&out.join("rejects.csv"));
    let lines: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (r["line"].as_str(), r["reason"].as_str()))
        .collect();
    let expect = [
        ("2", "invalid JSON"),
        ("3", "invalid UTF-8"),
        ("5", "missing text field `text`"),
        ("6", "not a JSON object"),
        ("7", "field `text` is a number, not a string"),
        ("8", "missing ID field"),
    ];
    assert_eq!(lines.len(), expect.len(), "{rejects:#?}");
    for ((line, reason), (want_line, want_reason)) in lines.iter().zip(expect) {
        assert_eq!(*line, want_line);
        assert!(
            reason.starts_with(want_reason),
            "line {line}: {reason:?} should start with {want_reason:?}"
        );
    }
    let documents = read_table(&out.join("documents.csv"));
    let processed: Vec<&str> = documents
        .iter()
        .filter(|d| d["status"] == "processed")
        .map(|d| d["doc_id"].as_str())
        .collect();
    assert_eq!(processed, ["good-1", "7"]);
    assert_eq!(
        documents.len(),
        8,
        "every record, processed or not, has a documents.csv row"
    );
    let manifest = read_json(&out.join("run.json"));
    assert_eq!(manifest["counts"]["records"], 8);
    assert_eq!(manifest["counts"]["processed"], 2);
    assert_eq!(manifest["counts"]["rejected"], 6);
    let mentions = read_table(&out.join("mentions.csv"));
    assert!(mentions
        .iter()
        .any(|m| m["doc_id"] == "7" && m["entity_id"] == "t:kerry"));
}

#[test]
fn missing_input_and_broken_gazetteer_are_errors_that_name_them() {
    let dir = TempDir::new("errors");
    let out = dir.path("out");
    let gaz = fixture("gazetteer.tsv");
    let missing = run_entnorm(
        &[
            "run",
            "no/such/file.jsonl",
            "-o",
            out.to_str().unwrap(),
            "--no-default-gazetteer",
            "-g",
            gaz.to_str().unwrap(),
        ],
        None,
    );
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("no/such/file.jsonl") && stderr.contains("not found"),
        "{stderr}"
    );

    let broken = dir.path("broken.tsv");
    std::fs::write(
        &broken,
        "entity_id\tname\ttype\tlang\nx:1\tRome\tGPE\ten\nx:2\tParis\n",
    )
    .unwrap();
    let input = fixture("articles.jsonl");
    let result = run_entnorm(
        &[
            "run",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--no-default-gazetteer",
            "-g",
            broken.to_str().unwrap(),
        ],
        None,
    );
    assert!(!result.status.success());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("broken.tsv:3:"), "{stderr}");
    assert!(
        !out.join("mentions.csv").exists(),
        "no table is written when the run cannot start"
    );
}

#[test]
fn key_layers_only_leaves_out_every_reconciliation_method() {
    // The measurement switch behind the README's exact-only timing: the same key-layer matches, and none
    // of the links that only reconciliation makes (`Джоном Керри` is an inflected form).
    let dir = TempDir::new("key-layers-only");
    let full = read_table(&run_fixture(&dir, &[]).join("mentions.csv"));
    let keys_dir = TempDir::new("key-layers-only-keys");
    let keys = read_table(&run_fixture(&keys_dir, &["--key-layers-only"]).join("mentions.csv"));
    let methods = |rows: &[std::collections::HashMap<String, String>]| {
        rows.iter()
            .map(|r| r["method"].clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let full_methods = methods(&full);
    assert!(full_methods.contains("inflected"), "{full_methods:?}");
    let key_methods = methods(&keys);
    assert!(!key_methods.is_empty());
    for m in &key_methods {
        assert!(
            ["exact", "folded", "translit"].contains(&m.as_str()),
            "{m} from a run without reconciliation"
        );
    }
    assert!(keys.iter().any(|r| r["surface"] == "Sergey Lavrov"));
    assert!(!keys.iter().any(|r| r["surface"] == "Джоном Керри"));
}
