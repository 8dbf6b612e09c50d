//! `run --partial` and `entnorm merge`: a corpus processed in parts, merged, gives the `entities.csv` of one
//! run over the whole corpus, byte for byte, whatever the split and the order of the parts.

use std::path::{Path, PathBuf};

use crate::util::*;

fn gazetteer_args(gazetteer: &Path) -> Vec<String> {
    vec![
        "--no-default-gazetteer".into(),
        "-g".into(),
        gazetteer.display().to_string(),
        "-q".into(),
    ]
}

fn entnorm_ok(args: &[String], stdin: Option<&[u8]>) -> std::process::Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_entnorm(&refs, stdin);
    assert_success(&out);
    out
}

/// The fixture articles, some of them twice (so that counts tie and exceed one per document), a record
/// whose text repeats names, and two bad records.
fn corpus() -> Vec<String> {
    let mut lines: Vec<String> = std::fs::read_to_string(fixture("articles.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let again: Vec<String> = lines.iter().take(4).cloned().collect();
    lines.extend(again);
    lines.push(
        r#"{"id": "rep", "text": "Syria, Syria and SYRIA; Sergey Lavrov and Сергей Лавров."}"#
            .into(),
    );
    // Misspelt and unknown names: fuzzy links and unmatched.csv rows.
    lines.extend(
        std::fs::read_to_string(fixture("fuzzy.jsonl"))
            .unwrap()
            .lines()
            .map(str::to_owned),
    );
    lines.push("not json".into());
    lines.push(r#"{"id": "no-text", "title": "Russia"}"#.into());
    lines
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// Splits `lines` into `parts` consecutive pieces (some may be empty).
fn split(lines: &[String], cuts: &[usize]) -> Vec<Vec<String>> {
    let mut parts = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&lines.len())) {
        parts.push(lines[start..cut].to_vec());
        start = cut;
    }
    parts
}

#[test]
fn merged_parts_give_entities_csv_byte_identical_to_one_run_for_any_split_and_order() {
    let dir = TempDir::new("merge");
    let gazetteer = fixture("gazetteer.tsv");
    let g = gazetteer_args(&gazetteer);
    let lines = corpus();
    let whole = dir.path("whole.jsonl");
    write_lines(&whole, &lines);
    let single = dir.path("single");
    let single_partial = dir.path("single.partial");
    let mut args: Vec<String> = vec![
        "run".into(),
        "--fuzzy".into(),
        whole.display().to_string(),
        "-o".into(),
        single.display().to_string(),
        "--partial".into(),
        single_partial.display().to_string(),
    ];
    args.extend(g.clone());
    entnorm_ok(&args, None);
    let expected = std::fs::read(single.join("entities.csv")).unwrap();
    assert!(expected.len() > 100);

    // Three parts, each made a different way: a table run with --partial FILE, filter mode with
    // --partial FILE, and filter mode with the partial as `partial` rows on stdout. One part is empty.
    let parts = split(&lines, &[5, 5, 13]);
    assert_eq!(parts.len(), 4);
    let mut partial_files: Vec<PathBuf> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let input = dir.path(&format!("part{i}.jsonl"));
        write_lines(&input, part);
        let partial = dir.path(&format!("part{i}.partial"));
        let stdin = std::fs::read(&input).unwrap();
        match i % 3 {
            0 => {
                let mut a: Vec<String> = vec![
                    "run".into(),
                    "--fuzzy".into(),
                    input.display().to_string(),
                    "-o".into(),
                    dir.path(&format!("out{i}")).display().to_string(),
                    "--partial".into(),
                    partial.display().to_string(),
                ];
                a.extend(g.clone());
                entnorm_ok(&a, None);
            }
            1 => {
                let mut a: Vec<String> = vec![
                    "run".into(),
                    "--fuzzy".into(),
                    "-".into(),
                    "-o".into(),
                    "-".into(),
                    "--partial".into(),
                    partial.display().to_string(),
                ];
                a.extend(g.clone());
                entnorm_ok(&a, Some(&stdin));
            }
            _ => {
                let mut a: Vec<String> = vec![
                    "run".into(),
                    "--fuzzy".into(),
                    "-".into(),
                    "-o".into(),
                    "-".into(),
                    "--format".into(),
                    "tsv".into(),
                    "--partial".into(),
                    "-".into(),
                ];
                a.extend(g.clone());
                let out = entnorm_ok(&a, Some(&stdin));
                let stdout = String::from_utf8(out.stdout).unwrap();
                let partial_lines: Vec<&str> = stdout
                    .lines()
                    .filter_map(|l| l.strip_prefix("partial\t"))
                    .collect();
                // The partial rows come last, after every mention and reject row.
                let first = stdout
                    .lines()
                    .position(|l| l.starts_with("partial\t"))
                    .unwrap();
                assert!(stdout
                    .lines()
                    .skip(first)
                    .all(|l| l.starts_with("partial\t")));
                let mut text = partial_lines.join("\n");
                text.push('\n');
                std::fs::write(&partial, text).unwrap();
            }
        }
        partial_files.push(partial);
    }

    let merge = |order: &[usize], name: &str| -> PathBuf {
        let out = dir.path(name);
        let mut a: Vec<String> = vec!["merge".into()];
        a.extend(
            order
                .iter()
                .map(|&i| partial_files[i].display().to_string()),
        );
        a.extend(["-o".into(), out.display().to_string(), "-q".into()]);
        entnorm_ok(&a, None);
        out
    };
    let forward = merge(&[0, 1, 2, 3], "merged");
    let got = std::fs::read(forward.join("entities.csv")).unwrap();
    assert!(
        got == expected,
        "merged entities.csv differs:\n{}\n---- single run:\n{}",
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&expected)
    );
    let backward = merge(&[3, 2, 1, 0], "merged-backward");
    assert_eq!(
        std::fs::read(backward.join("entities.csv")).unwrap(),
        expected
    );
    // unmatched.csv too, byte for byte, in either order.
    let expected_unmatched = std::fs::read(single.join("unmatched.csv")).unwrap();
    assert!(String::from_utf8_lossy(&expected_unmatched).contains("olesya vernadskaya,4,3"));
    for merged in [&forward, &backward] {
        let got = std::fs::read(merged.join("unmatched.csv")).unwrap();
        assert!(
            got == expected_unmatched,
            "merged unmatched.csv differs:\n{}\n---- single run:\n{}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expected_unmatched)
        );
    }

    // The merged counts are the single run's, rejects included.
    let report = read_json(&forward.join("merge.json"));
    let manifest = read_json(&single.join("run.json"));
    for key in ["records", "processed", "rejected", "mentions"] {
        assert_eq!(report["counts"][key], manifest["counts"][key], "{key}");
    }
    assert_eq!(report["counts"]["rejected"], 2);

    // Merging in rounds (a merged partial merged again) gives the same, and the merged partial of all
    // parts equals the single run's partial byte for byte.
    let round = dir.path("round1.partial");
    let mut a: Vec<String> = vec!["merge".into()];
    a.extend(partial_files[..2].iter().map(|p| p.display().to_string()));
    a.extend([
        "-o".into(),
        dir.path("round1").display().to_string(),
        "--partial".into(),
        round.display().to_string(),
        "-q".into(),
    ]);
    entnorm_ok(&a, None);
    let all = dir.path("all.partial");
    let mut a: Vec<String> = vec!["merge".into(), round.display().to_string()];
    a.extend(partial_files[2..].iter().map(|p| p.display().to_string()));
    a.extend([
        "-o".into(),
        dir.path("round2").display().to_string(),
        "--partial".into(),
        all.display().to_string(),
        "-q".into(),
    ]);
    entnorm_ok(&a, None);
    assert_eq!(
        std::fs::read(dir.path("round2").join("entities.csv")).unwrap(),
        expected
    );
    assert_eq!(
        std::fs::read(dir.path("round2").join("unmatched.csv")).unwrap(),
        expected_unmatched
    );
    assert_eq!(
        std::fs::read(&all).unwrap(),
        std::fs::read(&single_partial).unwrap()
    );
}

#[test]
fn merge_refuses_truncated_parts_and_parts_made_with_another_gazetteer() {
    let dir = TempDir::new("merge-refuse");
    let input = dir.path("in.jsonl");
    write_lines(&input, &corpus()[..6]);
    let make = |gazetteer: &Path, partial: &Path| {
        let mut a: Vec<String> = vec![
            "run".into(),
            "--fuzzy".into(),
            input.display().to_string(),
            "-o".into(),
            "-".into(),
            "--partial".into(),
            partial.display().to_string(),
        ];
        a.extend(gazetteer_args(gazetteer));
        entnorm_ok(&a, None);
    };
    let good = dir.path("good.partial");
    make(&fixture("gazetteer.tsv"), &good);
    let other_gazetteer = dir.path("other.tsv");
    std::fs::write(
        &other_gazetteer,
        "entity_id\tname\ttype\tlang\nx:syria\tSyria\tGPE\ten\n",
    )
    .unwrap();
    let other = dir.path("other.partial");
    make(&other_gazetteer, &other);
    let text = std::fs::read_to_string(&good).unwrap();
    let truncated = dir.path("truncated.partial");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();

    for (bad, expect) in [(&truncated, "truncated"), (&other, "gazetteer index")] {
        let out_dir = dir.path("out");
        let out = run_entnorm(
            &[
                "merge",
                good.to_str().unwrap(),
                bad.to_str().unwrap(),
                "-o",
                out_dir.to_str().unwrap(),
            ],
            None,
        );
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(bad.to_str().unwrap()) && stderr.contains(expect),
            "{stderr}"
        );
        assert!(!out_dir.join("entities.csv").exists());
    }
}

#[test]
fn spreadsheet_safe_applies_to_filter_rows_and_to_merge_as_to_run() {
    let dir = TempDir::new("merge-safe");
    let gazetteer = dir.path("g.tsv");
    std::fs::write(
        &gazetteer,
        "entity_id\tname\ttype\tlang\tkind\nt:ho\t@Home Office\tORG\ten\tcanonical\nt:ho\tHome Office\tORG\ten\tlabel\n",
    )
    .unwrap();
    let input = dir.path("in.jsonl");
    write_lines(
        &input,
        &[r#"{"id": "=1+1", "text": "The Home Office said so."}"#.to_owned()],
    );
    let g = gazetteer_args(&gazetteer);
    let tables = dir.path("tables");
    let partial = dir.path("p.partial");
    let mut a: Vec<String> = vec![
        "run".into(),
        input.display().to_string(),
        "-o".into(),
        tables.display().to_string(),
        "--spreadsheet-safe".into(),
        "--partial".into(),
        partial.display().to_string(),
    ];
    a.extend(g.clone());
    entnorm_ok(&a, None);
    let entities = std::fs::read_to_string(tables.join("entities.csv")).unwrap();
    assert!(entities.contains(",'@Home Office,"), "{entities}");

    let a: Vec<String> = vec![
        "merge".into(),
        partial.display().to_string(),
        "-o".into(),
        dir.path("merged").display().to_string(),
        "--spreadsheet-safe".into(),
        "-q".into(),
    ];
    entnorm_ok(&a, None);
    assert_eq!(
        std::fs::read_to_string(dir.path("merged/entities.csv")).unwrap(),
        entities
    );
    // The partial aggregate keeps the data as it is; only the tables are neutralised.
    assert!(std::fs::read_to_string(&partial)
        .unwrap()
        .contains("\t@Home Office\t"));

    for format in ["csv", "tsv"] {
        let mut a: Vec<String> = vec![
            "run".into(),
            input.display().to_string(),
            "-o".into(),
            "-".into(),
            "--format".into(),
            format.into(),
            "--spreadsheet-safe".into(),
        ];
        a.extend(g.clone());
        let out = entnorm_ok(&a, None);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let sep = if format == "csv" { "," } else { "\t" };
        assert!(
            stdout.starts_with(&format!("mention{sep}'=1+1{sep}text{sep}")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("{sep}'@Home Office{sep}")),
            "{stdout}"
        );
    }
}
