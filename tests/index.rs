//! The compiled gazetteer index: built on first use, reused while the sources are unchanged, rebuilt when
//! one changes, and `entnorm gazetteer build` + `--index` give the same tables as the sources.

use crate::util::*;

fn run_with_cache(
    cache: &std::path::Path,
    gaz: &std::path::Path,
    out: &std::path::Path,
) -> (String, String) {
    run_with_cache_env(cache, gaz, out, &[])
}

/// [`run_with_cache`] with more environment variables set.
fn run_with_cache_env(
    cache: &std::path::Path,
    gaz: &std::path::Path,
    out: &std::path::Path,
    env: &[(&str, &str)],
) -> (String, String) {
    let input = fixture("articles.jsonl");
    let output = entnorm()
        .env("ENTNORM_CACHE_DIR", cache)
        .envs(env.iter().copied())
        .args([
            "run",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--no-default-gazetteer",
        ])
        .args(["-g", gaz.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&output);
    (
        String::from_utf8_lossy(&output.stderr).into_owned(),
        std::fs::read_to_string(out.join("mentions.csv")).unwrap(),
    )
}

#[test]
fn cached_index_is_reused_until_a_source_changes() {
    let dir = TempDir::new("cache");
    let cache = dir.path("cache");
    let gaz = dir.path("g.tsv");
    std::fs::copy(fixture("gazetteer.tsv"), &gaz).unwrap();
    let (first, mentions1) = run_with_cache(&cache, &gaz, &dir.path("o1"));
    assert!(first.contains("compiled, cached as"), "{first}");
    let (second, mentions2) = run_with_cache(&cache, &gaz, &dir.path("o2"));
    assert!(second.contains("(index "), "{second}");
    assert_eq!(mentions1, mentions2);
    // A new alias in the source: the old index must not be used.
    let mut text = std::fs::read_to_string(&gaz).unwrap();
    text.push_str("t:irani\tIrani\tMISC\ten\n");
    std::fs::write(&gaz, text).unwrap();
    let (third, mentions3) = run_with_cache(&cache, &gaz, &dir.path("o3"));
    assert!(third.contains("compiled, cached as"), "{third}");
    assert!(mentions3.contains("t:irani") && !mentions1.contains("t:irani"));
}

#[test]
fn built_index_gives_the_same_tables_as_the_sources() {
    let dir = TempDir::new("build");
    let index = dir.path("my.idx");
    let gaz = fixture("gazetteer.tsv");
    let build = run_entnorm(
        &[
            "gazetteer",
            "build",
            "--no-default-gazetteer",
            "-g",
            gaz.to_str().unwrap(),
            "-o",
            index.to_str().unwrap(),
        ],
        None,
    );
    assert_success(&build);
    let input = fixture("articles.jsonl");
    let (a, b) = (dir.path("a"), dir.path("b"));
    let from_sources = [
        "run",
        input.to_str().unwrap(),
        "-o",
        a.to_str().unwrap(),
        "--no-default-gazetteer",
    ];
    assert_success(&run_entnorm(
        &[
            &from_sources[..],
            &["-g", gaz.to_str().unwrap(), "--no-cache"],
        ]
        .concat(),
        None,
    ));
    let from_index = [
        "run",
        input.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ];
    assert_success(&run_entnorm(&from_index, None));
    for table in ["mentions.csv", "entities.csv"] {
        assert_eq!(
            std::fs::read(a.join(table)).unwrap(),
            std::fs::read(b.join(table)).unwrap(),
            "{table}"
        );
    }
    let manifest = read_json(&b.join("run.json"));
    assert_eq!(
        manifest["gazetteer"]["files"][0]["path"],
        gaz.to_str().unwrap()
    );
}

/// Sets `path`'s modification time to `secs_ago` seconds ago (files written just now are never trusted
/// by their stamp, so the tests age them).
fn age(path: &std::path::Path, secs_ago: u64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(secs_ago);
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[test]
fn a_source_rewritten_with_the_same_length_is_noticed_by_its_stamp() {
    let dir = TempDir::new("stamp-source");
    let cache = dir.path("cache");
    let gaz = dir.path("g.tsv");
    let text = std::fs::read_to_string(fixture("gazetteer.tsv")).unwrap();
    std::fs::write(&gaz, &text).unwrap();
    age(&gaz, 3600);
    let (first, mentions1) = run_with_cache(&cache, &gaz, &dir.path("o1"));
    assert!(first.contains("compiled, cached as"), "{first}");
    let remembered = std::fs::read_to_string(cache.join("source-fingerprints.tsv")).unwrap();
    let canonical = std::fs::canonicalize(&gaz).unwrap();
    assert!(
        remembered.contains(canonical.to_str().unwrap()),
        "{remembered}"
    );
    let (second, _) = run_with_cache(&cache, &gaz, &dir.path("o2"));
    assert!(second.contains("(index "), "{second}");
    // Same length, another entity ID, and an old modification time again (but another one).
    let changed = text.replacen("t:kerry\tJohn Kerry", "t:kerri\tJohn Kerry", 1);
    assert_eq!(changed.len(), text.len());
    std::fs::write(&gaz, &changed).unwrap();
    age(&gaz, 1800);
    let (third, mentions3) = run_with_cache(&cache, &gaz, &dir.path("o3"));
    assert!(third.contains("compiled, cached as"), "{third}");
    assert!(mentions1.contains("t:kerry,") && !mentions1.contains("t:kerri"));
    assert!(mentions3.contains("t:kerri,"), "{mentions3}");
}

#[test]
fn a_cached_index_damaged_after_it_was_verified_is_rebuilt() {
    let dir = TempDir::new("stamp-index");
    let cache = dir.path("cache");
    let gaz = dir.path("g.tsv");
    std::fs::copy(fixture("gazetteer.tsv"), &gaz).unwrap();
    age(&gaz, 3600);
    let (first, mentions1) = run_with_cache(&cache, &gaz, &dir.path("o1"));
    assert!(first.contains("compiled, cached as"), "{first}");
    let index = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    age(&index, 3600);
    // Verified in full, then trusted by its stamp.
    for out in ["o2", "o3"] {
        let (stderr, mentions) = run_with_cache(&cache, &gaz, &dir.path(out));
        assert!(stderr.contains("(index "), "{stderr}");
        assert_eq!(mentions, mentions1);
    }
    assert!(index.with_extension("idx.verified").is_file());
    // Damage in the middle of the file, which then looks old again (but not as old as when verified):
    // its stamp changed, so the checksum is read again.
    let mut bytes = std::fs::read(&index).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0x5A;
    }
    std::fs::write(&index, &bytes).unwrap();
    age(&index, 1800);
    let (fourth, mentions4) = run_with_cache(&cache, &gaz, &dir.path("o4"));
    assert!(fourth.contains("compiled, cached as"), "{fourth}");
    assert_eq!(mentions4, mentions1);
}

#[test]
fn building_an_index_keeps_the_cache_within_its_budget_dropping_the_least_recently_used() {
    let dir = TempDir::new("prune");
    let cache = dir.path("cache");
    std::fs::create_dir_all(&cache).unwrap();
    // Six older indexes (stand-ins: pruning goes by names, sizes and times) of 300,000 bytes with their
    // fuzzy indexes; the one built longest ago was used (its stamp written) an hour ago.
    let names: Vec<String> = (1..=6).map(|k| format!("gazetteer-{k:016x}")).collect();
    for (k, name) in names.iter().enumerate() {
        for (suffix, len) in [(".idx", 250_000), (".fuzzy1.idx", 50_000)] {
            let p = cache.join(format!("{name}{suffix}"));
            std::fs::write(&p, vec![0u8; len]).unwrap();
            age(&p, 86_400 * (10 + k as u64));
        }
    }
    let oldest_stamp = cache.join(format!("{}.idx.verified", names[5]));
    std::fs::write(&oldest_stamp, b"stamp").unwrap();
    age(&oldest_stamp, 3600);
    std::fs::write(cache.join("notes.txt"), b"mine").unwrap();
    let gaz = dir.path("g.tsv");
    std::fs::copy(fixture("gazetteer.tsv"), &gaz).unwrap();
    // A budget of 1 MiB: the new index and three of the old ones fit.
    let env = [("ENTNORM_CACHE_MAX_MB", "1")];
    let (stderr, _) = run_with_cache_env(&cache, &gaz, &dir.path("o"), &env);
    assert!(stderr.contains("compiled, cached as"), "{stderr}");
    let left: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let indexes = left
        .iter()
        .filter(|n| n.ends_with(".idx") && !n.contains(".fuzzy"))
        .count();
    // The new one, the one used an hour ago, and the two built most recently.
    assert_eq!(indexes, 4, "{left:?}");
    for kept in [&names[5], &names[0], &names[1]] {
        assert!(left.contains(&format!("{kept}.idx")), "{kept}: {left:?}");
        assert!(
            left.contains(&format!("{kept}.fuzzy1.idx")),
            "{kept}: {left:?}"
        );
    }
    for pruned in [&names[2], &names[3], &names[4]] {
        assert!(
            !left.iter().any(|n| n.starts_with(pruned.as_str())),
            "{pruned}: {left:?}"
        );
    }
    assert!(left.contains(&"notes.txt".to_string()), "{left:?}");
}
