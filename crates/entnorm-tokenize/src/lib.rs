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
//!
//! # Segmentation
//!
//! [`Analyzer::analyze`] splits text into [`Token`]s (byte ranges on char boundaries, in order, never
//! overlapping, never empty):
//!
//! - Whitespace, control characters, the zero-width space and hyphens/dashes (`-‐‑‒–—―−﹣－`, Hebrew
//!   maqaf, Armenian hyphen) separate tokens and are not tokens: `al-Assad`, `al Assad` and `al‑Assad` all
//!   give `[al][Assad]`.
//! - Words ([`TokenClass::Word`]): maximal runs of letters and digits of spaced scripts (Latin, Cyrillic,
//!   Greek, Arabic, Hebrew, Indic, ...), with their combining marks: `G20` is one token. A run of digits
//!   alone is a [`TokenClass::Number`]. An apostrophe (`'`, `’`, `ʼ`, `ʻ`, `ʿ`, `ʾ`, `` ` ``, `´`, `‘`,
//!   `＇`) between two letters is part of the word (`O'Brien`, `Ja’afari`, `d'Ivoire`); invisible joiners, the soft hyphen and bidi marks inside a
//!   word are part of it (and folded away); elsewhere they separate.
//! - Letters of scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar,
//!   Tibetan) are one [`TokenClass::Char`] token each, with their marks, so `俄罗斯` matches inside
//!   `俄罗斯外长拉夫罗夫`. A switch between such a script and another one ends a token (`G20峰会` →
//!   `[G20][峰][会]`).
//! - Hangul syllables are `Char` tokens too, because Korean attaches particles to names (`러시아는`), but
//!   only the first syllable of a run of Hangul has [`Token::can_start`]: a name matches at the start of an
//!   eojeol, not inside it.
//! - Anything else (punctuation, symbols, emoji, apostrophes not between letters) is a single-character
//!   [`TokenClass::Punct`] token with its following marks; a combining mark with no token directly before
//!   it is a `Punct` token of its own.
//!
//! Whole-word tokens make it impossible for a name to match inside a longer word of a spaced script
//! (`Iran` never matches in `Irani`).
//!
//! # Keys
//!
//! Every token has one key per [`KeyLayer`], from strict to loose: [`KeyLayer::Exact`] (the token text),
//! [`KeyLayer::Folded`] (= [`fold`] of the token text: case, compatibility forms, Latin/Greek/Cyrillic
//! accents, Arabic and Hebrew spelling variants) and [`KeyLayer::Translit`]
//! (= [`transliterate`] of the token text: romanised with spelling unifications; spaceless scripts stay
//! as folded). Both functions are idempotent, and both have per-token fast paths (ASCII; common letters of
//! Cyrillic, Greek, Arabic, Hebrew, kana, CJK and Hangul) that are tested against the full pipeline.
//! Keys are written to per-layer arenas inside [`Analysis`], so
//! analysing a text allocates nothing once the buffers have grown.

mod chars;
mod fold;
mod inflect;
mod offsets;
mod segment;
mod translit;

pub use chars::{is_letter, letter_case, LetterCase};
pub use fold::fold;
pub use inflect::{
    inflection_candidates, inflection_candidates_lower, is_inflecting_language, stem_alternations,
    stem_key,
};
pub use offsets::CharOffsets;
pub use translit::transliterate;

/// Version of the segmentation and key rules. Bumped whenever any key or token boundary for any input
/// can change, so that persisted indexes built with another version are rebuilt.
pub const NORMALIZER_VERSION: u32 = 1;

/// A key layer, from strict to loose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyLayer {
    /// The token text unchanged.
    Exact,
    /// [`fold`] of the token text.
    Folded,
    /// [`transliterate`] of the token text.
    Translit,
}

impl KeyLayer {
    /// All layers, strict to loose.
    pub const ALL: [KeyLayer; 3] = [KeyLayer::Exact, KeyLayer::Folded, KeyLayer::Translit];

    /// Stable lower-case name: `"exact"`, `"folded"` or `"translit"`.
    pub fn name(self) -> &'static str {
        match self {
            KeyLayer::Exact => "exact",
            KeyLayer::Folded => "folded",
            KeyLayer::Translit => "translit",
        }
    }
}

/// What kind of text a token covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenClass {
    /// A whole word of a script written with spaces (may contain digits, marks, inner apostrophes).
    Word,
    /// A run of digits.
    Number,
    /// Punctuation, a symbol, an emoji or a stray mark: one character plus its marks.
    Punct,
    /// One letter (plus marks) of a script written without spaces, or one Hangul syllable.
    Char,
}

/// One token: a byte range of the analysed text, on char boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// What the token covers.
    pub class: TokenClass,
    /// Whether a match may begin at this token (false only inside a run of Hangul).
    pub can_start: bool,
    /// Whether a match may end at this token (currently always true).
    pub can_end: bool,
}

/// The tokens and keys of one analysed text; reusable across calls to [`Analyzer::analyze`].
#[derive(Default, Clone, Debug)]
pub struct Analysis {
    tokens: Vec<Token>,
    /// A copy of the text: the Exact keys are slices of it at the tokens' offsets.
    text: String,
    folded: Arena,
    translit: Arena,
}

/// Keys of one layer, concatenated, with one `(start, end)` span per token.
#[derive(Default, Clone, Debug)]
struct Arena {
    keys: String,
    spans: Vec<(u32, u32)>,
}

impl Arena {
    fn clear(&mut self) {
        self.keys.clear();
        self.spans.clear();
    }

    fn get(&self, i: usize) -> &str {
        let (s, e) = self.spans[i];
        &self.keys[s as usize..e as usize]
    }

    /// Appends a key with `write` and records its span.
    fn push_with(&mut self, write: impl FnOnce(&mut String)) {
        let start = self.keys.len();
        write(&mut self.keys);
        self.spans
            .push((offset32(start), offset32(self.keys.len())));
    }
}

fn offset32(n: usize) -> u32 {
    u32::try_from(n).expect("entnorm-tokenize: key arena over 4 GiB (text too large)")
}

impl Analysis {
    /// The tokens, in text order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The key of token `token_index` at `layer`.
    ///
    /// # Panics
    ///
    /// If `token_index >= self.len()`.
    pub fn key(&self, layer: KeyLayer, token_index: usize) -> &str {
        match layer {
            KeyLayer::Exact => {
                let t = &self.tokens[token_index];
                &self.text[t.start..t.end]
            }
            KeyLayer::Folded => self.folded.get(token_index),
            KeyLayer::Translit => self.translit.get(token_index),
        }
    }

    /// The keys of all tokens at `layer`, in token order.
    pub fn keys(&self, layer: KeyLayer) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.key(layer, i))
    }

    /// The analysed text.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn clear(&mut self) {
        self.tokens.clear();
        self.text.clear();
        self.folded.clear();
        self.translit.clear();
    }
}

/// Segments text and computes keys; holds scratch space reused across calls (one per thread).
#[derive(Default, Debug)]
pub struct Analyzer {
    scratch: String,
}

impl Analyzer {
    /// A new analyzer with empty scratch space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears `out`, then fills it with the tokens of `text` and their keys at every layer.
    ///
    /// # Panics
    ///
    /// If the keys of one text exceed 4 GiB.
    pub fn analyze(&mut self, text: &str, out: &mut Analysis) {
        out.clear();
        out.text.push_str(text);
        segment::segment(text, &mut out.tokens);
        for t in &out.tokens {
            let token = &text[t.start..t.end];
            out.folded.push_with(|keys| fold::fold_into(token, keys));
            let (s, e) = *out.folded.spans.last().expect("just pushed");
            let folded = &out.folded.keys[s as usize..e as usize];
            let scratch = &mut self.scratch;
            out.translit
                .push_with(|keys| translit::translit_folded_into(folded, scratch, keys));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_names() {
        let names: Vec<_> = KeyLayer::ALL.iter().map(|l| l.name()).collect();
        assert_eq!(names, ["exact", "folded", "translit"]);
        assert!(KeyLayer::Exact < KeyLayer::Translit);
    }
}
