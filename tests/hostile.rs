//! Hostile and broken input, one test per kind: every record is processed or rejected with a reason, the
//! run never crashes, and what `run.json` says per input file adds up.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::*;

type Rows = Vec<HashMap<String, String>>;

/// `entnorm run INPUTS -o DIR/out` with the test gazetteer and `extra` options.
fn run_on(dir: &TempDir, inputs: &[&Path], extra: &[&str]) -> (Output, PathBuf) {
    let out = dir.path("out");
    let _ = std::fs::remove_dir_all(&out);
    let gaz = fixture("gazetteer.tsv");
    let mut args: Vec<&str> = vec!["run"];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    args.extend([
        "-o",
        out.to_str().unwrap(),
        "--no-default-gazetteer",
        "-g",
        gaz.to_str().unwrap(),
        "-q",
    ]);
    args.extend(extra);
    (run_entnorm(&args, None), out)
}

fn run_ok(dir: &TempDir, inputs: &[&Path], extra: &[&str]) -> PathBuf {
    let (output, out) = run_on(dir, inputs, extra);
    assert_success(&output);
    assert_accounted(&out);
    out
}

/// The tables and run.json agree: one documents.csv row per record, one rejects.csv row per rejected
/// record, records = processed + rejected per input file.
pub fn assert_accounted(out: &Path) {
    let manifest = read_json(&out.join("run.json"));
    assert_eq!(manifest["finished"], true);
    let documents = read_table(&out.join("documents.csv"));
    let rejects = read_table(&out.join("rejects.csv"));
    let counts = &manifest["counts"];
    assert_eq!(counts["records"], documents.len() as u64);
    assert_eq!(counts["rejected"], rejects.len() as u64);
    let mut records = 0;
    for input in counts["inputs"].as_array().unwrap() {
        let (r, p, j) = (
            input["records"].as_u64().unwrap(),
            input["processed"].as_u64().unwrap(),
            input["rejected"].as_u64().unwrap(),
        );
        assert_eq!(r, p + j, "{input}");
        records += r;
        let path = input["path"].as_str().unwrap();
        assert_eq!(
            documents
                .iter()
                .filter(|d| d["source_file"] == path)
                .count() as u64,
            r,
            "{path}"
        );
    }
    assert_eq!(counts["records"], records);
}

fn table(out: &Path, name: &str) -> Rows {
    read_table(&out.join(name))
}

fn reasons(out: &Path) -> Vec<(String, String)> {
    table(out, "rejects.csv")
        .into_iter()
        .map(|r| (r["line"].clone(), r["reason"].clone()))
        .collect()
}

fn mentioned(out: &Path) -> Vec<(String, String, String)> {
    table(out, "mentions.csv")
        .into_iter()
        .map(|m| {
            (
                m["doc_id"].clone(),
                m["surface"].clone(),
                m["entity_id"].clone(),
            )
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn inputs_of(out: &Path) -> Vec<serde_json::Value> {
    read_json(&out.join("run.json"))["counts"]["inputs"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn invalid_utf8_is_rejected_unless_replacement_is_asked_for() {
    let dir = TempDir::new("utf8");
    let jsonl = dir.path("a.jsonl");
    std::fs::write(
        &jsonl,
        b"{\"id\":\"bad\",\"text\":\"\xff\xfe Syria\"}\n{\"id\":\"good\",\"text\":\"Syria\"}\n",
    )
    .unwrap();
    let csv = dir.path("b.csv");
    std::fs::write(&csv, b"id,text\nc1,\"Russia \xc3\x28\"\n").unwrap();
    let txt = dir.path("c.txt");
    std::fs::write(&txt, b"Syria \xed\xa0\x80 (a surrogate)").unwrap();
    let inputs = [jsonl.as_path(), csv.as_path(), txt.as_path()];

    let out = run_ok(&dir, &inputs, &[]);
    let r = reasons(&out);
    assert_eq!(r.len(), 3, "{r:?}");
    for (_, reason) in &r {
        assert!(
            reason.starts_with("invalid UTF-8") && reason.contains("--replace-invalid-utf8"),
            "{reason}"
        );
    }
    assert_eq!(
        mentioned(&out),
        [("good".into(), "Syria".into(), "t:syria".into())]
    );

    // One thread: the reader parses the JSON lines; as many as cores: the workers do (see `run`).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in ["1".to_string(), cores.to_string()] {
        replaced_invalid_utf8_is_read(&dir, &inputs, &threads);
    }
}

fn replaced_invalid_utf8_is_read(dir: &TempDir, inputs: &[&Path], threads: &str) {
    let out = run_ok(
        dir,
        inputs,
        &["--replace-invalid-utf8", "--threads", threads],
    );
    assert!(reasons(&out).is_empty());
    let m = table(&out, "mentions.csv");
    let found: Vec<(&str, &str, &str)> = m
        .iter()
        .map(|m| {
            (
                m["doc_id"].as_str(),
                m["surface"].as_str(),
                m["start"].as_str(),
            )
        })
        .collect();
    // Each invalid byte becomes one U+FFFD: `\xff\xfe Syria` -> `�� Syria`, Syria at code point 3.
    assert_eq!(
        found,
        [
            ("bad", "Syria", "3"),
            ("good", "Syria", "0"),
            ("c1", "Russia", "0"),
            ("c.txt", "Syria", "0")
        ]
    );
    let replaced: Vec<u64> = inputs_of(&out)
        .iter()
        .map(|i| i["utf8_replaced"].as_u64().unwrap())
        .collect();
    assert_eq!(replaced, [1, 1, 1]);
}

#[test]
fn nul_bytes_raw_in_json_are_rejected_escaped_or_in_text_are_read() {
    let dir = TempDir::new("nul");
    let jsonl = dir.path("a.jsonl");
    std::fs::write(
        &jsonl,
        b"{\"id\":\"raw\",\"text\":\"Syria\x00Russia\"}\n{\"id\":\"escaped\",\"text\":\"Syria\\u0000Russia\"}\n",
    )
    .unwrap();
    let txt = dir.path("n.txt");
    std::fs::write(&txt, b"\x00\x00Syria\x00").unwrap();
    let out = run_ok(&dir, &[&jsonl, &txt], &[]);
    let r = reasons(&out);
    assert_eq!(r.len(), 1);
    assert!(r[0].1.contains("control character"), "{r:?}");
    assert_eq!(
        mentioned(&out),
        [
            ("escaped".into(), "Syria".into(), "t:syria".into()),
            ("escaped".into(), "Russia".into(), "t:russia".into()),
            ("n.txt".into(), "Syria".into(), "t:syria".into()),
        ]
    );
    // The NUL is a character of the text: offsets count it.
    assert_eq!(table(&out, "mentions.csv")[2]["start"], "2");
}

#[test]
fn byte_order_marks_crlf_and_lone_cr() {
    let dir = TempDir::new("lineends");
    let crlf = dir.path("crlf.jsonl");
    std::fs::write(
        &crlf,
        "\u{feff}{\"id\":\"a\",\"text\":\"Syria\"}\r\n\r\n{\"id\":\"b\",\"text\":\"line\\r\\nRussia\"}\r\n",
    )
    .unwrap();
    let lone_cr = dir.path("cr.jsonl");
    std::fs::write(
        &lone_cr,
        "{\"id\":\"c\",\"text\":\"Syria\"}\r{\"id\":\"d\",\"text\":\"Syria\"}\r",
    )
    .unwrap();
    let csv = dir.path("cr.csv");
    std::fs::write(
        &csv,
        "\u{feff}id,text\r\"e\",\"Syria\rand Russia\"\rf,Syria\r\n",
    )
    .unwrap();
    let txt = dir.path("crlf.txt");
    std::fs::write(&txt, "\u{feff}one\r\ntwo\rSyria\r\n").unwrap();
    let out = run_ok(&dir, &[&crlf, &lone_cr, &csv, &txt], &[]);
    let r = reasons(&out);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].0, "1");
    assert!(
        r[0].1.contains("trailing characters") && r[0].1.contains("carriage return"),
        "{r:?}"
    );
    let m = table(&out, "mentions.csv");
    let found: Vec<(&str, &str, &str)> = m
        .iter()
        .map(|m| {
            (
                m["doc_id"].as_str(),
                m["surface"].as_str(),
                m["start"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("a", "Syria", "0"),
            ("b", "Russia", "6"),
            ("e", "Syria", "0"),
            ("e", "Russia", "10"),
            ("f", "Syria", "0"),
            // `one\r\ntwo\r` is 9 code points; the byte-order mark is not text.
            ("crlf.txt", "Syria", "9"),
        ]
    );
    let docs = table(&out, "documents.csv");
    let lines: Vec<(&str, &str)> = docs
        .iter()
        .map(|d| (d["doc_id"].as_str(), d["line"].as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("a", "1"),
            ("b", "3"),
            ("", "1"),
            ("e", "2"),
            ("f", "4"),
            ("crlf.txt", "1")
        ]
    );
}

#[test]
fn duplicate_keys_keep_the_last_value_and_wrong_types_are_rejected() {
    let dir = TempDir::new("json-shapes");
    let jsonl = dir.path("a.jsonl");
    std::fs::write(
        &jsonl,
        concat!(
            "{\"id\":\"dup\",\"text\":\"Syria\",\"text\":\"Russia\"}\n",
            "{\"id\":\"dup-id\",\"id\":\"dup-id-2\",\"text\":\"Syria\"}\n",
            "{\"id\":[\"x\"],\"text\":\"Syria\"}\n",
            "{\"id\":\"t-obj\",\"text\":{\"value\":\"Syria\"}}\n",
            "{\"id\":\"title-num\",\"title\":5,\"text\":\"Syria\"}\n",
            "{\"id\":\"lang-bool\",\"lang\":true,\"text\":\"Syria\"}\n",
            "{\"id\":\"\",\"text\":\"Syria\"}\n",
            "{\"id\":1.5e3,\"text\":\"Syria\"}\n",
            "\"just a string\"\n",
            "null\n",
            "{\"id\":\"null-title\",\"title\":null,\"text\":\"Syria\"}\n",
        ),
    )
    .unwrap();
    let out = run_ok(&dir, &[&jsonl], &[]);
    assert_eq!(
        mentioned(&out),
        [
            ("dup".into(), "Russia".into(), "t:russia".into()),
            ("dup-id-2".into(), "Syria".into(), "t:syria".into()),
            ("1500.0".into(), "Syria".into(), "t:syria".into()),
            ("null-title".into(), "Syria".into(), "t:syria".into()),
        ]
    );
    let r: Vec<String> = reasons(&out)
        .into_iter()
        .map(|(l, r)| format!("{l}: {r}"))
        .collect();
    assert_eq!(
        r,
        [
            "3: field `id` is not a non-empty string or number",
            "4: field `text` is an object, not a string",
            "5: field `title` is a number, not a string",
            "6: field `lang` is a boolean, not a string",
            "7: field `id` is not a non-empty string or number",
            "9: not a JSON object",
            "10: not a JSON object",
        ]
    );
}

#[test]
fn deep_nesting_is_rejected_without_overflowing_the_stack() {
    let dir = TempDir::new("nesting");
    let jsonl = dir.path("deep.jsonl");
    let depth = 1_000_000;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"{\"id\":\"deep\",\"text\":\"Syria\",\"extra\":");
    bytes.extend(std::iter::repeat_n(b'[', depth));
    bytes.extend(std::iter::repeat_n(b']', depth));
    bytes.extend_from_slice(b"}\n");
    bytes.extend(std::iter::repeat_n(b'[', depth));
    bytes.push(b'\n');
    bytes.extend_from_slice(b"{\"id\":\"after\",\"text\":\"Syria\"}\n");
    std::fs::write(&jsonl, &bytes).unwrap();
    let out = run_ok(&dir, &[&jsonl], &[]);
    let r = reasons(&out);
    assert_eq!(r.len(), 2, "{r:?}");
    for (_, reason) in &r {
        assert!(reason.contains("recursion limit exceeded"), "{reason}");
    }
    assert_eq!(
        mentioned(&out),
        [("after".into(), "Syria".into(), "t:syria".into())]
    );
}

#[test]
fn oversize_records_are_rejected_naming_the_limit_and_reading_goes_on() {
    let dir = TempDir::new("oversize");
    let long_text = format!("Syria {}", "x".repeat(3_000_000));
    let jsonl = dir.path("long.jsonl");
    std::fs::write(
        &jsonl,
        format!(
            "{{\"id\":\"long\",\"text\":\"{long_text}\"}}\n{{\"id\":\"next\",\"text\":\"Russia\"}}\n"
        ),
    )
    .unwrap();
    let csv = dir.path("long.csv");
    std::fs::write(
        &csv,
        format!("id,text\nc-long,\"{long_text}\nsecond line\"\nc-next,Syria\n"),
    )
    .unwrap();
    let txt = dir.path("long.txt");
    std::fs::write(&txt, &long_text).unwrap();
    let inputs = [jsonl.as_path(), csv.as_path(), txt.as_path()];
    let out = run_ok(&dir, &inputs, &["--max-record-bytes", "1000000"]);
    let r = reasons(&out);
    assert_eq!(r.len(), 3, "{r:?}");
    for ((what, want_line), (line, reason)) in [("line", "1"), ("CSV row", "2"), ("document", "1")]
        .iter()
        .zip(&r)
    {
        assert_eq!(line, want_line);
        assert!(
            reason.starts_with(&format!("{what} of "))
                && reason.contains("limit of 1000000 bytes")
                && reason.contains("--max-record-bytes"),
            "{reason}"
        );
    }
    assert_eq!(
        mentioned(&out),
        [
            ("next".into(), "Russia".into(), "t:russia".into()),
            ("c-next".into(), "Syria".into(), "t:syria".into()),
        ]
    );
    let docs = table(&out, "documents.csv");
    assert_eq!(docs[1]["line"], "2");
    assert_eq!(
        docs[3]["line"], "4",
        "line numbers go on past the skipped row"
    );

    // Raised limit: the same records are read, up to the largest limit that 32-bit token offsets
    // allow; beyond it the option is refused before anything is read.
    for limit in ["4000000", "4294967295"] {
        let out = run_ok(&dir, &inputs, &["--max-record-bytes", limit]);
        assert!(reasons(&out).is_empty());
        assert_eq!(table(&out, "mentions.csv").len(), 5);
    }
    let (output, _) = run_on(&dir, &inputs, &["--max-record-bytes", "4294967296"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("--max-record-bytes must be below 4 GiB") && stderr.contains("4294967296"),
        "{stderr}"
    );
}

#[test]
fn giant_words_invisible_controls_mark_floods_and_odd_code_points() {
    let dir = TempDir::new("unicode");
    let jsonl = dir.path("u.jsonl");
    let cases = [
        ("giant-word", format!("{} Syria", "a".repeat(2_000_000))),
        (
            "zero-width",
            format!(
                "Sy\u{200D}ria {} \u{202E}Russia\u{202C} \u{2066}Syria\u{2069}",
                "\u{200B}".repeat(100_000)
            ),
        ),
        ("marks", format!("e{} Syria", "\u{0301}".repeat(500_000))),
        ("mark-first", format!("{}Syria", "\u{0308}".repeat(1000))),
        (
            "unassigned",
            "\u{0378}\u{E0080}\u{10FFFF}\u{FDD0} Syria \u{E000}".to_string(),
        ),
        // Latin letters with Cyrillic look-alikes: `Sуria` has a Cyrillic у; not the same word.
        ("mixed-script", "Sуria Russia".to_string()),
    ];
    let mut text = String::new();
    for (id, t) in &cases {
        text.push_str(&serde_json::json!({"id": id, "text": t}).to_string());
        text.push('\n');
    }
    std::fs::write(&jsonl, &text).unwrap();
    // The same links with the fuzzy stage on: `Sуria` is one edit (none, transliterated) from Syria, but
    // a word mixing Latin and Cyrillic letters is never fuzzy-linked.
    for extra in [&[][..], &["--fuzzy"][..]] {
        let out = run_ok(&dir, &[&jsonl], extra);
        assert!(reasons(&out).is_empty());
        let m = table(&out, "mentions.csv");
        assert_offsets_slice_text(&jsonl, &m);
        let found: Vec<(&str, &str)> = m
            .iter()
            .map(|m| (m["doc_id"].as_str(), m["surface"].as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("giant-word", "Syria"),
                // A zero-width joiner inside a word is folded away; bidi controls around a word separate.
                ("zero-width", "Sy\u{200D}ria"),
                ("zero-width", "Russia"),
                ("zero-width", "Syria"),
                ("marks", "Syria"),
                ("mark-first", "Syria"),
                ("unassigned", "Syria"),
                ("mixed-script", "Russia"),
            ],
            "{extra:?}"
        );
    }
}

#[test]
fn truncated_and_corrupt_compressed_inputs_are_accounted_for() {
    let dir = TempDir::new("compressed");
    let mut plain = String::new();
    for i in 0..20_000 {
        plain.push_str(&format!(
            "{{\"id\":\"d{i}\",\"text\":\"Syria and Russia, report number {i} of many\"}}\n"
        ));
    }
    let gz = gzip(plain.as_bytes());
    let truncated_gz = dir.path("truncated.jsonl.gz");
    std::fs::write(&truncated_gz, &gz[..gz.len() / 2]).unwrap();
    let corrupt_gz = dir.path("corrupt.jsonl.gz");
    let mut bad = gz.clone();
    let mid = bad.len() / 2;
    for b in &mut bad[mid..mid + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&corrupt_gz, &bad).unwrap();
    let zst = zstd::encode_all(plain.as_bytes(), 3).unwrap();
    let truncated_zst = dir.path("truncated.jsonl.zst");
    std::fs::write(&truncated_zst, &zst[..zst.len() / 2]).unwrap();
    let header_only = dir.path("header.txt.gz");
    std::fs::write(&header_only, &gz[..10]).unwrap();
    let inputs = [
        truncated_gz.as_path(),
        corrupt_gz.as_path(),
        truncated_zst.as_path(),
        header_only.as_path(),
    ];
    let out = run_ok(&dir, &inputs, &[]);
    let rejects = table(&out, "rejects.csv");
    // Each file ends with one rejected record that says where reading stopped and why. The corrupt gzip
    // stream first yields garbage lines (rejected as invalid JSON, or read if they happen to parse) and
    // then fails its checksum: its read_error tells that the file is damaged.
    for input in &inputs {
        let of_file: Vec<&str> = rejects
            .iter()
            .filter(|r| r["source_file"] == input.to_str().unwrap())
            .map(|r| r["reason"].as_str())
            .collect();
        let last = of_file.last().unwrap_or(&"");
        assert!(
            last.contains("read error") && last.contains("not read"),
            "{input:?}: {of_file:?}"
        );
    }
    let summaries = inputs_of(&out);
    for input in &summaries {
        assert_eq!(input["complete"], false, "{input}");
        assert!(input["read_error"].is_string(), "{input}");
    }
    assert!(summaries[1]["read_error"]
        .as_str()
        .unwrap()
        .contains("checksum"));
    // What was decompressed before the damage was processed; nothing after it was invented.
    let per_file: Vec<u64> = summaries
        .iter()
        .map(|i| i["processed"].as_u64().unwrap())
        .collect();
    assert!(per_file[0] > 1000 && per_file[0] < 20_000, "{per_file:?}");
    assert!(per_file[2] > 1000 && per_file[2] < 20_000, "{per_file:?}");
    assert!(per_file[1] < 20_000, "{per_file:?}");
    assert_eq!(per_file[3], 0);
}

#[test]
fn a_gzip_bomb_is_stopped_by_the_decompression_limit() {
    let dir = TempDir::new("bomb");
    let bomb = dir.path("bomb.jsonl.gz");
    {
        let file = std::fs::File::create(&bomb).unwrap();
        let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::best());
        enc.write_all(b"{\"id\":\"first\",\"text\":\"Syria\"}\n")
            .unwrap();
        let blank = vec![b' '; 1 << 20];
        for _ in 0..100 {
            enc.write_all(&blank).unwrap();
        }
        enc.write_all(b"\n{\"id\":\"after\",\"text\":\"Syria\"}\n")
            .unwrap();
        enc.finish().unwrap();
    }
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1_000_000);
    let out = run_ok(&dir, &[&bomb], &[]);
    let r = reasons(&out);
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(
        r[0].1.contains("decompression bomb") && r[0].1.contains("--max-decompressed-ratio"),
        "{r:?}"
    );
    assert_eq!(
        mentioned(&out),
        [("first".into(), "Syria".into(), "t:syria".into())]
    );
    // Without the limit the whole stream is read (memory stays bounded: the blank line is skipped as
    // too long, without being stored).
    let out = run_ok(&dir, &[&bomb], &["--max-decompressed-ratio", "0"]);
    let r = reasons(&out);
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(r[0].1.contains("--max-record-bytes"), "{r:?}");
    assert_eq!(table(&out, "mentions.csv").len(), 2);
}

#[test]
fn empty_files_have_no_records_but_are_complete() {
    let dir = TempDir::new("empty");
    let files: Vec<PathBuf> = ["e.jsonl", "e.csv", "e.txt", "e.jsonl.gz", "blank.jsonl"]
        .iter()
        .map(|n| dir.path(n))
        .collect();
    for f in &files {
        std::fs::write(f, b"").unwrap();
    }
    std::fs::write(&files[3], gzip(b"")).unwrap();
    std::fs::write(&files[4], b"\n  \n\r\n").unwrap();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = run_ok(&dir, &refs, &[]);
    let records: Vec<u64> = inputs_of(&out)
        .iter()
        .map(|i| {
            assert_eq!(i["complete"], true);
            i["records"].as_u64().unwrap()
        })
        .collect();
    // A .txt file is one document, even when empty.
    assert_eq!(records, [0, 0, 1, 0, 0]);
    assert!(reasons(&out).is_empty());
}

#[cfg(unix)]
#[test]
fn unreadable_entries_and_symlink_loops_in_a_directory_are_rejected_not_fatal() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new("unreadable");
    let docs = dir.path("docs");
    std::fs::create_dir_all(docs.join("sub")).unwrap();
    std::fs::write(docs.join("a.jsonl"), "{\"id\":\"a\",\"text\":\"Syria\"}\n").unwrap();
    std::fs::write(docs.join("sub/z.txt"), "Russia").unwrap();
    symlink("loop.jsonl", docs.join("loop.jsonl")).unwrap();
    symlink("nowhere/missing.jsonl", docs.join("dangling.jsonl")).unwrap();
    // A directory loop: not followed, so neither an error nor endless.
    symlink("..", docs.join("sub/up")).unwrap();
    // Files that open but fail on reading.
    #[cfg(target_os = "linux")]
    symlink("/proc/self/mem", docs.join("mem.txt")).unwrap();
    let locked = docs.join("locked.jsonl");
    std::fs::write(&locked, "{\"id\":\"locked\",\"text\":\"Syria\"}\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root, permissions do not stop reading: then the file is simply read.
    let locked_readable = std::fs::File::open(&locked).is_ok();

    let (output, out) = run_on(&dir, &[&docs], &[]);
    assert_success(&output);
    assert_accounted(&out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let rejects = table(&out, "rejects.csv");
    let by_file: HashMap<String, String> = rejects
        .iter()
        .map(|r| {
            let name = Path::new(&r["source_file"])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, r["reason"].clone())
        })
        .collect();
    for name in ["loop.jsonl", "dangling.jsonl"] {
        assert!(
            by_file[name].starts_with("cannot read file"),
            "{name}: {by_file:?}"
        );
        assert!(stderr.contains(name), "{stderr}");
    }
    #[cfg(target_os = "linux")]
    assert!(
        by_file["mem.txt"].contains("Input/output error"),
        "{by_file:?}"
    );
    assert_eq!(by_file.contains_key("locked.jsonl"), !locked_readable);
    let mut found = mentioned(&out);
    found.sort();
    let mut want = vec![
        ("a".to_string(), "Syria".to_string(), "t:syria".to_string()),
        ("z.txt".into(), "Russia".into(), "t:russia".into()),
    ];
    if locked_readable {
        want.push(("locked".into(), "Syria".into(), "t:syria".into()));
    }
    want.sort();
    assert_eq!(found, want);
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644));
}

#[cfg(unix)]
#[test]
fn thousands_of_files_are_read_with_few_file_descriptors() {
    let dir = TempDir::new("many-files");
    let docs = dir.path("docs");
    std::fs::create_dir_all(&docs).unwrap();
    for i in 0..300 {
        std::fs::write(
            docs.join(format!("{i:04}.jsonl")),
            format!("{{\"id\":\"d{i}\",\"text\":\"Syria\"}}\n"),
        )
        .unwrap();
    }
    let out = dir.path("out");
    let gaz = fixture("gazetteer.tsv");
    // Warm the index cache first: the limited shell below must not need to compile anything.
    let _ = entnorm().args(["lookup", "Syria"]).output();
    let cmd = entnorm();
    let script = format!(
        "ulimit -n 40 && exec \"$0\" run {} -o {} --no-default-gazetteer -g {} -q",
        docs.display(),
        out.display(),
        gaz.display()
    );
    let program = cmd.get_program().to_owned();
    let envs: Vec<_> = cmd
        .get_envs()
        .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
        .collect();
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c").arg(script).arg(program);
    for (k, v) in envs {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    let output = sh.output().unwrap();
    assert_success(&output);
    assert_accounted(&out);
    assert_eq!(table(&out, "mentions.csv").len(), 300);
}

#[test]
fn ragged_csv_rows_too_long_and_too_short_are_rejected() {
    let dir = TempDir::new("ragged");
    let csv = dir.path("r.csv");
    std::fs::write(
        &csv,
        "id,text,lang\nr1,Syria,en\nr2,Syria\nr3,Syria,en,extra\n\"r4\",\"Syria, \"\"Russia\"\"\",en\n",
    )
    .unwrap();
    let out = run_ok(&dir, &[&csv], &[]);
    let r = reasons(&out);
    assert_eq!(
        r,
        [
            (
                "3".to_string(),
                "ragged row: 2 fields, header has 3".to_string()
            ),
            (
                "4".to_string(),
                "ragged row: 4 fields, header has 3".to_string()
            ),
        ]
    );
    assert_eq!(
        mentioned(&out),
        [
            ("r1".into(), "Syria".into(), "t:syria".into()),
            ("r4".into(), "Syria".into(), "t:syria".into()),
            ("r4".into(), "Russia".into(), "t:russia".into()),
        ]
    );
}

/// With the fuzzy stage on, one giant word (no space) once took memory in the square of its length
/// (every one-character deletion of its key kept as a string for clustering): 80 KB needed 3.6 GB. It is
/// now searched and clustered in linear time and reported once. (It used to mix Latin and Cyrillic
/// look-alikes; such a word is no longer a name-like span at all, so it is Latin only now.)
#[test]
fn a_giant_word_with_the_fuzzy_stage_is_reported_once_in_linear_memory() {
    let dir = TempDir::new("fuzzy-giant");
    let jsonl = dir.path("g.jsonl");
    let word: String = (0..60_000)
        .map(|i| if i % 2 == 0 { "Kerry" } else { "Korry" })
        .collect();
    std::fs::write(
        &jsonl,
        serde_json::json!({"id": "giant", "text": format!("They say {word} met John Kerry")})
            .to_string()
            + "\n",
    )
    .unwrap();
    let out = run_ok(&dir, &[&jsonl], &["--fuzzy"]);
    assert_eq!(
        mentioned(&out),
        [("giant".into(), "John Kerry".into(), "t:kerry".into())]
    );
    let unmatched = table(&out, "unmatched.csv");
    assert_eq!(
        unmatched.len(),
        1,
        "{:?}",
        unmatched
            .iter()
            .map(|r| r["count"].clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(unmatched[0]["example_doc_id"], "giant");
}
