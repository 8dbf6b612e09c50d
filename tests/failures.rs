//! Failures of the run itself: a panicking article, malformed gazetteers, signals, a killed run and its
//! resumption, and spreadsheet-safe output.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::hostile::assert_accounted;
use crate::util::*;

const TABLES: [&str; 4] = [
    "mentions.csv",
    "entities.csv",
    "documents.csv",
    "rejects.csv",
];

fn base_args<'a>(inputs: &'a [&'a str], out: &'a str, gaz: &'a str) -> Vec<&'a str> {
    let mut args = vec!["run"];
    args.extend(inputs);
    args.extend(["-o", out, "--no-default-gazetteer", "-g", gaz, "-q"]);
    args
}

#[test]
fn a_planted_panic_rejects_that_article_and_the_run_goes_on() {
    let dir = TempDir::new("panic");
    let out = dir.path("out");
    let input = fixture("articles.jsonl");
    let gaz = fixture("gazetteer.tsv");
    let output = entnorm()
        .args(base_args(
            &[input.to_str().unwrap()],
            out.to_str().unwrap(),
            gaz.to_str().unwrap(),
        ))
        .env("ENTNORM_TEST_PANIC_DOC", "ru-1")
        .output()
        .unwrap();
    assert_success(&output);
    assert_accounted(&out);
    let documents = read_table(&out.join("documents.csv"));
    assert_eq!(documents.len(), 12);
    for d in &documents {
        if d["doc_id"] == "ru-1" {
            assert!(
                d["status"]
                    .starts_with("rejected: internal error: panic while processing: planted fault"),
                "{d:?}"
            );
        } else {
            assert_eq!(d["status"], "processed", "{d:?}");
        }
    }
    let rejects = read_table(&out.join("rejects.csv"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["doc_id"], "ru-1");
    assert!(rejects[0]["reason"].contains("ENTNORM_TEST_PANIC_DOC"));
    let mentions = read_table(&out.join("mentions.csv"));
    assert!(!mentions.iter().any(|m| m["doc_id"] == "ru-1"));
    // Every other article has its mentions, as without the fault.
    let clean = dir.path("clean");
    assert_success(
        &entnorm()
            .args(base_args(
                &[input.to_str().unwrap()],
                clean.to_str().unwrap(),
                gaz.to_str().unwrap(),
            ))
            .output()
            .unwrap(),
    );
    let expected: Vec<_> = read_table(&clean.join("mentions.csv"))
        .into_iter()
        .filter(|m| m["doc_id"] != "ru-1")
        .collect();
    assert_eq!(mentions, expected);
}

#[test]
fn malformed_gazetteer_rows_stop_the_run_or_are_skipped_with_lenient() {
    let dir = TempDir::new("lenient");
    let gaz = dir.path("broken.tsv");
    std::fs::write(
        &gaz,
        b"entity_id\tname\ttype\tlang\tprior\n\
          x:syria\tSyria\tGPE\ten\t5\n\
          x:bad\tParis\n\
          x:rome\tRome\tGPE\ten\tlots\n\
          x:bytes\t\xffRussia\tGPE\ten\t1\n\
          x:russia\tRussia\tGPE\ten\t1\n",
    )
    .unwrap();
    let input = dir.path("a.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"Syria, Rome and Russia\"}\n",
    )
    .unwrap();
    let out = dir.path("out");
    let input_arg = [input.to_str().unwrap()];
    let args = base_args(&input_arg, out.to_str().unwrap(), gaz.to_str().unwrap());
    // Strict (the default): a clear error with file and line, nothing written.
    let strict = run_entnorm(&args, None);
    assert!(!strict.status.success());
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(stderr.contains("broken.tsv:3:"), "{stderr}");
    assert!(!out.join("run.json").exists());

    let mut lenient = args.clone();
    lenient.push("--lenient");
    let result = run_entnorm(&lenient, None);
    assert_success(&result);
    let stderr = String::from_utf8_lossy(&result.stderr);
    for line in ["broken.tsv:3:", "broken.tsv:4:", "broken.tsv:5:"] {
        assert!(stderr.contains(line), "{line}: {stderr}");
    }
    let manifest = read_json(&out.join("run.json"));
    let skipped: Vec<&str> = manifest["gazetteer"]["skipped_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(
        skipped[0].contains("broken.tsv:3: expected at least 4"),
        "{skipped:?}"
    );
    assert!(
        skipped[1].contains("broken.tsv:4: prior `lots`"),
        "{skipped:?}"
    );
    assert!(
        skipped[2].contains("broken.tsv:5: invalid UTF-8"),
        "{skipped:?}"
    );
    let ids: Vec<String> = read_table(&out.join("mentions.csv"))
        .into_iter()
        .map(|m| m["entity_id"].clone())
        .collect();
    assert_eq!(ids, ["x:syria", "x:russia"]);
    // The leniently compiled index is never cached: a strict run still reports the bad rows.
    let again = run_entnorm(&args, None);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("broken.tsv:3:"));
}

#[test]
fn bad_options_and_missing_inputs_are_refused_before_the_gazetteer_is_compiled() {
    let dir = TempDir::new("early-refusal");
    let cache = dir.path("cache");
    let out = dir.path("out");
    let (input, missing) = (fixture("articles.jsonl"), dir.path("no-such-file.jsonl"));
    let gaz = fixture("gazetteer.tsv");
    let (input, missing, out_arg) = (
        input.to_str().unwrap(),
        missing.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let run = |inputs: &[&str], extra: &[&str]| {
        entnorm()
            .env("ENTNORM_CACHE_DIR", &cache)
            .args(base_args(inputs, out_arg, gaz.to_str().unwrap()))
            .args(extra)
            .output()
            .unwrap()
    };
    let cached = || std::fs::read_dir(&cache).map_or(0, |d| d.count());
    for (inputs, extra, says) in [
        (
            &[input][..],
            &["--threads", "0"][..],
            "--threads must be at least 1",
        ),
        (
            &[input],
            &["--max-record-bytes", "0"],
            "--max-record-bytes must be at least 1",
        ),
        (
            &[input],
            &["--checkpoint-interval=-1"],
            "--checkpoint-interval must be",
        ),
        (
            &[input, missing],
            &[],
            "no-such-file.jsonl: input not found",
        ),
    ] {
        let output = run(inputs, extra);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{extra:?} {inputs:?}");
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert_eq!(
            cached(),
            0,
            "{says}: the gazetteer was compiled before the refusal"
        );
        assert!(!out.exists(), "{says}: output written");
    }
    // The same command with good options compiles the gazetteer into that cache.
    assert_success(&run(&[input], &[]));
    assert!(cached() > 0);
}

#[test]
fn spreadsheet_safe_neutralises_formula_cells_and_nothing_else() {
    let dir = TempDir::new("spreadsheet");
    // The multilingual fixture articles under IDs that a spreadsheet would run as formulas.
    let ids = [
        "=HYPERLINK(\"http://example.invalid\",\"x\")",
        "+7 Россия",
        "-ar-1",
        "@zh",
        "\tja",
        "\rde",
        "plain",
    ];
    let mut input = String::new();
    for (line, id) in std::fs::read_to_string(fixture("articles.jsonl"))
        .unwrap()
        .lines()
        .zip(ids.iter().cycle())
    {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let original = v["id"].as_str().unwrap().to_owned();
        v["id"] = serde_json::Value::String(format!("{id}{original}"));
        input.push_str(&v.to_string());
        input.push('\n');
    }
    input.push_str("{\"id\":\"=1+2\",\"text\":7}\n");
    let path = dir.path("ids.jsonl");
    std::fs::write(&path, &input).unwrap();
    let gaz = fixture("gazetteer.tsv");
    let plain = dir.path("plain");
    let safe = dir.path("safe");
    let args = |out: &Path| {
        vec![
            "run".to_string(),
            path.display().to_string(),
            "-o".into(),
            out.display().to_string(),
            "--no-default-gazetteer".into(),
            "-g".into(),
            gaz.display().to_string(),
            "-q".into(),
        ]
    };
    assert_success(&entnorm().args(args(&plain)).output().unwrap());
    let mut safe_args = args(&safe);
    safe_args.push("--spreadsheet-safe".into());
    assert_success(&entnorm().args(safe_args).output().unwrap());
    let mut neutralised = 0;
    for table in TABLES {
        let read_raw = |p: PathBuf| -> Vec<Vec<String>> {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(p)
                .unwrap();
            r.records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect()
        };
        let a = read_raw(plain.join(table));
        let b = read_raw(safe.join(table));
        assert_eq!(a.len(), b.len(), "{table}");
        assert_eq!(a[0], b[0], "{table}: the header is unchanged");
        for (ra, rb) in a.iter().zip(&b).skip(1) {
            for (ca, cb) in ra.iter().zip(rb) {
                if ca.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    assert_eq!(*cb, format!("'{ca}"), "{table}");
                    neutralised += 1;
                } else {
                    assert_eq!(ca, cb, "{table}");
                }
            }
        }
    }
    assert!(neutralised > 20, "{neutralised}");
    // The multilingual mentions are all there, their surfaces untouched.
    let m = read_table(&safe.join("mentions.csv"));
    assert!(m
        .iter()
        .any(|m| m["doc_id"] == "'+7 Россияru-1" && m["surface"] == "Сергей Лавров"));
    assert!(m
        .iter()
        .any(|m| m["doc_id"] == "'-ar-1ar-1" && m["surface"] == "سيرغي لافروف"));
    assert!(m
        .iter()
        .any(|m| m["doc_id"] == "'@zhzh-1" && m["surface"] == "拉夫罗夫"));
    let manifest = read_json(&safe.join("run.json"));
    assert_eq!(manifest["options"]["spreadsheet_safe"], true);
}

/// A corpus of `files` JSON Lines files of `per_file` articles each, from the multilingual fixture, with
/// a few bad records among them.
fn corpus(dir: &TempDir, files: usize, per_file: usize) -> Vec<PathBuf> {
    let articles: Vec<String> = std::fs::read_to_string(fixture("articles.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let docs = dir.path("corpus");
    std::fs::create_dir_all(&docs).unwrap();
    (0..files)
        .map(|f| {
            let mut text = String::new();
            for i in 0..per_file {
                if i % 97 == 13 {
                    text.push_str("{\"id\":\"broken\n");
                    continue;
                }
                let mut v: serde_json::Value =
                    serde_json::from_str(&articles[(f * 7 + i) % articles.len()]).unwrap();
                v["id"] = serde_json::Value::String(format!("f{f}-{i}"));
                text.push_str(&v.to_string());
                text.push('\n');
            }
            let path = docs.join(format!("part-{f:03}.jsonl"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

fn start(args: &[String], delay_ms: u64) -> Child {
    entnorm()
        .args(args)
        .env("ENTNORM_TEST_FILE_DELAY_MS", delay_ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn run_args(inputs: &[PathBuf], out: &Path, extra: &[&str]) -> Vec<String> {
    let gaz = fixture("gazetteer.tsv");
    let mut args = vec!["run".to_string()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(
        [
            "-o",
            out.to_str().unwrap(),
            "--no-default-gazetteer",
            "-g",
            gaz.to_str().unwrap(),
            "-q",
            "--threads",
            "2",
            "--checkpoint-interval",
            "0",
        ]
        .map(String::from),
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Waits until the run's checkpoint has at least `files` input files done.
fn wait_for_checkpoint(child: &mut Child, out: &Path, files: u64) {
    let started = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(out.join("checkpoint.json")) {
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                if v["files_done"].as_u64().unwrap_or(0) >= files {
                    return;
                }
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before it could be interrupted");
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no checkpoint after 5 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn assert_same_tables(a: &Path, b: &Path) {
    for table in TABLES {
        let (x, y) = (
            std::fs::read(a.join(table)).unwrap(),
            std::fs::read(b.join(table)).unwrap(),
        );
        assert!(x == y, "{table} differs between {a:?} and {b:?}");
    }
    let counts = |dir: &Path| {
        let mut m = read_json(&dir.join("run.json"));
        let c = m["counts"].as_object_mut().unwrap();
        c.remove("elapsed_seconds");
        c.remove("peak_rss_bytes");
        c.remove("files_resumed");
        m["counts"].clone()
    };
    assert_eq!(counts(a), counts(b));
}

fn assert_nothing_complete_looking(out: &Path) {
    for table in TABLES {
        assert!(!out.join(table).exists(), "{table} must not exist");
    }
    assert!(out.join("mentions.csv.partial").exists());
    let manifest = read_json(&out.join("run.json"));
    assert_eq!(manifest["finished"], false);
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_nothing_complete_and_resumes_to_identical_tables() {
    let dir = TempDir::new("resume-kill");
    let inputs = corpus(&dir, 8, 400);
    let reference = dir.path("reference");
    assert_success(
        &entnorm()
            .args(run_args(&inputs, &reference, &[]))
            .output()
            .unwrap(),
    );
    assert_accounted(&reference);

    let out = dir.path("out");
    // A finished run in the same directory first: its complete tables must not survive the next run.
    assert_success(
        &entnorm()
            .args(run_args(&inputs, &out, &[]))
            .output()
            .unwrap(),
    );
    let mut child = start(&run_args(&inputs, &out, &[]), 150);
    wait_for_checkpoint(&mut child, &out, 3);
    signal(&child, "KILL");
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_nothing_complete_looking(&out);
    assert_eq!(read_json(&out.join("run.json"))["state"], "running");

    let resumed = entnorm()
        .args(run_args(&inputs, &out, &["--resume"]))
        .output()
        .unwrap();
    assert_success(&resumed);
    assert_accounted(&out);
    let manifest = read_json(&out.join("run.json"));
    let skipped = manifest["counts"]["files_resumed"].as_u64().unwrap();
    assert!((3..8).contains(&skipped), "{skipped} files skipped");
    assert!(!out.join("checkpoint.json").exists());
    assert_same_tables(&reference, &out);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_promptly_with_finished_false_and_resume_completes_it() {
    let dir = TempDir::new("resume-term");
    let inputs = corpus(&dir, 8, 300);
    let reference = dir.path("reference");
    assert_success(
        &entnorm()
            .args(run_args(&inputs, &reference, &[]))
            .output()
            .unwrap(),
    );
    let out = dir.path("out");
    for sig in ["TERM", "INT"] {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = start(&run_args(&inputs, &out, &[]), 150);
        wait_for_checkpoint(&mut child, &out, 2);
        signal(&child, sig);
        let output = child.wait_with_output().unwrap();
        let code = output.status.code();
        assert_eq!(code, Some(if sig == "TERM" { 143 } else { 130 }));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("interrupted by SIG{sig}")),
            "{stderr}"
        );
        assert!(stderr.contains("--resume"), "{stderr}");
        assert_nothing_complete_looking(&out);
        let manifest = read_json(&out.join("run.json"));
        assert_eq!(manifest["state"], format!("interrupted by SIG{sig}"));
        let done = manifest["files_checkpointed"].as_u64().unwrap();
        assert!(done >= 2, "{manifest}");
        // What was done is said per input file.
        let inputs_json = manifest["counts"]["inputs"].as_array().unwrap();
        assert!(inputs_json[0]["complete"] == true && inputs_json[7]["complete"] == false);
    }
    assert_success(
        &entnorm()
            .args(run_args(&inputs, &out, &["--resume"]))
            .output()
            .unwrap(),
    );
    assert_same_tables(&reference, &out);
}

#[test]
fn resume_refuses_a_different_command_and_starts_afresh_without_a_checkpoint() {
    let dir = TempDir::new("resume-mismatch");
    let inputs = corpus(&dir, 3, 50);
    let out = dir.path("out");
    let mut child = start(&run_args(&inputs, &out, &[]), 400);
    wait_for_checkpoint(&mut child, &out, 1);
    signal(&child, "KILL");
    child.wait().unwrap();
    // Other inputs: refused, naming the difference.
    let other = run_entnorm(
        &run_args(&inputs[..2], &out, &["--resume"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        None,
    );
    assert!(!other.status.success());
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(
        stderr.contains("cannot resume") && stderr.contains("3 input files"),
        "{stderr}"
    );
    // Other options: refused too.
    let other = run_entnorm(
        &run_args(&inputs, &out, &["--resume", "--spreadsheet-safe"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        None,
    );
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("options differ"));
    // The same command resumes.
    let same = entnorm()
        .args(run_args(&inputs, &out, &["--resume"]))
        .output()
        .unwrap();
    assert_success(&same);
    // Without a checkpoint, --resume simply runs from the start.
    let fresh = dir.path("fresh");
    let output = entnorm()
        .args(run_args(&inputs, &fresh, &["--resume"]))
        .output()
        .unwrap();
    assert_success(&output);
    assert_same_tables(&fresh, &out);
}
