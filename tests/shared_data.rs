//! Acceptance on the shared research data beside the checkout (`../shared/data`): the demonstration article
//! and a slice of the multilingual news corpus. Each test prints SKIPPED when the data is absent; CI sets
//! ENTNORM_REQUIRE_SHARED so that there a missing folder fails instead.

use crate::util::*;

#[test]
fn demonstration_article_links_full_names_of_persons_and_countries() {
    let Some(data) = shared_data() else { return };
    let article = data.join("examples/syria-2016-article.txt");
    let dir = TempDir::new("demo");
    let out = dir.path("out");
    assert_success(&run_entnorm(
        &[
            "run",
            article.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-q",
        ],
        None,
    ));
    let mentions = read_table(&out.join("mentions.csv"));
    let text: Vec<char> = std::fs::read_to_string(&article).unwrap().chars().collect();
    for m in &mentions {
        let (s, e): (usize, usize) = (m["start"].parse().unwrap(), m["end"].parse().unwrap());
        assert_eq!(text[s..e].iter().collect::<String>(), m["surface"]);
    }
    let linked = |surface: &str, qid: &str| {
        mentions
            .iter()
            .any(|m| m["surface"] == surface && m["entity_id"] == qid)
    };
    // QIDs as listed in ../shared/data/README.md (coverage check of the demonstration article).
    for (surface, qid) in [
        ("John Kerry", "Q22316"),
        ("Sergey Lavrov", "Q58217"),
        ("Barack Obama", "Q76"),
        ("Angela Merkel", "Q567"),
        ("Federica Mogherini", "Q3741557"),
        ("Bashar al-Assad", "Q44329"),
        ("Antony Blinken", "Q7821917"),
        ("Bashar Ja'afari", "Q4866775"),
        ("Syria", "Q858"),
        ("Russia", "Q159"),
        ("European Union", "Q458"),
        ("EU", "Q458"),
        ("UN", "Q1065"),
    ] {
        assert!(
            linked(surface, qid),
            "{surface} should link to {qid}; got {mentions:#?}"
        );
    }
    // Surname-only mentions after the full name link to the full name's entity: by document-level
    // resolution, or directly where the surname is an alias of that person (`Lavrov` and `Obama` are, from
    // the Phoenix entries merged into the politicians' QIDs).
    for (surface, qid) in [
        ("Kerry", "Q22316"),
        ("Obama", "Q76"),
        ("Lavrov", "Q58217"),
        ("Merkel", "Q567"),
        ("Blinken", "Q7821917"),
    ] {
        let short: Vec<_> = mentions
            .iter()
            .filter(|m| m["surface"] == surface)
            .collect();
        assert!(!short.is_empty(), "{surface} is not linked at all");
        assert!(
            short.iter().all(|m| m["entity_id"] == qid),
            "{surface} should link to {qid}, the entity of the document's full mention: {short:#?}"
        );
    }
    // Name-part spellings: `Sergei Lavrov` is the same person as `Sergey Lavrov`.
    assert!(linked("Sergei Lavrov", "Q58217"), "{mentions:#?}");
    // `DAESH` is the entity that `ISIL` and `Islamic State` name.
    let lookup = run_entnorm(&["lookup", "ISIL", "Islamic State", "DAESH"], None);
    assert_success(&lookup);
    let first_hit = |name: &str| -> String {
        String::from_utf8_lossy(&lookup.stdout)
            .lines()
            .find(|l| l.split('\t').next() == Some(name))
            .and_then(|l| l.split('\t').nth(1))
            .unwrap_or("")
            .to_owned()
    };
    let isil = first_hit("ISIL");
    assert!(!isil.is_empty());
    assert_eq!(first_hit("Islamic State"), isil);
    assert_eq!(first_hit("DAESH"), isil);
    assert!(
        linked("DAESH", &isil),
        "DAESH should be {isil}: {mentions:#?}"
    );
    // `us` in running text is a pronoun, not the United States.
    assert!(
        !mentions.iter().any(|m| m["surface"] == "us"),
        "{mentions:#?}"
    );
}

#[test]
fn corpus_slice_gives_identical_tables_with_one_and_two_threads() {
    let dir = TempDir::new("corpus-threads");
    let Some(slice) = corpus_slice(&dir, 3000) else {
        return;
    };
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path(&format!("out{threads}"));
        let args = [
            "run",
            slice.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "-q",
        ];
        assert_success(&run_entnorm(&args, None));
        outputs.push(out);
    }
    let mentions = read_table(&outputs[0].join("mentions.csv"));
    assert!(
        mentions.len() > 1000,
        "only {} mentions in 3000 articles",
        mentions.len()
    );
    assert_offsets_slice_text(&slice, &mentions);
    for table in [
        "mentions.csv",
        "entities.csv",
        "documents.csv",
        "rejects.csv",
    ] {
        let a = std::fs::read(outputs[0].join(table)).unwrap();
        let b = std::fs::read(outputs[1].join(table)).unwrap();
        assert!(a == b, "{table} differs between 1 and 2 threads");
    }
    let manifest = read_json(&outputs[0].join("run.json"));
    assert_eq!(manifest["counts"]["records"], 3000);
}

#[test]
fn imported_wikidata_gazetteer_is_usable_by_run_and_lookup() {
    let Some(data) = shared_data() else { return };
    let dir = TempDir::new("wikidata");
    let gaz = dir.path("wd.tsv.gz");
    let dump = data.join("sources/wikidata-entities/entities.json.gz");
    let import = run_entnorm(
        &[
            "gazetteer",
            "import-wikidata",
            dump.to_str().unwrap(),
            "-o",
            gaz.to_str().unwrap(),
            "--languages",
            "en,ru",
            "-q",
        ],
        None,
    );
    assert_success(&import);
    assert!(!dir.path("wd.tsv.gz.partial").exists());
    let check = run_entnorm(
        &[
            "gazetteer",
            "check",
            "--no-default-gazetteer",
            "-g",
            gaz.to_str().unwrap(),
        ],
        None,
    );
    assert_success(&check);
    // Every canonical name written must find its own entity again through the whole toolchain.
    let text = {
        use std::io::Read;
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&gaz).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let canonical: Vec<(&str, &str)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[4] == "canonical" && f[1].chars().count() >= 7).then_some((f[0], f[1]))
        })
        .take(40)
        .collect();
    assert_eq!(canonical.len(), 40);
    let mut args = vec![
        "lookup",
        "--no-default-gazetteer",
        "-g",
        gaz.to_str().unwrap(),
    ];
    args.extend(canonical.iter().map(|(_, name)| *name));
    let out = run_entnorm(&args, None);
    assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    for (qid, name) in canonical {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name}\t{qid}\t"))),
            "{name} -> {qid}:\n{stdout}"
        );
    }
}
