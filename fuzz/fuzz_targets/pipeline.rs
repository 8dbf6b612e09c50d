//! A whole article (first line the title, the rest the text) through analysis, matching, document-level
//! resolution and mention rows, with the test gazetteer, without and with the fuzzy stage: every row slices its field exactly, rows are
//! ordered and non-overlapping, processing is deterministic (`entnorm_pipeline::oracles::pipeline`).
#![no_main]
use std::sync::OnceLock;

use entnorm_pipeline::oracles;
use libfuzzer_sys::fuzz_target;

static FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/gazetteer.tsv");

fuzz_target!(|data: &[u8]| {
    static MATCHER: OnceLock<oracles::Matcher> = OnceLock::new();
    static FUZZY: OnceLock<oracles::FuzzyIndex> = OnceLock::new();
    let matcher = MATCHER.get_or_init(|| oracles::pipeline_matcher(FIXTURE));
    let index = FUZZY.get_or_init(|| oracles::pipeline_fuzzy_index(matcher));
    oracles::pipeline(matcher, data);
    oracles::pipeline_fuzzy(matcher, index, data);
});
