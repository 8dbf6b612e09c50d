//! Tests of the Wikidata dump importer on `shared/data/sources/wikidata-entities/entities.json.gz`
//! (801 real entities in the `latest-all.json` layout) against its `manifest.tsv` and against an
//! independent oracle that recomputes the expected rows from the entity JSON with `serde_json::Value`.
//! The tests that need the shared data print `SKIPPED: …` when it is absent, unless
//! `ENTNORM_REQUIRE_SHARED` is set (as in CI), where they fail instead.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use entnorm_pipeline::wikidata::{type_of_class, GAZETTEER_HEADER};
use entnorm_pipeline::{
    import_wikidata, ImportProgress, ImportStats, WikidataError, WikidataImportOptions,
};
use serde_json::Value;

const DECOMPRESSED_BYTES: u64 = 21_226_889;
const LINES: u64 = 803;

fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("ENTNORM_REQUIRE_SHARED").is_some() {
        panic!(
            "{} is absent but ENTNORM_REQUIRE_SHARED is set (as in CI)",
            dir.display()
        );
    } else {
        eprintln!(
            "SKIPPED: {} is absent; this test needs the shared research data",
            dir.display()
        );
        None
    }
}

/// A scratch folder of this test process.
fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wikidata-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Fixture {
    gz: PathBuf,
    manifest: PathBuf,
    /// The decompressed dump text.
    text: String,
    /// Every entity in file order.
    entities: Vec<Value>,
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let dir = shared_data()?.join("sources/wikidata-entities");
            let gz = dir.join("entities.json.gz");
            let mut text = String::new();
            flate2::read::MultiGzDecoder::new(std::fs::File::open(&gz).unwrap())
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text.len() as u64, DECOMPRESSED_BYTES);
            // The whole text is also one JSON array: the oracle parses it that way, not line by line.
            let Value::Array(entities) = serde_json::from_str(&text).unwrap() else {
                panic!("not an array")
            };
            assert_eq!(entities.len(), 801);
            Some(Fixture {
                gz,
                manifest: dir.join("manifest.tsv"),
                text,
                entities,
            })
        })
        .as_ref()
}

/// The decompressed dump as a plain file (written once per process).
fn plain_file(f: &Fixture) -> PathBuf {
    static PLAIN: OnceLock<PathBuf> = OnceLock::new();
    PLAIN
        .get_or_init(|| {
            let path = scratch().join("latest-all.json");
            std::fs::write(&path, &f.text).unwrap();
            path
        })
        .clone()
}

fn import(path: &Path, options: &WikidataImportOptions) -> (String, ImportStats) {
    let mut out = Vec::new();
    let stats = import_wikidata(path, &mut out, options, &|_| {}).unwrap();
    (String::from_utf8(out).unwrap(), stats)
}

fn all_languages_all_items() -> WikidataImportOptions {
    WikidataImportOptions {
        include_unmapped: true,
        threads: 2,
        ..Default::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    id: String,
    name: String,
    ty: String,
    lang: String,
    kind: String,
    prior: String,
    attributes: String,
}

/// Parses the gazetteer TSV; checks the header and the seven fields of every row.
fn rows(tsv: &str) -> Vec<Row> {
    let mut lines = tsv.split_terminator('\n');
    assert_eq!(lines.next(), Some(GAZETTEER_HEADER));
    lines
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 7, "{line:?}");
            assert!(!f[1].trim().is_empty() && f[1].trim() == f[1], "{line:?}");
            Row {
                id: f[0].into(),
                name: f[1].into(),
                ty: f[2].into(),
                lang: f[3].into(),
                kind: f[4].into(),
                prior: f[5].into(),
                attributes: f[6].into(),
            }
        })
        .collect()
}

/// Rows grouped by entity, entities in output order.
fn by_entity(rows: &[Row]) -> Vec<(String, Vec<Row>)> {
    let mut out: Vec<(String, Vec<Row>)> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((id, list)) if *id == row.id => list.push(row.clone()),
            _ => out.push((row.id.clone(), vec![row.clone()])),
        }
    }
    let distinct: HashSet<&String> = out.iter().map(|(id, _)| id).collect();
    assert_eq!(
        distinct.len(),
        out.len(),
        "an entity's rows are not contiguous"
    );
    out
}

// ---- The oracle: expectations computed from the entity JSON itself. ----

/// A JSON object's entries; PHP's `[]` for an empty object and a missing member are empty.
fn entries(v: Option<&Value>) -> Vec<(&String, &Value)> {
    match v {
        Some(Value::Object(m)) => m.iter().collect(),
        _ => Vec::new(),
    }
}

fn is_item(e: &Value) -> bool {
    e["type"] == "item"
}

fn sitelinks(e: &Value) -> u64 {
    entries(e.get("sitelinks")).len() as u64
}

/// Non-deprecated P31 values in claim order (`id`, or `Q` + `numeric-id` in the old layout).
fn p31(e: &Value) -> Vec<String> {
    let Some(Value::Array(claims)) = e.get("claims").and_then(|c| c.get("P31")) else {
        return Vec::new();
    };
    claims
        .iter()
        .filter(|c| c["rank"] != "deprecated")
        .filter_map(|c| {
            let v = &c["mainsnak"]["datavalue"]["value"];
            v["id"]
                .as_str()
                .map(str::to_string)
                .or_else(|| v["numeric-id"].as_u64().map(|n| format!("Q{n}")))
        })
        .collect()
}

/// The mapped type (first P31 value the importer's class table knows), if any.
fn mapped_type(e: &Value) -> Option<&'static str> {
    p31(e).iter().find_map(|q| type_of_class(q))
}

/// `(lang, name, is_label)` of an entity in the chosen languages, unique per (lang, name), labels first.
fn names(e: &Value, langs: Option<&[&str]>) -> Vec<(String, String, bool)> {
    let keep = |l: &str| langs.is_none_or(|ls| ls.contains(&l));
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (lang, term) in entries(e.get("labels")) {
        let name = term["value"].as_str().unwrap().trim().to_string();
        if keep(lang) && !name.is_empty() && seen.insert((lang.clone(), name.clone())) {
            out.push((lang.clone(), name, true));
        }
    }
    for (lang, list) in entries(e.get("aliases")) {
        for term in list.as_array().unwrap() {
            let name = term["value"].as_str().unwrap().trim().to_string();
            if keep(lang) && !name.is_empty() && seen.insert((lang.clone(), name.clone())) {
                out.push((lang.clone(), name, false));
            }
        }
    }
    out
}

fn read_manifest(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(
        header,
        [
            "id",
            "type",
            "source",
            "n_labels",
            "n_alias_langs",
            "n_aliases",
            "n_claim_props",
            "n_sitelinks",
            "P31",
            "label_en"
        ]
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), header.len(), "{l:?}");
            header
                .iter()
                .zip(f)
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn num(m: &HashMap<String, String>, key: &str) -> u64 {
    m[key].parse().unwrap()
}

#[test]
fn all_items_match_the_manifest() {
    let Some(f) = fixture() else { return };
    let manifest = read_manifest(&f.manifest);
    assert_eq!(manifest.len(), 801);
    let last = std::cell::Cell::new(ImportProgress::default());
    let calls = std::cell::Cell::new(0u32);
    let mut out = Vec::new();
    let options = WikidataImportOptions {
        batch_lines: 100,
        ..all_languages_all_items()
    };
    let stats = import_wikidata(&f.gz, &mut out, &options, &|p| {
        assert!(p.lines >= last.get().lines && p.rows_written >= last.get().rows_written);
        last.set(p);
        calls.set(calls.get() + 1);
    })
    .unwrap();
    let tsv = String::from_utf8(out).unwrap();
    let rows = rows(&tsv);
    let grouped = by_entity(&rows);

    // One entity per item, in file order; the two properties (P31, P3467) are skipped.
    let items: Vec<&HashMap<String, String>> =
        manifest.iter().filter(|m| m["type"] == "item").collect();
    assert_eq!(items.len(), 799);
    assert_eq!(
        grouped
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>(),
        items.iter().map(|m| m["id"].as_str()).collect::<Vec<_>>()
    );
    assert_eq!(
        (stats.entities, stats.items, stats.skipped_non_items),
        (801, 799, 2)
    );
    assert_eq!(stats.entities_written, 799);
    assert_eq!(stats.rows_written, rows.len() as u64);
    assert_eq!(
        (stats.lines, stats.bytes),
        (LINES, DECOMPRESSED_BYTES),
        "whole file read"
    );
    let gz_size = std::fs::metadata(&f.gz).unwrap().len();
    assert_eq!(last.get().input_bytes, gz_size);
    assert_eq!(last.get().input_total, gz_size);
    assert_eq!(last.get().entities_written, 799);
    assert!(calls.get() >= 8, "one progress call per batch of 100 lines");

    let json_by_id: HashMap<&str, &Value> = f
        .entities
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e))
        .collect();
    let mut duplicates_total = 0;
    for (m, (id, rows)) in items.iter().zip(&grouped) {
        let e = json_by_id[id.as_str()];
        let labels = rows.iter().filter(|r| r.kind != "alias").count() as u64;
        let aliases = rows.iter().filter(|r| r.kind == "alias").count() as u64;
        // The manifest counts every label and every alias as the dump lists them. The importer writes
        // one row per (entity, name, language), so an alias that repeats the label (or an earlier
        // alias) in the same language is not written again: the expected alias rows are the manifest's
        // count less those repeats, which the oracle counts from the JSON. No name in this file is
        // empty or blank, so labels are not adjusted.
        let oracle = names(e, None);
        let repeats = num(m, "n_labels") + num(m, "n_aliases") - oracle.len() as u64;
        duplicates_total += repeats;
        assert_eq!(labels, num(m, "n_labels"), "{id}: label rows");
        assert_eq!(aliases, num(m, "n_aliases") - repeats, "{id}: alias rows");
        let alias_langs: BTreeSet<&str> = entries(e.get("aliases"))
            .iter()
            .map(|(l, _)| l.as_str())
            .collect();
        assert_eq!(alias_langs.len() as u64, num(m, "n_alias_langs"), "{id}");

        // Exactly one canonical row, first, and it is the English label when there is one.
        let canonical: Vec<&Row> = rows.iter().filter(|r| r.kind == "canonical").collect();
        assert_eq!(canonical.len(), 1, "{id}");
        assert_eq!(rows[0].kind, "canonical", "{id}");
        if !m["label_en"].is_empty() {
            assert_eq!(
                (rows[0].lang.as_str(), rows[0].name.as_str()),
                ("en", m["label_en"].as_str()),
                "{id}"
            );
        }
        // Prior = sitelinks on every row; attributes on the first row only.
        for r in rows {
            assert_eq!(r.prior, m["n_sitelinks"], "{id}");
        }
        let p31_first = p31(e);
        let decided = p31_first
            .iter()
            .find(|q| type_of_class(q).is_some())
            .or(p31_first.first());
        let expected_attrs = match decided {
            Some(q) => format!("sitelinks={}; p31={q}", m["n_sitelinks"]),
            None => format!("sitelinks={}", m["n_sitelinks"]),
        };
        assert_eq!(rows[0].attributes, expected_attrs, "{id}");
        assert!(rows[1..].iter().all(|r| r.attributes.is_empty()), "{id}");
        let ty = mapped_type(e).unwrap_or("MISC");
        assert!(rows.iter().all(|r| r.ty == ty), "{id}");
        // Order: canonical, labels by language, aliases by language.
        let keys: Vec<(u8, &str)> = rows[1..]
            .iter()
            .map(|r| (u8::from(r.kind == "alias"), r.lang.as_str()))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{id}: row order");
    }
    // 7 aliases of items in this file repeat their entity's label in the same language (and 2 more of
    // the properties, which are skipped).
    assert_eq!(duplicates_total, 7);
    assert_eq!(stats.duplicate_names, 7);
    assert_eq!(stats.empty_names, 0);

    // Humans: the manifest's 198 items with P31 = Q5, plus Q131261 (Oliver Kahn), whose P31 is written
    // in the old layout (`numeric-id: 5` without `id`), which the manifest's P31 column leaves empty.
    let per: BTreeSet<&str> = grouped
        .iter()
        .filter(|(_, r)| r[0].ty == "PER")
        .map(|(id, _)| id.as_str())
        .collect();
    let mut humans: BTreeSet<&str> = items
        .iter()
        .filter(|m| m["P31"].split(',').next() == Some("Q5"))
        .map(|m| m["id"].as_str())
        .collect();
    assert_eq!(humans.len(), 198);
    humans.insert("Q131261");
    assert_eq!(per, humans);
    assert_eq!(stats.by_type.values().sum::<u64>(), 799);
}

/// An entity's `(lang, name, kind)` rows.
type NamedRows = (String, BTreeSet<(String, String, String)>);

#[test]
fn language_filter_matches_the_entity_json() {
    let Some(f) = fixture() else { return };
    let langs = ["en", "ru"];
    let options = WikidataImportOptions {
        languages: Some(vec!["en".into(), "RU".into()]), // codes are case-insensitive
        ..all_languages_all_items()
    };
    let (tsv, stats) = import(&f.gz, &options);
    let grouped = by_entity(&rows(&tsv));
    let mut expected: Vec<NamedRows> = Vec::new();
    for e in f.entities.iter().filter(|e| is_item(e)) {
        let names = names(e, Some(&langs));
        if names.is_empty() {
            continue;
        }
        // Canonical: the English label, else the Russian one.
        let canonical = ["en", "ru"].iter().find_map(|l| {
            names
                .iter()
                .position(|(nl, _, is_label)| *is_label && nl == l)
        });
        let set = names
            .iter()
            .enumerate()
            .map(|(i, (l, n, is_label))| {
                let kind = if Some(i) == canonical {
                    "canonical"
                } else if *is_label {
                    "label"
                } else {
                    "alias"
                };
                (l.clone(), n.clone(), kind.to_string())
            })
            .collect();
        expected.push((e["id"].as_str().unwrap().to_string(), set));
    }
    let got: Vec<NamedRows> = grouped
        .into_iter()
        .map(|(id, rows)| {
            let n = rows.len();
            let set: BTreeSet<_> = rows.into_iter().map(|r| (r.lang, r.name, r.kind)).collect();
            assert_eq!(set.len(), n, "{id}: repeated row");
            (id, set)
        })
        .collect();
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e);
    }
    assert_eq!(
        stats.skipped_no_names,
        799 - expected.len() as u64,
        "items without en/ru names"
    );
    assert!(expected.len() > 600, "most items have en or ru names");
}

/// Entity IDs written and their types.
fn written(tsv: &str) -> Vec<(String, String)> {
    by_entity(&rows(tsv))
        .into_iter()
        .map(|(id, r)| (id, r[0].ty.clone()))
        .collect()
}

#[test]
fn sitelink_and_type_filters_match_the_oracle() {
    let Some(f) = fixture() else { return };
    let items: Vec<&Value> = f.entities.iter().filter(|e| is_item(e)).collect();
    let oracle = |min: u64, types: Option<&[&str]>, unmapped: bool| -> Vec<(String, String)> {
        items
            .iter()
            .filter(|e| sitelinks(e) >= min)
            .filter_map(|e| {
                let ty = match mapped_type(e) {
                    Some(t) => t,
                    None if unmapped => "MISC",
                    None => return None,
                };
                types
                    .is_none_or(|ts| ts.contains(&ty))
                    .then(|| (e["id"].as_str().unwrap().to_string(), ty.to_string()))
            })
            .collect()
    };
    let run = |min: u32, types: Option<&[&str]>, unmapped: bool| {
        let options = WikidataImportOptions {
            min_sitelinks: min,
            types: types.map(|t| t.iter().map(|s| s.to_string()).collect()),
            include_unmapped: unmapped,
            threads: 3,
            ..Default::default()
        };
        import(&f.gz, &options)
    };

    // Defaults: only items whose P31 maps.
    let (tsv, stats) = run(0, None, false);
    let expected = oracle(0, None, false);
    assert_eq!(written(&tsv), expected);
    assert_eq!(stats.skipped_unmapped, 799 - expected.len() as u64);
    assert!(expected.len() > 300);

    let (tsv, stats) = run(20, None, true);
    let expected = oracle(20, None, true);
    assert_eq!(written(&tsv), expected);
    assert_eq!(stats.skipped_sitelinks, 799 - expected.len() as u64);
    assert!(expected.len() > 100 && expected.len() < 700);

    let types: &[&str] = &["GPE", "PER"];
    let (tsv, stats) = run(0, Some(types), false);
    let expected = oracle(0, Some(types), false);
    assert_eq!(written(&tsv), expected);
    assert!(expected.iter().any(|(_, t)| t == "GPE") && expected.iter().any(|(_, t)| t == "PER"));
    assert_eq!(
        stats.skipped_type + stats.skipped_unmapped + expected.len() as u64,
        799
    );

    let types: &[&str] = &["LOC", "MISC"];
    let (tsv, _) = run(50, Some(types), true);
    assert_eq!(written(&tsv), oracle(50, Some(types), true));
}

#[test]
fn output_does_not_depend_on_threads_or_batches() {
    let Some(f) = fixture() else { return };
    let plain = plain_file(f);
    let mut outputs = Vec::new();
    for (threads, batch_lines) in [(1, 2048), (2, 2048), (2, 7), (8, 1), (0, 64)] {
        let options = WikidataImportOptions {
            threads,
            batch_lines,
            ..all_languages_all_items()
        };
        outputs.push((threads, batch_lines, import(&plain, &options)));
    }
    let (_, _, (first, first_stats)) = &outputs[0];
    for (threads, batch, (out, stats)) in &outputs[1..] {
        assert!(
            out == first,
            "threads={threads} batch_lines={batch} differs"
        );
        assert_eq!(stats, first_stats);
    }
}

#[test]
fn plain_gzip_and_bzip2_give_identical_output() {
    let Some(f) = fixture() else { return };
    let dir = scratch();
    let plain = plain_file(f);
    let bz2 = dir.join("latest-all.json.bz2");
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    enc.write_all(f.text.as_bytes()).unwrap();
    std::fs::write(&bz2, enc.finish().unwrap()).unwrap();
    // Multi-stream bzip2 (as written by pbzip2/lbzip2), without an extension: found by magic bytes.
    let split = f.text[..f.text.len() / 2].rfind('\n').unwrap() + 1;
    let mut multi = Vec::new();
    for part in [&f.text[..split], &f.text[split..]] {
        let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        enc.write_all(part.as_bytes()).unwrap();
        multi.extend(enc.finish().unwrap());
    }
    let multi_path = dir.join("dump-multistream");
    std::fs::write(&multi_path, multi).unwrap();

    let options = all_languages_all_items();
    let (from_plain, stats) = import(&plain, &options);
    assert_eq!(stats.entities_written, 799);
    for path in [&f.gz, &bz2, &multi_path] {
        let (out, s) = import(path, &options);
        assert!(out == from_plain, "{} differs from plain", path.display());
        assert_eq!(s, stats, "{}", path.display());
    }
}

#[test]
fn corrupt_line_is_an_error_with_its_line_number() {
    let Some(f) = fixture() else { return };
    let dir = scratch();
    let mut lines: Vec<&str> = f.text.split_inclusive('\n').collect();
    assert_eq!(lines.len() as u64, LINES);
    // Line 100 (1-based) cut in the middle, as a truncated download would leave it.
    let mut half = lines[99].len() / 2;
    while !lines[99].is_char_boundary(half) {
        half -= 1;
    }
    let cut = format!("{}\n", &lines[99][..half]);
    lines[99] = &cut;
    let path = dir.join("corrupt.json");
    std::fs::write(&path, lines.concat()).unwrap();
    for threads in [1, 4] {
        let options = WikidataImportOptions {
            threads,
            batch_lines: 16,
            ..all_languages_all_items()
        };
        let mut out = Vec::new();
        match import_wikidata(&path, &mut out, &options, &|_| {}) {
            Err(WikidataError::Parse {
                path: p,
                line,
                message,
            }) => {
                assert_eq!((p.as_path(), line), (path.as_path(), 100), "{message}");
                let text = WikidataError::Parse {
                    path: p,
                    line,
                    message,
                }
                .to_string();
                assert!(text.contains("corrupt.json:100:"), "{text}");
            }
            other => panic!("expected a parse error, got {other:?}"),
        }
        // The batches before the bad line were written: those of lines 2–97 (6 batches of 16 entities).
        let written = by_entity(&rows(std::str::from_utf8(&out).unwrap()));
        let items_before = f.entities[..96].iter().filter(|e| is_item(e)).count();
        assert_eq!(written.len(), items_before);
    }

    // A gzip file cut short is an I/O error naming the file.
    let gz = std::fs::read(&f.gz).unwrap();
    let short = dir.join("short.json.gz");
    std::fs::write(&short, &gz[..gz.len() / 3]).unwrap();
    match import_wikidata(&short, &mut Vec::new(), &all_languages_all_items(), &|_| {}) {
        Err(WikidataError::Io { path, .. }) => assert_eq!(path, short),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

// ---- Tests on small synthetic dumps (no shared data needed). ----

fn write_dump(name: &str, lines: &[&str]) -> PathBuf {
    let path = scratch().join(name);
    let mut text = String::from("[\n");
    for (i, l) in lines.iter().enumerate() {
        text.push_str(l);
        text.push_str(if i + 1 < lines.len() { ",\n" } else { "\n" });
    }
    text.push_str("]\n");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn synthetic_dump_rows_and_skips() {
    let path = write_dump(
        "synthetic.json",
        &[
            r#"{"type":"property","id":"P31","datatype":"wikibase-item","labels":{"en":{"language":"en","value":"instance of"}}}"#,
            r#"{"type":"lexeme","id":"L1","lemmas":{}}"#,
            // No English label: the first of the chosen languages (`de` before `fr`) is canonical.
            r#"{"type":"item","id":"Q64","labels":{"fr":{"language":"fr","value":"Berlin"},"de":{"language":"de","value":"Berlin"},"ru":{"language":"ru","value":"Берлин"}},"aliases":{"de":[{"language":"de","value":"Spree-Athen"},{"language":"de","value":"  "}],"fr":[{"language":"fr","value":"Berlin"}]},"claims":{"P31":[{"mainsnak":{"snaktype":"value","property":"P31","datavalue":{"value":{"entity-type":"item","id":"Q515"},"type":"wikibase-entityid"}},"rank":"normal"}],"P17":[{"mainsnak":{}}]},"sitelinks":{"dewiki":{"site":"dewiki","title":"Berlin"},"frwiki":{"site":"frwiki","title":"Berlin"}}}"#,
            // Only a Japanese label: no name in the chosen languages.
            r#"{"type":"item","id":"Q1490","labels":{"ja":{"language":"ja","value":"東京"}},"claims":{"P31":[{"mainsnak":{"snaktype":"value","datavalue":{"value":{"id":"Q515"}}}}]},"sitelinks":{}}"#,
            // No P31: skipped without include_unmapped.
            r#"{"type":"item","id":"Q7","labels":{"de":{"language":"de","value":"sieben"}},"claims":[],"sitelinks":[]}"#,
            // A tab and a newline inside a name.
            r#"{"id":"Q42","type":"item","labels":{"de":{"language":"de","value":"Douglas\tAdams\n"}},"aliases":[],"claims":{"P31":[{"mainsnak":{"snaktype":"value","datavalue":{"value":{"id":"Q5"}}},"rank":"preferred"}]},"sitelinks":{"enwiki":{}}}"#,
        ],
    );
    let options = WikidataImportOptions {
        languages: Some(vec!["de".into(), "fr".into()]),
        threads: 1,
        ..Default::default()
    };
    let (tsv, stats) = import(&path, &options);
    assert_eq!(
        tsv,
        "entity_id\tname\ttype\tlang\tkind\tprior\tattributes\n\
         Q64\tBerlin\tGPE\tde\tcanonical\t2\tsitelinks=2; p31=Q515\n\
         Q64\tBerlin\tGPE\tfr\tlabel\t2\t\n\
         Q64\tSpree-Athen\tGPE\tde\talias\t2\t\n\
         Q42\tDouglas Adams\tPER\tde\tcanonical\t1\tsitelinks=1; p31=Q5\n"
    );
    assert_eq!(
        (
            stats.lines,
            stats.entities,
            stats.items,
            stats.skipped_non_items,
            stats.skipped_no_names,
            stats.skipped_unmapped,
            stats.entities_written,
        ),
        (8, 6, 4, 2, 1, 1, 2)
    );
    assert_eq!(
        (
            stats.canonical_rows,
            stats.label_rows,
            stats.alias_rows,
            stats.duplicate_names,
            stats.empty_names
        ),
        (2, 1, 1, 1, 1)
    );
    assert_eq!(
        stats.by_type,
        BTreeMap::from([("GPE".to_string(), 1), ("PER".to_string(), 1)])
    );
}

#[test]
fn synthetic_malformed_line_and_bad_options() {
    let path = write_dump(
        "malformed.json",
        &[
            r#"{"type":"item","id":"Q1","labels":{"en":{"language":"en","value":"universe"}}}"#,
            r#"{"type":"item","id":"Q2","labels":{"en":{"language":"en","value":"Earth"}"#,
        ],
    );
    match import_wikidata(&path, &mut Vec::new(), &Default::default(), &|_| {}) {
        Err(WikidataError::Parse { line, .. }) => assert_eq!(line, 3),
        other => panic!("expected a parse error, got {other:?}"),
    }
    let missing = scratch().join("missing.json");
    assert!(matches!(
        import_wikidata(&missing, &mut Vec::new(), &Default::default(), &|_| {}),
        Err(WikidataError::Io { .. })
    ));
    let bad = WikidataImportOptions {
        types: Some(vec!["CITY".into()]),
        ..Default::default()
    };
    assert!(matches!(
        import_wikidata(&path, &mut Vec::new(), &bad, &|_| {}),
        Err(WikidataError::InvalidOption { .. })
    ));
}

/// Throughput on the shared test file: `cargo test --release -p entnorm-pipeline --test wikidata --
/// --ignored --nocapture`.
#[test]
#[ignore]
fn bench_throughput() {
    let Some(f) = fixture() else { return };
    let plain = plain_file(f);
    let bz2 = scratch().join("bench.json.bz2");
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    enc.write_all(f.text.as_bytes()).unwrap();
    std::fs::write(&bz2, enc.finish().unwrap()).unwrap();
    for (label, path) in [
        ("plain", plain.as_path()),
        ("gzip", f.gz.as_path()),
        ("bzip2", bz2.as_path()),
    ] {
        for threads in [1, 2, 4, 0] {
            let options = WikidataImportOptions {
                threads,
                ..all_languages_all_items()
            };
            let mut best = f64::MAX;
            let mut stats = ImportStats::default();
            for _ in 0..5 {
                let started = Instant::now();
                let mut sink = std::io::sink();
                stats = import_wikidata(path, &mut sink, &options, &|_| {}).unwrap();
                best = best.min(started.elapsed().as_secs_f64());
            }
            println!(
                "{label:5} threads={threads}: {:.3} s, {:.1} MB/s of JSON, {:.0} items/s, {} rows",
                best,
                stats.bytes as f64 / 1e6 / best,
                stats.items as f64 / best,
                stats.rows_written
            );
        }
    }
}
