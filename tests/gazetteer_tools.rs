//! `entnorm gazetteer check`, and user gazetteers that add to, override and remove from other sources.

use crate::util::*;

#[test]
fn check_lists_bad_rows_with_file_and_line_and_prints_statistics() {
    let dir = TempDir::new("check");
    let gaz = dir.path("mine.tsv");
    std::fs::write(
        &gaz,
        "entity_id\tname\ttype\tlang\tkind\n\
         x:1\tWarszawa\tGPE\tpl\tcanonical\n\
         x:1\tВаршава\tGPE\tru\n\
         x:1\tWarszawa\tGPE\tpl\n\
         x:1\tWarsaw\tLOC\ten\n\
         x:2\t\tORG\ten\n\
         x:3\tKraków\tGPE\tpl\tnickname\n\
         x:4\tGdańsk\n",
    )
    .unwrap();
    let out = run_entnorm(
        &[
            "gazetteer",
            "check",
            "--no-default-gazetteer",
            "-g",
            gaz.to_str().unwrap(),
        ],
        None,
    );
    assert!(!out.status.success(), "bad rows must fail the check");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix}: {text}"))
    };
    assert_eq!(line("entities\t"), "entities\t1");
    assert_eq!(line("languages\t"), "languages\t3");
    assert_eq!(line("duplicate rows\t"), "duplicate rows\t1");
    assert_eq!(line("bad rows\t"), "bad rows\t3");
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error\t")).collect();
    assert!(errors[0].contains("mine.tsv:6: empty name"), "{errors:?}");
    assert!(
        errors[1].contains("mine.tsv:7: unknown kind `nickname`"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("mine.tsv:8: expected at least 4"),
        "{errors:?}"
    );
    assert!(
        text.contains("mine.tsv:5: entity x:1 has type GPE; this row says LOC"),
        "{text}"
    );

    let good = run_entnorm(
        &[
            "gazetteer",
            "check",
            "--no-default-gazetteer",
            "-g",
            fixture("gazetteer.tsv").to_str().unwrap(),
        ],
        None,
    );
    assert_success(&good);
}

#[test]
fn user_rows_remove_aliases_and_entities_and_override_types() {
    let dir = TempDir::new("overrides");
    let user = dir.path("user.tsv");
    std::fs::write(
        &user,
        "entity_id\tname\ttype\tlang\tkind\n\
         t:syria\tSyria\tGPE\ten\tremove\n\
         t:kerry\t*\tPER\ten\tremove\n\
         t:aleppo\tHalab\tGPE\tar\talias\n",
    )
    .unwrap();
    let out = dir.path("out");
    let input = fixture("articles.jsonl");
    let args = [
        "run",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-default-gazetteer",
        "-q",
    ];
    let gaz = fixture("gazetteer.tsv");
    let extra = ["-g", user.to_str().unwrap(), "-g", gaz.to_str().unwrap()];
    // With the fuzzy stage on, `Syria` is one edit from the entity's German label `Syrien`: a removed
    // alias must not come back through a near spelling of the same entity.
    let fuzzy_out = dir.path("out-fuzzy");
    let fuzzy_args = [
        "run",
        input.to_str().unwrap(),
        "-o",
        fuzzy_out.to_str().unwrap(),
        "--no-default-gazetteer",
        "-q",
        "--fuzzy",
    ];
    assert_success(&run_entnorm(&[&fuzzy_args[..], &extra[..]].concat(), None));
    let fuzzy_mentions = read_table(&fuzzy_out.join("mentions.csv"));
    assert!(
        !fuzzy_mentions.iter().any(|m| m["surface"] == "Syria"),
        "the removed alias is not fuzzy-linked either: {fuzzy_mentions:?}"
    );
    assert!(fuzzy_mentions
        .iter()
        .any(|m| m["surface"] == "Syrien" && m["entity_id"] == "t:syria"));
    assert_success(&run_entnorm(&[&args[..], &extra[..]].concat(), None));
    let mentions = read_table(&out.join("mentions.csv"));
    assert!(
        !mentions.iter().any(|m| m["surface"] == "Syria"),
        "the removed alias no longer matches"
    );
    assert!(
        mentions
            .iter()
            .any(|m| m["surface"] == "Сирия" && m["entity_id"] == "t:syria"),
        "other aliases stay"
    );
    assert!(
        !mentions.iter().any(|m| m["entity_id"] == "t:kerry"),
        "the removed entity is gone"
    );
    let aleppo = mentions
        .iter()
        .find(|m| m["entity_id"] == "t:aleppo")
        .unwrap();
    assert_eq!(
        aleppo["entity_type"], "GPE",
        "the user's type wins over the other source's LOC"
    );
}

#[test]
fn a_user_list_drops_a_misfiring_alias_of_the_default_gazetteer() {
    let dir = TempDir::new("drop-default");
    let text = dir.path("a.txt");
    std::fs::write(&text, "US officials met Sergey Lavrov in Syria.").unwrap();
    // Every entity of the default gazetteer that `US` would link to, as `entnorm lookup` reports them.
    let lookup = run_entnorm(&["lookup", "US"], None);
    assert_success(&lookup);
    let ids: Vec<String> = String::from_utf8(lookup.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(1).unwrap().to_owned())
        .collect();
    assert!(!ids.is_empty());
    let user = dir.path("user.tsv");
    let mut rows = String::from("entity_id\tname\ttype\tlang\tkind\n");
    for id in &ids {
        rows.push_str(&format!("{id}\tUS\tGPE\ten\tremove\n"));
    }
    std::fs::write(&user, rows).unwrap();
    let out = dir.path("out");
    assert_success(&run_entnorm(
        &[
            "run",
            text.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-g",
            user.to_str().unwrap(),
            "-q",
        ],
        None,
    ));
    let mentions = read_table(&out.join("mentions.csv"));
    let surfaces: Vec<&str> = mentions.iter().map(|m| m["surface"].as_str()).collect();
    assert_eq!(surfaces, ["Sergey Lavrov", "Syria"]);
}

#[test]
fn a_one_language_user_list_finds_other_languages_under_the_users_ids() {
    let dir = TempDir::new("enrich");
    let user = dir.path("mine.tsv");
    std::fs::write(
        &user,
        "entity_id\tname\ttype\tlang\nmy:DE\tГермания\tLOC\tru\n",
    )
    .unwrap();
    let text = dir.path("a.txt");
    std::fs::write(&text, "Niemcy i Německo; Deutschland.").unwrap();
    let out = dir.path("out");
    assert_success(&run_entnorm(
        &[
            "run",
            text.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-g",
            user.to_str().unwrap(),
            "-q",
        ],
        None,
    ));
    let mentions = read_table(&out.join("mentions.csv"));
    let got: Vec<(&str, &str)> = mentions
        .iter()
        .map(|m| (m["surface"].as_str(), m["entity_id"].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Niemcy", "my:DE"),
            ("Německo", "my:DE"),
            ("Deutschland", "my:DE")
        ]
    );
    let linked = &mentions[0]["default_id"];
    assert!(
        linked.starts_with('Q'),
        "the default gazetteer's QID is reported beside the user's ID: {linked:?}"
    );
    assert!(mentions.iter().all(|m| &m["default_id"] == linked));
}
