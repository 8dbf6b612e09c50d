//! Scale properties of `entnorm run` that a benchmark alone cannot guard: memory does not grow with the
//! length of the input stream, and the thread count never changes the tables.

use serde_json::json;

use crate::util::*;

/// A synthetic stream of `n` records cycling through the multilingual fixture articles (Arabic, Russian,
/// English and the others of `articles.jsonl`), each with its own ID, so every record is processed and
/// produces mentions like real news.
fn synthetic_stream(n: usize) -> Vec<u8> {
    let mut texts: Vec<String> = std::fs::read_to_string(fixture("articles.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for f in [
        "syria-excerpt.ar.txt",
        "syria-excerpt.en.txt",
        "syria-excerpt.ru.txt",
    ] {
        texts.push(std::fs::read_to_string(fixture(f)).unwrap());
    }
    let mut out = Vec::new();
    for i in 0..n {
        let line = json!({"id": format!("doc-{i}"), "text": texts[i % texts.len()]});
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

fn run_stream(dir: &TempDir, name: &str, records: usize) -> (u64, u64) {
    let out = dir.path(name);
    let result = run_entnorm(
        &[
            "run",
            "-",
            "-o",
            out.to_str().unwrap(),
            "-q",
            "--threads",
            "2",
        ],
        Some(&synthetic_stream(records)),
    );
    assert_success(&result);
    let run = read_json(&out.join("run.json"));
    assert_eq!(run["counts"]["processed"].as_u64(), Some(records as u64));
    let rss = run["counts"]["peak_rss_bytes"]
        .as_u64()
        .expect("run.json reports the peak RSS on Linux");
    (rss, run["counts"]["mentions"].as_u64().unwrap())
}

#[test]
fn peak_memory_stays_flat_when_the_stream_is_four_times_longer() {
    let dir = TempDir::new("scale-memory");
    let (short_rss, short_mentions) = run_stream(&dir, "short", 3_000);
    let (long_rss, long_mentions) = run_stream(&dir, "long", 12_000);
    assert!(
        long_mentions >= 4 * short_mentions - 4,
        "{long_mentions} vs {short_mentions}"
    );
    // Generous bound: the mapped index dominates both; a table or buffer kept per record would add
    // far more than this over 9,000 extra records.
    let grown = long_rss.saturating_sub(short_rss);
    eprintln!(
        "peak RSS: {} MB for 3,000 records, {} MB for 12,000 ({short_mentions} and {long_mentions} mentions)",
        short_rss >> 20,
        long_rss >> 20
    );
    assert!(
        grown < 48 << 20,
        "peak RSS grew by {} MB (from {} MB to {} MB) when the input grew 4x",
        grown >> 20,
        short_rss >> 20,
        long_rss >> 20
    );
}

#[test]
fn one_and_three_threads_write_identical_tables() {
    let dir = TempDir::new("scale-threads");
    let input = dir.path("in.jsonl");
    std::fs::write(&input, synthetic_stream(1_500)).unwrap();
    let mut tables = Vec::new();
    for threads in ["1", "3"] {
        let out = dir.path(&format!("out-{threads}"));
        let result = run_entnorm(
            &[
                "run",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "-q",
                "--threads",
                threads,
            ],
            None,
        );
        assert_success(&result);
        let files: Vec<Vec<u8>> = [
            "mentions.csv",
            "entities.csv",
            "documents.csv",
            "rejects.csv",
        ]
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
        tables.push(files);
    }
    assert!(tables[0][0].len() > 10_000, "the stream yields mentions");
    assert_eq!(tables[0], tables[1]);
}
