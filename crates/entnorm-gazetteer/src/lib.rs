//! Gazetteer sources and the compiled matcher.
