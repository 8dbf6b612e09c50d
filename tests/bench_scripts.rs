//! The benchmark helpers under `scripts/` that turn `../shared/bench` records into the figures the README
//! reports: they run with `python3`, which the scripts need anyway.

use std::process::Command;

use crate::util::*;

/// `compare_rounds.py` pairs entnorm's run with each peer's run of the same round: each ratio is the
/// round's own, and the median is taken over the rounds, not a ratio of two medians (which may come from
/// different rounds of a machine whose speed drifts). Failed runs and rounds missing a side are left out.
#[test]
fn compare_rounds_pairs_each_round_with_its_own_peer_run() {
    let dir = TempDir::new("compare-rounds");
    let record = |peer: &str, rep: u32, mbps: f64, rc: i32| {
        format!(
            r#"{{"tag": "compare", "peer": "{peer}", "rep": {rep}, "rc": {rc}, "result": {{"mb_per_s": {mbps}}}}}"#
        )
    };
    // entnorm 20, 30, 24 MB/s; flashtext2 20, 15, 12 (ratios 1.00, 2.00, 2.00: median 2.00, while the
    // ratio of the medians would be 24 / 15 = 1.60); pyahocorasick's second run failed, its third is absent.
    let lines = [
        record("bench_entry.py", 1, 20.0, 0),
        record("rs_flashtext2", 1, 20.0, 0),
        record("pyahocorasick", 1, 2.0, 0),
        record("bench_entry.py", 2, 30.0, 0),
        record("rs_flashtext2", 2, 15.0, 0),
        record("pyahocorasick", 2, 1.0, 1),
        record("bench_entry.py", 3, 24.0, 0),
        record("rs_flashtext2", 3, 12.0, 0),
    ];
    let path = dir.path("compare.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/compare_rounds.py"
        ))
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(
            "entnorm / rs_flashtext2, scan MB/s, round by round: 1.00x, 2.00x, 2.00x; median 2.00x"
        ),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("entnorm / pyahocorasick, scan MB/s, round by round: 10.00x; median 10.00x"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
}
