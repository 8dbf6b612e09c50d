//! End-to-end tests of the `entnorm` binary. `util` holds the harness; one module per area.
//! Tests in `shared_data` read `../shared` (the project's research data) and say so when it is absent.

mod util;

mod bench_scripts;
mod build_profile;
mod default_gazetteer;
mod eval_cli;
mod failures;
mod filter_mode;
mod fuzz_regressions;
mod fuzzy;
mod gazetteer_tools;
mod hostile;
mod hostile_corpus;
mod index;
mod inputs;
mod lookup;
mod merge;
mod run_tables;
mod scale;
mod shared_data;
mod spark;
