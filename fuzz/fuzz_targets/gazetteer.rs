//! Any bytes as a gazetteer TSV, strict and lenient: never a panic, errors name the file and an existing
//! line, what loads compiles and answers lookups (`entnorm_pipeline::oracles::gazetteer_loader`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| entnorm_pipeline::oracles::gazetteer_loader(data));
