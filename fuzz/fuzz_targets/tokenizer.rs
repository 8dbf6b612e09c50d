//! Any bytes (invalid UTF-8 replaced) through the tokenizer: offsets on char boundaries slicing the
//! original, keys equal to the normalizer, idempotent keys (`entnorm_pipeline::oracles::tokenizer`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| entnorm_pipeline::oracles::tokenizer(data));
