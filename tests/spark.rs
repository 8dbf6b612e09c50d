//! The PySpark job of `scripts/spark/` on a local Spark (`local[2]`): same mentions and the same
//! `entities.csv` and `unmatched.csv` as a single `entnorm run` (with the fuzzy stage on, so that there are
//! unmatched clusters to merge), and a failing worker fails the job with the worker's message.
//!
//! Needs the shared corpus, Java 17+, and PySpark, which `scripts/spark/setup_venv.sh` installs from PyPI into
//! `target/spark/venv` (or `$ENTNORM_SPARK_VENV`) once. Without them these tests print SKIPPED, unless
//! ENTNORM_REQUIRE_SHARED is set (as in CI), where they fail instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use crate::util::*;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Skips (returns None) or, when CI requires the shared setup, fails with `reason`.
fn unavailable(reason: &str) -> Option<PathBuf> {
    if std::env::var_os("ENTNORM_REQUIRE_SHARED").is_some() {
        panic!("{reason} (ENTNORM_REQUIRE_SHARED is set, as in CI, so this is a failure)");
    }
    eprintln!("SKIPPED: {reason}");
    None
}

/// The Python of a virtual environment with PySpark, set up once per test process.
fn spark_python() -> Option<PathBuf> {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let venv = VENV.get_or_init(|| {
        let venv = std::env::var_os("ENTNORM_SPARK_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target/spark/venv"));
        let started = Instant::now();
        let out = Command::new("bash")
            .arg(repo().join("scripts/spark/setup_venv.sh"))
            .arg(&venv)
            .output()
            .map_err(|e| format!("cannot run bash: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "the PySpark environment could not be set up: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        eprintln!(
            "spark: PySpark environment ready in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(venv.join("bin/python"))
    });
    match venv {
        Ok(python) => Some(python.clone()),
        Err(reason) => unavailable(reason),
    }
}

/// Runs the Spark job; returns its output and wall time.
fn spark_job(python: &Path, args: &[&str]) -> (Output, f64) {
    let started = Instant::now();
    let out = Command::new(python)
        .arg(repo().join("scripts/spark/entnorm_spark.py"))
        .args(["--master", "local[2]"])
        .args(args)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("start the Spark job");
    (out, started.elapsed().as_secs_f64())
}

/// Rows of a CSV file with a header, header dropped.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn spark_job_gives_the_mention_table_entities_csv_and_unmatched_csv_of_a_single_run() {
    let dir = TempDir::new("spark");
    let Some(slice) = corpus_slice(&dir, 2000) else {
        return;
    };
    let Some(python) = spark_python() else { return };
    // Beside the 2,000 articles: two bad records, and one whose ID and mentions carry a quote, a tab and
    // a line break, which the pipe, the TSV rows and Spark's CSV writer must all keep intact.
    let mut input = std::fs::read_to_string(&slice).unwrap();
    input.push_str("not json\n{\"id\": \"no-text\"}\n");
    input.push_str(
        "{\"id\": \"q\\\"t\\tx\", \"text\": \"Sergey\\nLavrov said \\\"Syria\\\", Russia\"}\n",
    );
    let input_path = dir.path("input.jsonl");
    std::fs::write(&input_path, input).unwrap();

    let index = dir.path("default.idx");
    assert_success(&run_entnorm(
        &["gazetteer", "build", "-o", index.to_str().unwrap()],
        None,
    ));
    let single = dir.path("single");
    assert_success(&run_entnorm(
        &[
            "run",
            input_path.to_str().unwrap(),
            "-o",
            single.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
            "--fuzzy",
            "-q",
        ],
        None,
    ));

    let out = dir.path("spark-out");
    let (job, seconds) = spark_job(
        &python,
        &[
            "--input",
            input_path.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--binary",
            env!("CARGO_BIN_EXE_entnorm"),
            "--index",
            index.to_str().unwrap(),
            "--partitions",
            "4",
            "--entnorm-arg=--fuzzy",
        ],
    );
    println!("spark: the job on 2,003 records took {seconds:.1} s");
    assert_success(&job);

    // The mention table: part files with a header each; equal to mentions.csv after sorting.
    let mut expected = csv_rows(&single.join("mentions.csv"));
    let mut got = Vec::new();
    let mut parts = 0;
    for entry in std::fs::read_dir(out.join("mentions")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            parts += 1;
            got.extend(csv_rows(&path));
        }
    }
    assert!(parts >= 1 && out.join("mentions/_SUCCESS").exists());
    assert!(expected.len() > 5000, "only {} mentions", expected.len());
    expected.sort();
    got.sort();
    assert_eq!(got.len(), expected.len());
    assert!(
        got == expected,
        "the Spark mention table differs from mentions.csv"
    );
    assert!(got
        .iter()
        .any(|r| r[0] == "q\"t\tx" && r[4] == "Sergey\nLavrov"));

    // entities.csv and unmatched.csv (clusters of the fuzzy stage's unlinked names, formed across the
    // whole corpus) merged from the partitions' partial aggregates: byte-identical.
    for table in ["entities.csv", "unmatched.csv"] {
        let merged = std::fs::read(out.join(table)).unwrap();
        let reference = std::fs::read(single.join(table)).unwrap();
        assert!(merged == reference, "merged {table} differs");
    }
    assert!(
        csv_rows(&single.join("unmatched.csv")).len() > 100,
        "the fuzzy stage should leave unmatched clusters to merge"
    );
    assert_eq!(
        std::fs::read_dir(out.join("partials")).unwrap().count(),
        4,
        "one partial aggregate per partition"
    );

    // Rejects are collected: the same IDs and reasons as rejects.csv.
    let pairs = |rows: Vec<Vec<String>>, id: usize| -> Vec<(String, String)> {
        let mut v: Vec<_> = rows
            .into_iter()
            .map(|r| (r[id].clone(), r[id + 1].clone()))
            .collect();
        v.sort();
        v
    };
    let single_rejects = pairs(csv_rows(&single.join("rejects.csv")), 3);
    assert_eq!(single_rejects.len(), 2);
    assert_eq!(pairs(csv_rows(&out.join("rejects.csv")), 3), single_rejects);

    let report = read_json(&out.join("spark-run.json"));
    let counts: BTreeMap<&str, u64> = ["records", "processed", "rejected", "mentions"]
        .into_iter()
        .map(|k| (k, report["counts"][k].as_u64().unwrap()))
        .collect();
    assert_eq!(counts["records"], 2003);
    assert_eq!(counts["rejected"], 2);
    assert_eq!(counts["mentions"], expected.len() as u64);
    assert_eq!(report["partitions"], 4);
    assert_eq!(report["finished"], true);
}

#[test]
fn spark_job_fails_with_the_worker_message_when_a_worker_fails() {
    let dir = TempDir::new("spark-fail");
    let Some(slice) = corpus_slice(&dir, 50) else {
        return;
    };
    let Some(python) = spark_python() else { return };
    // Two ways a worker fails: entnorm refuses a corrupt index (its `error` row and exit status), and a
    // worker that dies after printing only on stderr. Without the exit-status check either would give
    // zero rows and a "successful" job.
    let corrupt = dir.path("corrupt.idx");
    std::fs::write(&corrupt, b"not an index at all").unwrap();
    let dying = dir.path("dying-worker");
    std::fs::write(
        &dying,
        "#!/bin/sh\necho 'worker ran out of luck' >&2\nexit 3\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dying, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let entnorm = env!("CARGO_BIN_EXE_entnorm");
    let cases: [(&str, &Path, &Path, &[&str]); 2] = [
        (
            "corrupt-index",
            Path::new(entnorm),
            &corrupt,
            &["corrupt.idx", "not an entnorm gazetteer index"],
        ),
        (
            "dying-worker",
            &dying,
            &corrupt,
            &["exit status 3", "worker ran out of luck"],
        ),
    ];
    for (name, binary, index, expected) in cases {
        let out = dir.path(&format!("out-{name}"));
        let (job, seconds) = spark_job(
            &python,
            &[
                "--input",
                slice.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
                "--binary",
                binary.to_str().unwrap(),
                "--index",
                index.to_str().unwrap(),
                "--partitions",
                "2",
            ],
        );
        println!("spark: the failing job ({name}) took {seconds:.1} s");
        let stderr = String::from_utf8_lossy(&job.stderr);
        assert!(
            !job.status.success(),
            "{name}: the job succeeded:\n{stderr}"
        );
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        assert!(
            last.starts_with("entnorm-spark: error: entnorm worker failed on partition"),
            "{name}: last line of stderr: {last}\n{stderr}"
        );
        for text in expected {
            assert!(last.contains(text), "{name}: `{text}` not in {last}");
        }
        assert!(!out.join("spark-run.json").exists());
    }
}
