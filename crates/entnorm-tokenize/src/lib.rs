//! Segmentation, normalization and match keys for every script.
//!
//! This crate owns the one normalizer that both gazetteer aliases and article text pass through, so that an
//! alias and a mention meet exactly when their keys are equal. It does no I/O and spawns no threads.
//!
//! ```
//! use entnorm_tokenize::{Analyzer, Analysis, KeyLayer};
//! let mut analyzer = Analyzer::new();
//! let mut out = Analysis::default();
//! analyzer.analyze("Сергей Лавров met Sergej Lavrov.", &mut out);
//! assert_eq!(out.key(KeyLayer::Translit, 0), out.key(KeyLayer::Translit, 3));
//! ```

// CONTRACT (implemented by the tokenizer work; signatures are relied on by entnorm-gazetteer):
//
// pub const NORMALIZER_VERSION: u32;              // bump whenever any key for any input can change
//
// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
// pub enum KeyLayer { Exact, Folded, Translit }    // strict -> loose; KeyLayer::ALL: [KeyLayer; 3]
// impl KeyLayer { pub fn name(self) -> &'static str }   // "exact" | "folded" | "translit"
//
// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
// pub enum TokenClass { Word, Number, Punct, Char }   // Char = one unit of a script written without spaces
//
// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
// pub struct Token { pub start: usize, pub end: usize, pub class: TokenClass,
//                    pub can_start: bool, pub can_end: bool }   // byte offsets into the analysed text
//
// #[derive(Default, Clone, Debug)]
// pub struct Analysis { .. }        // reusable output buffers (tokens + one key arena per layer)
// impl Analysis {
//     pub fn tokens(&self) -> &[Token];
//     pub fn len(&self) -> usize; pub fn is_empty(&self) -> bool;
//     pub fn key(&self, layer: KeyLayer, token_index: usize) -> &str;
// }
//
// #[derive(Default)]
// pub struct Analyzer { .. }        // per-thread scratch, reused across calls
// impl Analyzer {
//     pub fn new() -> Self;
//     pub fn analyze(&mut self, text: &str, out: &mut Analysis);   // clears `out` first
// }
//
// pub fn fold(text: &str) -> String;          // the Folded normalization of any text
// pub fn transliterate(text: &str) -> String; // the Translit normalization of any text
//
// /// Maps byte offsets of one text to Unicode code-point offsets, exactly, in O(1) amortised per query
// /// when queried in increasing order.
// pub struct CharOffsets<'a> { .. }
// impl<'a> CharOffsets<'a> { pub fn new(text: &'a str) -> Self; pub fn char_offset(&mut self, byte: usize) -> usize; }
