//! Replays the fuzz inputs kept in `tests/fuzz-regressions/<target>/` (the minimised corpus of each
//! cargo-fuzz target in `fuzz/`, and every input that once crashed) through the same oracles the fuzz
//! targets check (`entnorm_pipeline::oracles`), on stable Rust, in every `cargo test`.

use std::path::PathBuf;

use entnorm_pipeline::oracles;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// Runs `check` on every input, naming the input that fails.
fn replay(target: &str, check: impl Fn(&[u8])) {
    for (path, bytes) in inputs(target) {
        if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&bytes)))
        {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{}: {message}", path.display());
        }
    }
}

#[test]
fn tokenizer_inputs_keep_offsets_and_keys_right() {
    replay("tokenizer", oracles::tokenizer);
}

#[test]
fn gazetteer_inputs_load_or_fail_naming_the_line() {
    replay("gazetteer", oracles::gazetteer_loader);
}

#[test]
fn pipeline_inputs_give_rows_that_slice_their_field() {
    let fixture = std::fs::read(crate::util::fixture("gazetteer.tsv")).unwrap();
    let matcher = oracles::pipeline_matcher(&fixture);
    let index = oracles::pipeline_fuzzy_index(&matcher);
    replay("pipeline", |data| {
        oracles::pipeline(&matcher, data);
        oracles::pipeline_fuzzy(&matcher, &index, data);
    });
}
