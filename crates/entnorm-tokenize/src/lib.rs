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

mod bmp_tables;
mod chars;
mod fold;
mod inflect;
mod offsets;
mod segment;
mod swar;
mod table;
mod translit;

pub use chars::{is_letter, is_upper, letter_case, LetterCase};
pub use fold::fold;
pub use inflect::{
    inflection_candidates, inflection_candidates_lower, inflection_family, is_inflecting_language,
    loses_final_vowels, stem_alternations, stem_key, word_forms_agree,
};
pub use offsets::CharOffsets;
pub use table::{Zeroed, ZeroedTable};
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

/// One token: a byte range of the analysed text, on char boundaries. The offsets are kept in 32 bits
/// (texts are below 4 GiB; see [`Analyzer::analyze`]): a record of millions of tokens takes 12 bytes
/// a token here instead of 24.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    start: u32,
    end: u32,
    /// What the token covers.
    pub class: TokenClass,
    /// Whether a match may begin at this token (false only inside a run of Hangul).
    pub can_start: bool,
    /// Whether a match may end at this token (currently always true).
    pub can_end: bool,
}

impl Token {
    /// Byte offset of the first byte.
    #[inline]
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// Byte offset one past the last byte.
    #[inline]
    pub fn end(&self) -> usize {
        self.end as usize
    }

    /// `start()..end()`.
    #[inline]
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }
}

/// The tokens and keys of one analysed text; reusable across calls to [`Analyzer::analyze`].
#[derive(Default, Clone, Debug)]
pub struct Analysis {
    tokens: Vec<Token>,
    /// Per token, its keys' hashes and which keys coincide.
    key_hashes: Vec<KeyHashes>,
    /// A copy of the text: the Exact keys are slices of it at the tokens' offsets.
    text: String,
    folded: Arena,
    translit: Arena,
    /// Per token, the stamp of its [`KeyStamp`] (0: none); the slot is the memo slot of the exact key's
    /// hash, so it is not stored: 8 bytes a token instead of 16.
    key_stamps: Vec<u64>,
}

/// A name for one token's keys, unique in the process: tokens with equal stamps have the same keys (at
/// every layer). Stamps come from the [`Analyzer`]'s memo, which gives the keys it remembers in its slot
/// `slot` the stamp they were stored under there; at any time, a slot's tokens have one stamp. So a
/// direct-mapped table of [`KEY_STAMP_SLOTS`] entries, indexed by `slot` and remembering the stamp each
/// entry was computed for, can hold what a later stage computes from a token's keys (the gazetteer's
/// token ids) and answer with one comparison of integers instead of comparing key text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyStamp {
    /// Below [`KEY_STAMP_SLOTS`].
    pub slot: u32,
    /// Nonzero for a stamped token; 0 for a token the memo does not hold (keys too long for a slot, or
    /// analysed before the memo was built), which no table should remember.
    pub stamp: u64,
}

/// The number of distinct [`KeyStamp::slot`]s.
pub const KEY_STAMP_SLOTS: usize = MEMO_SLOTS;

/// Keys of one layer, concatenated, with one `(start, end)` span per token. A token whose key at this
/// layer is the key of a stricter layer (most tokens: [`KeyHashes::same`]) has an empty span and no copy.
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

    /// Appends a key.
    fn push(&mut self, key: &str) {
        let start = self.keys.len();
        self.keys.push_str(key);
        self.spans
            .push((offset32(start), offset32(self.keys.len())));
    }

    /// Records that a token's key at this layer is a stricter layer's.
    fn push_same(&mut self) {
        let at = offset32(self.keys.len());
        self.spans.push((at, at));
    }

    /// Appends the key `write` writes, unless it equals one of `stricter` (the keys of the stricter
    /// layers, strictest first): then nothing is kept, and the index of the first equal one is returned.
    fn push_new(&mut self, write: impl FnOnce(&mut String), stricter: &[&str]) -> Option<u8> {
        let start = self.keys.len();
        write(&mut self.keys);
        let same = stricter.iter().position(|k| *k == &self.keys[start..]);
        match same {
            Some(_) => {
                self.keys.truncate(start);
                self.push_same();
            }
            None => self
                .spans
                .push((offset32(start), offset32(self.keys.len()))),
        }
        same.map(|j| j as u8)
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
        match self.key_hashes[token_index].same[layer as usize] {
            0 => {
                let t = &self.tokens[token_index];
                &self.text[t.range()]
            }
            1 => self.folded.get(token_index),
            _ => self.translit.get(token_index),
        }
    }

    /// The [`key_hash`] of each layer's key of token `token_index`, and which keys coincide.
    ///
    /// # Panics
    ///
    /// If `token_index >= self.len()`.
    pub fn key_hashes(&self, token_index: usize) -> KeyHashes {
        self.key_hashes[token_index]
    }

    /// The [`KeyStamp`] of token `token_index`, if it has one.
    ///
    /// # Panics
    ///
    /// If `token_index >= self.len()`.
    pub fn key_stamp(&self, token_index: usize) -> Option<KeyStamp> {
        let stamp = self.key_stamps[token_index];
        (stamp != 0).then(|| KeyStamp {
            slot: MemoSlot::index(self.key_hashes[token_index].hashes[0]) as u32,
            stamp,
        })
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
        self.key_hashes.clear();
        self.text.clear();
        self.folded.clear();
        self.translit.clear();
        self.key_stamps.clear();
    }
}

/// The hashes of one token's three keys (by [`KeyLayer`] index), and for each layer the strictest layer
/// whose key is the same string (`same[k] <= k`; `same[k] == k` where the key differs from every
/// stricter one). Most lower-case words have one key for all three layers; a lookup per distinct key
/// is enough.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyHashes {
    /// `key_hash` of the exact, folded and transliterated key.
    pub hashes: [u64; 3],
    /// Per layer, the strictest layer with the same key.
    pub same: [u8; 3],
}

/// A stable 64-bit hash of a key (Fx-style, 8 bytes at a time): the same on every platform and Rust
/// version, so that gazetteer indexes can store it. Not a cryptographic hash.
pub fn key_hash(bytes: &[u8]) -> u64 {
    hash_with_tail(bytes, tail_word(bytes, bytes.len() % 8))
}

/// [`key_hash`] of the key at `range` of `text`. A key of under 24 bytes (most words) that the text goes
/// on from for 24 bytes is hashed from three loads: the steps for its whole words are all computed and
/// the right one chosen, and its last partial word is masked, so nothing branches on its length, which
/// differs from one token to the next. Other keys (long ones, or the last few of a text) take
/// [`key_hash`] of the slice.
#[inline]
fn key_hash_in(text: &[u8], range: std::ops::Range<usize>) -> u64 {
    let len = range.len();
    if let (true, Some(window)) = (len < 24, text.get(range.start..range.start + 24)) {
        let words = [0, 8, 16].map(|at| swar::le_word(&window[at..]));
        let h0 = len as u64;
        let h1 = hash_step(h0, words[0]);
        let steps = [h0, h1, hash_step(h1, words[1])];
        let (whole, rem) = (len / 8, len % 8);
        let tail = words[whole] & swar::low_bytes(rem);
        return hash_finish(hash_step(steps[whole], tail));
    }
    key_hash(&text[range])
}

/// One step of [`key_hash`]: the hash so far, then the next word of the key.
#[inline]
fn hash_step(h: u64, word: u64) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    (h.rotate_left(5) ^ word).wrapping_mul(K)
}

/// The last step of [`key_hash`]: an avalanche, so that low bits (used for bucket indices) depend on every
/// input bit.
#[inline]
fn hash_finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// [`key_hash`] of `bytes`, given the word of its last `len % 8` bytes (padded with zeros).
#[inline]
fn hash_with_tail(bytes: &[u8], tail: u64) -> u64 {
    let mut h: u64 = bytes.len() as u64;
    for c in bytes.chunks_exact(8) {
        h = hash_step(h, swar::le_word(c));
    }
    hash_finish(hash_step(h, tail))
}

/// The last `rem` (0..=7) bytes of `bytes` as a little-endian word padded with zeros, assembled in a
/// register from at most three overlapping loads: a copy into a zeroed array read back as a word stalls
/// on store forwarding, and a loop over the bytes mispredicts its exit at every other token (words of
/// 2-byte letters leave tails of every length). Runs for every token of every text.
#[inline]
fn tail_word(bytes: &[u8], rem: usize) -> u64 {
    let n = bytes.len();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| {
        u64::from(u32::from_le_bytes(
            bytes[at..at + 4].try_into().expect("4 bytes"),
        ))
    };
    match rem {
        0 => 0,
        // The word ending with the key: its high `rem` bytes are the tail.
        _ if n >= 8 => word(n - 8) >> ((8 - rem) * 8),
        // A short key is all tail: two overlapping 4-byte reads, or three single bytes.
        4..=7 => half(0) | half(n - 4) << ((rem - 4) * 8),
        _ => {
            let b = |i: usize| u64::from(bytes[i]);
            b(0) | b(rem / 2) << (rem / 2 * 8) | b(rem - 1) << ((rem - 1) * 8)
        }
    }
}

/// Bytes of key text a [`MemoSlot`] holds: the exact key, then the folded and transliterated keys where
/// they differ from a stricter one (what is left of one 64-byte cache line).
const MEMO_BYTES: usize = 34;
const MEMO_SLOTS: usize = 1 << 18;

/// One token's keys, as remembered by the [`Analyzer`]'s memo: one cache line.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct MemoSlot {
    /// The [`KeyStamp::stamp`] of the keys the slot holds (0: none). In the slot's own cache line: a
    /// table of stamps beside the memo cost a second cache miss per token (5% of a run with a large
    /// gazetteer).
    stamp: u64,
    /// [`KeyHashes::hashes`] of the folded and transliterated keys (the exact key's hash is the one
    /// the slot is looked up by).
    hashes: [u64; 2],
    /// [`KeyHashes::same`].
    same: [u8; 3],
    /// Byte lengths of the exact, folded and transliterated keys.
    lens: [u8; 3],
    bytes: [u8; MEMO_BYTES],
}

// One cache line: a token's lookup in the memo is one cache miss at most.
const _: () = assert!(std::mem::size_of::<MemoSlot>() == 64);

// SAFETY: integers and arrays of integers; all zeros is the empty slot (`holds` no token: tokens are
// never empty).
#[allow(unsafe_code)]
unsafe impl Zeroed for MemoSlot {}

impl MemoSlot {
    /// The slot of a token whose exact key hashes to `h`: bits above those the gazetteer's tables index
    /// by, so that the two spread independently.
    fn index(h: u64) -> usize {
        (h >> 40) as usize & (MEMO_SLOTS - 1)
    }

    /// The hashes of the slot's keys, whose exact key hashes to `h`.
    fn keys(&self, h: u64) -> KeyHashes {
        KeyHashes {
            hashes: [h, self.hashes[0], self.hashes[1]],
            same: self.same,
        }
    }

    /// Where layer `k`'s key starts in `bytes` (only the keys that differ from stricter ones are stored).
    fn offset(&self, k: usize) -> usize {
        (0..k)
            .filter(|&j| usize::from(self.same[j]) == j)
            .map(|j| usize::from(self.lens[j]))
            .sum()
    }

    fn key(&self, k: usize) -> &[u8] {
        let k = usize::from(self.same[k]);
        let at = self.offset(k);
        &self.bytes[at..at + usize::from(self.lens[k])]
    }

    /// Whether the slot holds the keys of the token at `range` of `text` (never empty). A token of up to
    /// 16 bytes that the text goes on from for 16 bytes is compared in one masked 16-byte comparison:
    /// no branch on its length.
    #[inline]
    fn holds_in(&self, text: &[u8], range: std::ops::Range<usize>) -> bool {
        let n = range.len();
        if usize::from(self.lens[0]) != n {
            return false;
        }
        let load = |b: &[u8]| u128::from_le_bytes(b.try_into().unwrap_or([0; 16]));
        match text.get(range.start..range.start + 16) {
            Some(window) if (1..=16).contains(&n) => {
                (load(window) ^ load(&self.bytes[..16])) & (u128::MAX >> (128 - 8 * n)) == 0
            }
            _ => same_short_bytes(&self.bytes[..n], &text[range]),
        }
    }

    /// Whether a slot has room for `keys` (the exact, folded and transliterated key, which coincide as
    /// `found` says).
    fn fits(keys: [&str; 3], found: KeyHashes) -> bool {
        (0..3)
            .filter(|&k| usize::from(found.same[k]) == k)
            .map(|k| keys[k].len())
            .sum::<usize>()
            <= MEMO_BYTES
    }

    /// Remembers `keys` (the exact, folded and transliterated key, which must [fit](Self::fits)) with
    /// their hashes under `stamp`.
    fn store(&mut self, keys: [&str; 3], found: KeyHashes, stamp: u64) {
        let distinct = |k: &usize| usize::from(found.same[*k]) == *k;
        let mut at = 0;
        for k in 0..3 {
            if distinct(&k) {
                self.bytes[at..at + keys[k].len()].copy_from_slice(keys[k].as_bytes());
                at += keys[k].len();
            }
            self.lens[k] = keys[usize::from(found.same[k])].len() as u8;
        }
        self.stamp = stamp;
        self.hashes = [found.hashes[1], found.hashes[2]];
        self.same = found.same;
    }
}

/// Segments text and computes keys; holds scratch space reused across calls (one per thread).
///
/// Word frequencies are Zipfian, so most tokens of a text are words met shortly before: a direct-mapped
/// memo of recent tokens' keys (16 MiB, keys of up to `MEMO_BYTES` bytes in all) gives most of
/// them without folding and transliterating again. Keys are a function of the token text alone, so the
/// memo never changes a result. Its size is set by Arabic, two-thirds of the shared corpus: a word
/// takes clitics and articles, so its distinct forms are many, and each one missed is folded and
/// transliterated afresh (1 MiB missed 27% of the tokens of 6 MB of Arabic news, 4 MiB 18%). A miss
/// costs more than the wait for a larger table's line: on the 50 MB slice of the shared corpus, a
/// one-core run took 4% longer with 2 MiB than with 4 MiB, and 2.5% less with 8 MiB; 16 MiB took 1%
/// less than 8 MiB on the slice and 2% less on the whole corpus, whose words are more varied (for 20 MB
/// more memory per thread: this memo, the matcher's lookups by its slots, and the stem matcher's).
#[derive(Default, Debug)]
pub struct Analyzer {
    scratch: String,
    memo: ZeroedTable<MemoSlot>,
    /// Tokens analysed before the memo was built.
    tokens_seen: usize,
    /// The last stamp given (see [`next_stamp`]; 0: none yet).
    last_stamp: u64,
}

/// Bits of a [`KeyStamp::stamp`] that count the stamps of one analyzer; the bits above number analyzers.
const STAMP_SERIAL_BITS: u32 = 40;

/// The number of the next analyzer to build a memo (0 is never given).
static NEXT_ANALYZER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Tokens an [`Analyzer`] analyses without its memo.
const MEMO_AFTER_TOKENS: usize = 4096;

impl Analyzer {
    /// A new analyzer with empty scratch space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears `out`, then fills it with the tokens of `text` and their keys at every layer.
    ///
    /// # Panics
    ///
    /// If `text` or its keys at one layer are 4 GiB or more.
    pub fn analyze(&mut self, text: &str, out: &mut Analysis) {
        assert!(
            u32::try_from(text.len()).is_ok(),
            "a text of {} bytes: texts must be shorter than 4 GiB",
            text.len()
        );
        out.clear();
        out.text.push_str(text);
        segment::segment(text, &mut out.tokens);
        // The memo pays for itself only over many texts: an analyzer made for one name (a lookup) never
        // builds it.
        if self.memo.is_empty() {
            self.tokens_seen += out.tokens.len();
            if self.tokens_seen < MEMO_AFTER_TOKENS {
                self.analyze_tokens(text, out);
                return;
            }
            self.memo = ZeroedTable::new(MEMO_SLOTS);
        }
        // The slot of the token a few ahead is loaded while this one is handled: the memo is larger than
        // the core's first caches, and tokens hit slots at random. Hashes of the tokens between are kept
        // in a ring, not per token: a record of millions of tokens needs no more memory for them.
        const AHEAD: usize = 8;
        let tokens = &out.tokens;
        let hash_of = |t: &Token| key_hash_in(text.as_bytes(), t.range());
        let mut ring = [0u64; AHEAD];
        for (h, t) in ring.iter_mut().zip(tokens) {
            *h = hash_of(t);
            prefetch(&self.memo[MemoSlot::index(*h)]);
        }
        for (i, t) in tokens.iter().enumerate() {
            let h = ring[i % AHEAD];
            if let Some(ahead) = tokens.get(i + AHEAD) {
                let ahead = hash_of(ahead);
                ring[i % AHEAD] = ahead;
                prefetch(&self.memo[MemoSlot::index(ahead)]);
            }
            let token = &text[t.range()];
            let at = MemoSlot::index(h);
            let slot = &mut self.memo[at];
            if slot.holds_in(text.as_bytes(), t.range()) {
                out.key_stamps.push(slot.stamp);
                let keys = slot.keys(h);
                match keys.same[1] {
                    1 => out.folded.push(memo_str(slot.key(1))),
                    _ => out.folded.push_same(),
                }
                match keys.same[2] {
                    2 => out.translit.push(memo_str(slot.key(2))),
                    _ => out.translit.push_same(),
                }
                out.key_hashes.push(keys);
                continue;
            }
            let found = push_keys(
                token,
                h,
                &mut self.scratch,
                (&mut out.folded, &mut out.translit),
                &mut out.key_hashes,
            );
            let key = |k: usize| match found.same[k] {
                0 => token,
                1 => out.folded.get(i),
                _ => out.translit.get(i),
            };
            let keys = [token, key(1), key(2)];
            let stamp = if MemoSlot::fits(keys, found) {
                // New keys in the slot: a new stamp (0, none, once analyzer numbers run out), never the
                // stamp of the keys they replace.
                self.last_stamp = next_stamp(self.last_stamp);
                slot.store(keys, found, self.last_stamp);
                self.last_stamp
            } else {
                // The slot keeps its keys and their stamp; this token has none.
                0
            };
            out.key_stamps.push(stamp);
        }
    }

    /// The keys of every token of `out`, computed afresh (no stamps).
    fn analyze_tokens(&mut self, text: &str, out: &mut Analysis) {
        out.key_stamps.resize(out.tokens.len(), 0);
        for t in &out.tokens {
            let token = &text[t.range()];
            push_keys(
                token,
                key_hash(token.as_bytes()),
                &mut self.scratch,
                (&mut out.folded, &mut out.translit),
                &mut out.key_hashes,
            );
        }
    }
}

/// Whether `a` and `b`, of the same length, hold the same bytes: for the short keys of the memo (most
/// words are under 16 bytes), two overlapping loads instead of a call to `memcmp` on every token.
#[inline]
fn same_short_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    let u64_at = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    let u32_at = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().unwrap_or([0; 4]));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4),
        8..=16 => u64_at(a, 0) == u64_at(b, 0) && u64_at(a, n - 8) == u64_at(b, n - 8),
        _ => a == b,
    }
}

/// The stamp after `last` (0: none given yet): the next serial number of the same analyzer, or the first
/// of a newly numbered one, so that no two stores anywhere in the process share a stamp. Past 2^24
/// numbered analyzers (each a memo of 16 MiB) no stamps are given: 0.
fn next_stamp(last: u64) -> u64 {
    const SERIAL: u64 = (1 << STAMP_SERIAL_BITS) - 1;
    if last != 0 && last & SERIAL != SERIAL {
        return last + 1;
    }
    let analyzer = NEXT_ANALYZER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if analyzer >= 1 << (64 - STAMP_SERIAL_BITS) {
        return 0;
    }
    analyzer << STAMP_SERIAL_BITS | 1
}

/// Asks the processor to start loading the cache line of `r`, so that a later read finds it there: for
/// lookups into tables larger than the core's caches, whose keys are known a little ahead.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: a prefetch is only a hint: it never faults, reads nothing into the program and writes
    // nothing, whatever the address (here that of a live reference). SSE is part of every x86_64 target.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (r as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

/// A key held by a [`MemoSlot`] as the string it is.
#[inline]
#[allow(unsafe_code)]
fn memo_str(bytes: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(bytes).is_ok());
    // SAFETY: a memo slot's bytes are whole keys copied from `&str`s (`Analyzer::analyze` writes them
    // with their lengths, and `MemoSlot::key` slices at those lengths), so every slice it gives is UTF-8.
    // Checking it again was 2% of a run.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// Computes the folded and transliterated keys of `token` (whose exact key hashes to `h`) and appends
/// them to the arenas and the keys' hashes to `key_hashes`.
fn push_keys(
    token: &str,
    h: u64,
    scratch: &mut String,
    (folded_keys, translit_keys): (&mut Arena, &mut Arena),
    key_hashes: &mut Vec<KeyHashes>,
) -> KeyHashes {
    let i = folded_keys.spans.len();
    let mut same = [0u8, 1, 2];
    if let Some(j) = folded_keys.push_new(|keys| fold::fold_into(token, keys), &[token]) {
        same[1] = j;
    }
    let folded = if same[1] == 0 {
        token
    } else {
        folded_keys.get(i)
    };
    let stricter: &[&str] = if same[1] == 0 {
        &[token]
    } else {
        &[token, folded]
    };
    if let Some(j) = translit_keys.push_new(
        |keys| translit::translit_folded_into(folded, scratch, keys),
        stricter,
    ) {
        same[2] = j;
    }
    let mut hashes = [h; 3];
    for k in 1..3 {
        hashes[k] = match same[k] {
            s if usize::from(s) == k => {
                let key = if k == 1 { folded } else { translit_keys.get(i) };
                key_hash(key.as_bytes())
            }
            s => hashes[usize::from(s)],
        };
    }
    let found = KeyHashes { hashes, same };
    key_hashes.push(found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memo's short comparison must agree with slice equality at every length it handles by loads
    /// (1-3, 4-7, 8-16 bytes) and beyond: equal words, and words that differ in any one byte.
    #[test]
    fn short_byte_comparison_agrees_with_slice_equality() {
        let text = "Sergey Lavrov Сергей Лавров لافروف 拉夫罗夫 Ławrow Ja'afari";
        let bytes = text.as_bytes();
        for start in 0..bytes.len() {
            for end in start..bytes.len().min(start + 40) {
                let a = &bytes[start..end];
                let copy = a.to_vec(); // another buffer: equal bytes, not the same address
                assert!(same_short_bytes(a, &copy), "{a:?}");
                for at in 0..a.len() {
                    let mut b = a.to_vec();
                    b[at] ^= 0x20;
                    assert!(!same_short_bytes(a, &b), "{a:?} vs {b:?}");
                }
            }
        }
    }

    /// Indexes store key hashes, so the tail's assembly must give the word the byte loop gave, for every
    /// key length (ASCII, 2-byte Cyrillic and Arabic, 3-byte CJK keys).
    #[test]
    fn tail_words_are_the_zero_padded_little_endian_tails() {
        let text = "lavrov Лавров لافروف 拉夫罗夫 ä\u{0}\u{7f}ÿ";
        let bytes = text.as_bytes();
        for start in 0..bytes.len() {
            for end in start..bytes.len().min(start + 26) {
                let key = &bytes[start..end];
                let rem = key.len() % 8;
                let looped = key[key.len() - rem..]
                    .iter()
                    .rev()
                    .fold(0u64, |acc, &b| acc << 8 | u64::from(b));
                assert_eq!(tail_word(key, rem), looped, "{key:?}");
            }
        }
    }

    /// Ranges of `text` between character boundaries, of up to `max_len` bytes.
    fn ranges(text: &str, max_len: usize) -> Vec<std::ops::Range<usize>> {
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        bounds
            .iter()
            .flat_map(|&a| bounds.iter().map(move |&b| a..b))
            .filter(|r| r.start <= r.end && r.len() <= max_len)
            .collect()
    }

    const SCRIPTS: &str =
        "Lavrov Лавров Λαβρόφ لافروف לברוב लावरोव 拉夫罗夫 ลาฟรอฟ Ławrow, 2016 Jaafari";

    #[test]
    fn key_hash_in_a_text_is_key_hash_of_the_slice() {
        for r in ranges(SCRIPTS, usize::MAX) {
            let key = &SCRIPTS.as_bytes()[r.clone()];
            assert_eq!(
                key_hash_in(SCRIPTS.as_bytes(), r.clone()),
                key_hash(key),
                "{r:?}"
            );
        }
    }

    #[test]
    fn a_memo_slot_holds_exactly_the_token_it_was_given() {
        let text = SCRIPTS.as_bytes();
        let ranges = ranges(SCRIPTS, 24);
        for held in ranges
            .iter()
            .filter(|r| (1..=MEMO_BYTES).contains(&r.len()))
        {
            // Bytes after the held key are not part of it (the folded key, or what an earlier key left).
            let mut slot = MemoSlot {
                stamp: 1,
                hashes: [0; 2],
                same: [0; 3],
                lens: [held.len() as u8, 0, 0],
                bytes: [b'a'; MEMO_BYTES],
            };
            slot.bytes[..held.len()].copy_from_slice(&text[held.clone()]);
            for r in ranges.iter().filter(|r| !r.is_empty()) {
                let same = text[r.clone()] == text[held.clone()];
                assert_eq!(slot.holds_in(text, r.clone()), same, "{held:?} {r:?}");
            }
        }
    }

    /// The memo gives every token the keys and hashes a fresh computation gives: a warm analyzer (past
    /// the point where it builds its memo, having seen every word before) against the memo-less path.
    #[test]
    fn memo_gives_the_keys_of_a_fresh_analysis() {
        let text = "Сергей Лавров встретился с Sergej Lawrow; Ja’afari, الجعفري، أيضاً محمّد \
                    محـــمد. 俄罗斯外长拉夫罗夫 ירושלים יְרוּשָׁלַיִם नरेंद्र मोदी ประยุทธ์ Ελλάδα ΑΘΉΝΑ Straße \
                    Willkommen Assad Asad Jaafari WWW İstanbul ı 러시아는";
        let mut warm = Analyzer::new();
        let mut got = Analysis::default();
        while warm.memo.is_empty() {
            warm.analyze(text, &mut got);
        }
        warm.analyze(text, &mut got);
        let mut fresh = Analysis::default();
        fresh.text.push_str(text);
        segment::segment(text, &mut fresh.tokens);
        Analyzer::new().analyze_tokens(text, &mut fresh);
        assert!(got.len() > 40, "{}", got.len());
        assert_eq!(got.tokens(), fresh.tokens());
        // The last analysis was served by the memo: nearly every token's slot holds it (a few may share
        // a slot, or have keys too long for one).
        let held = got
            .tokens()
            .iter()
            .filter(|t| {
                let h = key_hash(text[t.range()].as_bytes());
                warm.memo[MemoSlot::index(h)].holds_in(text.as_bytes(), t.range())
            })
            .count();
        assert!(held * 10 >= got.len() * 9, "{held} of {}", got.len());
        for i in 0..got.len() {
            for layer in KeyLayer::ALL {
                assert_eq!(
                    got.key(layer, i),
                    fresh.key(layer, i),
                    "token {i} {layer:?}"
                );
            }
            assert_eq!(got.key_hashes(i), fresh.key_hashes(i), "token {i}");
            let KeyHashes { hashes, same } = got.key_hashes(i);
            for (k, layer) in KeyLayer::ALL.into_iter().enumerate() {
                assert_eq!(hashes[k], key_hash(got.key(layer, i).as_bytes()));
                let s = usize::from(same[k]);
                assert_eq!(got.key(KeyLayer::ALL[s], i), got.key(layer, i));
                assert!((0..s).all(|j| got.key(KeyLayer::ALL[j], i) != got.key(layer, i)));
            }
        }
    }

    /// Equal stamps mean equal keys: within one warm analyzer a word keeps its stamp while its memo slot
    /// holds it, a word that takes over a slot gets a new stamp (and the word it displaced another when
    /// it comes back), and two analyzers never give the same stamp.
    #[test]
    fn key_stamps_name_one_set_of_keys() {
        let text =
            "Сергей Лавров встретился с Sergej Lawrow; Ja’afari, الجعفري، أيضاً محمّد 俄罗斯外长 \
                    ירושלים नरेंद्र मोदी ประยุทธ์ Ελλάδα Straße İstanbul";
        let warm = |analyzer: &mut Analyzer| {
            let mut out = Analysis::default();
            while analyzer.memo.is_empty() {
                analyzer.analyze(text, &mut out);
            }
            analyzer.analyze(text, &mut out);
            out
        };
        let (mut a, mut b) = (Analyzer::new(), Analyzer::new());
        let (first, again) = (warm(&mut a), {
            let mut out = Analysis::default();
            a.analyze(text, &mut out);
            out
        });
        let other = warm(&mut b);
        let stamps = |x: &Analysis| (0..x.len()).map(|i| x.key_stamp(i)).collect::<Vec<_>>();
        assert!(stamps(&first).iter().all(Option::is_some));
        assert_eq!(stamps(&first), stamps(&again));
        for i in 0..first.len() {
            for j in 0..other.len() {
                assert_ne!(first.key_stamp(i), other.key_stamp(j), "tokens {i} and {j}");
            }
            for j in 0..first.len() {
                if first.key_stamp(i) == first.key_stamp(j) {
                    for layer in KeyLayer::ALL {
                        assert_eq!(first.key(layer, i), first.key(layer, j), "{i} {j}");
                    }
                }
            }
        }
        // Two words of one memo slot, in turn: each sighting after the other stores it anew.
        let slot = |w: &str| MemoSlot::index(key_hash(w.as_bytes()));
        let words: Vec<String> = (0..100_000).map(|n| format!("w{n}")).collect();
        let x = &words[0];
        let y = words[1..]
            .iter()
            .find(|w| slot(w) == slot(x))
            .expect("a collision");
        let mut out = Analysis::default();
        let mut seen = Vec::new();
        for w in [x, x, y, y, x] {
            a.analyze(w, &mut out);
            seen.push(out.key_stamp(0).expect("stamped"));
        }
        assert!(seen.iter().all(|s| s.slot as usize == slot(x)));
        assert_eq!(seen[0], seen[1]);
        assert_eq!(seen[2], seen[3]);
        assert!(
            seen[1] != seen[2] && seen[3] != seen[4] && seen[0] != seen[4],
            "{seen:?}"
        );
    }

    #[test]
    fn layer_names() {
        let names: Vec<_> = KeyLayer::ALL.iter().map(|l| l.name()).collect();
        assert_eq!(names, ["exact", "folded", "translit"]);
        assert!(KeyLayer::Exact < KeyLayer::Translit);
    }
}
