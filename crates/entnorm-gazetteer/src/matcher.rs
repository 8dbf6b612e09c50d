//! The compiled matcher: leftmost-longest, non-overlapping mentions over token keys.
//!
//! [`compile`] analyses every alias with the same [`Analyzer`] as article text and inserts its token-key
//! sequence into one token trie per [`KeyLayer`], written into the index layout of [`crate::index`];
//! [`Matcher`] works on that layout in place, whether it was just compiled or memory-mapped from a file. Matching walks the tries from each token that may start a match and
//! keeps the longest match of any layer; on equal length the stricter layer wins. Working on whole tokens is
//! what keeps `Iran` out of `Irani` in spaced scripts, while scripts without spaces are tokenized per
//! character and so match as character sequences.

use std::path::{Path, PathBuf};

use entnorm_tokenize::{
    is_letter, is_upper, letter_case, prefetch, Analysis, Analyzer, KeyHashes, KeyLayer, KeyStamp,
    LetterCase, TokenClass, KEY_STAMP_SLOTS,
};
use rustc_hash::FxHashMap;

use crate::error::GazetteerError;
use crate::index::*;
use crate::lazy_utf8::LazyUtf8;
use crate::model::{AliasKind, Gazetteer, Origin, SourceInfo};

/// A found mention: token range, byte range in the analysed text, and the entity chosen among the candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mention {
    pub token_start: usize,
    pub token_end: usize,
    /// Byte offsets into the analysed text (end exclusive).
    pub start: usize,
    pub end: usize,
    pub layer: KeyLayer,
    /// The alias that matched, of the chosen entity.
    pub alias: u32,
    pub entity: u32,
    /// How many distinct entities share the matched key sequence and passed the guards.
    pub candidates: u32,
}

/// Confidence of a match by the layer that produced it: the looser the key, the likelier a wrong reading.
pub fn layer_score(layer: KeyLayer) -> f64 {
    match layer {
        KeyLayer::Exact => 1.0,
        KeyLayer::Folded => 0.95,
        KeyLayer::Translit => 0.85,
    }
}

/// Aliases whose key sequences are shorter than this many characters are not indexed: a single letter or
/// a single Han character matches far more often than it names anything.
const MIN_ALIAS_CHARS: usize = 2;
/// All-capital aliases up to this length are treated as acronyms (exact layer only).
const ACRONYM_MAX_CHARS: usize = 3;
/// One-token aliases shorter than this do not match on the transliterated key.
const TRANSLIT_MIN_CHARS_ONE_TOKEN: usize = 7;
/// Aliases of more tokens than this are not indexed (the case mask has 64 bits).
const MAX_ALIAS_TOKENS: usize = 64;

/// Closing quotes and brackets that an alias may end with after an opening one (`«Daesh»`).
const CLOSING_MARKS: &[char] = &[
    '"', '\u{2019}', '\u{201D}', '\u{00BB}', '\u{203A}', ')', ']', '}', '\u{FF09}', '\u{300D}',
    '\u{300F}', '\u{300B}', '\u{3009}',
];

/// Analyses alias text `text` into `analysis` as it is indexed, and returns that part of it: without its
/// leading punctuation tokens, and, after them, without trailing closing quotes and brackets. A match
/// never starts at a punctuation token, so an alias written with a leading `‘` (GeoNames' `‘Abdollāhābād`,
/// the Tongan `‘Akosita Lavulavu`), a quote (`«Daesh»`, `'Ndrangheta`) or a stray mark could never match;
/// trimmed, it matches the name whether the text writes the mark or not. An alias of punctuation only
/// is left as it is. The compiler, [`Matcher::lookup`] and the stem matcher's alias keys all see an
/// alias through this function, so their token positions agree.
pub(crate) fn analyze_indexed<'t>(
    text: &'t str,
    analyzer: &mut Analyzer,
    analysis: &mut Analysis,
) -> &'t str {
    analyzer.analyze(text, analysis);
    let tokens = analysis.tokens();
    let Some(first) = tokens.iter().position(|t| t.class != TokenClass::Punct) else {
        return text;
    };
    if first == 0 {
        return text;
    }
    let closing = |t: &entnorm_tokenize::Token| {
        t.class == TokenClass::Punct
            && text[t.range()]
                .chars()
                .next()
                .is_some_and(|c| CLOSING_MARKS.contains(&c))
    };
    // Token `first` is no punctuation, so the last token that is no closing mark is at or after it.
    let last = tokens.iter().rposition(|t| !closing(t)).unwrap_or(first);
    let trimmed = &text[tokens[first].start()..tokens[last].end()];
    analyzer.analyze(trimmed, analysis);
    trimmed
}

/// Precision rules that depend on the alias, computed once at compile time (stored as alias flags).
///
/// - `exact_only`: short all-capital aliases (`US`, `UK`, `EU`) are acronyms that collide with common
///   words once case-folded (`us`), so they only match their exact spelling; so do the short world
///   cities' names of [`world_city_names`].
/// - `translit_ok`: transliteration merges spellings that differ in letters, which for one short word is
///   as likely a different word as a variant (Mongolian `Герман` "Germany" is English `German` on that
///   key), so a one-token alias must be long to match on the transliterated key.
/// - `lang_gated`: one-word names of the default gazetteer in particular languages (`Man` is the Isle of
///   Man in Estonian, `Nije` Niger in Luganda) are common words elsewhere, so in a document whose
///   language is known they match only if given in that language. Canonical names, abbreviations, names
///   of several words and all names of the user's entities (their own and those enrichment gave them:
///   the user chose the entity, so `Londyn` is London in Polish text once the user lists `Лондон`) match
///   in any document, as do, but never transliterated nor inflected, the world cities' names of
///   [`world_city_names`] (GeoNames gives `Kiev` for Kyiv and `Bombay` for
///   Mumbai without a language).
/// - `capitalized`: bit k set if alias token k starts upper-case; in folded layers such a token may not
///   match a text token that starts lower-case (`Turkey` is not `turkey`, `Chad` is not `chad`).
///
/// `text` is the alias as it is indexed and `analysis` its analysis (see [`analyze_indexed`]).
fn alias_flags(
    alias: &crate::model::Alias,
    text: &str,
    user_entity: bool,
    world_city: bool,
    analysis: &Analysis,
) -> Option<(u32, u64)> {
    let tokens = analysis.tokens();
    let chars: usize = tokens.iter().map(|t| text[t.range()].chars().count()).sum();
    let has_name_token = tokens
        .iter()
        .any(|t| matches!(t.class, TokenClass::Word | TokenClass::Char));
    if !has_name_token || chars < MIN_ALIAS_CHARS || tokens.len() > MAX_ALIAS_TOKENS {
        return None;
    }
    let mut capitalized = 0u64;
    for (k, t) in tokens.iter().enumerate() {
        if text[t.range()].chars().next().is_some_and(is_upper) {
            capitalized |= 1 << k;
        }
    }
    let exact_only = tokens.len() == 1
        && chars <= ACRONYM_MAX_CHARS
        && text.chars().any(char::is_alphabetic)
        && text
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
        // A world city's short name, matched in text of any language: only as written (`Kiew`, not
        // `Kasa` for `Kasã`, Kazan, nor `PARI` for `Pari`, Paris).
        || world_city && chars <= WORLD_CITY_EXACT_MAX_CHARS;
    // Words, not tokens: punctuation makes no name longer (Amharic `ኂ፥` for Chad is one word and a
    // colon, whose transliterated key is the English `Hi,`).
    let name_tokens = tokens
        .iter()
        .filter(|t| matches!(t.class, TokenClass::Word | TokenClass::Char))
        .count();
    let name_chars: usize = tokens
        .iter()
        .filter(|t| matches!(t.class, TokenClass::Word | TokenClass::Char))
        .map(|t| text[t.range()].chars().count())
        .sum();
    let translit_ok =
        (name_tokens > 1 || name_chars >= TRANSLIT_MIN_CHARS_ONE_TOKEN) && !world_city;
    // Acronyms of initials belong to the language of the name they abbreviate.
    let lang_gated = alias.origin == Origin::Default
        && !user_entity
        && !world_city
        && (alias.kind == AliasKind::Initials
            || (name_tokens == 1
                && !exact_only
                && !matches!(alias.kind, AliasKind::Canonical | AliasKind::Abbreviation)));
    let mut flags = FLAG_INDEXED;
    if exact_only {
        flags |= FLAG_EXACT_ONLY;
    }
    if translit_ok {
        flags |= FLAG_TRANSLIT_OK;
    }
    if lang_gated {
        flags |= FLAG_LANG_GATED;
    }
    Some((flags, capitalized))
}

/// The first three bytes of a stem key (fewer if it is shorter), packed with its length, so that a text
/// word's key can be checked against the lower-case names' first stems with two lookups (a stem is at
/// least two bytes; see [`Matcher::may_start_lower_name`]).
fn stem_prefix(b: &[u8]) -> u32 {
    let n = b.len().min(3);
    b[..n]
        .iter()
        .fold(n as u32, |acc, &x| acc << 8 | u32::from(x))
}

/// The stem key of token `i` of an analysis: the stem of a word's transliterated key, other tokens'
/// transliterated keys as they are.
fn stem_of(analysis: &Analysis, i: usize) -> &str {
    let key = analysis.key(KeyLayer::Translit, i);
    if analysis.tokens()[i].class == TokenClass::Word {
        entnorm_tokenize::stem_key(key)
    } else {
        key
    }
}

/// Variant paths of a person's name are at most this many (a spelling in several name-part groups gives
/// one path per group).
const MAX_VARIANT_PATHS: usize = 8;

/// The stem-trie paths under which a person's name of two or more words is also found through name-part
/// groups: each word that has groups stands for any of them (`#Q12902079` for `Sergey`), the others for
/// their stems. None when no word has a group or the name has fewer than two words.
fn variant_paths(
    analysis: &Analysis,
    form_groups: &FxHashMap<String, Vec<u32>>,
    stem_vocab: &mut VocabBuilder,
    blob: &mut StringBlob,
) -> Vec<Vec<u32>> {
    let tokens = analysis.tokens();
    let words = tokens
        .iter()
        .filter(|t| t.class == TokenClass::Word)
        .count();
    if words < 2 {
        return Vec::new();
    }
    let mut options: Vec<Vec<u32>> = Vec::with_capacity(tokens.len());
    let mut any_group = false;
    for (i, t) in tokens.iter().enumerate() {
        let stem = stem_of(analysis, i);
        match form_groups.get(stem) {
            Some(groups) if t.class == TokenClass::Word && !groups.is_empty() => {
                any_group = true;
                options.push(groups.clone());
            }
            _ => options.push(vec![stem_vocab.token_id(stem, blob)]),
        }
    }
    if !any_group {
        return Vec::new();
    }
    let mut paths: Vec<Vec<u32>> = vec![Vec::new()];
    for opts in &options {
        let mut next = Vec::new();
        for p in &paths {
            for &o in opts {
                if next.len() < MAX_VARIANT_PATHS {
                    let mut q = p.clone();
                    q.push(o);
                    next.push(q);
                }
            }
        }
        paths = next;
    }
    paths
}

/// A one-token alias whose stem is shorter than this does not match inflected forms: short stems are
/// as often other words (`Rim`, `Oslo`, `Baku` stay exact) — unless the name is long and its stem only
/// short because it lost a long base-form ending (`Россия`, key `rosiya`, stem `ros`).
const STEM_MIN_CHARS_ONE_TOKEN: usize = 4;

/// The shortest transliterated key, in bytes, of a word that a name-part variant match may spell
/// otherwise than the alias (see `Matcher::longest_inflected_at`).
const VARIANT_MIN_RESPELT_BYTES: usize = 4;

/// The prior from which a default place is a world city (a million people: see gazetteers/README.md),
/// whose name in a language such as German GeoNames lists without saying so (`Wien` for `Vienna`): a
/// text word that is the stem of such a name is still taken for it where the language's word forms
/// would not allow it (see `entnorm_tokenize::word_forms_agree`).
const WORLD_CITY_PRIOR: f64 = 1000.0;

/// The fewest letters of a world city's name that matches in text of any language (see
/// [`world_city_names`]): shorter ones are as often another language's word (`Cos`, `Rim`, `Wei`).
const WORLD_CITY_NAME_MIN_CHARS: usize = 4;

/// A world city's name of at most this many letters that matches in text of any language matches only as
/// written (see [`world_city_names`]).
const WORLD_CITY_EXACT_MAX_CHARS: usize = 4;

/// The shortest stem of a one-token alias whose key has at least [`SHORT_STEM_MIN_KEY_CHARS`] bytes. Such
/// an alias matches only a text token that shares at least [`STEM_MIN_CHARS_ONE_TOKEN`] bytes with its
/// key (`России` → `rosii` shares `rosi` with `rosiya`; `Роса`, `rosa`, shares only the stem).
const SHORT_STEM_MIN_CHARS: usize = 3;
const SHORT_STEM_MIN_KEY_CHARS: usize = 5;

/// Whether an alias is indexed in the stem trie: not an acronym, written in alphabets that transliterate
/// (no spaceless or abjad letters, whose keys the stem rules do not cover), and long enough.
fn stem_eligible(alias: &crate::model::Alias, analysis: &Analysis, flags: u32) -> bool {
    // A demonym's endings are its own (`Iraqi` is not an inflection of anything).
    if flags & FLAG_EXACT_ONLY != 0 || alias.kind == AliasKind::Demonym {
        return false;
    }
    let tokens = analysis.tokens();
    let mut words = 0;
    let mut stem_chars = 0;
    let mut key_chars = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.class {
            TokenClass::Char => return false,
            TokenClass::Word => {
                let key = analysis.key(KeyLayer::Translit, i);
                if !key.is_ascii() {
                    return false;
                }
                words += 1;
                stem_chars += stem_of(analysis, i).len();
                key_chars += key.len();
            }
            _ => {}
        }
    }
    words > 1
        || stem_chars >= STEM_MIN_CHARS_ONE_TOKEN
        || (stem_chars >= SHORT_STEM_MIN_CHARS && key_chars >= SHORT_STEM_MIN_KEY_CHARS)
}

/// Strings of the index, deduplicated when short (types, languages and common names repeat).
struct StringBlob {
    bytes: Vec<u8>,
    short: FxHashMap<String, (u32, u32)>,
}

impl StringBlob {
    fn add(&mut self, s: &str) -> (u32, u32) {
        if s.len() <= 24 {
            if let Some(&r) = self.short.get(s) {
                return r;
            }
        }
        let r = (self.bytes.len() as u32, s.len() as u32);
        self.bytes.extend_from_slice(s.as_bytes());
        if s.len() <= 24 {
            self.short.insert(s.to_owned(), r);
        }
        r
    }
}

/// The token vocabulary shared by all layers, while compiling.
#[derive(Default)]
struct VocabBuilder {
    ids: FxHashMap<String, u32>,
    keys: Vec<(u32, u32)>,
}

impl VocabBuilder {
    fn token_id(&mut self, key: &str, blob: &mut StringBlob) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(blob.add(key));
        self.ids.insert(key.to_owned(), id);
        id
    }

    /// Writes the token records (with `roots[layer][token]`, the root's children, for up to three tries;
    /// missing ones are NO_ID) and the hash table into the sections of `at`.
    fn write(self, roots: &[Vec<u32>], at: VocabSections, w: &mut IndexWriter) {
        for (id, &(off, len)) in self.keys.iter().enumerate() {
            let rec = w.section(at.tokens);
            push_u32(rec, off);
            push_u32(rec, len);
            for k in 0..3 {
                push_u32(rec, roots.get(k).map_or(NO_ID, |r| r[id]));
            }
        }
        // Load factor at most 1/2: linear probing then rarely runs past one cache line.
        let buckets = (self.keys.len() * 2).max(8).next_power_of_two();
        let mut table = vec![0u64; buckets];
        let mut by_id: Vec<(&String, u32)> = self.ids.iter().map(|(k, &v)| (k, v)).collect();
        by_id.sort_unstable_by_key(|&(_, id)| id);
        for (key, id) in by_id {
            let h = stable_hash(key.as_bytes());
            let mut b = (h as usize) & (buckets - 1);
            while table[b] != 0 {
                b = (b + 1) & (buckets - 1);
            }
            table[b] = (h >> 32) << 32 | u64::from(id + 1);
        }
        for x in table {
            w.section(at.buckets).extend_from_slice(&x.to_le_bytes());
        }
        let lines = (self.keys.len() * BLOOM_BITS_PER_KEY / 512)
            .max(1)
            .next_power_of_two();
        let mut bloom = vec![0u64; lines * 8];
        for key in self.ids.keys() {
            let (line, bits) = bloom_bits(stable_hash(key.as_bytes()), lines);
            for b in bits {
                bloom[line * 8 + b as usize / 64] |= 1 << (b % 64);
            }
        }
        for x in bloom {
            w.section(at.bloom).extend_from_slice(&x.to_le_bytes());
        }
    }
}

/// One layer's trie while compiling; its edges are labelled with ids of the shared vocabulary.
struct TrieBuilder {
    edges: FxHashMap<(u32, u32), u32>,
    node_count: u32,
    terminals: FxHashMap<u32, Vec<u32>>,
    /// What the trie's case marks are made from (None: it has none, as the exact layer's walks need
    /// none).
    case: Option<CaseMarks>,
}

/// What a trie learns of its aliases' letter case while they are inserted, for the marks its walks
/// read: [`CAPITALIZED_START`] on root children and NODES entries, [`UPPER_NEXT_ONLY`] on nodes.
#[derive(Default)]
struct CaseMarks {
    /// Per alias, whether its first token starts upper-case.
    capitalized_first: Vec<bool>,
    /// The first tokens of the paths of aliases whose first token does not start upper-case.
    lower_first: rustc_hash::FxHashSet<u32>,
    /// The nodes (not the root) from which some alias's path goes on with a token that does not start
    /// upper-case (None: no node is marked, as only the stem walks ask).
    lower_next: Option<rustc_hash::FxHashSet<u32>>,
}

impl TrieBuilder {
    /// An empty trie (node 0 is the root) that keeps `case` marks.
    fn new(case: Option<CaseMarks>) -> TrieBuilder {
        TrieBuilder {
            edges: FxHashMap::default(),
            node_count: 1,
            terminals: FxHashMap::default(),
            case,
        }
    }

    /// Inserts the key path `tokens` (vocabulary ids) with `alias` as a candidate at its end;
    /// `capitalized` has bit `k` set where the alias's token `k` starts upper-case (the bits the case
    /// guards read: a path's `k`-th edge is read for text token `start + k`).
    fn insert(&mut self, tokens: impl IntoIterator<Item = u32>, alias: u32, capitalized: u64) {
        let lower_at = |k: usize| capitalized.checked_shr(k as u32).unwrap_or(0) & 1 == 0;
        if let Some(case) = &mut self.case {
            let at = alias as usize;
            if case.capitalized_first.len() <= at {
                case.capitalized_first.resize(at + 1, false);
            }
            case.capitalized_first[at] = !lower_at(0);
        }
        let mut node = 0;
        for (k, token) in tokens.into_iter().enumerate() {
            if let Some(case) = self.case.as_mut().filter(|_| lower_at(k)) {
                if node == 0 {
                    case.lower_first.insert(token);
                } else if let Some(lower_next) = &mut case.lower_next {
                    lower_next.insert(node);
                }
            }
            let next = self.node_count;
            node = *self.edges.entry((node, token)).or_insert(next);
            if node == next {
                self.node_count += 1;
            }
        }
        self.terminals.entry(node).or_default().push(alias);
    }

    /// A bit per node (u64 words, bit `node % 64` of word `node / 64`): set if an edge below the node
    /// (leaving it or one of its descendants) has a label `wanted` accepts.
    fn nodes_with_label_below(&self, wanted: impl Fn(u32) -> bool) -> Vec<u64> {
        let mut edges: Vec<(u32, u32, u32)> =
            self.edges.iter().map(|(&(n, t), &c)| (n, t, c)).collect();
        // A child is numbered after its parent, so from the last parent back each child's bit is final
        // when its parent's edges are read.
        edges.sort_unstable_by_key(|&(node, ..)| std::cmp::Reverse(node));
        let mut bits = vec![0u64; (self.node_count as usize).div_ceil(64)];
        for (node, token, child) in edges {
            if wanted(token) || has_bit(&bits, child) {
                set_bit(&mut bits, node);
            }
        }
        bits
    }

    /// Writes the trie's sections from section `base` on and returns the root's children by token id
    /// (stored in the vocabulary).
    /// `guards[alias]` is the second word of the alias's CANDS entry (see [`cand_guard`]).
    fn write(
        mut self,
        base: usize,
        vocab_len: usize,
        precedence: &dyn Fn(&u32) -> PrecedenceKey,
        guards: &[u32],
        w: &mut IndexWriter,
    ) -> Vec<u32> {
        let sec = |p| base + p;
        let mut root = vec![NO_ID; vocab_len];
        let mut inner: Vec<(u32, u32, u32)> = Vec::new();
        for (&(node, token), &child) in &self.edges {
            if node == 0 {
                root[token as usize] = child;
            } else {
                inner.push((node, token, child));
            }
        }
        inner.sort_unstable();
        let nodes = self.node_count as usize;
        let mut continues = vec![0u64; vocab_len.div_ceil(64)];
        // Each node's edges: up to SORTED_EDGES_MAX sorted by token, more in a hash table (see EDGES).
        // Its entries in NODES (first edge, first candidate) are written together at the end.
        let mut node_entries: Vec<[u32; 2]> = Vec::with_capacity(nodes + 1);
        let mut entries = 0usize;
        let mut next = 0usize;
        for node in 0..=nodes {
            let first = next;
            while next < inner.len() && (inner[next].0 as usize) == node {
                next += 1;
            }
            let own = &inner[first..next];
            let lower_next = self.case.as_ref().and_then(|c| c.lower_next.as_ref());
            let flag = match lower_next {
                Some(lower_next)
                    if node != 0 && !own.is_empty() && !lower_next.contains(&(node as u32)) =>
                {
                    UPPER_NEXT_ONLY
                }
                _ => 0,
            };
            assert!(
                entries < UPPER_NEXT_ONLY as usize,
                "a trie of 2^31 edges cannot be indexed"
            );
            node_entries.push([entries as u32 | flag, 0]);
            if own.len() <= SORTED_EDGES_MAX {
                for &(_, token, child) in own {
                    push_u32(w.section(sec(EDGES)), token);
                    push_u32(w.section(sec(EDGES)), child);
                }
                entries += own.len();
            } else {
                let size = (own.len() * 2).next_power_of_two();
                let mut table = vec![(NO_ID, NO_ID); size];
                for &(_, token, child) in own {
                    let mut slot = edge_slot(token, size);
                    while table[slot].0 != NO_ID {
                        slot = (slot + 1) & (size - 1);
                    }
                    table[slot] = (token, child);
                }
                for (token, child) in table {
                    push_u32(w.section(sec(EDGES)), token);
                    push_u32(w.section(sec(EDGES)), child);
                }
                entries += size;
            }
            for &(_, token, _) in own {
                set_bit(&mut continues, token);
            }
        }
        push_bits(w.section(sec(CONTINUES)), &continues);
        let mut start = 0u32;
        for node in 0..=nodes as u32 {
            let mut flag = 0;
            if let (Some(aliases), Some(case)) = (self.terminals.get(&node), &self.case) {
                if aliases.iter().all(|&a| case.capitalized_first[a as usize]) {
                    flag = CAPITALIZED_START;
                }
            }
            node_entries[node as usize][1] = start | flag;
            if let Some(mut aliases) = self.terminals.remove(&node) {
                aliases.sort_by_cached_key(|a| precedence(a));
                for &a in &aliases {
                    push_u32(w.section(sec(CANDS)), a);
                    push_u32(w.section(sec(CANDS)), guards[a as usize]);
                }
                start += aliases.len() as u32;
            }
        }
        for [edges, terms] in node_entries {
            push_u32(w.section(sec(NODES)), edges);
            push_u32(w.section(sec(NODES)), terms);
        }
        if let Some(case) = &self.case {
            for (id, child) in root.iter_mut().enumerate() {
                if *child < CAPITALIZED_START && !case.lower_first.contains(&(id as u32)) {
                    *child |= CAPITALIZED_START;
                }
            }
        }
        root
    }
}

type PrecedenceKey = (
    Origin,
    Origin,
    std::cmp::Reverse<OrderedPrior>,
    AliasKind,
    std::cmp::Reverse<usize>,
    String,
    u32,
);

/// The first slot to probe for `token` in a node's edge table of `size` entries (a power of two
/// above [`SORTED_EDGES_MAX`]): the top bits of a multiplicative hash.
#[inline]
fn edge_slot(token: u32, size: usize) -> usize {
    (token.wrapping_mul(0x9E37_79B9) >> (32 - size.trailing_zeros())) as usize
}

/// The second word of an alias's CANDS entry: its entity, with its flags and whether its first token
/// starts upper-case above it (see [`CANDS`]).
fn cand_guard(entity: u32, flags: u32, capitalized: u64) -> u32 {
    assert!(
        entity < 1 << CAND_ENTITY_BITS,
        "a gazetteer of 2^{CAND_ENTITY_BITS} entities cannot be indexed"
    );
    let first = if capitalized & 1 != 0 {
        CAND_CAPITALIZED_FIRST
    } else {
        0
    };
    entity | (flags | first) << CAND_ENTITY_BITS
}

/// The one-word aliases without a language (not the canonical name, which no gate stops) of default
/// places of a million people or more (see [`WORLD_CITY_PRIOR`]) that such a city is known by in any
/// language: capitalised, not in capitals (so not a caseless script's word: Persian `مدینه`, Madinah,
/// is Arabic `مدينة`, "city"), of at least [`WORLD_CITY_NAME_MIN_CHARS`] letters (`Edo` for Tokyo), no
/// spelling of a name part (`Sophia` for Sofia), no other entity's name (Hong Kong's `Victoria`,
/// Chattogram's `Islamabad`), compared in lower case, and no form of a name of the user's. See
/// `lang_gated` in [`alias_flags`].
fn world_city_names(gazetteer: &Gazetteer) -> rustc_hash::FxHashSet<u32> {
    let is_world_city = |entity: u32| {
        let e = gazetteer.entity(entity);
        e.origin == Origin::Default && e.entity_type == "LOC" && e.prior >= WORLD_CITY_PRIOR
    };
    let name_parts: rustc_hash::FxHashSet<String> = gazetteer
        .name_parts
        .iter()
        .map(|p| p.form.to_lowercase())
        .collect();
    // Each candidate's entity by its name in lower case, and by its transliterated key without final
    // vowels: a name of the user's that one of the city's names could be an inflected form of, or the
    // other way round, counts as another entity's (the user's `Филадельфия` in Czech `Filadelfii`, which
    // GeoNames also gives for Philadelphia), lest the city's name, matched as written, displace the
    // user's entity's inflected form. `None` once another entity has it.
    let mut owner: FxHashMap<String, Option<u32>> = FxHashMap::default();
    let mut owner_of_stem: FxHashMap<String, Option<u32>> = FxHashMap::default();
    let mut candidates = Vec::new();
    for (index, a) in (0u32..).zip(&gazetteer.aliases) {
        let letters = a.text.chars().filter(|c| c.is_alphabetic()).count();
        if !(is_world_city(a.entity)
            && !matches!(a.kind, AliasKind::Canonical | AliasKind::Abbreviation)
            && a.langs.iter().all(|l| l == "und")
            && a.text.chars().next().is_some_and(is_upper)
            && !a.text.chars().all(is_upper)
            && letters == a.text.chars().count()
            && letters >= WORLD_CITY_NAME_MIN_CHARS)
        {
            continue;
        }
        let lower = a.text.to_lowercase();
        if name_parts.contains(&lower) {
            continue;
        }
        let key = vowelless_key(&a.text);
        owner.insert(lower.clone(), Some(a.entity));
        owner_of_stem.insert(key.clone(), Some(a.entity));
        candidates.push((index, lower, key));
    }
    let disown = |map: &mut FxHashMap<String, Option<u32>>, name: &str, entity: u32| {
        if let Some(o) = map.get_mut(name) {
            if *o != Some(entity) {
                *o = None;
            }
        }
    };
    for a in &gazetteer.aliases {
        // Every candidate is one word.
        if a.text.contains(' ') {
            continue;
        }
        disown(&mut owner, &a.text.to_lowercase(), a.entity);
        if a.origin == Origin::User {
            disown(&mut owner_of_stem, &vowelless_key(&a.text), a.entity);
        }
    }
    candidates
        .into_iter()
        .filter(|(_, lower, key)| {
            owner.get(lower).is_some_and(Option::is_some)
                && owner_of_stem.get(key).is_some_and(Option::is_some)
        })
        .map(|(index, _, _)| index)
        .collect()
}

/// A one-word name's transliterated key without its final vowels (`filadelf` for `Filadelfii` and
/// `Филадельфия`).
fn vowelless_key(name: &str) -> String {
    let mut key = entnorm_tokenize::transliterate(name);
    let stem = key.trim_end_matches(['a', 'e', 'i', 'o', 'u', 'y']).len();
    key.truncate(stem);
    key
}

/// Compiles a gazetteer into the bytes of an index file (see [`crate::index`]).
pub fn compile(gazetteer: &Gazetteer) -> Vec<u8> {
    let mut w = IndexWriter::new();
    let mut blob = StringBlob {
        bytes: Vec::new(),
        short: FxHashMap::default(),
    };
    let mut analyzer = Analyzer::new();
    let mut analysis = Analysis::default();
    let mut vocab = VocabBuilder::default();
    // The folded layers' case guards reject capitalised aliases at lower-case words; the exact layer's
    // keys keep the case, so its trie needs no marks.
    let mut tries = KeyLayer::ALL
        .map(|layer| TrieBuilder::new((layer != KeyLayer::Exact).then(CaseMarks::default)));
    let mut stem_vocab = VocabBuilder::default();
    // Only the stem walks ask for UPPER_NEXT_ONLY: they know each next token's case already, while the
    // layers' walks would have to find it out at every step, which cost more than the searches it saved
    // (cachegrind, slice50 with the peers' `large` gazetteer).
    let mut stem_trie = TrieBuilder::new(Some(CaseMarks {
        lower_next: Some(Default::default()),
        ..Default::default()
    }));
    // Name-part groups: one stem token per group (`#Q12902079`), first in the stem vocabulary, and the groups
    // of each spelling's stem.
    let mut group_token: FxHashMap<&str, u32> = FxHashMap::default();
    for p in &gazetteer.name_parts {
        if !group_token.contains_key(p.group.as_str()) {
            let id = stem_vocab.token_id(&format!("#{}", p.group), &mut blob);
            group_token.insert(p.group.as_str(), id);
        }
    }
    let stem_groups = stem_vocab.keys.len() as u32;
    let mut form_groups: FxHashMap<String, Vec<u32>> = FxHashMap::default();
    for p in &gazetteer.name_parts {
        let key = entnorm_tokenize::transliterate(&p.form);
        if key.is_empty() || !key.is_ascii() || key.contains(' ') {
            continue;
        }
        let v = form_groups
            .entry(entnorm_tokenize::stem_key(&key).to_owned())
            .or_default();
        let g = group_token[p.group.as_str()];
        if !v.contains(&g) {
            v.push(g);
        }
    }
    let mut skipped = 0u64;
    for e in &gazetteer.entities {
        let rec = w.section(ENTITIES);
        let attrs = e
            .attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        for s in [&e.id, &e.name, &e.entity_type, &attrs] {
            let (off, len) = blob.add(s);
            push_u32(rec, off);
            push_u32(rec, len);
        }
        let rec = w.section(ENTITIES);
        push_u32(rec, u32::from(e.origin == Origin::Default));
        push_u32(rec, 0);
        rec.extend_from_slice(&e.prior.to_le_bytes());
    }
    let mut lower_prefixes = std::collections::BTreeSet::new();
    let mut lower_families = std::collections::BTreeSet::new();
    let world_city_names = world_city_names(gazetteer);
    let mut guards = Vec::with_capacity(gazetteer.aliases.len());
    for (index, alias) in gazetteer.aliases.iter().enumerate() {
        let text = analyze_indexed(&alias.text, &mut analyzer, &mut analysis);
        let user_entity = gazetteer.entity(alias.entity).origin == Origin::User;
        let world_city = world_city_names.contains(&(index as u32));
        let (mut flags, capitalized) =
            alias_flags(alias, text, user_entity, world_city, &analysis).unwrap_or((0, 0));
        if flags & FLAG_INDEXED != 0 && !world_city && stem_eligible(alias, &analysis, flags) {
            flags |= FLAG_STEM_OK;
            // Only a lower-case name of a language with case endings takes them, in text of its
            // language family (see `stem_guard_allows`).
            if alias.origin == Origin::User && capitalized & 1 == 0 {
                let families: Vec<&str> = alias
                    .langs
                    .iter()
                    .filter_map(|l| language_family(l))
                    .collect();
                if !families.is_empty() {
                    lower_prefixes.insert(stem_prefix(stem_of(&analysis, 0).as_bytes()));
                    lower_families.extend(families);
                }
            }
            let path: Vec<u32> = (0..analysis.len())
                .map(|i| stem_vocab.token_id(stem_of(&analysis, i), &mut blob))
                .collect();
            let mut paths = vec![path];
            if gazetteer.entity(alias.entity).entity_type == "PER" {
                paths.extend(variant_paths(
                    &analysis,
                    &form_groups,
                    &mut stem_vocab,
                    &mut blob,
                ));
            }
            for path in paths {
                stem_trie.insert(path, index as u32, capitalized);
            }
        }
        if flags & FLAG_INDEXED != 0 {
            for layer in KeyLayer::ALL {
                let path: Vec<u32> = (0..analysis.len())
                    .map(|i| vocab.token_id(analysis.key(layer, i), &mut blob))
                    .collect();
                tries[layer as usize].insert(path, index as u32, capitalized);
            }
        } else {
            skipped += 1;
        }
        let langs = alias.langs.join(",");
        let mut rec = Vec::with_capacity(ALIAS_RECORD);
        push_u32(&mut rec, alias.entity);
        for s in [&alias.text, &alias.lang, &langs] {
            let (off, len) = blob.add(s);
            push_u32(&mut rec, off);
            push_u32(&mut rec, len);
        }
        let origin = u32::from(alias.origin == Origin::Default);
        push_u32(
            &mut rec,
            u32::from(kind_to_u8(alias.kind)) | origin << 8 | flags << 16,
        );
        rec.extend_from_slice(&capitalized.to_le_bytes());
        w.section(ALIASES).extend_from_slice(&rec);
        guards.push(cand_guard(alias.entity, flags, capitalized));
    }
    // Candidates of one key sequence in precedence order: a spelling the user's gazetteers give before one
    // only the default gives (even if enrichment moved the default's spelling onto a user entity), then
    // user entities before default ones, then higher prior; on equal prior a canonical name beats a label,
    // and a spelling many languages share beats one that a single source gives (`Mexico` is Mexico in
    // twenty languages, Malaysia in one); then entity ID, so the choice never depends on load or hash order.
    let precedence = |a: &u32| -> PrecedenceKey {
        let alias = gazetteer.alias(*a);
        let e = gazetteer.entity(alias.entity);
        (
            alias.origin,
            e.origin,
            std::cmp::Reverse(OrderedPrior(e.prior)),
            alias.kind,
            std::cmp::Reverse(alias.langs.len()),
            e.id.clone(),
            *a,
        )
    };
    let vocab_len = vocab.keys.len();
    let mut roots: [Vec<u32>; 3] = Default::default();
    for ((layer, trie), root) in KeyLayer::ALL.into_iter().zip(tries).zip(&mut roots) {
        *root = trie.write(layer_base(layer), vocab_len, &precedence, &guards, &mut w);
    }
    vocab.write(&roots, MAIN_VOCAB, &mut w);
    // Every spelling's stem is in the stem vocabulary, with its groups in FORM_GROUPS.
    let mut stems: Vec<(&String, &Vec<u32>)> = form_groups.iter().collect();
    stems.sort_unstable();
    let mut group_runs: Vec<(u32, u32, u32)> = Vec::with_capacity(stems.len());
    for (stem, groups) in stems {
        let id = stem_vocab.token_id(stem, &mut blob);
        let offset = (w.section(FORM_GROUPS).len() / 4) as u32;
        for &g in groups {
            push_u32(w.section(FORM_GROUPS), g);
        }
        group_runs.push((id, offset, groups.len() as u32));
    }
    let stem_vocab_len = stem_vocab.keys.len();
    push_bits(
        w.section(GROUP_BELOW),
        &stem_trie.nodes_with_label_below(|token| token < stem_groups),
    );
    let stem_root = stem_trie.write(STEM_BASE, stem_vocab_len, &precedence, &guards, &mut w);
    let (mut run_offsets, mut run_counts) =
        (vec![0u32; stem_vocab_len], vec![0u32; stem_vocab_len]);
    for (id, offset, count) in group_runs {
        run_offsets[id as usize] = offset;
        run_counts[id as usize] = count;
    }
    stem_vocab.write(&[stem_root, run_offsets, run_counts], STEM_VOCAB, &mut w);
    let lower_prefixes: Vec<String> = lower_prefixes.iter().map(u32::to_string).collect();
    let lower_families: Vec<&str> = lower_families.into_iter().collect();
    let mut meta = format!(
        "fingerprint\t{}\nskipped_aliases\t{skipped}\nstem_groups\t{stem_groups}\n\
         lower_stem_prefixes\t{}\nlower_name_families\t{}\n",
        gazetteer.fingerprint(),
        lower_prefixes.join(","),
        lower_families.join(",")
    );
    for s in &gazetteer.sources {
        meta.push_str(&format!(
            "source\t{}\t{}\t{}\t{}\n",
            s.origin.name(),
            s.rows,
            s.fingerprint,
            s.path.display().to_string().replace(['\t', '\n'], " ")
        ));
    }
    w.section(META).extend_from_slice(meta.as_bytes());
    *w.section(STRINGS) = blob.bytes;
    w.finish()
}

/// Where the index bytes live.
enum Storage {
    Owned(Vec<u8>),
    /// The index file, mapped, with its path; the file is kept open for [`Matcher::make_resident`].
    Mapped(memmap2::Mmap, std::fs::File, PathBuf),
    /// A copy of the index in anonymous memory (see [`Matcher::make_resident`]).
    Resident(memmap2::Mmap),
}

/// Where [`Storage::bytes`] are, kept beside the storage they describe: every read of a section goes
/// through it (several per token), and asking the storage first which variant it is cost 1% of the
/// instructions of a run.
#[derive(Clone, Copy)]
struct IndexBytes {
    start: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: an `IndexBytes` only describes bytes owned by a `Storage` (which is `Send` and `Sync`), never
// read without a shared borrow of it (see `IndexBytes::of_storage`).
#[allow(unsafe_code)]
unsafe impl Send for IndexBytes {}
// SAFETY: as for `Send`.
#[allow(unsafe_code)]
unsafe impl Sync for IndexBytes {}

impl IndexBytes {
    fn new(storage: &Storage) -> Self {
        let bytes = storage.bytes();
        IndexBytes {
            start: std::ptr::NonNull::from(bytes).cast::<u8>(),
            len: bytes.len(),
        }
    }

    /// The bytes of `storage`, which must be the storage these were taken from ([`IndexBytes::new`]) and
    /// not replaced since: the matcher keeps the two together.
    #[inline]
    fn of_storage<'s>(&self, storage: &'s Storage) -> &'s [u8] {
        debug_assert_eq!(storage.bytes().as_ptr(), self.start.as_ptr().cast_const());
        #[allow(unsafe_code)]
        // SAFETY: `start` and `len` were taken from `storage.bytes()` (the caller's contract, checked in
        // debug builds), whose buffer (a mapping, or a `Vec`'s heap buffer) does not move when the storage
        // moves and lives, unchanged, as long as the storage: the borrow of `storage` bounds the slice.
        unsafe {
            std::slice::from_raw_parts(self.start.as_ptr(), self.len)
        }
    }
}

impl Storage {
    fn bytes(&self) -> &[u8] {
        match self {
            Storage::Owned(v) => v,
            Storage::Mapped(m, ..) | Storage::Resident(m) => m,
        }
    }

    /// A copy of these bytes in anonymous memory asked to be backed by 2 MiB pages, read from the file
    /// when mapped (reading through the mapping would fault in every 4 KiB page first and count the
    /// index twice in the process's memory).
    fn resident_copy(&self) -> std::io::Result<memmap2::Mmap> {
        let len = self.bytes().len();
        let mut copy = memmap2::MmapOptions::new().len(len.max(1)).map_anon()?;
        #[cfg(target_os = "linux")]
        // Only a hint: without transparent huge pages the copy works as well, merely without the gain.
        let _ = copy.advise(memmap2::Advice::HugePage);
        match self {
            #[cfg(unix)]
            Storage::Mapped(_, file, _) => {
                // In parts, one thread each: the copy and the zeroing of the new pages are as much work
                // as matching a few megabytes of text, and the other cores are idle at start.
                use std::os::unix::fs::FileExt;
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
                let part = len.div_ceil(threads).max(1);
                std::thread::scope(|scope| {
                    let reads: Vec<_> = copy[..len]
                        .chunks_mut(part)
                        .enumerate()
                        .map(|(k, chunk)| {
                            scope.spawn(move || file.read_exact_at(chunk, (k * part) as u64))
                        })
                        .collect();
                    reads.into_iter().try_for_each(|r| {
                        r.join()
                            .unwrap_or_else(|_| Err(std::io::Error::other("copy thread failed")))
                    })
                })?;
            }
            #[cfg(not(unix))]
            Storage::Mapped(_, file) => {
                use std::io::{Read, Seek};
                let mut file = file;
                file.seek(std::io::SeekFrom::Start(0))?;
                file.read_exact(&mut copy[..len])?;
            }
            Storage::Owned(_) | Storage::Resident(_) => copy[..len].copy_from_slice(self.bytes()),
        }
        copy.make_read_only()
    }
}

/// An entity as stored in the index.
#[derive(Clone, Copy, Debug)]
pub struct EntityRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub entity_type: &'a str,
    /// `key=value; key=value`.
    pub attributes: &'a str,
    pub prior: f64,
    pub origin: Origin,
}

/// An alias as stored in the index.
#[derive(Clone, Copy, Debug)]
pub struct AliasRef<'a> {
    pub entity: u32,
    pub text: &'a str,
    pub lang: &'a str,
    /// Comma-separated languages of every row that gave this spelling.
    pub langs: &'a str,
    pub kind: AliasKind,
    pub origin: Origin,
}

/// Drops the clean pages of `file` from the page cache and reads it again through `map`, a map of it
/// just advised to use huge pages and not yet read (see [`Matcher::remap_in_huge_pages`]).
#[cfg(target_os = "linux")]
fn read_anew_in_huge_folios(map: &memmap2::Mmap, file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // Dirty pages (an index compiled moments ago) are not dropped: write them out first.
    file.sync_data()?;
    // SAFETY: `posix_fadvise` takes an open descriptor (`file` lives until after the call) and plain
    // integers; it reads and writes no memory of this process.
    #[allow(unsafe_code)]
    let status = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    if status != 0 {
        return Err(std::io::Error::from_raw_os_error(status));
    }
    // One read per 2 MiB brings the whole file in, in 2 MiB folios where the kernel can.
    for at in (0..map.len()).step_by(2 << 20) {
        std::hint::black_box(map[at]);
    }
    Ok(())
}

/// The immutable, thread-shareable matcher over a compiled gazetteer.
pub struct Matcher {
    storage: Storage,
    /// Where `storage`'s bytes are: replaced together with it.
    bytes: IndexBytes,
    sections: Sections,
    fingerprint: String,
    sources: Vec<SourceInfo>,
    skipped_aliases: u64,
    /// Stem-vocabulary ids below this are name-part group tokens.
    stem_groups: u32,
    /// [`stem_prefix`]es of the first words of the user's lower-case names in the stem trie that are
    /// given in a language with case endings: a lower-case text word is tried as an inflected form only
    /// if one of them starts its key. A hash set, as this is asked of nearly every lower-case word of an
    /// inflecting language once a user's gazetteer has such names (thousands of prefixes: a binary
    /// search was a chain of a dozen dependent reads).
    lower_stem_prefixes: rustc_hash::FxHashSet<u32>,
    /// The language families of those names (see [`language_family`]): in a text of another family no
    /// lower-case word is tried.
    lower_name_families: Vec<String>,
    /// Which blocks of the STRINGS section were checked to be UTF-8, each on the first read of a string
    /// in it (not at open: a short run reads few of them; see `Matcher::string`).
    strings_utf8: LazyUtf8,
    /// This matcher's number among those the process opened (see [`Matcher::instance`]).
    instance: u64,
}

/// The number of the next matcher the process opens (0 is never given).
static NEXT_INSTANCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The shared token vocabulary, sliced once per call.
struct VocabView<'a> {
    bloom: &'a [u8],
    strings: &'a [u8],
    tokens: &'a [u8],
    buckets: &'a [u8],
}

impl VocabView<'_> {
    fn token_id(&self, key: &str) -> Option<u32> {
        self.token_id_hashed(key, stable_hash(key.as_bytes()))
    }

    /// [`Self::token_id`] given the key's `stable_hash`.
    fn token_id_hashed(&self, key: &str, h: u64) -> Option<u32> {
        if !self.bloom_passes(h) {
            return None;
        }
        let n = self.buckets.len() / 8;
        let tag = h >> 32;
        let mut b = (h as usize) & (n - 1);
        // At most `n` probes, so that even a corrupt table cannot loop forever.
        for _ in 0..n {
            let slot = read_u64(self.buckets, b * 8);
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                let id = (slot as u32 - 1) as usize;
                let rec = id * TOKEN_RECORD;
                let (off, len) = (
                    read_u32(self.tokens, rec) as usize,
                    read_u32(self.tokens, rec + 4) as usize,
                );
                if self.strings.get(off..off + len) == Some(key.as_bytes()) {
                    return Some(id as u32);
                }
            }
            b = (b + 1) & (n - 1);
        }
        None
    }
}

/// A key's token id and root children, as remembered by a [`TokenCache`] slot.
#[derive(Clone, Copy, Default)]
struct CachedToken {
    hash: u64,
    id: u32,
    roots: [u32; 3],
    len: u8,
    key: [u8; CACHED_KEY_BYTES],
}

const CACHED_KEY_BYTES: usize = 23;
const TOKEN_CACHE_SLOTS: usize = 1 << 14;

/// A per-thread, direct-mapped cache of vocabulary lookups (hits and misses) for keys of up to 23 bytes.
/// Word frequencies are Zipfian, so most tokens of a text are keys seen shortly before; the cache
/// (768 KiB) stays in the core's cache, while the vocabulary's hash table and token records are tens of
/// megabytes, where nearly every probe is a cache miss. Slots hold the whole key, so a hit is exact.
#[derive(Default)]
struct TokenCache {
    /// [`Matcher::instance`] of the matcher whose lookups the slots hold (0: none yet).
    matcher: u64,
    slots: Vec<CachedToken>,
    /// By [`KeyStamp::slot`]: the token ids and root slots of every layer of the keys stamped `stamp`.
    /// Most tokens are words the analyzer's memo holds, so one comparison of stamps answers for all
    /// three keys, where the slots above compare each distinct key's text.
    stamped: entnorm_tokenize::ZeroedTable<StampedLookup>,
}

/// A token's lookups, remembered under its keys' [`KeyStamp`]; or, while a text's lookups are being
/// made, the position in [`MatchScratch::pending`] of the first token with that stamp
/// ([`StampedLookup::pending`]).
#[derive(Clone, Copy, Default)]
struct StampedLookup {
    stamp: u64,
    token_ids: [u32; 3],
    roots: [u32; 3],
}

/// `token_ids[0]` of a [`StampedLookup`] that holds a position in `pending` (in `roots[0]`): not a token
/// id, as the vocabulary has fewer than `u32::MAX - 1` keys.
const PENDING_LOOKUP: u32 = u32::MAX - 1;

impl StampedLookup {
    fn pending(stamp: u64, at: u32) -> StampedLookup {
        StampedLookup {
            stamp,
            token_ids: [PENDING_LOOKUP, NO_ID, NO_ID],
            roots: [at, NO_ID, NO_ID],
        }
    }
}

// SAFETY: integers and arrays of integers; all zeros (stamp 0) answers for no token, as no token's
// stamp is 0 (see `KeyStamp`).
#[allow(unsafe_code)]
unsafe impl entnorm_tokenize::Zeroed for StampedLookup {}

impl TokenCache {
    /// Forgets every slot unless they are `matcher`'s (a scratch may serve several matchers in turn).
    fn bind(&mut self, matcher: &Matcher) {
        if self.matcher != matcher.instance() {
            self.matcher = matcher.instance();
            self.slots.clear();
            self.stamped = Default::default();
        }
        if self.stamped.is_empty() {
            self.stamped = entnorm_tokenize::ZeroedTable::new(KEY_STAMP_SLOTS);
        }
    }

    /// The lookups remembered for a token stamped `stamp`, if any.
    #[inline]
    fn stamped(&self, stamp: Option<KeyStamp>) -> Option<&StampedLookup> {
        let stamp = stamp?;
        self.stamped
            .get(stamp.slot as usize)
            .filter(|e| e.stamp == stamp.stamp && e.token_ids[0] != PENDING_LOOKUP)
    }

    /// The position in `pending` that a token stamped `stamp` left in its entry, if it did.
    #[inline]
    fn pending_at(&self, stamp: KeyStamp) -> Option<u32> {
        self.stamped
            .get(stamp.slot as usize)
            .filter(|e| e.stamp == stamp.stamp && e.token_ids[0] == PENDING_LOOKUP)
            .map(|e| e.roots[0])
    }

    fn slot_index(h: u64) -> usize {
        // Bits above the bucket index, so that keys sharing a bucket neighbourhood spread over slots.
        (h >> 40) as usize & (TOKEN_CACHE_SLOTS - 1)
    }

    /// Starts loading the slot of the key with hash `h` into the core's cache (see [`prefetch`]).
    #[inline]
    fn prefetch(&mut self, h: u64) {
        if self.slots.is_empty() {
            self.slots = vec![CachedToken::default(); TOKEN_CACHE_SLOTS];
        }
        prefetch(&self.slots[Self::slot_index(h)]);
    }

    /// The remembered token id and root children of `key` with hash `h`, if its slot holds it.
    #[inline]
    fn probe(&self, key: &str, h: u64) -> Option<(u32, [u32; 3])> {
        let bytes = key.as_bytes();
        let slot = self.slots.get(Self::slot_index(h))?;
        (slot.hash == h
            && usize::from(slot.len) == bytes.len()
            && &slot.key[..bytes.len()] == bytes)
            .then_some((slot.id, slot.roots))
    }

    /// Remembers the lookup result of `key` with hash `h` (keys longer than a slot holds are not kept).
    #[inline]
    fn store(&mut self, key: &str, h: u64, (id, roots): (u32, [u32; 3])) {
        let bytes = key.as_bytes();
        if bytes.len() > CACHED_KEY_BYTES {
            return;
        }
        if let Some(slot) = self.slots.get_mut(Self::slot_index(h)) {
            slot.hash = h;
            slot.id = id;
            slot.roots = roots;
            slot.len = bytes.len() as u8;
            slot.key[..bytes.len()].copy_from_slice(bytes);
        }
    }
}

// Lookups of the tokens of a text are independent of each other, but each is a chain of dependent reads
// into tables far larger than the core's caches; issuing the first read of a few tokens ahead (with
// `prefetch`) lets those memory accesses overlap instead of queuing one after another.

impl VocabView<'_> {
    /// Starts loading the Bloom filter line of the key with hash `h` (see [`prefetch`]).
    #[inline]
    fn prefetch_bloom(&self, h: u64) {
        let (line, _) = bloom_bits(h, self.bloom.len() / 64);
        if let Some(b) = self.bloom.get(line * 64) {
            prefetch(b);
        }
    }

    /// Whether the Bloom filter lets the key with hash `h` through (false: certainly not a vocabulary key).
    #[inline]
    fn bloom_passes(&self, h: u64) -> bool {
        let (line, bits) = bloom_bits(h, self.bloom.len() / 64);
        bits.iter().all(|&b| {
            let word = read_u64(self.bloom, line * 64 + (b as usize / 64) * 8);
            word & (1 << (b % 64)) != 0
        })
    }

    /// Starts loading the first hash-table bucket of the key with hash `h` (see [`prefetch`]).
    #[inline]
    fn prefetch_bucket(&self, h: u64) {
        let n = self.buckets.len() / 8;
        if let Some(b) = self.buckets.get(((h as usize) & n.wrapping_sub(1)) * 8) {
            prefetch(b);
        }
    }

    /// The token id of the first bucket of hash `h`'s probe sequence whose tag matches, if any (the
    /// token id of the key when the key is present, but for a rare tag collision).
    #[inline]
    fn tagged_id(&self, h: u64) -> Option<usize> {
        let n = self.buckets.len() / 8;
        let tag = h >> 32;
        let mut b = (h as usize) & n.wrapping_sub(1);
        for _ in 0..n {
            let slot = read_u64(self.buckets, b * 8);
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                return Some((slot as u32).wrapping_sub(1) as usize);
            }
            b = (b + 1) & (n - 1);
        }
        None
    }

    /// Starts loading the token record that the key with hash `h` probably has (see [`prefetch`]).
    #[inline]
    fn prefetch_record(&self, h: u64) {
        if let Some(b) = self
            .tagged_id(h)
            .and_then(|id| self.tokens.get(id.wrapping_mul(TOKEN_RECORD)))
        {
            prefetch(b);
        }
    }

    /// Starts loading the key string of the token record that the key with hash `h` probably has.
    #[inline]
    fn prefetch_string(&self, h: u64) {
        let Some(rec) = self.tagged_id(h).map(|id| id.wrapping_mul(TOKEN_RECORD)) else {
            return;
        };
        if rec
            .checked_add(4)
            .is_some_and(|end| end <= self.tokens.len())
        {
            if let Some(b) = self.strings.get(read_u32(self.tokens, rec) as usize) {
                prefetch(b);
            }
        }
    }

    /// Token id and root slots of `key` with hash `h` (NO_ID where absent; see [`Self::root_slot`]).
    fn lookup(&self, key: &str, h: u64) -> (u32, [u32; 3]) {
        match self.token_id_hashed(key, h) {
            None => (NO_ID, [NO_ID; 3]),
            Some(id) => (id, KeyLayer::ALL.map(|layer| self.root_slot(id, layer))),
        }
    }

    /// The root slot of token `id` for `layer` as stored: NO_ID, or the root's child, with
    /// [`CAPITALIZED_START`] on the folded and translit layers.
    fn root_slot(&self, id: u32, layer: KeyLayer) -> u32 {
        read_u32(
            self.tokens,
            id as usize * TOKEN_RECORD + 8 + 4 * layer as usize,
        )
    }

    /// The root's child for token `id` in the trie of `layer`, if any.
    fn root_child(&self, id: u32, layer: KeyLayer) -> Option<u32> {
        let c = self.root_slot(id, layer);
        (c != NO_ID).then_some(c & !CAPITALIZED_START)
    }
}

/// One layer's trie sections, sliced once per call.
struct LayerView<'a> {
    nodes: &'a [u8],
    edges: &'a [u8],
    continues: &'a [u8],
    cands: &'a [u8],
}

impl LayerView<'_> {
    /// Node `node`'s offset of its first edge in EDGES, with [`UPPER_NEXT_ONLY`] (see [`NODES`]).
    #[inline]
    fn first_edge(&self, node: usize) -> u32 {
        u32_at(self.nodes, 2 * node)
    }

    /// Node `node`'s offset of its first candidate in CANDS, with [`CAPITALIZED_START`] (see [`NODES`]).
    #[inline]
    fn first_cand(&self, node: usize) -> u32 {
        u32_at(self.nodes, 2 * node + 1)
    }

    /// The child of `node` (not the root: see [`VocabView::root_child`]) by token `token`.
    fn child(&self, node: u32, token: u32) -> Option<u32> {
        self.child_after(node, token, || false)
    }

    /// [`Self::child`] for a walk whose next text token starts lower-case if `lower()` (asked only of
    /// nodes where it matters): none where every alias going on from `node` has an upper-case token
    /// there ([`UPPER_NEXT_ONLY`]), as the case guards would reject each.
    #[inline]
    fn child_after(&self, node: u32, token: u32, lower: impl FnOnce() -> bool) -> Option<u32> {
        let first = self.first_edge(node as usize);
        if first & UPPER_NEXT_ONLY != 0 && lower() {
            return None;
        }
        let lo = (first & !UPPER_NEXT_ONLY) as usize;
        let hi = (self.first_edge(node as usize + 1) & !UPPER_NEXT_ONLY) as usize;
        // The node's edges as (token, child) pairs (see EDGES); a damaged range finds nothing.
        let edges = self.edges.get(lo * 8..hi * 8)?;
        let label = |k: usize| read_u32(edges, k * 8);
        if edges.is_empty() {
            return None;
        }
        let size = edges.len() / 8;
        if size > SORTED_EDGES_MAX {
            // A hash table (power-of-two size, at most half full): one or two probes, in one cache line
            // or two, where a binary search over hundreds of edges reads several.
            let mut slot = edge_slot(token, size);
            for _ in 0..size {
                match label(slot) {
                    t if t == token => return Some(read_u32(edges, slot * 8 + 4)),
                    NO_ID => return None,
                    _ => slot = (slot + 1) & (size - 1),
                }
            }
            return None;
        }
        // A binary search that halves the range without an early exit (one comparison per level,
        // then one test at the end): 1.7% fewer instructions on English and German news than a
        // three-way search, as most lookups fail and an early exit rarely comes.
        let (mut base, mut len) = (0, edges.len() / 8);
        while len > 1 {
            let half = len / 2;
            base = if label(base + half) <= token {
                base + half
            } else {
                base
            };
            len -= half;
        }
        (label(base) == token).then(|| read_u32(edges, base * 8 + 4))
    }

    /// Whether `token` labels any edge below the root (false: no walk goes on with it).
    #[inline]
    fn continues(&self, token: u32) -> bool {
        bit_or_beyond(self.continues, token)
    }

    /// The candidates of `node` in precedence order: (alias, guard word of its CANDS entry).
    fn candidates(&self, node: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let lo = (self.first_cand(node as usize) & !CAPITALIZED_START) as usize;
        let hi = (self.first_cand(node as usize + 1) & !CAPITALIZED_START) as usize;
        (lo..hi).map(move |i| {
            let at = i * CAND_ENTRY;
            (read_u32(self.cands, at), read_u32(self.cands, at + 4))
        })
    }

    /// Starts loading what a walk from root child `node` reads first: its entry in NODES (see
    /// [`prefetch`]).
    #[inline]
    fn prefetch_node(&self, node: u32) {
        // The node's entry and the next one's, which bounds its ranges: one cache line but for one node
        // in eight, whose next entry starts the next line.
        let at = node as usize * 8;
        for at in [at, at + 8] {
            if let Some(b) = self.nodes.get(at) {
                prefetch(b);
            }
        }
    }

    /// Whether `node` is terminal and, if `lower_start`, has a candidate whose first token may match a
    /// text token that starts lower-case (on the folded layers and in the stem trie, the NODES bit
    /// [`CAPITALIZED_START`] says that none has).
    fn is_terminal_for(&self, node: u32, lower_start: bool) -> bool {
        let t = self.first_cand(node as usize);
        (t ^ self.first_cand(node as usize + 1)) & !CAPITALIZED_START != 0
            && !(lower_start && t & CAPITALIZED_START != 0)
    }
}

/// Per-thread scratch for [`Matcher::find`], reused across documents.
#[derive(Default)]
pub struct MatchScratch {
    /// Per token, its token id on each layer where the token can continue a walk (NO_ID elsewhere).
    token_ids: Vec<[u32; 3]>,
    /// Per token, the root slot of each layer's trie: the root's child, with [`CAPITALIZED_START`] on the
    /// folded layers (NO_ID: no alias starts with this token's key).
    roots: Vec<[u32; 3]>,
    cache: TokenCache,
    /// The tokens whose lookups the stamp cache did not have, in text order, but for `repeats`.
    pending: Vec<u32>,
    /// (token, position in `pending` of an earlier token with the same stamp).
    repeats: Vec<(u32, u32)>,
    /// Per pending token and layer, the token id and root children of its key, while they are being
    /// looked up.
    found: Vec<[(u32, [u32; 3]); 3]>,
    /// (position in `pending`, layer) of the keys the token cache did not have.
    misses: Vec<(u32, u8)>,
    ends: Vec<(usize, u32)>,
    entities: Vec<u32>,
    /// The tokens a match may start at (see [`Matcher::find`]), in text order.
    starts: Vec<u32>,
    /// Per token of the text, its [`TokenCase`] once asked for: the walks and the case guards ask for
    /// the same tokens' case again and again.
    cases: Vec<std::cell::Cell<Option<TokenCase>>>,
}

impl MatchScratch {
    /// Fills `token_ids` and `roots` for the tokens of `analysis`: each distinct key of a token is looked
    /// up once (the trie walks compare integers only); keys that coincide across layers, as for most
    /// lower-case words, share one lookup. The lookups are done in stages over the whole text, so that
    /// the memory accesses of different keys overlap (see [`prefetch`]): hashes (loading each key's
    /// cache slot), the cache, then for the keys it lacks the Bloom filter, the hash-table bucket of
    /// those the filter lets through, and the full lookup.
    ///
    /// A token id that labels no edge below a root ([`LayerView::continues`]) is kept as NO_ID: such a
    /// token can only start a walk (its root slot says how), and the walks then stop at it without
    /// reading the CONTINUES bits, one cache miss per step in a large gazetteer, for every token
    /// again where a lookup is remembered.
    fn lookup_keys(
        &mut self,
        analysis: &Analysis,
        vocab: &VocabView<'_>,
        views: &[LayerView<'_>; 3],
    ) {
        let n = analysis.len();
        let key = |i: usize, k: usize| analysis.key(KeyLayer::ALL[k], i);
        // The analysis gives each token's key hashes and which of its keys coincide.
        let hash = |i: u32, k: u8| analysis.key_hashes(i as usize).hashes[usize::from(k)];
        for i in 0..n {
            match analysis.key_stamp(i) {
                Some(stamp) => prefetch(&self.cache.stamped[stamp.slot as usize]),
                None => {
                    let KeyHashes { hashes, same } = analysis.key_hashes(i);
                    for k in 0..3 {
                        if usize::from(same[k]) == k {
                            self.cache.prefetch(hashes[k]);
                        }
                    }
                }
            }
        }
        // Tokens whose stamp the cache knows get their ids and root slots at once; the others are
        // `pending`, each with its keys' lookups in `found` (same position), filled in below.
        self.token_ids.clear();
        self.token_ids.resize(n, [NO_ID; 3]);
        self.roots.clear();
        self.roots.resize(n, [NO_ID; 3]);
        self.pending.clear();
        self.found.clear();
        self.misses.clear();
        self.repeats.clear();
        for i in 0..n {
            let stamp = analysis.key_stamp(i);
            if let Some(e) = self.cache.stamped(stamp) {
                self.token_ids[i] = e.token_ids;
                self.roots[i] = e.roots;
                continue;
            }
            if let Some(s) = stamp {
                // A word new to the cache that this text repeats is looked up once: its first
                // occurrence leaves its place in `pending` in its stamp's entry until the lookup is
                // done. (An entry left by a text whose matching panicked names a pending token of
                // this text only if that token has the same stamp, hence the same keys.)
                let first = self.cache.pending_at(s).filter(|&at| {
                    self.pending
                        .get(at as usize)
                        .is_some_and(|&j| analysis.key_stamp(j as usize) == stamp)
                });
                if let Some(at) = first {
                    self.repeats.push((i as u32, at));
                    continue;
                }
                self.cache.stamped[s.slot as usize] =
                    StampedLookup::pending(s.stamp, self.pending.len() as u32);
            }
            self.pending.push(i as u32);
            // Mostly words the analyzer's memo had just missed (their stamps are new): their token
            // cache slots were not loaded above.
            let KeyHashes { hashes, same } = analysis.key_hashes(i);
            for k in 0..3 {
                if usize::from(same[k]) == k {
                    self.cache.prefetch(hashes[k]);
                }
            }
        }
        for (at, &i) in self.pending.iter().enumerate() {
            let (at, i) = (at as u32, i as usize);
            let KeyHashes { hashes: h, same } = analysis.key_hashes(i);
            let mut found = [(NO_ID, [NO_ID; 3]); 3];
            for k in 0..3 {
                if same[k] as usize == k {
                    match self.cache.probe(key(i, k), h[k]) {
                        Some(hit) => found[k] = hit,
                        None => {
                            self.misses.push((at, k as u8));
                            vocab.prefetch_bloom(h[k]);
                        }
                    }
                }
            }
            self.found.push(found);
        }
        let pending = &self.pending;
        let token = |at: u32| pending[at as usize];
        // Keys the filter lets through: start loading their bucket; the others are absent.
        self.misses.retain(|&(at, k)| {
            let h = hash(token(at), k);
            let pass = vocab.bloom_passes(h);
            if pass {
                vocab.prefetch_bucket(h);
            } else {
                self.cache
                    .store(key(token(at) as usize, k as usize), h, (NO_ID, [NO_ID; 3]));
            }
            pass
        });
        for &(at, k) in &self.misses {
            vocab.prefetch_record(hash(token(at), k));
        }
        for &(at, k) in &self.misses {
            vocab.prefetch_string(hash(token(at), k));
        }
        for &(at, k) in &self.misses {
            let (i, h) = (token(at), hash(token(at), k));
            let (i, k) = (i as usize, k as usize);
            let hit = vocab.lookup(key(i, k), h);
            self.found[at as usize][k] = hit;
            self.cache.store(key(i, k), h, hit);
        }
        for (found, &i) in self.found.iter().zip(pending) {
            let i = i as usize;
            let [e, f, t] = analysis.key_hashes(i).same.map(|s| found[s as usize]);
            let continuing = |id: u32, view: &LayerView<'_>| {
                if id != NO_ID && view.continues(id) {
                    id
                } else {
                    NO_ID
                }
            };
            let token_ids = [
                continuing(e.0, &views[0]),
                continuing(f.0, &views[1]),
                continuing(t.0, &views[2]),
            ];
            let roots = [e.1[0], f.1[1], t.1[2]];
            self.token_ids[i] = token_ids;
            self.roots[i] = roots;
            if let Some(stamp) = analysis.key_stamp(i) {
                self.cache.stamped[stamp.slot as usize] = StampedLookup {
                    stamp: stamp.stamp,
                    token_ids,
                    roots,
                };
            }
        }
        for &(i, at) in &self.repeats {
            let first = self.pending[at as usize] as usize;
            self.token_ids[i as usize] = self.token_ids[first];
            self.roots[i as usize] = self.roots[first];
        }
    }
}

impl Matcher {
    /// Compiles a gazetteer into an in-memory matcher.
    pub fn new(gazetteer: Gazetteer) -> Matcher {
        Matcher::from_bytes(compile(&gazetteer)).expect("a freshly compiled index is valid")
    }

    /// Uses index bytes held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Matcher, IndexError> {
        Matcher::from_storage(Storage::Owned(bytes), true)
    }

    /// Memory-maps an index file written by [`compile`], checking its header, the shapes of its sections
    /// and the checksum over all of its bytes.
    pub fn open(path: &Path) -> Result<Matcher, GazetteerError> {
        Matcher::open_checked(path, true)
    }

    /// [`Matcher::open`] without the checksum, which reads every byte of the file (a few hundred
    /// megabytes for the default gazetteer, a tenth of a second): for a file that an earlier `open`
    /// verified and that has not changed since, as its caller judges (`entnorm` by its length,
    /// modification time and inode). The header and the shapes of the sections are still checked, and
    /// pages are read as matching needs them instead of all at once.
    pub fn open_verified_before(path: &Path) -> Result<Matcher, GazetteerError> {
        Matcher::open_checked(path, false)
    }

    fn open_checked(path: &Path, verify: bool) -> Result<Matcher, GazetteerError> {
        let file = std::fs::File::open(path).map_err(|source| GazetteerError::Io {
            path: path.into(),
            source,
        })?;
        // SAFETY: the map is read-only and entnorm never writes an index in place (new indexes are written
        // to a temporary file and renamed over the old name, which leaves existing maps intact). Another
        // process truncating the file while it is mapped would be outside entnorm's contract, as for any
        // memory-mapped database. When verifying, `populate` reads the whole file in one go: the checksum
        // touches every page anyway.
        #[allow(unsafe_code)]
        let map = unsafe {
            let mut options = memmap2::MmapOptions::new();
            if verify {
                options.populate();
            }
            options.map(&file)
        }
        .map_err(|source| GazetteerError::Io {
            path: path.into(),
            source,
        })?;
        Matcher::from_storage(Storage::Mapped(map, file, path.to_owned()), verify).map_err(
            |source| GazetteerError::Index {
                path: path.into(),
                source,
            },
        )
    }

    fn from_storage(storage: Storage, verify: bool) -> Result<Matcher, IndexError> {
        let sections = Sections::parse(storage.bytes(), verify)?;
        let meta = std::str::from_utf8(sections.get(storage.bytes(), META))
            .map_err(|_| IndexError::Corrupt("metadata is not UTF-8"))?;
        let mut fingerprint = String::new();
        let mut sources = Vec::new();
        let mut skipped_aliases = 0;
        let mut stem_groups = 0;
        let mut lower_stem_prefixes = rustc_hash::FxHashSet::default();
        let mut lower_name_families = Vec::new();
        for line in meta.lines() {
            let f: Vec<&str> = line.splitn(5, '\t').collect();
            match f.as_slice() {
                ["fingerprint", fp] => fingerprint = (*fp).to_owned(),
                ["skipped_aliases", n] => skipped_aliases = n.parse().unwrap_or(0),
                ["stem_groups", n] => stem_groups = n.parse().unwrap_or(0),
                ["lower_stem_prefixes", list] => {
                    lower_stem_prefixes = list
                        .split(',')
                        .filter(|p| !p.is_empty())
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .map_err(|_| IndexError::Corrupt("metadata line"))?;
                }
                ["lower_name_families", list] => {
                    lower_name_families = list
                        .split(',')
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                ["source", origin, rows, fp, path] => sources.push(SourceInfo {
                    path: PathBuf::from(path),
                    origin: if *origin == "user" {
                        Origin::User
                    } else {
                        Origin::Default
                    },
                    rows: rows.parse().unwrap_or(0),
                    fingerprint: (*fp).to_owned(),
                }),
                _ => return Err(IndexError::Corrupt("metadata line")),
            }
        }
        let strings_utf8 = LazyUtf8::new(
            sections.get(storage.bytes(), STRINGS).len(),
            crate::lazy_utf8::BLOCK,
        );
        Ok(Matcher {
            bytes: IndexBytes::new(&storage),
            storage,
            sections,
            fingerprint,
            sources,
            skipped_aliases,
            stem_groups,
            lower_stem_prefixes,
            lower_name_families,
            strings_utf8,
            instance: NEXT_INSTANCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Moves the index into the process's own memory, backed by 2 MiB pages where the system offers them
    /// (Linux transparent huge pages), reading it once. Matching reads tables of hundreds of megabytes at
    /// random: with 4 KiB pages nearly every such read also misses the TLB and walks the page tables
    /// (more costly still in a virtual machine), which 2 MiB pages mostly spare. The copy, read in
    /// parallel parts, costs 0.04-0.06 s for 280 MB of index, so it pays off over long runs only (see
    /// `entnorm run --index-memory`). Returns the error that left the matcher as it was (mapped):
    /// nothing but speed is lost then. The copy is checked like an index verified before (header and
    /// section shapes); its strings are checked to be UTF-8 block by block as they are read, as for any
    /// matcher.
    pub fn make_resident(&mut self) -> Result<(), IndexError> {
        if matches!(self.storage, Storage::Resident(_)) {
            return Ok(());
        }
        let copy = self.storage.resident_copy().map_err(IndexError::Copy)?;
        let instance = self.instance;
        *self = Matcher::from_storage(Storage::Resident(copy), false)?;
        // The same bytes, so answers that per-thread scratch remembers for this matcher stay right.
        self.instance = instance;
        Ok(())
    }

    /// Has Linux cache the index file anew in 2 MiB folios and maps it through them, so that matching
    /// reads it in 2 MiB pages without the copy of [`Matcher::make_resident`] (see `entnorm run
    /// --index-memory`). The page cache keeps the folios a file was first read or written in: an index
    /// written by `compile` or read through 4 KiB faults stays in small ones. Its clean pages are
    /// dropped from the cache (`POSIX_FADV_DONTNEED`, after writing out any still dirty) and read again
    /// through a mapping that asks for huge pages, which the kernel then reads ahead in 2 MiB folios
    /// where the file system supports large folios (seen with ext4 on Linux 6.18): a cost of one read
    /// of the file, paid once for every later run
    /// while the file stays cached, where the copy costs zeroing that much fresh memory on every run
    /// (0.5-1 s of system time for 280 MB in a virtual machine whose host backs memory on first touch).
    /// Only a request: pages another process maps stay as they are, and the caller checks how the
    /// file is mapped afterwards. Returns the error that left the matcher as it was. Does nothing for an
    /// index not mapped from a file.
    #[cfg(target_os = "linux")]
    pub fn remap_in_huge_pages(&mut self) -> Result<(), IndexError> {
        let Storage::Mapped(old, file, path) = &self.storage else {
            return Ok(());
        };
        let path = path.clone();
        let file = file.try_clone().map_err(IndexError::Remap)?;
        // SAFETY: as in `Matcher::open_checked`: a read-only map of an index file, which entnorm never
        // writes in place. It maps the same file (inode) as the map it replaces, so the same bytes.
        #[allow(unsafe_code)]
        let fresh = unsafe { memmap2::MmapOptions::new().map(&file) }.map_err(IndexError::Remap)?;
        if fresh.len() != old.len() {
            return Err(IndexError::Corrupt("index file changed length while open"));
        }
        // Before the first read through the new map: the kernel sizes read-ahead folios at the fault.
        let _ = fresh.advise(memmap2::Advice::HugePage);
        // The old map goes first: the pages it maps would stay in the cache in small folios.
        self.storage = Storage::Mapped(fresh, file, path);
        self.bytes = IndexBytes::new(&self.storage);
        if let Storage::Mapped(map, file, _) = &self.storage {
            read_anew_in_huge_folios(map, file).map_err(IndexError::Remap)?;
        }
        Ok(())
    }

    /// The path of the index file the matcher reads through a map (`None`: held in memory).
    pub fn index_path(&self) -> Option<&Path> {
        match &self.storage {
            Storage::Mapped(_, _, path) => Some(path),
            Storage::Owned(_) | Storage::Resident(_) => None,
        }
    }

    /// The index's bytes where they are memory-mapped from its file (`None` when held in memory): for a
    /// caller that asks the system how they are mapped (see `entnorm run --index-memory`).
    pub fn mapped_bytes(&self) -> Option<&[u8]> {
        match &self.storage {
            Storage::Mapped(map, ..) => Some(map),
            Storage::Owned(_) | Storage::Resident(_) => None,
        }
    }

    /// Whether the index is held in the process's own memory (see [`Matcher::make_resident`]).
    pub fn is_resident(&self) -> bool {
        matches!(self.storage, Storage::Resident(_))
    }

    fn section(&self, n: usize) -> &[u8] {
        self.sections.get(self.bytes.of_storage(&self.storage), n)
    }

    fn layer(&self, layer: KeyLayer) -> LayerView<'_> {
        self.trie_at(layer_base(layer))
    }

    fn trie_at(&self, base: usize) -> LayerView<'_> {
        let s = |p| self.section(base + p);
        LayerView {
            nodes: s(NODES),
            edges: s(EDGES),
            continues: s(CONTINUES),
            cands: s(CANDS),
        }
    }

    fn vocab(&self) -> VocabView<'_> {
        self.vocab_at(MAIN_VOCAB)
    }

    fn vocab_at(&self, at: VocabSections) -> VocabView<'_> {
        VocabView {
            bloom: self.section(at.bloom),
            strings: self.section(STRINGS),
            tokens: self.section(at.tokens),
            buckets: self.section(at.buckets),
        }
    }

    fn string(&self, record: &[u8], field: usize) -> &str {
        let (off, len) = (
            read_u32(record, field * 8) as usize,
            read_u32(record, field * 8 + 4) as usize,
        );
        self.strings_utf8.str_at(self.section(STRINGS), off, len)
    }

    pub fn entity_count(&self) -> usize {
        self.section(ENTITIES).len() / ENTITY_RECORD
    }

    pub fn alias_count(&self) -> usize {
        self.section(ALIASES).len() / ALIAS_RECORD
    }

    pub fn entity(&self, index: u32) -> EntityRef<'_> {
        let rec = self.entity_record(index);
        EntityRef {
            id: self.string(rec, 0),
            name: self.string(rec, 1),
            entity_type: self.string(rec, 2),
            attributes: self.string(rec, 3),
            origin: self.entity_origin(index),
            prior: self.entity_prior(index),
        }
    }

    fn entity_record(&self, index: u32) -> &[u8] {
        let at = index as usize * ENTITY_RECORD;
        &self.section(ENTITIES)[at..at + ENTITY_RECORD]
    }

    /// The origin of entity `index`: [`Self::entity`]'s `origin` without reading the entity's strings
    /// (each a cache miss in a large gazetteer, on paths that run for every mention).
    pub fn entity_origin(&self, index: u32) -> Origin {
        origin_from_u8(self.entity_record(index)[32])
    }

    /// The type of entity `index` (`PER`, `LOC`, ...): [`Self::entity`]'s `entity_type` alone.
    pub fn entity_type(&self, index: u32) -> &str {
        self.string(self.entity_record(index), 2)
    }

    /// The prior of entity `index`: [`Self::entity`]'s `prior` alone.
    pub fn entity_prior(&self, index: u32) -> f64 {
        f64::from_le_bytes(
            self.entity_record(index)[40..48]
                .try_into()
                .expect("8 bytes"),
        )
    }

    pub fn alias(&self, index: u32) -> AliasRef<'_> {
        let rec = self.alias_record(index);
        // text, lang and langs are string fields 0..3 after the entity word
        let field = |k: usize| self.string(&rec[4..], k);
        let word = read_u32(rec, 28);
        AliasRef {
            entity: read_u32(rec, 0),
            text: field(0),
            lang: field(1),
            langs: field(2),
            kind: kind_from_u8(word as u8),
            origin: origin_from_u8((word >> 8) as u8),
        }
    }

    /// Whether entity `index` matches a text word by a shared stem alone, whatever the language's word
    /// forms say: an entity of the user's, or a default place of a million people or more (see
    /// [`WORLD_CITY_PRIOR`]).
    fn keeps_stem_matches(&self, index: u32) -> bool {
        self.entity_origin(index) == Origin::User
            || self.entity_prior(index) >= WORLD_CITY_PRIOR && self.entity_type(index) == "LOC"
    }

    /// The kind of alias `index`: [`Self::alias`]'s `kind` without reading the alias's strings (each a
    /// cache miss in a large gazetteer; the scores ask it of every link).
    pub fn alias_kind(&self, index: u32) -> AliasKind {
        kind_from_u8(read_u32(self.alias_record(index), 28) as u8)
    }

    /// The text of alias `index`: [`Self::alias`]'s `text` alone.
    fn alias_text(&self, index: u32) -> &str {
        self.string(&self.alias_record(index)[4..], 0)
    }

    fn alias_record(&self, index: u32) -> &[u8] {
        let at = index as usize * ALIAS_RECORD;
        &self.section(ALIASES)[at..at + ALIAS_RECORD]
    }

    /// What the guards need of candidate `alias` with CANDS guard word `guard`: this runs for every
    /// candidate of every match attempt, so the alias record is only read when a guard asks for more
    /// than the entry holds.
    fn candidate(&self, (alias, guard): (u32, u32)) -> Candidate<'_> {
        Candidate {
            matcher: self,
            alias,
            entity: guard & ((1 << CAND_ENTITY_BITS) - 1),
            flags: guard >> CAND_ENTITY_BITS,
        }
    }

    /// The gazetteer files this index was compiled from.
    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    /// A number no other matcher of this process has (never 0): per-thread scratch that remembers
    /// answers of one matcher (alias and token ids) checks it before reusing them.
    pub fn instance(&self) -> u64 {
        self.instance
    }

    /// The fingerprint of the sources and normalizer this index was compiled from.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Aliases left out of the index because they are too short or contain no letters.
    pub fn skipped_aliases(&self) -> u64 {
        self.skipped_aliases
    }

    /// The analysis of `text` and the mentions [`Matcher::find`] gives in it, with scratch of its own:
    /// for matching a text now and then (a test, a lookup). Matching many texts, keep an [`Analyzer`]
    /// and a [`MatchScratch`] and call `find`, whose per-thread caches then serve every text.
    pub fn find_in(&self, text: &str, lang: Option<&str>) -> (Analysis, Vec<Mention>) {
        let mut analysis = Analysis::default();
        Analyzer::new().analyze(text, &mut analysis);
        let mut mentions = Vec::new();
        self.find(
            text,
            &analysis,
            lang,
            &mut MatchScratch::default(),
            &mut mentions,
        );
        (analysis, mentions)
    }

    /// Finds leftmost-longest, non-overlapping mentions in `text`, which `analysis` must describe.
    /// `lang` is the document's language (ISO 639 code; a region suffix such as `en-GB` is ignored), if
    /// known. Mentions are appended to `out` in text order.
    pub fn find(
        &self,
        text: &str,
        analysis: &Analysis,
        lang: Option<&str>,
        scratch: &mut MatchScratch,
        out: &mut Vec<Mention>,
    ) {
        let lang = lang.map(primary_language).filter(|l| !l.is_empty());
        let views = KeyLayer::ALL.map(|l| self.layer(l));
        let vocab = self.vocab();
        let tokens = analysis.tokens();
        scratch.cache.bind(self);
        scratch.lookup_keys(analysis, &vocab, &views);
        scratch.cases.clear();
        scratch
            .cases
            .resize(tokens.len(), std::cell::Cell::new(None));
        // The tokens a match may start at, in one pass: most tokens start no alias, and the loop below
        // then visits only the others. Every token's index is written and the count moves on past the
        // starts only: a filtered push branches on each token, and which tokens start an alias follows
        // no pattern a predictor learns.
        scratch.starts.clear();
        scratch.starts.resize(tokens.len() + 1, 0);
        let mut starts = 0;
        for (i, (t, roots)) in tokens.iter().zip(&scratch.roots).enumerate() {
            scratch.starts[starts] = i as u32;
            // All three NO_ID (u32::MAX) exactly when their bitwise and is.
            let has_root = roots[0] & roots[1] & roots[2] != NO_ID;
            starts += usize::from(t.can_start & (t.class != TokenClass::Punct) & has_root);
        }
        scratch.starts.truncate(starts);
        let cases = &scratch.cases;
        let text_case = |i: usize| cached_case(cases, tokens, text, i);
        // Walks from the root children of the starts this far ahead are prefetched, so that their first
        // reads (each a cache miss in tables of tens of megabytes) overlap with the current walk.
        const AHEAD: usize = 4;
        let prefetch_walks = |k: usize| {
            if let Some(slots) = scratch.starts.get(k).map(|&j| &scratch.roots[j as usize]) {
                for (view, &slot) in views.iter().zip(slots) {
                    if slot != NO_ID {
                        view.prefetch_node(slot & !CAPITALIZED_START);
                    }
                }
            }
        };
        for k in 0..AHEAD {
            prefetch_walks(k);
        }
        // Tokens before `next` are inside the last match.
        let mut next = 0;
        for (k, &start) in scratch.starts.iter().enumerate() {
            let i = start as usize;
            if i < next {
                continue;
            }
            prefetch_walks(k + AHEAD);
            let mut best: Option<Mention> = None;
            for layer in KeyLayer::ALL {
                let slot = scratch.roots[i][layer as usize];
                if slot == NO_ID {
                    continue;
                }
                let first = slot & !CAPITALIZED_START;
                // Walks the folded layers' case guard would reject at every candidate: from an acronym
                // (`US`) always, from a lower-case word where every alias under the root's child starts
                // upper-case (most of them: `of` is only the town `Of`).
                if layer != KeyLayer::Exact {
                    match text_case(i) {
                        TokenCase::Acronym => continue,
                        TokenCase::Lower if slot & CAPITALIZED_START != 0 => continue,
                        _ => {}
                    }
                }
                let found = self.longest_at(
                    &views[layer as usize],
                    layer,
                    lang,
                    i,
                    first,
                    best.map_or(i, |b| b.token_end),
                    tokens,
                    &scratch.token_ids,
                    &mut scratch.ends,
                    &mut scratch.entities,
                    &text_case,
                );
                if let Some((end, alias, entity, candidates)) = found {
                    if best.is_none_or(|b| end > b.token_end) {
                        best = Some(Mention {
                            token_start: i,
                            token_end: end,
                            start: tokens[i].start(),
                            end: tokens[end - 1].end(),
                            layer,
                            alias,
                            entity,
                            candidates,
                        });
                    }
                }
            }
            if let Some(m) = best {
                out.push(m);
                next = m.token_end;
            }
        }
    }

    /// The longest match of one layer starting at token `start`, whose root child is `first`, and ending
    /// after token `min_end`: (end token, alias, entity, candidates). A looser layer only matters where it
    /// reaches further than a stricter one, so shorter ends are not examined: their candidates (thousands
    /// for a common name) would be checked for nothing.
    #[allow(clippy::too_many_arguments)]
    fn longest_at(
        &self,
        view: &LayerView<'_>,
        layer: KeyLayer,
        lang: Option<&str>,
        start: usize,
        first: u32,
        min_end: usize,
        tokens: &[entnorm_tokenize::Token],
        token_ids: &[[u32; 3]],
        ends: &mut Vec<(usize, u32)>,
        entities: &mut Vec<u32>,
        text_case: &impl Fn(usize) -> TokenCase,
    ) -> Option<(usize, u32, u32, u32)> {
        let mut node = first;
        ends.clear();
        // From a lower-case word, candidates whose first token starts upper-case fail the folded layers'
        // case guard: ends where all do are not examined.
        let lower_start = layer != KeyLayer::Exact && text_case(start) == TokenCase::Lower;
        if tokens[start].can_end && view.is_terminal_for(node, lower_start) {
            ends.push((start + 1, node));
        }
        // Token ids that continue no walk are NO_ID already (see `MatchScratch::lookup_keys`).
        for (j, ids) in token_ids.iter().enumerate().skip(start + 1) {
            let id = ids[layer as usize];
            if id == NO_ID {
                break;
            }
            match view.child(node, id) {
                Some(child) => node = child,
                None => break,
            }
            if tokens[j].can_end && view.is_terminal_for(node, lower_start) {
                ends.push((j + 1, node));
            }
        }
        for &(end, node) in ends.iter().rev().take_while(|&&(end, _)| end > min_end) {
            entities.clear();
            let mut chosen: Option<(u32, u32)> = None;
            let span = match layer {
                KeyLayer::Exact => SpanCase::UNCHECKED,
                _ => SpanCase::of(start, end, text_case),
            };
            for entry in view.candidates(node) {
                let (alias, a) = (entry.0, self.candidate(entry));
                if !guard_allows(&a, layer, lang, span) {
                    continue;
                }
                chosen.get_or_insert((alias, a.entity));
                entities.push(a.entity);
            }
            if let Some((alias, entity)) = chosen {
                // Distinct entities by sorting, not by a `contains` per candidate, which was quadratic in
                // the number of entities sharing one alias (thousands for a common name).
                entities.sort_unstable();
                entities.dedup();
                return Some((end, alias, entity, entities.len() as u32));
            }
        }
        None
    }

    /// Matches of inflected forms (`Лаврова`, `Ławrowa`, `Německa`) through the stem trie, for a text in
    /// `lang`, a language with case endings (see `entnorm_tokenize::inflection_candidates`); nothing for
    /// other or unknown languages. `existing` are the text's mentions from [`Matcher::find`], in text order.
    ///
    /// A match starts at a capitalised word; each of its tokens may stand for any of its stem candidates,
    /// and the alias's guards apply as on the folded layer (case of every token, language gates), plus: a
    /// one-token alias in another alphabet than the text needs a stem as long as the transliterated layer
    /// asks of one-token aliases. Matches are leftmost-longest and preferred stems are the least stripped.
    /// A match is kept only where it covers whole existing mentions and is longer than each (an inflected
    /// form never displaces a name written as the gazetteer has it: `Лаврова` stays whoever the
    /// gazetteer calls `Лаврова`). Mentions are appended in text order, with `layer` set to
    /// [`KeyLayer::Translit`] (the key they were found on).
    // Eight arguments: the text, its analysis and language, the mentions it extends, per-thread
    // scratch, and two parallel outputs; a struct for them would only rename the same things.
    #[allow(clippy::too_many_arguments)]
    pub fn find_inflected(
        &self,
        text: &str,
        analysis: &Analysis,
        lang: Option<&str>,
        existing: &[Mention],
        scratch: &mut InflectScratch,
        out: &mut Vec<Mention>,
        variant: &mut Vec<bool>,
    ) {
        let lang_lower = lang
            .map(primary_language)
            .filter(|l| !l.is_empty())
            .map(str::to_ascii_lowercase);
        let lang = lang_lower.as_deref();
        let inflecting = lang.is_some_and(entnorm_tokenize::is_inflecting_language);
        if !inflecting && self.stem_groups == 0 {
            return;
        }
        let tokens = analysis.tokens();
        if tokens.is_empty() {
            return;
        }
        scratch.memo.bind(self);
        let vocab = self.vocab_at(STEM_VOCAB);
        let view = self.trie_at(STEM_BASE);
        // Each token's case, computed once: the loop below and every walk through a token ask for it.
        let mut cases = std::mem::take(&mut scratch.cases);
        cases.clear();
        cases.resize(tokens.len(), std::cell::Cell::new(None));
        let text_case = |i: usize| cached_case(&cases, tokens, text, i);
        // Which existing mention covers each token (NO_ID: none).
        scratch.covered.clear();
        scratch.covered.resize(tokens.len(), NO_ID);
        for (k, m) in existing.iter().enumerate() {
            scratch.covered[m.token_start..m.token_end].fill(k as u32);
        }
        scratch.spans.clear();
        scratch.spans.resize(tokens.len(), (NO_ID, 0));
        scratch.ids.clear();
        // Without lower-case names of the user's in the text's language family, no lower-case word is
        // tested (the common case).
        let lower_names = lang
            .and_then(entnorm_tokenize::inflection_family)
            .is_some_and(|f| self.lower_name_families.iter().any(|n| n == f));
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            let starts_capitalised = t.class == TokenClass::Word
                && text[t.range()].chars().next().is_some_and(is_upper)
                && text_case(i) == TokenCase::Other;
            // A lower-case word may be the inflection of a lower-case name of the user's own
            // (`коронавируса` of `коронавирус`; see `stem_guard_allows`).
            let starts_lower = lower_names
                && t.class == TokenClass::Word
                && text_case(i) == TokenCase::Lower
                && self.may_start_lower_name(analysis.key(KeyLayer::Translit, i));
            let inside = scratch.covered[i] != NO_ID
                && existing[scratch.covered[i] as usize].token_start != i;
            if !t.can_start || !(starts_capitalised || starts_lower) || inside {
                i += 1;
                continue;
            }
            let found = self.longest_inflected_at(
                &view,
                &vocab,
                analysis,
                (lang, inflecting),
                i,
                text,
                &text_case,
                scratch,
            );
            let accepted = found.filter(|&(end, ..)| {
                // Whole existing mentions only, each shorter than the match.
                let mut k = i;
                while k < end {
                    let c = scratch.covered[k];
                    if c == NO_ID {
                        k += 1;
                        continue;
                    }
                    let m = &existing[c as usize];
                    if m.token_start < i
                        || m.token_end > end
                        || m.token_end - m.token_start >= end - i
                    {
                        return false;
                    }
                    k = m.token_end;
                }
                true
            });
            match accepted {
                Some((end, alias, entity, candidates, is_variant)) => {
                    variant.push(is_variant);
                    out.push(Mention {
                        token_start: i,
                        token_end: end,
                        start: tokens[i].start(),
                        end: tokens[end - 1].end(),
                        layer: KeyLayer::Translit,
                        alias,
                        entity,
                        candidates,
                    });
                    i = end;
                }
                None => i += 1,
            }
        }
        scratch.cases = cases;
    }

    /// Whether an edge labelled with a name-part group lies below stem-trie node `node` (see
    /// [`GROUP_BELOW`]).
    fn group_below(&self, node: u32) -> bool {
        bit_or_beyond(self.section(GROUP_BELOW), node)
    }

    /// Whether a lower-case name of the user's may start with a stem of `key` (a text word's
    /// transliterated key): some name's first stem has the key's first two or three bytes.
    fn may_start_lower_name(&self, key: &str) -> bool {
        let (p, key) = (&self.lower_stem_prefixes, key.as_bytes());
        !p.is_empty()
            && key.len() >= 2
            && (p.contains(&stem_prefix(key)) || p.contains(&stem_prefix(&key[..2])))
    }

    /// The stem-trie token ids (with their root children) of token `i`'s candidates, computed once per
    /// token and text.
    fn stem_candidates(
        &self,
        vocab: &VocabView<'_>,
        analysis: &Analysis,
        (lang, inflecting): (Option<&str>, bool),
        i: usize,
        is_lower: bool,
        scratch: &mut InflectScratch,
    ) -> (usize, usize) {
        if scratch.spans[i].0 != NO_ID {
            let (s, n) = scratch.spans[i];
            return (s as usize, s as usize + n as usize);
        }
        let key = analysis.key(KeyLayer::Translit, i);
        let start = scratch.ids.len();
        let is_word = analysis.tokens()[i].class == TokenClass::Word;
        let lang = lang.filter(|_| inflecting);
        let hash = analysis.key_hashes(i).hashes[KeyLayer::Translit as usize];
        let context = stem_context(is_word, lang, is_lower);
        if let Some(ids) = context.and_then(|c| scratch.memo.get(key, hash, c)) {
            scratch.ids.extend_from_slice(ids);
            let n = scratch.ids.len() - start;
            scratch.spans[i] = (start as u32, n as u32);
            return (start, start + n);
        }
        let groups = self.section(FORM_GROUPS);
        // A stem, then the name-part groups of the spellings with that stem.
        let push = |stem: &str, ids: &mut Vec<(u32, u32)>| {
            if let Some(id) = vocab.token_id(stem) {
                let root = vocab.root_slot(id, KeyLayer::Exact);
                ids.push((id, root));
                let rec = id as usize * TOKEN_RECORD;
                let off = read_u32(vocab.tokens, rec + 12) as usize;
                let n = read_u32(vocab.tokens, rec + 16) as usize;
                for k in off..(off + n).min(groups.len() / 4) {
                    let g = u32_at(groups, k);
                    if !ids[start..].iter().any(|&(x, _)| x == g) {
                        let root = vocab.root_slot(g, KeyLayer::Exact);
                        ids.push((g, root));
                    }
                }
            }
        };
        if is_word && key.is_ascii() {
            let mut stems: Vec<&str> = Vec::new();
            match lang {
                // Whether a word is lower-case is its own, so the per-token cache stays valid.
                Some(lang) if is_lower => {
                    entnorm_tokenize::inflection_candidates_lower(key, lang, 1, &mut stems)
                }
                Some(lang) => entnorm_tokenize::inflection_candidates(key, lang, 1, &mut stems),
                None => stems.push(entnorm_tokenize::stem_key(key)),
            }
            let mut alternated: Vec<String> = Vec::new();
            if let Some(lang) = lang {
                for stem in &stems {
                    entnorm_tokenize::stem_alternations(key, stem, lang, &mut alternated);
                }
            }
            for stem in stems {
                push(stem, &mut scratch.ids);
            }
            for stem in &alternated {
                push(stem, &mut scratch.ids);
            }
        } else {
            push(key, &mut scratch.ids);
        }
        let n = scratch.ids.len() - start;
        if let Some(c) = context {
            scratch.memo.put(key, hash, c, &scratch.ids[start..]);
        }
        scratch.spans[i] = (start as u32, n as u32);
        (start, start + n)
    }

    /// The longest stem-trie match starting at token `start`: (end token, alias, entity, candidates,
    /// whether a name-part group stood for one of its words). In a language without case endings (or
    /// none known) only such variant matches count.
    #[allow(clippy::too_many_arguments)]
    fn longest_inflected_at(
        &self,
        view: &LayerView<'_>,
        vocab: &VocabView<'_>,
        analysis: &Analysis,
        (lang, inflecting): (Option<&str>, bool),
        start: usize,
        text: &str,
        text_case: &impl Fn(usize) -> TokenCase,
        scratch: &mut InflectScratch,
    ) -> Option<(usize, u32, u32, u32, bool)> {
        let tokens = analysis.tokens();
        scratch.frontier.clear();
        scratch.ends.clear();
        let is_group = |id: u32| id < self.stem_groups;
        let word = |i: usize| {
            let t = &tokens[i];
            (t.class == TokenClass::Word).then(|| &text[t.range()])
        };
        // What a variant match asks of each of its tokens (see below), and so where a walk that can
        // only find variant matches stops.
        let capitalised_or_no_word =
            |i: usize| word(i).is_none_or(|w| w.chars().next().is_some_and(is_upper));
        // Without case endings only a path through a name-part group matches: a node reached without
        // one and with none below it leads nowhere.
        let leads_on =
            |node: u32, via_group: bool| inflecting || via_group || self.group_below(node);
        let lower_start = text_case(start) == TokenCase::Lower;
        let (lo, hi) = self.stem_candidates(
            vocab,
            analysis,
            (lang, inflecting),
            start,
            lower_start,
            scratch,
        );
        for k in lo..hi {
            let (id, slot) = scratch.ids[k];
            // From a lower-case word, no path whose every alias starts upper-case can match (the stem
            // guard's case rule).
            if slot == NO_ID || (lower_start && slot & CAPITALIZED_START != 0) {
                continue;
            }
            let root = slot & !CAPITALIZED_START;
            let entry = (root, is_group(id));
            if leads_on(root, entry.1) && !scratch.frontier.contains(&entry) {
                scratch.frontier.push(entry);
            }
        }
        let mut j = start;
        loop {
            if tokens[j].can_end {
                for &(node, via_group) in &scratch.frontier {
                    if view.is_terminal_for(node, lower_start) {
                        scratch.ends.push((j + 1, node, via_group));
                    }
                }
            }
            j += 1;
            if j >= tokens.len() || j - start >= MAX_ALIAS_TOKENS || scratch.frontier.is_empty() {
                break;
            }
            // Without case endings only variant matches count, and every word of one is capitalised
            // (see below): no path goes on through a word that is not (`Donald said`).
            if !inflecting && !capitalised_or_no_word(j) {
                break;
            }
            let lower = text_case(j) == TokenCase::Lower;
            let (lo, hi) =
                self.stem_candidates(vocab, analysis, (lang, inflecting), j, lower, scratch);
            scratch.next.clear();
            for &(node, via_group) in &scratch.frontier {
                for k in lo..hi {
                    let id = scratch.ids[k].0;
                    if !view.continues(id) {
                        continue;
                    }
                    if let Some(child) = view.child_after(node, id, || lower) {
                        let entry = (child, via_group || is_group(id));
                        if leads_on(child, entry.1)
                            && !scratch.next.contains(&entry)
                            && scratch.next.len() < MAX_STEM_FRONTIER
                        {
                            // Read at the next token (terminal test, children): loaded meanwhile.
                            view.prefetch_node(child);
                            scratch.next.push(entry);
                        }
                    }
                }
            }
            std::mem::swap(&mut scratch.frontier, &mut scratch.next);
        }
        // Longest first; on equal length, the order of discovery (least stripped stems first).
        scratch
            .ends
            .sort_by_key(|&(end, ..)| std::cmp::Reverse(end));
        let text_script = script_of(&text[tokens[start].range()]);
        let ends = std::mem::take(&mut scratch.ends);
        let mut found = None;
        for &(end, node, via_group) in &ends {
            if !via_group && !inflecting {
                continue;
            }
            // A person's name through name-part spellings: every word of it capitalised, and not every
            // word in capitals throughout (in a headline written in capitals every pair of words looks
            // like a name: `BILL SEEN` was Bill Shine, `SEEN MORE` James Moore).
            if via_group
                && (!(start..end).all(capitalised_or_no_word)
                    || (start..end).all(|i| {
                        word(i)
                            .is_none_or(|w| w.chars().all(|c| letter_case(c) != LetterCase::Lower))
                    }))
            {
                continue;
            }
            // The candidate sharing the longest prefixes with the text's tokens wins (`Belgii` is
            // `Belgia` rather than `Belga`, both stem `belg`); on a tie, the one of higher precedence.
            let mut chosen: Option<(u32, u32, usize)> = None;
            scratch.entities.clear();
            let span = SpanCase::of(start, end, text_case);
            for entry in view.candidates(node).take(MAX_STEM_CANDIDATES) {
                let (alias, a) = (entry.0, self.candidate(entry));
                if !stem_guard_allows(&a, lang, span) {
                    continue;
                }
                // The alias's text only where needed (a string read is a cache miss in a large
                // gazetteer): to analyse it on a memo miss, and for the script of a one-token match.
                let alias_text = || self.alias_text(alias);
                let keys = scratch.alias_keys.get(
                    self,
                    alias,
                    alias_text,
                    &mut scratch.analyzer,
                    &mut scratch.alias_analysis,
                );
                if end - start == 1
                    && script_of(alias_text()) != text_script
                    && entnorm_tokenize::stem_key(keys.key(0)).len() < TRANSLIT_MIN_CHARS_ONE_TOKEN
                {
                    continue;
                }
                // A name written in capitals (an acronym, or a list that writes names so: Phoenix's
                // `KIEV`, `ODESA`) takes endings only after its capitals (`ОМОНа`, `NATOs`): a
                // capitalised word sharing its stem is another word (`Kiew` is not that `KIEV`, `Brace`
                // not `BRAC`, `Singen` not `SING`).
                if keys.in_capitals && !(start..end).all(|i| word(i).is_none_or(starts_in_capitals))
                {
                    continue;
                }
                // An inflected form (not a name-part variant, whose words differ by design) agrees with
                // the alias word by word as the language's endings allow (German: `Kindern` is no form
                // of the town `Kindia`), unless the alias names an entity of the user's, who chose it
                // (`Europa` is their `Europe`, `Aragonien` their `Aragon`), or a world city (`Wien` is
                // `Vienna`); nor does it lose vowels every form of the name keeps (`Совет` of the
                // township `Совето`, `Александр` of `Александрий`, `George` of `Georgia`), world city
                // or not.
                if !via_group {
                    let lang = lang.unwrap_or("");
                    let words = || {
                        (start..end)
                            .zip(keys.iter())
                            .map(|(i, k)| (analysis.key(KeyLayer::Translit, i), k))
                    };
                    let disagrees =
                        !words().all(|(t, k)| entnorm_tokenize::word_forms_agree(t, k, lang));
                    let loses_vowels =
                        words().any(|(t, k)| entnorm_tokenize::loses_final_vowels(t, k, lang));
                    if (disagrees && !self.keeps_stem_matches(a.entity))
                        || (loses_vowels && self.entity_origin(a.entity) != Origin::User)
                    {
                        continue;
                    }
                }
                // A name-part variant respells a word only where both spellings are long enough to
                // show it: a short word differs from a short name part (`In June` and `Ying Yong`,
                // `Ahmed Al` and `Ahmed Ali`, `Tool Co` and `Anatole Koué`) by being another word.
                // A word that only adds an ending (`Nixa` of `Nix`) is no respelling, and a word of
                // the text in another alphabet than Latin is only approximated by its transliterated
                // key, so there one letter less is enough (`Нил Койл` is Neil Coyle). The user's own
                // entities are exempt: the user chose them.
                if via_group
                    && self.entity_origin(a.entity) != Origin::User
                    && (start..end).zip(keys.iter()).any(|(i, k)| {
                        let t = analysis.key(KeyLayer::Translit, i);
                        let shorter = t.len().min(k.len());
                        !t.starts_with(k)
                            && shorter < VARIANT_MIN_RESPELT_BYTES
                            && (shorter < VARIANT_MIN_RESPELT_BYTES - 1
                                || script_of(&text[tokens[i].range()]) == LATIN_SCRIPT)
                    })
                {
                    continue;
                }
                let shared: usize = (start..end)
                    .zip(keys.iter())
                    .map(|(i, k)| common_prefix(analysis.key(KeyLayer::Translit, i), k))
                    .sum();
                // A one-token alias with a short stem (see SHORT_STEM_MIN_CHARS) needs more than its stem.
                if end - start == 1 && shared < STEM_MIN_CHARS_ONE_TOKEN {
                    continue;
                }
                if chosen.is_none_or(|(_, _, best)| shared > best) {
                    chosen = Some((alias, a.entity, shared));
                }
                if !scratch.entities.contains(&a.entity) {
                    scratch.entities.push(a.entity);
                }
            }
            if let Some((alias, entity, _)) = chosen {
                found = Some((end, alias, entity, scratch.entities.len() as u32, via_group));
                break;
            }
        }
        scratch.ends = ends;
        found
    }

    /// Every entity whose alias covers the whole of `name`, per layer, strictest first: for `entnorm lookup`.
    pub fn lookup(&self, name: &str) -> Vec<LookupHit> {
        let mut analyzer = Analyzer::new();
        let mut analysis = Analysis::default();
        let name = analyze_indexed(name, &mut analyzer, &mut analysis);
        let tokens = analysis.tokens();
        let text_case = |i: usize| {
            let t = &tokens[i];
            token_case(&name[t.range()])
        };
        let mut hits: Vec<LookupHit> = Vec::new();
        if tokens.is_empty() {
            return hits;
        }
        let vocab = self.vocab();
        for layer in KeyLayer::ALL {
            let view = self.layer(layer);
            let mut node = vocab
                .token_id(analysis.key(layer, 0))
                .and_then(|t| vocab.root_child(t, layer));
            for i in 1..tokens.len() {
                node = node.and_then(|n| {
                    vocab
                        .token_id(analysis.key(layer, i))
                        .and_then(|t| view.child(n, t))
                });
            }
            let Some(node) = node else { continue };
            let span = SpanCase::of(0, tokens.len(), &text_case);
            for entry in view.candidates(node) {
                let (alias, a) = (entry.0, self.candidate(entry));
                if !guard_allows(&a, layer, None, span) {
                    continue;
                }
                if hits.iter().any(|h| h.entity == a.entity) {
                    continue;
                }
                hits.push(LookupHit {
                    layer,
                    alias,
                    entity: a.entity,
                    score: layer_score(layer),
                });
            }
        }
        hits
    }

    /// The aliases nearest to `name` by Jaro-Winkler similarity of their transliterated keys, best first,
    /// one per entity. This compares `name` with every alias, which suits an interactive lookup of a name
    /// that matched nothing; the pipeline never calls it.
    pub fn suggest(&self, name: &str, limit: usize) -> Vec<(u32, f64)> {
        let key = entnorm_tokenize::transliterate(name);
        let mut scored: Vec<(u32, f64)> = (0..self.alias_count() as u32)
            .map(|i| {
                (
                    i,
                    strsim::jaro_winkler(
                        &key,
                        &entnorm_tokenize::transliterate(self.alias(i).text),
                    ),
                )
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut best: Vec<(u32, f64)> = Vec::new();
        for (alias, score) in scored {
            let entity = self.alias(alias).entity;
            if !best.iter().any(|(a, _)| self.alias(*a).entity == entity) {
                best.push((alias, score));
                if best.len() == limit {
                    break;
                }
            }
        }
        best
    }
}

/// Per-thread scratch for [`Matcher::find_inflected`], reused across texts.
#[derive(Default)]
pub struct InflectScratch {
    covered: Vec<u32>,
    /// Per token, its [`token_case`] once asked (see [`cached_case`]).
    cases: Vec<std::cell::Cell<Option<TokenCase>>>,
    /// Per token, (start, count) of its candidates in `ids`; start NO_ID until computed.
    spans: Vec<(u32, u32)>,
    /// (stem token id, root child) of the candidates of the tokens computed so far.
    ids: Vec<(u32, u32)>,
    /// (node, whether a name-part group led there)
    frontier: Vec<(u32, bool)>,
    next: Vec<(u32, bool)>,
    ends: Vec<(usize, u32, bool)>,
    entities: Vec<u32>,
    analyzer: Analyzer,
    alias_analysis: Analysis,
    memo: StemMemo,
    alias_keys: AliasKeysMemo,
}

const ALIAS_KEYS_SLOTS: usize = 1 << 12;

/// The transliterated keys of an alias's tokens, in order.
#[derive(Default)]
struct AliasKeys {
    /// Alias id + 1 (0: an empty slot).
    alias: u32,
    joined: String,
    /// End of each key in `joined`.
    ends: Vec<u32>,
    /// The alias is written in capitals (see [`in_capitals`]).
    in_capitals: bool,
}

impl AliasKeys {
    fn key(&self, k: usize) -> &str {
        let from = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.joined[from..self.ends[k] as usize]
    }

    fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|k| self.key(k))
    }
}

/// A per-thread, direct-mapped memo of aliases' transliterated keys, which a stem match compares with
/// the text's: the candidates of a frequent stem are analysed once, not at every match. Forgotten when
/// the matcher changes.
#[derive(Default)]
struct AliasKeysMemo {
    /// [`Matcher::instance`] of the matcher whose aliases the slots hold (0: none yet).
    matcher: u64,
    slots: Vec<AliasKeys>,
}

impl AliasKeysMemo {
    /// The keys of alias `alias` of `matcher`, whose text `text` gives, analysed with `analyzer` into
    /// `analysis` if its slot does not hold them.
    fn get<'m>(
        &mut self,
        matcher: &Matcher,
        alias: u32,
        text: impl FnOnce() -> &'m str,
        analyzer: &mut Analyzer,
        analysis: &mut Analysis,
    ) -> &AliasKeys {
        if self.matcher != matcher.instance() || self.slots.is_empty() {
            self.matcher = matcher.instance();
            self.slots.clear();
            self.slots.resize_with(ALIAS_KEYS_SLOTS, AliasKeys::default);
        }
        let at = (alias.wrapping_mul(0x9E37_79B9) >> 20) as usize % ALIAS_KEYS_SLOTS;
        let slot = &mut self.slots[at];
        if slot.alias != alias.wrapping_add(1) {
            let text = text();
            analyze_indexed(text, analyzer, analysis);
            slot.in_capitals = in_capitals(text);
            slot.alias = alias.wrapping_add(1);
            slot.joined.clear();
            slot.ends.clear();
            for key in analysis.keys(KeyLayer::Translit) {
                slot.joined.push_str(key);
                slot.ends.push(slot.joined.len() as u32);
            }
        }
        slot
    }
}

/// The longest key a [`StemMemo`] slot holds.
const STEM_SLOT_KEY_BYTES: usize = 22;
const STEM_MEMO_SLOTS: usize = 1 << 14;
/// The most candidates all slots of a [`StemMemo`] hold together (2 MiB): past it, every slot is
/// forgotten, so that memory stays bounded whatever the gazetteer (with name-part groups, a common
/// first name has dozens of candidates).
const STEM_MEMO_MAX_IDS: usize = 1 << 18;

/// A token's stem candidates as a [`StemMemo`] slot remembers them: `ids[start..start + n]` of the memo.
#[derive(Clone, Copy, Default)]
struct StemSlot {
    hash: u64,
    context: u32,
    start: u32,
    n: u16,
    len: u8,
    key: [u8; STEM_SLOT_KEY_BYTES],
}

/// A per-thread, direct-mapped memo of [`Matcher::stem_candidates`]: computing them takes the
/// language's ending rules and a lookup in the stem vocabulary (a cache miss in a large gazetteer) per
/// stem, and words recur (Zipf), so a frequent word's candidates are computed once. A slot holds the
/// whole key and its context, so a hit is exact; slots are forgotten when the matcher changes.
#[derive(Default)]
struct StemMemo {
    /// [`Matcher::instance`] of the matcher whose candidates the slots hold (0: none yet).
    matcher: u64,
    slots: Vec<StemSlot>,
    /// The candidates of all slots (a slot's are overwritten in place only by as many or fewer).
    ids: Vec<(u32, u32)>,
}

impl StemMemo {
    /// Forgets every slot unless they are `matcher`'s.
    fn bind(&mut self, matcher: &Matcher) {
        if self.matcher != matcher.instance() || self.slots.is_empty() {
            self.matcher = matcher.instance();
            self.forget();
        }
    }

    fn forget(&mut self) {
        self.slots.clear();
        self.slots.resize(STEM_MEMO_SLOTS, StemSlot::default());
        self.ids.clear();
    }

    fn slot_index(hash: u64, context: u32) -> usize {
        ((hash ^ u64::from(context).wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 40) as usize
            & (STEM_MEMO_SLOTS - 1)
    }

    /// The remembered candidates of `key` (hash `hash`) in `context`, if its slot holds them.
    fn get(&self, key: &str, hash: u64, context: u32) -> Option<&[(u32, u32)]> {
        let slot = self.slots.get(Self::slot_index(hash, context))?;
        let bytes = key.as_bytes();
        if slot.hash == hash
            && slot.context == context
            && usize::from(slot.len) == bytes.len()
            && &slot.key[..bytes.len()] == bytes
        {
            let start = slot.start as usize;
            self.ids.get(start..start + usize::from(slot.n))
        } else {
            None
        }
    }

    /// Remembers the candidates of `key` in `context`, if a slot can hold them.
    fn put(&mut self, key: &str, hash: u64, context: u32, ids: &[(u32, u32)]) {
        let bytes = key.as_bytes();
        if bytes.len() > STEM_SLOT_KEY_BYTES || ids.len() > usize::from(u16::MAX) {
            return;
        }
        let at = Self::slot_index(hash, context);
        let Some(&old) = self.slots.get(at) else {
            return;
        };
        // A slot's old range is reused when the new candidates fit in it; otherwise they are appended.
        let start = if old.len > 0 && ids.len() <= usize::from(old.n) {
            old.start as usize
        } else {
            if self.ids.len() + ids.len() > STEM_MEMO_MAX_IDS {
                self.forget();
            }
            self.ids.len()
        };
        if start == self.ids.len() {
            self.ids.extend_from_slice(ids);
        } else {
            self.ids[start..start + ids.len()].copy_from_slice(ids);
        }
        let slot = &mut self.slots[at];
        slot.hash = hash;
        slot.context = context;
        slot.start = start as u32;
        slot.n = ids.len() as u16;
        slot.len = bytes.len() as u8;
        slot.key[..bytes.len()].copy_from_slice(bytes);
    }
}

/// What [`Matcher::stem_candidates`] of a key depends on besides the key: whether the token is a word,
/// and, in an inflecting language, the language (up to 3 bytes; None for a longer tag, which is not
/// memoised) and whether the word is lower-case.
fn stem_context(is_word: bool, lang: Option<&str>, is_lower: bool) -> Option<u32> {
    let mut context = u32::from(is_word);
    if let Some(lang) = lang {
        if lang.len() > 3 {
            return None;
        }
        context |= 2 | u32::from(is_lower) << 2;
        for (k, b) in lang.bytes().enumerate() {
            context |= u32::from(b) << (8 + 8 * k);
        }
    }
    Some(context)
}

/// The stem trie is walked with every candidate of every token at once; this bounds the nodes followed.
const MAX_STEM_FRONTIER: usize = 16;
/// Candidate aliases of one stem sequence compared with the text, in precedence order.
const MAX_STEM_CANDIDATES: usize = 32;

/// Bytes two keys share at their start.
fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

/// Sets bit `i` of a bit set of u64 words (bit `i % 64` of word `i / 64`).
fn set_bit(words: &mut [u64], i: u32) {
    words[i as usize / 64] |= 1 << (i % 64);
}

/// Bit `i` of a bit set of u64 words.
fn has_bit(words: &[u64], i: u32) -> bool {
    words[i as usize / 64] >> (i % 64) & 1 != 0
}

/// Appends a bit set (u64 words: bit `i % 64` of word `i / 64`) to an index section.
fn push_bits(section: &mut Vec<u8>, words: &[u64]) {
    for w in words {
        section.extend_from_slice(&w.to_le_bytes());
    }
}

/// Bit `i` of a bit set written by [`push_bits`]; true beyond its end (only in a damaged index: the
/// walk that asks then decides, as it would without the set).
#[inline]
fn bit_or_beyond(set: &[u8], i: u32) -> bool {
    let at = i as usize / 64 * 8;
    set.get(at..at + 8)
        .is_none_or(|w| read_u64(w, 0) >> (i % 64) & 1 != 0)
}

/// [`script_of`] a Latin-script text.
const LATIN_SCRIPT: u8 = 1;

/// Which alphabet a name starts in, coarsely: enough to tell a cross-script stem match. Letters are
/// told by the tokenizer's class table: `char::is_alphabetic` searches Unicode's tables for every
/// letter outside ASCII (0.9% of a run on Cyrillic and Czech news).
fn script_of(s: &str) -> u8 {
    match s.chars().find(|&c| is_letter(c)).map(|c| c as u32) {
        Some(0x0041..=0x024F | 0x1E00..=0x1EFF) => LATIN_SCRIPT,
        Some(0x0370..=0x03FF | 0x1F00..=0x1FFF) => 2,
        Some(0x0400..=0x052F) => 3,
        Some(_) => 4,
        None => 0,
    }
}

/// The guards of a stem match: the language gate as everywhere, no acronyms, and the case rule of the
/// folded layers.
fn stem_guard_allows(alias: &Candidate<'_>, lang: Option<&str>, span: SpanCase) -> bool {
    // A match starting at a capitalised word needs a capitalised name (`Německu` is not the adjective
    // `německý`), one starting at a lower-case word a lower-case name the user's gazetteer lists in a
    // language of the text's family (a common noun the user counts as an entity: `коронавирус`,
    // `демократ`, given as Russian, in Russian or Ukrainian text). Other lower-case spellings are
    // transliterations of names of other languages, not words of the text's: the default sources', and
    // the user's in no language or an unrelated one (GeoNames' alternate names `verdeni`, `sindi`,
    // `nochi` took German `werden`, `sind`, `noch` for towns).
    if alias.flags & FLAG_STEM_OK == 0 || alias.flags & FLAG_EXACT_ONLY != 0 {
        return false;
    }
    let lower_start = span.lower & 1 != 0;
    if alias.capitalized_first() == lower_start
        || (lower_start && (alias.is_default() || !same_family(alias.langs(), lang)))
    {
        return false;
    }
    if alias.flags & FLAG_LANG_GATED != 0 {
        if let Some(lang) = lang {
            if !lists_language(alias.langs(), lang) {
                return false;
            }
        }
    }
    span.allows(|| alias.capitalized())
}

/// An alias as the guards see it (see [`Matcher::candidate`]): its entity and flags from its CANDS
/// entry, the rest from its alias record when asked.
struct Candidate<'a> {
    matcher: &'a Matcher,
    alias: u32,
    entity: u32,
    /// The alias's `FLAG_*` bits and [`CAND_CAPITALIZED_FIRST`].
    flags: u32,
}

impl Candidate<'_> {
    fn record(&self) -> &[u8] {
        self.matcher.alias_record(self.alias)
    }

    /// Whether the alias comes from the bundled default gazetteer.
    fn is_default(&self) -> bool {
        origin_from_u8((read_u32(self.record(), 28) >> 8) as u8) == Origin::Default
    }

    fn langs(&self) -> &str {
        self.matcher.string(&self.record()[4..], 2)
    }

    /// Bit k set if the alias's token k starts upper-case.
    fn capitalized(&self) -> u64 {
        read_u64(self.record(), 32)
    }

    fn capitalized_first(&self) -> bool {
        self.flags & CAND_CAPITALIZED_FIRST != 0
    }
}

fn guard_allows(
    alias: &Candidate<'_>,
    layer: KeyLayer,
    lang: Option<&str>,
    span: SpanCase,
) -> bool {
    let flags = alias.flags;
    if flags & FLAG_LANG_GATED != 0 {
        if let Some(lang) = lang {
            if !lists_language(alias.langs(), lang) {
                return false;
            }
        }
    }
    if layer == KeyLayer::Exact {
        return true;
    }
    if flags & FLAG_EXACT_ONLY != 0
        || (layer == KeyLayer::Translit && flags & FLAG_TRANSLIT_OK == 0)
    {
        return false;
    }
    span.allows(|| alias.capitalized())
}

/// The case of the tokens of a span of text, as the case guards read it: worked out once per span, not
/// once per alias ending there (a common name's node has thousands).
#[derive(Clone, Copy)]
struct SpanCase {
    /// Bit k: the span's token k starts lower-case (k < 64, the most tokens an alias has).
    lower: u64,
    /// Whether a token of the span is an acronym.
    acronym: bool,
}

impl SpanCase {
    /// For the exact layer, whose matches no case guard checks.
    const UNCHECKED: SpanCase = SpanCase {
        lower: 0,
        acronym: false,
    };

    fn of(start: usize, end: usize, text_case: &impl Fn(usize) -> TokenCase) -> SpanCase {
        let mut span = SpanCase::UNCHECKED;
        for (k, i) in (start..end).enumerate() {
            match text_case(i) {
                TokenCase::Acronym => span.acronym = true,
                TokenCase::Lower => span.lower |= 1u64.checked_shl(k as u32).unwrap_or(0),
                TokenCase::Other => {}
            }
        }
        span
    }

    /// The case rule of the folded layers: no acronym, and lower-case only where the alias's token is
    /// (bit k of `capitalized()`: the alias's token k starts upper-case; asked only of a span with a
    /// lower-case token).
    fn allows(self, capitalized: impl FnOnce() -> u64) -> bool {
        !self.acronym && (self.lower == 0 || self.lower & capitalized() == 0)
    }
}

/// Whether `name` is written in capitals: two capital letters or more and no lower-case one (`KIEV`,
/// `NATO`, `U.S.`; not `McCain`, `X`, nor a name of a script without case).
fn in_capitals(name: &str) -> bool {
    let mut capitals = 0;
    for c in name.chars() {
        match letter_case(c) {
            LetterCase::Lower => return false,
            LetterCase::Upper => capitals += 1,
            _ => {}
        }
    }
    capitals >= 2
}

/// Whether a text word starts with two capitals, or is one capital letter (`ОМОНа`, `NATOs`, `X`; not
/// `Kiew`).
fn starts_in_capitals(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(is_upper) && chars.next().is_none_or(is_upper)
}

/// How a text token is written, for the case guards of the folded layers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenCase {
    /// Starts with a lower-case letter: `turkey` is not `Turkey`.
    Lower,
    /// All capitals, at most 3 letters: an acronym (`US`, `UN`), never a folded form of a word (`Us`).
    Acronym,
    Other,
}

/// [`token_case`] of token `i` of `text`, remembered in `cases` (one entry per token).
fn cached_case(
    cases: &[std::cell::Cell<Option<TokenCase>>],
    tokens: &[entnorm_tokenize::Token],
    text: &str,
    i: usize,
) -> TokenCase {
    match cases[i].get() {
        Some(case) => case,
        None => {
            let t = &tokens[i];
            let case = token_case(&text[t.range()]);
            cases[i].set(Some(case));
            case
        }
    }
}

fn token_case(token: &str) -> TokenCase {
    // Letter case from the tokenizer's class table: the standard library's case tables are searched on
    // every call, and this runs for every token at every match attempt.
    let mut chars = token.chars();
    match chars.next().map(letter_case) {
        Some(LetterCase::Lower) => TokenCase::Lower,
        Some(LetterCase::Upper) => {
            // An acronym has at most two more characters, all upper-case (counted without collecting
            // them).
            let (mut rest, mut upper) = (0, true);
            for c in chars.take(3) {
                rest += 1;
                upper &= is_upper(c);
            }
            if rest <= 2 && upper {
                TokenCase::Acronym
            } else {
                TokenCase::Other
            }
        }
        _ => TokenCase::Other,
    }
}

/// `en` of `en-GB`, `pt` of `pt_BR` (compared ignoring ASCII case).
fn primary_language(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or("")
}

/// Whether an alias's languages (comma-separated tags) include `lang` (a primary subtag).
fn lists_language(langs: &str, lang: &str) -> bool {
    langs
        .split(',')
        .any(|l| primary_language(l).eq_ignore_ascii_case(lang))
}

/// The [`entnorm_tokenize::inflection_family`] of a language tag (`ru`, `uk-UA`, `DE`); `None` for
/// `und` and the languages without case endings. Tags are nearly always lower-case already: only the
/// others are copied (this is asked for each language of each candidate of a lower-case stem match).
fn language_family(tag: &str) -> Option<&'static str> {
    let primary = primary_language(tag);
    if primary.bytes().any(|b| b.is_ascii_uppercase()) {
        entnorm_tokenize::inflection_family(&primary.to_ascii_lowercase())
    } else {
        entnorm_tokenize::inflection_family(primary)
    }
}

/// Whether one of an alias's languages (comma-separated tags) is of the family of `lang` (a text's
/// language, a lower-case primary subtag).
fn same_family(langs: &str, lang: Option<&str>) -> bool {
    let Some(family) = lang.and_then(entnorm_tokenize::inflection_family) else {
        return false;
    };
    langs.split(',').any(|l| language_family(l) == Some(family))
}

/// One entity a name would match, for `entnorm lookup`.
#[derive(Clone, Copy, Debug)]
pub struct LookupHit {
    pub layer: KeyLayer,
    pub alias: u32,
    pub entity: u32,
    pub score: f64,
}

/// Priors are finite and non-negative (the loader checks), so a total order on them is sound.
#[derive(Clone, Copy, PartialEq)]
struct OrderedPrior(f64);
impl Eq for OrderedPrior {}
impl Ord for OrderedPrior {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl PartialOrd for OrderedPrior {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GazetteerBuilder;

    /// An alias's language tags are read for their family whatever their case and region, and `und`
    /// and languages without case endings have none.
    #[test]
    fn language_tags_give_their_inflection_family() {
        assert!(language_family("ru").is_some());
        assert_eq!(language_family("uk-UA"), language_family("ru"));
        assert_eq!(language_family("DE"), Some("de"));
        assert_eq!(language_family("Cs_CZ"), language_family("pl"));
        assert_eq!(language_family("pl"), language_family("ru"));
        assert_eq!(language_family("und"), None);
        assert_eq!(language_family("en"), None);
        assert!(same_family("und,BG", Some("ru")));
        assert!(!same_family("et", Some("de")));
        assert!(!same_family("de", None));
    }

    /// Every (token, child) pair stored under every node of every trie is found by `child`, at nodes of
    /// a few edges (searched in order) and of many (a hash table: `New` goes on with twelve names here),
    /// in several scripts; a token that labels no edge of a node finds nothing there.
    #[test]
    fn every_stored_edge_is_found_by_child() {
        let mut tsv = String::from("entity_id\tname\ttype\tlang\n");
        for (k, w) in [
            "York",
            "Delhi",
            "Zealand",
            "Mexico",
            "Jersey",
            "Hampshire",
            "Caledonia",
            "Orleans",
            "Haven",
            "London",
            "Brunswick",
            "Guinea",
        ]
        .iter()
        .enumerate()
        {
            tsv.push_str(&format!("t:new{k}\tNew {w}\tLOC\ten\n"));
        }
        tsv.push_str(
            "t:lavrov\tСергей Викторович Лавров\tPER\tru\nt:kerry\tجون فوربس كيري\tPER\tar\n\
             t:cdi\tCôte d'Ivoire\tGPE\tfr\nt:court\tВерховный суд\tORG\tru\n",
        );
        let mut b = GazetteerBuilder::new();
        b.add_bytes(std::path::Path::new("g.tsv"), tsv.as_bytes(), Origin::User)
            .unwrap();
        let m = Matcher::new(b.build());
        let mut checked = [0usize; 2];
        for view in KeyLayer::ALL
            .map(|l| m.layer(l))
            .into_iter()
            .chain([m.trie_at(STEM_BASE)])
        {
            let nodes = view.nodes.len() / 8 - 1;
            for node in 0..nodes {
                let lo = (view.first_edge(node) & !UPPER_NEXT_ONLY) as usize;
                let hi = (view.first_edge(node + 1) & !UPPER_NEXT_ONLY) as usize;
                let mut labels = Vec::new();
                for k in lo..hi {
                    let (token, child) =
                        (read_u32(view.edges, k * 8), read_u32(view.edges, k * 8 + 4));
                    if token != NO_ID {
                        assert_eq!(
                            view.child(node as u32, token),
                            Some(child),
                            "{node} {token}"
                        );
                        labels.push(token);
                        checked[usize::from(hi - lo > SORTED_EDGES_MAX)] += 1;
                    }
                }
                let absent = (0..).find(|t| !labels.contains(t)).unwrap();
                assert_eq!(view.child(node as u32, absent), None, "{node} {absent}");
            }
        }
        assert!(checked[0] > 10 && checked[1] >= 12, "{checked:?}");
    }
    /// [`UPPER_NEXT_ONLY`] is set on a stem-trie node exactly where every alias going on from it has an
    /// upper-case token next: after `Angela` (`Angela Merkel`) and `Isle of` (`Isle of Man`), not after
    /// `Isle` nor `Верховный` (`Верховный суд`), never on a node without edges (`Merkel` ends its name);
    /// and never in the layers' tries, whose walks do not ask.
    #[test]
    fn upper_next_only_marks_the_stem_nodes_whose_names_go_on_capitalised() {
        let tsv = "entity_id\tname\ttype\tlang\tkind\tprior
t:merkel\tAngela Merkel\tPER\tde\tcanonical\t10
t:iom\tIsle of Man\tGPE\ten\tcanonical\t10
t:court\tВерховный суд\tORG\tru\tcanonical\t10
";
        let mut b = GazetteerBuilder::new();
        b.add_bytes(std::path::Path::new("g.tsv"), tsv.as_bytes(), Origin::User)
            .unwrap();
        let m = Matcher::new(b.build());
        let flagged =
            |view: &LayerView<'_>, node: u32| view.first_edge(node as usize) & UPPER_NEXT_ONLY != 0;
        // The stem trie's nodes along a name's path, from its first token's on.
        let stems = m.vocab_at(STEM_VOCAB);
        let view = m.trie_at(STEM_BASE);
        let walk = |name: &str| -> Vec<u32> {
            let (mut analyzer, mut analysis) = (Analyzer::new(), Analysis::default());
            analyzer.analyze(name, &mut analysis);
            let id = |i: usize| {
                let stem = stem_of(&analysis, i);
                stems
                    .token_id(stem)
                    .unwrap_or_else(|| panic!("{stem} in the stem vocabulary"))
            };
            let mut node = stems
                .root_child(id(0), KeyLayer::Exact)
                .expect("a root child");
            let mut nodes = vec![node];
            for i in 1..analysis.len() {
                node = view.child(node, id(i)).expect("a child");
                nodes.push(node);
            }
            nodes
        };
        let (merkel, man, court) = (
            walk("Angela Merkel"),
            walk("Isle of Man"),
            walk("Верховный суд"),
        );
        assert!(flagged(&view, merkel[0]), "angela");
        assert!(!flagged(&view, merkel[1]), "merkel has no edges");
        assert!(!flagged(&view, man[0]), "isle");
        assert!(flagged(&view, man[1]), "isle of");
        assert!(!flagged(&view, court[0]), "verkhovny");
        for layer in KeyLayer::ALL {
            let nodes = m.layer(layer).nodes.len() / 8;
            assert!(
                (0..nodes).all(|n| !flagged(&m.layer(layer), n as u32)),
                "{layer:?}"
            );
        }
    }
}
