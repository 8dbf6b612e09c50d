//! Fuzzy matching of name-like spans that no key layer matched: edit distance on transliterated keys.
//!
//! A [`FuzzyIndex`] is built once per compiled gazetteer and shared read-only by all workers. It holds
//! the *fuzzy key* of every eligible alias — the [`KeyLayer::Translit`] keys of its name tokens joined by
//! a space (no space between two letters of a script written without spaces) — deduplicated, with the
//! alias ids of each key in the matcher's precedence order, and a **symmetric deletion neighbourhood**:
//! every key and every key with one character deleted, hashed, in a table sorted by hash with a
//! directory on the hash's top bits. A query probes its own key and its one-character deletions (and,
//! for keys long enough to allow two edits, its two-character deletions), then verifies each candidate
//! with the restricted Damerau-Levenshtein distance. So a span is compared with the few aliases that
//! share a deletion variant with it, never with every alias. One deletion on each side finds every
//! alias within one edit (insertion, deletion, substitution or transposition); at two edits it finds
//! those reached by two insertions or deletions, or a substitution plus one of them, not two
//! substitutions. Chosen by measurement against Levenshtein automata over an fst of the same keys,
//! which walk far more of the key space per query: `examples/fuzzy_candidates.rs`, figures in the README.
//!
//! Length-aware thresholds: keys shorter than [`MIN_KEY_CHARS`] are never fuzzy-matched (a short word is
//! one edit away from too many names); up to [`DISTANCE_2_MIN_CHARS`]` - 1` characters one edit is
//! allowed, from there two; in a name of several words each word must also be within the distance its
//! own length allows (`Steve Jobs` is not `Steve Hobbs`), and numbers (digits, Roman numerals) must be
//! equal (`Pius XI` is not `Pius VII`). The score of a hit is calibrated like every other method's
//! ([`fuzzy_score`]): the share of such links that were right on the development sets.
//!
//! The index is built once per compiled gazetteer and stored beside it ([`FuzzyIndex::to_bytes`],
//! [`FuzzyIndex::from_bytes`]: format version, the matcher's fingerprint and a checksum, so a stored
//! index is never stale). Aliases removed by `kind=remove` rows take no part, and a span near a removed
//! alias is not linked to the entity it was removed from ([`FuzzyIndex::build_with_removals`]).
//!
//! Which aliases take part: every alias of the user's gazetteers; of the default gazetteer, aliases of
//! at least two tokens, canonical names and abbreviations of any length, and one-word labels subject to
//! the same language gate as the matcher (a one-word label matches in a document of known language only
//! if given in that language). Acronyms (no lower-case letter, five characters or fewer) never take part.

use entnorm_gazetteer::{AliasKind, Matcher, Origin};
use entnorm_tokenize::{Analysis, Analyzer, KeyLayer, TokenClass};

/// Keys shorter than this many characters are not fuzzy-matched.
pub const MIN_KEY_CHARS: usize = 5;
/// Keys of at least this many characters may be two edits away; shorter ones one.
pub const DISTANCE_2_MIN_CHARS: usize = 10;

/// The largest edit distance allowed for a key of `chars` characters (None: too short to fuzzy-match).
pub fn max_distance(chars: usize) -> Option<u8> {
    if chars < MIN_KEY_CHARS {
        None
    } else if chars < DISTANCE_2_MIN_CHARS {
        Some(1)
    } else {
        Some(2)
    }
}

/// Calibrated score of a fuzzy link with another entity equally near (a rival): 140 of 297 such links
/// (47%) were right on the development sets, so they are not written under the default thresholds.
pub const FUZZY_RIVALS_SCORE: f64 = 0.47;
/// Calibrated score of a fuzzy link of several words: 279 of 311 (89.7%); below 0.90, the band kept for
/// kinds of links at least 95% right (see `score.rs`).
pub const FUZZY_SEVERAL_WORDS_SCORE: f64 = 0.89;
/// Calibrated score of a one-word fuzzy link to an alias in another script (`Trump` to `Трамп`, `Londyn`
/// to `Лондон`): 1,819 of 2,295 (79%).
pub const FUZZY_OTHER_SCRIPT_SCORE: f64 = 0.79;
/// Calibrated score of a one-word fuzzy link to an alias in the same script: 446 of 889 (50%); mostly
/// another name one letter away (`Polsce`, `Poljče`).
pub const FUZZY_SAME_SCRIPT_SCORE: f64 = 0.5;

/// The calibrated score of a fuzzy link (module docs): the share of such links that were the annotated
/// entity on the development sets of `../shared/data/eval-dev` taken together (measured with
/// `scripts/fuzzy_calibration.py`, every set's gazetteer as the user's beside the default). A kind of link
/// is whether another entity is as near (`rivals`), whether the span has several words, and for one word
/// whether the span and the alias start in the same script. The distance and the length did not matter
/// within these kinds (one edit in 5 to 9 characters: 66-78%, equal keys 69%), so they are not in it.
/// A link to an entity only the default gazetteer has, while a gazetteer of the user's own is loaded,
/// scores [`crate::DEFAULT_BESIDE_USER`] as every other such link (none of 492 was right).
pub fn fuzzy_score(rivals: u32, several_words: bool, same_script: bool) -> f64 {
    if rivals > 0 {
        FUZZY_RIVALS_SCORE
    } else if several_words {
        FUZZY_SEVERAL_WORDS_SCORE
    } else if same_script {
        FUZZY_SAME_SCRIPT_SCORE
    } else {
        FUZZY_OTHER_SCRIPT_SCORE
    }
}

/// A coarse script of a name: that of its first letter (Latin, Greek, Cyrillic, Arabic, Hebrew, else
/// the Unicode block of 128 code points).
pub fn script_class(text: &str) -> u32 {
    match text
        .chars()
        .find(|&c| entnorm_tokenize::is_letter(c))
        .map(|c| c as u32)
    {
        Some(0x0041..=0x024F | 0x1E00..=0x1EFF) => 1,
        Some(0x0370..=0x03FF | 0x1F00..=0x1FFF) => 2,
        Some(0x0400..=0x052F) => 3,
        Some(
            0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF,
        ) => 4,
        Some(0x0590..=0x05FF) => 5,
        Some(c) => 16 + (c >> 7),
        None => 0,
    }
}

/// The best fuzzy candidate of a key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FuzzyHit {
    /// The alias whose key is nearest (first in precedence order among the nearest).
    pub alias: u32,
    pub entity: u32,
    pub distance: u8,
    /// Distinct entities at the nearest distance (at least 1).
    pub candidates: u32,
    /// Other entities whose nearest key is as near as the chosen one's.
    pub rivals: u32,
    /// Whether the key has several words.
    pub several_words: bool,
    /// The calibrated score ([`fuzzy_score`]) for a span in the script of the alias; [`FuzzyHit::score_for`]
    /// gives it for a span's own text.
    pub score: f64,
}

impl FuzzyHit {
    /// The calibrated score of this hit for the span `span_text` ([`fuzzy_score`]); `user_loaded`:
    /// whether a gazetteer of the user's own is among the matcher's sources.
    pub fn score_for(&self, span_text: &str, matcher: &Matcher, user_loaded: bool) -> f64 {
        if user_loaded && matcher.entity_origin(self.entity) == Origin::Default {
            return crate::DEFAULT_BESIDE_USER.min(self.score);
        }
        let same = script_class(span_text) == script_class(matcher.alias(self.alias).text);
        fuzzy_score(self.rivals, self.several_words, same)
    }
}

/// The fuzzy key of a token range of an analysed text (see the module docs); `out` is cleared first.
/// Punctuation and symbols are left out, so `Ja'afari`, `Ja’afari` and `Jaafari` meet as the
/// transliteration allows.
pub fn span_key(analysis: &Analysis, tokens: std::ops::Range<usize>, out: &mut String) {
    out.clear();
    let mut last: Option<TokenClass> = None;
    for i in tokens {
        let class = analysis.tokens()[i].class;
        if class == TokenClass::Punct {
            continue;
        }
        if last.is_some() && !(class == TokenClass::Char && last == Some(TokenClass::Char)) {
            out.push(' ');
        }
        out.push_str(analysis.key(KeyLayer::Translit, i));
        last = Some(class);
    }
}

/// Candidate aliases by fuzzy key; see the module docs.
pub struct FuzzyIndex {
    /// Key k is `keys[key_starts[k]..key_starts[k + 1]]`.
    keys: String,
    key_starts: Vec<u32>,
    key_chars: Vec<u16>,
    /// The largest of `key_chars`.
    longest_key_chars: u16,
    /// Key k has the aliases `aliases[alias_starts[k]..alias_starts[k + 1]]`, in precedence order.
    alias_starts: Vec<u32>,
    aliases: Vec<u32>,
    /// Per alias of the matcher: whether it is a one-word default label under the language gate.
    gated: Vec<bool>,
    /// (bits 12..44 of the hash of a key or of a one-character deletion of it, key number), sorted by
    /// the hash's top bits (the directory) and then these bits.
    table: Vec<(u32, u32)>,
    /// `table[directory[b]..directory[b + 1]]` are the entries whose hash has top bits `b`.
    directory: Vec<u32>,
    /// Fuzzy keys of aliases removed by `kind=remove` rows of the user's gazetteers, with the entity each
    /// was removed from, sorted: a span near one of them is never linked to that entity by spelling.
    removed: Vec<(Box<str>, u32)>,
}

const DIRECTORY_BITS: u32 = 20;

impl std::fmt::Debug for FuzzyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuzzyIndex")
            .field("keys", &self.key_count())
            .field("aliases", &self.aliases.len())
            .field("entries", &self.table.len())
            .finish()
    }
}

fn is_acronym(text: &str) -> bool {
    !text.chars().any(char::is_lowercase)
        && text.chars().filter(|c| c.is_alphanumeric()).count() <= 5
}

fn hash(s: &str) -> u64 {
    entnorm_gazetteer::stable_hash(s.as_bytes())
}

/// The 32 bits of a hash below the directory's.
fn tag(h: u64) -> u32 {
    (h >> (64 - DIRECTORY_BITS - 32)) as u32
}

/// Calls `f` with `key` less one character, for every character (the same string may come twice).
fn deletions(key: &str, scratch: &mut String, mut f: impl FnMut(&str)) {
    for (at, c) in key.char_indices() {
        scratch.clear();
        scratch.push_str(&key[..at]);
        scratch.push_str(&key[at + c.len_utf8()..]);
        f(scratch);
    }
}

impl FuzzyIndex {
    /// Builds the index over the eligible aliases of `matcher` (module docs).
    pub fn build(matcher: &Matcher) -> FuzzyIndex {
        FuzzyIndex::build_with_removals(matcher, &[])
    }

    /// [`FuzzyIndex::build`], knowing the `kind=remove` rows of the sources, as (entity ID, alias text):
    /// a removed alias takes no part in matching, so no near spelling of it may reach its entity again
    /// through this index either (`Syria` removed from an entity that also has `Syrien`). Rows removing a
    /// whole entity (`*`) or naming an entity the matcher lacks change nothing.
    pub fn build_with_removals(matcher: &Matcher, removals: &[(String, String)]) -> FuzzyIndex {
        let mut analyzer = Analyzer::new();
        let mut analysis = Analysis::default();
        let mut key = String::new();
        let mut pairs: Vec<(Box<str>, u32)> = Vec::new();
        let mut gated = vec![false; matcher.alias_count()];
        for i in 0..matcher.alias_count() as u32 {
            if !eligible(matcher, i) {
                continue;
            }
            let a = matcher.alias(i);
            analyzer.analyze(a.text, &mut analysis);
            let words = analysis
                .tokens()
                .iter()
                .filter(|t| t.class != TokenClass::Punct)
                .count();
            if words == 0 || words > 8 {
                continue;
            }
            span_key(&analysis, 0..analysis.len(), &mut key);
            let chars = key.chars().count();
            if !(MIN_KEY_CHARS..=255).contains(&chars) {
                continue;
            }
            if a.origin == Origin::Default
                && words == 1
                && !matches!(a.kind, AliasKind::Canonical | AliasKind::Abbreviation)
            {
                gated[i as usize] = true;
            }
            pairs.push((key.as_str().into(), i));
        }
        pairs.sort_unstable();
        let mut index = FuzzyIndex {
            keys: String::new(),
            key_starts: vec![0],
            key_chars: Vec::new(),
            longest_key_chars: 0,
            alias_starts: vec![0],
            aliases: Vec::with_capacity(pairs.len()),
            gated,
            table: Vec::new(),
            directory: Vec::new(),
            removed: removed_keys(matcher, removals, &mut analyzer, &mut analysis),
        };
        let mut scratch = String::new();
        let mut hashes: Vec<(u64, u32)> = Vec::new();
        let mut at = 0;
        while at < pairs.len() {
            let mut end = at + 1;
            while end < pairs.len() && pairs[end].0 == pairs[at].0 {
                end += 1;
            }
            let first = index.aliases.len();
            index.aliases.extend(pairs[at..end].iter().map(|p| p.1));
            if end - at > 1 {
                index.aliases[first..].sort_by_cached_key(|&a| precedence(matcher, a));
            }
            let k = index.key_chars.len() as u32;
            let key = &pairs[at].0;
            index.keys.push_str(key);
            index.key_starts.push(index.keys.len() as u32);
            index.key_chars.push(key.chars().count() as u16);
            index.longest_key_chars = index.longest_key_chars.max(key.chars().count() as u16);
            index.alias_starts.push(index.aliases.len() as u32);
            hashes.push((hash(key), k));
            deletions(key, &mut scratch, |d| hashes.push((hash(d), k)));
            at = end;
        }
        hashes.sort_unstable();
        hashes.dedup();
        let buckets = 1usize << DIRECTORY_BITS;
        index.directory = Vec::with_capacity(buckets + 1);
        let mut e = 0usize;
        for b in 0..=buckets {
            while e < hashes.len() && ((hashes[e].0 >> (64 - DIRECTORY_BITS)) as usize) < b {
                e += 1;
            }
            index.directory.push(e as u32);
        }
        index.table = hashes.into_iter().map(|(h, k)| (tag(h), k)).collect();
        index
    }

    /// Number of distinct fuzzy keys.
    pub fn key_count(&self) -> usize {
        self.key_chars.len()
    }

    /// Number of entries of the deletion table.
    pub fn entry_count(&self) -> usize {
        self.table.len()
    }

    fn key(&self, k: u32) -> &str {
        &self.keys[self.key_starts[k as usize] as usize..self.key_starts[k as usize + 1] as usize]
    }

    /// The nearest alias to `key` within the length-aware distance, in a document of language `lang`.
    /// Among keys equally near, the one whose first alias comes first in the matcher's precedence order
    /// (user's gazetteers, then prior, then ID) wins; each other entity so near counts as a rival.
    pub fn search(&self, key: &str, lang: Option<&str>, matcher: &Matcher) -> Option<FuzzyHit> {
        let mut scratch = SearchScratch::default();
        self.search_with(key, lang, matcher, &mut scratch)
    }

    fn search_with(
        &self,
        key: &str,
        lang: Option<&str>,
        matcher: &Matcher,
        scratch: &mut SearchScratch,
    ) -> Option<FuzzyHit> {
        let chars = key.chars().count();
        let max = max_distance(chars)?;
        // No key of the index is within reach of a longer one (the distance is at least the difference in
        // length): a span of thousands of characters (one giant word) is not searched at all, where
        // trying every deletion of it would be quadratic.
        if chars > usize::from(self.longest_key_chars) + usize::from(max) {
            return None;
        }
        let lang = lang
            .map(|l| l.split(['-', '_']).next().unwrap_or(""))
            .filter(|l| !l.is_empty());
        let SearchScratch {
            candidates: cands,
            one,
            rows,
            blocked,
            probes,
        } = scratch;
        // Entities with a removed alias within reach of the key: not reached by spelling.
        blocked.clear();
        for (removed, entity) in &self.removed {
            if removed.chars().count().abs_diff(chars) <= usize::from(max)
                && osa_distance(key, removed, rows) <= usize::from(max)
            {
                blocked.push(*entity);
            }
        }
        cands.clear();
        // All hashes first, then all directory reads, then the runs of the table: the reads of one pass
        // do not depend on each other, so their cache misses overlap instead of queueing one by one.
        probes.clear();
        probes.push((hash(key), 0, 0));
        for (at, c) in key.char_indices() {
            one.clear();
            one.push_str(&key[..at]);
            one.push_str(&key[at + c.len_utf8()..]);
            probes.push((hash(one), 0, 0));
        }
        for p in probes.iter_mut() {
            let b = (p.0 >> (64 - DIRECTORY_BITS)) as usize;
            p.1 = self.directory[b];
            p.2 = self.directory[b + 1];
        }
        for &(h, lo, hi) in probes.iter() {
            let tag = tag(h);
            let run = &self.table[lo as usize..hi as usize];
            let at = run.partition_point(|e| e.0 < tag);
            cands.extend(run[at..].iter().take_while(|e| e.0 == tag).map(|e| e.1));
        }
        cands.sort_unstable();
        cands.dedup();
        // Per key at the best distance so far: (its first admissible alias, its entity).
        let mut best_distance = u8::MAX;
        let mut nearest: Vec<(u32, u32)> = Vec::new();
        let mut entities: Vec<u32> = Vec::new();
        for &k in cands.iter() {
            let kc = self.key_chars[k as usize] as usize;
            if kc.abs_diff(chars) > usize::from(max) {
                continue;
            }
            let bound = usize::from(max.min(best_distance));
            let d = osa_at_most(key, self.key(k), bound, rows);
            if d > bound {
                continue;
            }
            // `Pius XI` is not `Pius VII`, nor `Route 66` `Route 67`: numbers are never fuzzy.
            if d > 0 && !numbers(key).eq(numbers(self.key(k))) {
                continue;
            }
            if d > 0 && !words_near(key, self.key(k), rows) {
                continue;
            }
            let d = d as u8;
            let (lo, hi) = (
                self.alias_starts[k as usize] as usize,
                self.alias_starts[k as usize + 1] as usize,
            );
            let mut first: Option<(u32, u32)> = None;
            for &alias in &self.aliases[lo..hi] {
                if self.gated[alias as usize] && !gate_allows(matcher, alias, lang) {
                    continue;
                }
                let entity = matcher.alias(alias).entity;
                if blocked.contains(&entity) {
                    continue;
                }
                if first.is_none() {
                    first = Some((alias, entity));
                    if d < best_distance {
                        best_distance = d;
                        nearest.clear();
                        entities.clear();
                    }
                }
                if !entities.contains(&entity) {
                    entities.push(entity);
                }
            }
            if let Some((alias, entity)) = first {
                nearest.push((alias, entity));
            }
        }
        if nearest.is_empty() {
            return None;
        }
        let &(alias, entity) = nearest
            .iter()
            .min_by_key(|n| precedence(matcher, n.0))
            .expect("not empty");
        let mut rival_entities: Vec<u32> = nearest.iter().map(|n| n.1).collect();
        rival_entities.sort_unstable();
        rival_entities.dedup();
        let rivals = rival_entities.len() as u32 - 1;
        let several_words = key.contains(' ');
        Some(FuzzyHit {
            alias,
            entity,
            distance: best_distance,
            candidates: entities.len() as u32,
            rivals,
            several_words,
            score: fuzzy_score(rivals, several_words, true),
        })
    }
}

/// Whether every word of `a` is within the length-aware distance ([`max_distance`]) of the word of `b`
/// in its place: the edits of a name of several words may not all fall on one short word (`Steve Jobs`
/// is not `Steve Hobbs`, nor `Deutsche Bahn` `Deutsche Bank`). Keys of different word counts must be
/// equal but for spaces (`RadioZET`, `Radio ZET`).
fn words_near(a: &str, b: &str, rows: &mut [Vec<usize>; 3]) -> bool {
    if !a.contains(' ') && !b.contains(' ') {
        return true;
    }
    if a.split(' ').count() != b.split(' ').count() {
        return a
            .chars()
            .filter(|&c| c != ' ')
            .eq(b.chars().filter(|&c| c != ' '));
    }
    a.split(' ').zip(b.split(' ')).all(|(x, y)| {
        x == y
            || max_distance(x.chars().count().max(y.chars().count()))
                .is_some_and(|m| osa_distance(x, y, rows) <= usize::from(m))
    })
}

/// Roman numerals up to 39 without their tens (`X`, `XX`, `XXX`), in capitals and in lower case.
const ROMAN_UNITS: [&str; 10] = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"];
const ROMAN_UNITS_LOWER: [&str; 10] = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"];

/// Whether a word is a number: digits, or a Roman numeral up to 39 (regnal numbers) written in capitals,
/// or in lower case when `lower` (the words of a fuzzy key).
fn is_number_word(w: &str, lower: bool) -> bool {
    let (ten, units) = if lower {
        ('x', &ROMAN_UNITS_LOWER)
    } else {
        ('X', &ROMAN_UNITS)
    };
    !w.is_empty()
        && (w.bytes().all(|b| b.is_ascii_digit()) || {
            let rest = w.trim_start_matches(ten);
            w.len() - rest.len() <= 3 && units.contains(&rest)
        })
}

/// Whether two names write the same numbers (digits, and Roman numerals in capitals up to 39), in the
/// same order: `Pius VI` and `Pius VII` share a fuzzy key (doubled letters are unified), yet are two
/// popes.
pub fn same_numbers(a: &str, b: &str) -> bool {
    // A number word is made of ASCII digits or of the capitals I, V and X: texts without those bytes
    // write no numbers (a byte scan instead of a Unicode property search per character).
    let may_have_number = |t: &str| {
        t.bytes()
            .any(|b| b.is_ascii_digit() || matches!(b, b'I' | b'V' | b'X'))
    };
    if !may_have_number(a) && !may_have_number(b) {
        return true;
    }
    written_numbers(a).eq(written_numbers(b))
}

/// The number words of a text, in order: its words (runs of alphanumeric characters) that
/// [`is_number_word`]. Runs of ASCII letters and digits are taken as they are; only a run that is a
/// number asks whether a letter of another script continues it (`XIVв` is one word, not a number), so
/// that non-Latin text costs no Unicode property search per character.
fn written_numbers(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !bytes[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let run = &text[start..i];
            if !is_number_word(run, false) {
                continue;
            }
            let glued = |c: Option<char>| c.is_some_and(|c| !c.is_ascii() && c.is_alphanumeric());
            if glued(text[..start].chars().next_back()) || glued(text[i..].chars().next()) {
                continue;
            }
            return Some(run);
        }
        None
    })
}

/// The words of a fuzzy key that are numbers: digits, or Roman numerals up to 39 (regnal numbers).
fn numbers(key: &str) -> impl Iterator<Item = &str> {
    key.split(' ').filter(|w| is_number_word(w, true))
}

#[derive(Default)]
struct SearchScratch {
    candidates: Vec<u32>,
    one: String,
    rows: [Vec<usize>; 3],
    blocked: Vec<u32>,
    /// (hash, start, end of its run of the table) per probe.
    probes: Vec<(u64, u32, u32)>,
}

/// The fuzzy keys of the removed aliases of `removals` (entity ID, alias text), with their entities.
fn removed_keys(
    matcher: &Matcher,
    removals: &[(String, String)],
    analyzer: &mut Analyzer,
    analysis: &mut Analysis,
) -> Vec<(Box<str>, u32)> {
    let wanted: rustc_hash::FxHashSet<&str> = removals
        .iter()
        .filter(|(_, name)| name != "*")
        .map(|(id, _)| id.as_str())
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut by_id: rustc_hash::FxHashMap<&str, u32> = Default::default();
    for e in 0..matcher.entity_count() as u32 {
        let id = matcher.entity(e).id;
        if wanted.contains(id) {
            by_id.insert(id, e);
        }
    }
    let mut key = String::new();
    let mut out: Vec<(Box<str>, u32)> = Vec::new();
    for (id, name) in removals {
        let Some(&entity) = by_id.get(id.as_str()) else {
            continue;
        };
        if name == "*" {
            continue;
        }
        analyzer.analyze(name, analysis);
        span_key(analysis, 0..analysis.len(), &mut key);
        if key.chars().count() >= MIN_KEY_CHARS {
            out.push((key.as_str().into(), entity));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Restricted Damerau-Levenshtein (optimal string alignment) distance over characters, as
/// `strsim::osa_distance` gives it, with the rows in `rows` reused: fuzzy keys are mostly ASCII, compared
/// as bytes without allocating.
pub fn osa_distance(a: &str, b: &str, rows: &mut [Vec<usize>; 3]) -> usize {
    // No bound: the table's values never exceed the longer length.
    osa_at_most(a, b, usize::MAX - 1, rows)
}

/// Whether [`osa_distance`]`(a, b) <= max`, stopping as soon as two consecutive rows of the table exceed
/// `max` (no later cell can come back under it: each is one more than a cell of one of the two rows
/// above, or equal to one of the row above).
pub fn osa_within(a: &str, b: &str, max: usize, rows: &mut [Vec<usize>; 3]) -> bool {
    osa_at_most(a, b, max, rows) <= max
}

/// [`osa_distance`] if it is at most `max`; otherwise some value above `max`.
fn osa_at_most(a: &str, b: &str, max: usize, rows: &mut [Vec<usize>; 3]) -> usize {
    if a == b {
        return 0;
    }
    if a.is_ascii() && b.is_ascii() {
        return osa_bounded(a.as_bytes(), b.as_bytes(), max, rows);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    osa_bounded(&a, &b, max, rows)
}

/// The OSA distance of `a` and `b` if it is at most `max`; otherwise some value above `max`.
fn osa_bounded<T: PartialEq>(a: &[T], b: &[T], max: usize, rows: &mut [Vec<usize>; 3]) -> usize {
    let n = b.len();
    let [prev2, prev, cur] = rows;
    prev2.clear();
    prev2.resize(n + 1, 0);
    prev.clear();
    prev.extend(0..=n);
    cur.clear();
    cur.resize(n + 1, 0);
    let mut prev_min = 0;
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max && prev_min > max {
            return max + 1;
        }
        prev_min = row_min;
        std::mem::swap(prev2, prev);
        std::mem::swap(prev, cur);
    }
    prev[n]
}

/// Entities of the default gazetteer with a lower prior do not take part: towns under 100,000
/// inhabitants, sanctions entries, the less prominent persons (see the prior scale in
/// `gazetteers/README.md`). A misspelling is far likelier to be of a name the news often writes, and the
/// hundreds of thousands of small places are near some word of almost every text.
pub const MIN_DEFAULT_PRIOR: f64 = 100.0;

/// Whether an alias takes part in fuzzy matching (module docs).
fn eligible(matcher: &Matcher, alias: u32) -> bool {
    let a = matcher.alias(alias);
    if is_acronym(a.text) {
        return false;
    }
    a.origin == Origin::User || matcher.entity_prior(a.entity) >= MIN_DEFAULT_PRIOR
}

/// The matcher's language gate for a one-word label of the default gazetteer.
fn gate_allows(matcher: &Matcher, alias: u32, lang: Option<&str>) -> bool {
    let Some(lang) = lang else { return true };
    matcher.alias(alias).langs.split(',').any(|l| {
        l.split(['-', '_'])
            .next()
            .is_some_and(|p| p.eq_ignore_ascii_case(lang))
    })
}

type Precedence<'a> = (
    Origin,
    Origin,
    std::cmp::Reverse<OrderedPrior>,
    AliasKind,
    std::cmp::Reverse<usize>,
    &'a str,
    u32,
);

/// The matcher's order among aliases of one key: the user's spellings first, then the user's entities,
/// higher prior, canonical before label, more languages, entity ID.
fn precedence(matcher: &Matcher, alias: u32) -> Precedence<'_> {
    let a = matcher.alias(alias);
    let e = matcher.entity(a.entity);
    (
        a.origin,
        e.origin,
        std::cmp::Reverse(OrderedPrior(e.prior)),
        a.kind,
        std::cmp::Reverse(a.langs.split(',').count()),
        e.id,
        alias,
    )
}

/// Per-thread memo of [`FuzzyIndex::search`] results: unmatched names repeat across a corpus, and a
/// result depends only on the key and the document language. Cleared when full, so memory stays bounded.
#[derive(Default)]
pub struct FuzzyCache {
    /// `lang NUL key` -> result.
    results: rustc_hash::FxHashMap<Box<str>, Option<FuzzyHit>>,
    probe: String,
    search: SearchScratch,
}

const FUZZY_CACHE_ENTRIES: usize = 1 << 16;

impl FuzzyIndex {
    /// [`FuzzyIndex::search`] through a per-thread [`FuzzyCache`].
    pub fn search_cached(
        &self,
        key: &str,
        lang: Option<&str>,
        matcher: &Matcher,
        cache: &mut FuzzyCache,
    ) -> Option<FuzzyHit> {
        max_distance(key.chars().count())?;
        let lang = lang.unwrap_or("");
        cache.probe.clear();
        cache.probe.push_str(lang);
        cache.probe.push('\0');
        cache.probe.push_str(key);
        if let Some(hit) = cache.results.get(cache.probe.as_str()) {
            return *hit;
        }
        let hit = self.search_with(
            key,
            (!lang.is_empty()).then_some(lang),
            matcher,
            &mut cache.search,
        );
        if cache.results.len() >= FUZZY_CACHE_ENTRIES {
            cache.results.clear();
        }
        cache.results.insert(cache.probe.as_str().into(), hit);
        hit
    }
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

/// Version of the stored fuzzy index ([`FuzzyIndex::to_bytes`]): bump it whenever what
/// [`FuzzyIndex::build`] puts in the index changes (eligibility, keys, layout), so that an index stored by
/// an older build is never used.
pub const FUZZY_FORMAT_VERSION: u32 = 1;

const FUZZY_MAGIC: &[u8; 8] = b"ENTFUZZY";

/// Why a stored fuzzy index was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FuzzyLoadError {
    /// Not a fuzzy index, another format version, or built for other gazetteer sources.
    Mismatch(&'static str),
    /// Truncated, checksum wrong, or inconsistent sections.
    Corrupt(&'static str),
}

impl std::fmt::Display for FuzzyLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FuzzyLoadError::Mismatch(why) => write!(f, "fuzzy index does not fit: {why}"),
            FuzzyLoadError::Corrupt(why) => write!(f, "fuzzy index is corrupt: {why}"),
        }
    }
}

impl std::error::Error for FuzzyLoadError {}

fn put_u32s(out: &mut Vec<u8>, v: impl ExactSizeIterator<Item = u32>) {
    out.extend_from_slice(&(v.len() as u64).to_le_bytes());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FuzzyLoadError> {
        if self.0.len() < n {
            return Err(FuzzyLoadError::Corrupt("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32, FuzzyLoadError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, FuzzyLoadError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn len(&mut self) -> Result<usize, FuzzyLoadError> {
        usize::try_from(self.u64()?).map_err(|_| FuzzyLoadError::Corrupt("length"))
    }
    fn bytes(&mut self) -> Result<&'a [u8], FuzzyLoadError> {
        let n = self.len()?;
        self.take(n)
    }
    fn u32s(&mut self) -> Result<Vec<u32>, FuzzyLoadError> {
        let n = self.len()?;
        let raw = self.take(n.checked_mul(4).ok_or(FuzzyLoadError::Corrupt("length"))?)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }
}

/// Offsets `starts` (from 0, non-decreasing, ending at `len`) cut a sequence of `len` items in `count`.
fn valid_starts(starts: &[u32], count: usize, len: usize) -> bool {
    starts.len() == count + 1
        && starts.first() == Some(&0)
        && starts.last().map(|&l| l as usize) == Some(len)
        && starts.windows(2).all(|w| w[0] <= w[1])
}

impl FuzzyIndex {
    /// The index as bytes, to be stored beside the compiled gazetteer index whose
    /// [`Matcher::fingerprint`] is `fingerprint` and read back by [`FuzzyIndex::from_bytes`]: magic,
    /// [`FUZZY_FORMAT_VERSION`], the fingerprint and alias count of the matcher it was built from, the
    /// sections, and a checksum of all that.
    pub fn to_bytes(&self, matcher: &Matcher) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(self.table.len() * 8 + self.directory.len() * 4 + (1 << 20));
        out.extend_from_slice(FUZZY_MAGIC);
        out.extend_from_slice(&FUZZY_FORMAT_VERSION.to_le_bytes());
        put_bytes(&mut out, matcher.fingerprint().as_bytes());
        out.extend_from_slice(&(matcher.alias_count() as u64).to_le_bytes());
        out.extend_from_slice(&u32::from(self.longest_key_chars).to_le_bytes());
        put_bytes(&mut out, self.keys.as_bytes());
        put_u32s(&mut out, self.key_starts.iter().copied());
        put_u32s(&mut out, self.key_chars.iter().map(|&c| u32::from(c)));
        put_u32s(&mut out, self.alias_starts.iter().copied());
        put_u32s(&mut out, self.aliases.iter().copied());
        put_bytes(
            &mut out,
            &self.gated.iter().map(|&g| u8::from(g)).collect::<Vec<u8>>(),
        );
        put_u32s(&mut out, self.table.iter().map(|e| e.0));
        put_u32s(&mut out, self.table.iter().map(|e| e.1));
        put_u32s(&mut out, self.directory.iter().copied());
        let mut removed_text = String::new();
        let mut removed_starts = vec![0u32];
        for (k, _) in &self.removed {
            removed_text.push_str(k);
            removed_starts.push(removed_text.len() as u32);
        }
        put_bytes(&mut out, removed_text.as_bytes());
        put_u32s(&mut out, removed_starts.into_iter());
        put_u32s(&mut out, self.removed.iter().map(|r| r.1));
        let checksum = hash_bytes(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        out
    }

    /// Reads an index written by [`FuzzyIndex::to_bytes`], if it was built by this format version for
    /// exactly `matcher` (same fingerprint and alias count) and is intact: checksum and every offset
    /// checked, so a damaged file is refused, never trusted.
    pub fn from_bytes(bytes: &[u8], matcher: &Matcher) -> Result<FuzzyIndex, FuzzyLoadError> {
        if bytes.len() < FUZZY_MAGIC.len() + 4 + 8 || &bytes[..8] != FUZZY_MAGIC {
            return Err(FuzzyLoadError::Mismatch("not a fuzzy index"));
        }
        let mut r = Reader(&bytes[8..]);
        if r.u32()? != FUZZY_FORMAT_VERSION {
            return Err(FuzzyLoadError::Mismatch("another format version"));
        }
        if r.bytes()? != matcher.fingerprint().as_bytes()
            || r.u64()? != matcher.alias_count() as u64
        {
            return Err(FuzzyLoadError::Mismatch(
                "built for other gazetteer sources",
            ));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        if hash_bytes(body).to_le_bytes() != sum {
            return Err(FuzzyLoadError::Corrupt("checksum"));
        }
        let corrupt = FuzzyLoadError::Corrupt;
        let longest = r.u32()?;
        let keys = std::str::from_utf8(r.bytes()?)
            .map_err(|_| corrupt("keys"))?
            .to_owned();
        let key_starts = r.u32s()?;
        let key_chars = r.u32s()?;
        let count = key_chars.len();
        if !valid_starts(&key_starts, count, keys.len())
            || !key_starts
                .iter()
                .all(|&s| keys.is_char_boundary(s as usize))
            || key_chars.iter().any(|&c| c > longest)
            || longest > u32::from(u16::MAX)
        {
            return Err(corrupt("keys"));
        }
        let alias_starts = r.u32s()?;
        let aliases = r.u32s()?;
        let gated: Vec<bool> = r.bytes()?.iter().map(|&b| b != 0).collect();
        if !valid_starts(&alias_starts, count, aliases.len())
            || aliases.iter().any(|&a| a as usize >= matcher.alias_count())
            || gated.len() != matcher.alias_count()
        {
            return Err(corrupt("aliases"));
        }
        let tags = r.u32s()?;
        let table_keys = r.u32s()?;
        let directory = r.u32s()?;
        if tags.len() != table_keys.len()
            || table_keys.iter().any(|&k| k as usize >= count)
            || !valid_starts(&directory, (1 << DIRECTORY_BITS) as usize, tags.len())
        {
            return Err(corrupt("table"));
        }
        let removed_text = std::str::from_utf8(r.bytes()?).map_err(|_| corrupt("removed"))?;
        let removed_starts = r.u32s()?;
        let removed_entities = r.u32s()?;
        if !valid_starts(&removed_starts, removed_entities.len(), removed_text.len())
            || !removed_starts
                .iter()
                .all(|&s| removed_text.is_char_boundary(s as usize))
            || removed_entities
                .iter()
                .any(|&e| e as usize >= matcher.entity_count())
        {
            return Err(corrupt("removed"));
        }
        if r.0.len() != 8 {
            return Err(corrupt("trailing bytes"));
        }
        let removed = removed_starts
            .windows(2)
            .zip(&removed_entities)
            .map(|(w, &e)| (removed_text[w[0] as usize..w[1] as usize].into(), e))
            .collect();
        Ok(FuzzyIndex {
            keys,
            key_starts,
            key_chars: key_chars.into_iter().map(|c| c as u16).collect(),
            longest_key_chars: longest as u16,
            alias_starts,
            aliases,
            gated,
            table: tags.into_iter().zip(table_keys).collect(),
            directory,
            removed,
        })
    }
}

fn hash_bytes(b: &[u8]) -> u64 {
    entnorm_gazetteer::bulk_hash(b)
}
