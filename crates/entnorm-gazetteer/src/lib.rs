//! Gazetteer sources and the compiled matcher.
//!
//! [`Gazetteer::load`] reads and merges source files (format: `gazetteers/README.md`); [`Matcher::new`]
//! compiles it into token tries keyed by the normalizer of `entnorm-tokenize`; [`Matcher::find`] reports
//! leftmost-longest, non-overlapping [`Mention`]s. The matcher is immutable and shared by all worker threads;
//! each thread brings its own [`MatchScratch`]. This crate does no I/O beyond reading gazetteer files.

mod enrich;
mod error;
pub mod index;
mod lazy_utf8;
mod matcher;
mod model;
mod names;
mod source;

pub use enrich::{enrich_user_entities, EnrichReport};
pub use error::GazetteerError;
pub use index::{bulk_hash, stable_hash, IndexError, INDEX_FORMAT_VERSION};
pub use matcher::{
    compile, layer_score, AliasRef, EntityRef, InflectScratch, LookupHit, MatchScratch, Matcher,
    Mention,
};
pub use model::{Alias, AliasKind, Entity, Gazetteer, NamePart, Origin, SourceInfo};
pub use names::NameParts;
pub use source::{
    expand_source, file_fingerprint, fingerprint_sources, fingerprint_sources_with,
    GazetteerBuilder, LoadReport, SourceSpec,
};
