//! Every input form gives the same mentions: JSON Lines (plain, gzip, stdin), CSV with chosen columns, .txt
//! files, and directories of them.

use std::io::Write;

use crate::util::*;

fn run_with(
    inputs: &[&str],
    out: &std::path::Path,
    extra: &[&str],
    stdin: Option<&[u8]>,
) -> Vec<std::collections::HashMap<String, String>> {
    let gaz = fixture("gazetteer.tsv");
    let mut args = vec!["run"];
    args.extend(inputs);
    args.extend([
        "-o",
        out.to_str().unwrap(),
        "--no-default-gazetteer",
        "-g",
        gaz.to_str().unwrap(),
        "-q",
    ]);
    args.extend(extra);
    assert_success(&run_entnorm(&args, stdin));
    read_table(&out.join("mentions.csv"))
}

fn keys(
    rows: &[std::collections::HashMap<String, String>],
) -> Vec<(String, String, String, String)> {
    rows.iter()
        .map(|m| {
            (
                m["doc_id"].clone(),
                m["start"].clone(),
                m["end"].clone(),
                m["entity_id"].clone(),
            )
        })
        .collect()
}

#[test]
fn gzip_and_stdin_jsonl_match_the_plain_file() {
    let dir = TempDir::new("gz-stdin");
    let plain = std::fs::read(fixture("articles.jsonl")).unwrap();
    let gz_path = dir.path("articles.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(&plain).unwrap();
    enc.finish().unwrap();
    let reference = run_with(
        &[fixture("articles.jsonl").to_str().unwrap()],
        &dir.path("plain"),
        &[],
        None,
    );
    let from_gz = run_with(&[gz_path.to_str().unwrap()], &dir.path("gz"), &[], None);
    let from_stdin = run_with(&["-"], &dir.path("stdin"), &[], Some(&plain));
    assert!(!reference.is_empty());
    assert_eq!(keys(&reference), keys(&from_gz));
    assert_eq!(keys(&reference), keys(&from_stdin));
}

#[test]
fn csv_with_chosen_columns_and_a_ragged_row() {
    let dir = TempDir::new("csv");
    let csv_path = dir.path("news.csv");
    std::fs::write(
        &csv_path,
        "article,headline,body\n\
         a1,Talks,\"John Kerry met Сергей Лавров, in Geneva\"\n\
         a2,Extra,too,many,fields\n\
         a3,Syria,\"Война в Сирии; \"\"Сирия\"\" устала\"\n",
    )
    .unwrap();
    let out = dir.path("out");
    let mentions = run_with(
        &[csv_path.to_str().unwrap()],
        &out,
        &[
            "--text-column",
            "body",
            "--id-column",
            "article",
            "--title-column",
            "headline",
        ],
        None,
    );
    let ids: Vec<(&str, &str, &str)> = mentions
        .iter()
        .map(|m| {
            (
                m["doc_id"].as_str(),
                m["field"].as_str(),
                m["entity_id"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("a1", "text", "t:kerry"),
            ("a1", "text", "t:lavrov"),
            ("a3", "title", "t:syria"),
            ("a3", "text", "t:syria")
        ]
    );
    let rejects = read_table(&out.join("rejects.csv"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["record"], "2");
    assert_eq!(rejects[0]["line"], "3");
    assert!(
        rejects[0]["reason"].starts_with("ragged row: 5 fields, header has 3"),
        "{:?}",
        rejects[0]
    );
}

#[test]
fn directory_of_txt_files_in_name_order_with_file_names_as_ids() {
    let dir = TempDir::new("txtdir");
    let docs = dir.path("docs");
    std::fs::create_dir_all(docs.join("sub")).unwrap();
    std::fs::write(docs.join("b.txt"), "\u{feff}Syria and Russia").unwrap();
    std::fs::write(docs.join("a.txt"), "Сергей Лавров").unwrap();
    std::fs::write(docs.join("sub/c.txt"), "叙利亚").unwrap();
    std::fs::write(docs.join("notes.md"), "Syria").unwrap();
    std::fs::write(docs.join("bad.txt"), b"Syria \xc3\x28").unwrap();
    let out = dir.path("out");
    let mentions = run_with(&[docs.to_str().unwrap()], &out, &[], None);
    let ids: Vec<(&str, &str)> = mentions
        .iter()
        .map(|m| (m["doc_id"].as_str(), m["surface"].as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("a.txt", "Сергей Лавров"),
            ("b.txt", "Syria"),
            ("b.txt", "Russia"),
            ("c.txt", "叙利亚")
        ]
    );
    // The byte-order mark is not text: offsets count from the first character after it.
    assert_eq!(mentions[1]["start"], "0");
    let rejects = read_table(&out.join("rejects.csv"));
    assert_eq!(rejects.len(), 1);
    assert!(
        rejects[0]["source_file"].ends_with("bad.txt")
            && rejects[0]["reason"].starts_with("invalid UTF-8")
    );
}
