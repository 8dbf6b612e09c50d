//! Filter mode, `entnorm run - -o -`: kind-tagged rows on stdout and nothing else, messages on stderr, the
//! same mentions as the tables, rejects as rows, and an `error` row plus a non-zero exit on failure.

use crate::util::*;

fn fixture_gazetteer_args() -> Vec<String> {
    vec![
        "--no-default-gazetteer".into(),
        "-g".into(),
        fixture("gazetteer.tsv").display().to_string(),
        "-q".into(),
    ]
}

fn run_with(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(fixture_gazetteer_args());
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    run_entnorm(&refs, stdin)
}

/// Rows of a headerless CSV stream of varying width.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The data rows of a CSV table, header dropped.
fn table_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn unescape_tsv(field: &str) -> String {
    let mut out = String::new();
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                other => panic!("bad escape {other:?} in {field:?}"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn filter_mode_writes_headerless_mention_rows_equal_to_mentions_csv_for_any_thread_count() {
    let dir = TempDir::new("filter-csv");
    let input = std::fs::read(fixture("articles.jsonl")).unwrap();
    let tables = dir.path("tables");
    assert_success(&run_with(
        &[
            "run",
            fixture("articles.jsonl").to_str().unwrap(),
            "-o",
            tables.to_str().unwrap(),
        ],
        None,
    ));
    let expected = table_rows(&tables.join("mentions.csv"));
    assert!(expected.len() > 20, "{expected:?}");
    let mut streams = Vec::new();
    for threads in ["1", "2"] {
        let out = run_with(&["run", "-", "-o", "-", "--threads", threads], Some(&input));
        assert_success(&out);
        streams.push(out.stdout);
    }
    assert_eq!(
        streams[0], streams[1],
        "stdout differs between 1 and 2 threads"
    );
    let rows = csv_rows(&streams[0]);
    assert!(rows.iter().all(|r| r[0] == "mention"), "{rows:?}");
    assert!(
        !String::from_utf8_lossy(&streams[0]).contains("doc_id"),
        "no header in filter mode"
    );
    let mentions: Vec<Vec<String>> = rows.into_iter().map(|r| r[1..].to_vec()).collect();
    assert_eq!(mentions, expected);
    // No tables are written anywhere in filter mode: there is no output directory.
    assert!(!std::path::Path::new("-").exists());
}

#[test]
fn filter_mode_tsv_escapes_tab_newline_and_backslash_and_keeps_one_row_per_line() {
    let input = concat!(
        r#"{"id": "tab\there back\\slash", "text": "Talks: Sergey\tLavrov met John\nKerry in Aleppo."}"#,
        "\n",
        r#"{"id": "cr\r1", "title": "Syria\r\nnews", "text": "Russia"}"#,
        "\n",
    );
    let out = run_with(
        &["run", "-", "-o", "-", "--format", "tsv"],
        Some(input.as_bytes()),
    );
    assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| l.split('\t').map(unescape_tsv).collect())
        .collect();
    assert!(
        rows.iter().all(|r| r[0] == "mention" && r.len() == 18),
        "every line is one mention row of 18 fields (kind + 17 columns): {lines:#?}"
    );
    let surfaces: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[5].as_str()))
        .collect();
    assert!(
        surfaces.contains(&("tab\there back\\slash", "Sergey\tLavrov")),
        "{surfaces:?}"
    );
    assert!(
        surfaces.contains(&("tab\there back\\slash", "John\nKerry")),
        "{surfaces:?}"
    );
    assert!(surfaces.contains(&("cr\r1", "Syria")), "{surfaces:?}");
    // The raw text carries the escapes, never the characters themselves inside a field.
    assert!(
        stdout.contains("tab\\there back\\\\slash\ttext\t"),
        "{stdout}"
    );
    assert!(stdout.contains("\tSergey\\tLavrov\t"), "{stdout}");
    assert!(stdout.contains("\tJohn\\nKerry\t"), "{stdout}");
}

#[test]
fn filter_mode_reports_rejected_records_as_reject_rows_like_rejects_csv() {
    let dir = TempDir::new("filter-rejects");
    let input = concat!(
        r#"{"id": "ok-1", "text": "Sergey Lavrov in Syria"}"#,
        "\n",
        "this is not JSON\n",
        r#"{"id": "no-text"}"#,
        "\n",
        "\n",
        r#"{"id": "ok-2", "text": "Russia"}"#,
        "\n",
    );
    let path = dir.path("in.jsonl");
    std::fs::write(&path, input).unwrap();
    let tables = dir.path("tables");
    assert_success(&run_with(
        &[
            "run",
            path.to_str().unwrap(),
            "-o",
            tables.to_str().unwrap(),
        ],
        None,
    ));
    let out = run_with(&["run", "-", "-o", "-"], Some(input.as_bytes()));
    assert_success(&out);
    let rows = csv_rows(&out.stdout);
    let rejects: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| r[0] == "reject")
        .map(|r| r[1..].to_vec())
        .collect();
    assert_eq!(rejects.len(), 2, "{rows:?}");
    let expected: Vec<Vec<String>> = table_rows(&tables.join("rejects.csv"));
    // Same record numbers, lines, IDs and reasons; only the source file differs (`-` for stdin).
    assert_eq!(
        rejects.iter().map(|r| &r[1..]).collect::<Vec<_>>(),
        expected.iter().map(|r| &r[1..]).collect::<Vec<_>>()
    );
    assert!(rejects.iter().all(|r| r[0] == "-"));
    assert_eq!(rejects[1][3], "no-text");
    // The rows come in input order: mention of record 1, reject 2, reject 3, mention of record 4.
    let kinds: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let first_reject = kinds.iter().position(|k| *k == "reject").unwrap();
    assert!(kinds[..first_reject].iter().all(|k| *k == "mention"));
    assert_eq!(kinds.last(), Some(&"mention"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn filter_mode_failure_exits_non_zero_with_an_error_row_and_the_message_on_stderr() {
    let dir = TempDir::new("filter-fail");
    let bad = dir.path("corrupt.idx");
    std::fs::write(&bad, b"this is not an index").unwrap();
    for format in ["csv", "tsv"] {
        let out = run_entnorm(
            &[
                "run",
                "-",
                "-o",
                "-",
                "--format",
                format,
                "--index",
                bad.to_str().unwrap(),
            ],
            Some(b"{\"id\": \"a\", \"text\": \"Syria\"}\n"),
        );
        assert!(!out.status.success());
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("corrupt.idx"), "{stderr}");
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        let sep = if format == "csv" { ',' } else { '\t' };
        assert!(
            stdout.starts_with(&format!("error{sep}")) && stdout.contains("corrupt.idx"),
            "{stdout}"
        );
        assert!(
            stdout.contains("not an entnorm gazetteer index"),
            "{stdout}"
        );
    }
}

#[test]
fn format_and_partial_to_stdout_need_filter_mode() {
    let dir = TempDir::new("filter-args");
    let out_dir = dir.path("out");
    for extra in [["--format", "tsv"], ["--partial", "-"]] {
        let out = run_with(
            &[
                "run",
                fixture("articles.jsonl").to_str().unwrap(),
                "-o",
                out_dir.to_str().unwrap(),
                extra[0],
                extra[1],
            ],
            None,
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("filter mode"));
        assert!(
            !out_dir.exists(),
            "nothing written before the arguments are checked"
        );
    }
}

#[test]
fn partial_rows_on_stdout_carry_the_partial_file_line_by_line_in_csv_and_tsv() {
    let dir = TempDir::new("filter-partial");
    let input = std::fs::read(fixture("articles.jsonl")).unwrap();
    let file = dir.path("p.partial");
    assert_success(&run_with(
        &["run", "-", "-o", "-", "--partial", file.to_str().unwrap()],
        Some(&input),
    ));
    let expected = std::fs::read_to_string(&file).unwrap();
    assert!(expected.starts_with("entnorm-partial\t2\n") && expected.contains("\nentity\t"));
    for format in ["csv", "tsv"] {
        let out = run_with(
            &["run", "-", "-o", "-", "--format", format, "--partial", "-"],
            Some(&input),
        );
        assert_success(&out);
        let lines: Vec<String> = if format == "csv" {
            csv_rows(&out.stdout)
                .into_iter()
                .filter(|r| r[0] == "partial")
                .map(|r| {
                    assert_eq!(r.len(), 2, "{r:?}");
                    r[1].clone()
                })
                .collect()
        } else {
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .filter_map(|l| l.strip_prefix("partial\t").map(str::to_owned))
                .collect()
        };
        assert_eq!(lines.join("\n") + "\n", expected, "{format}");
    }
}
