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
//! allowed, from there two. The score of a hit, in [0, 1] and comparable with the key layers (exact
//! 1.00, folded 0.95, document 0.90, translit 0.85), is [`fuzzy_score`]: below translit even at distance
//! 0, lower with every edit relative to the length, and lower when several entities are equally near.
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

/// The score of a fuzzy link: `distance` edits between keys of `query_chars` and `alias_chars`
/// characters, with `rivals` other entities as near as the chosen one. At distance 0 (the keys are equal
/// but the matcher's precision guards refused the link, e.g. a short one-word name on its transliterated
/// key) it is 0.84, just below translit; every edit costs in proportion to the length, and every rival
/// costs 0.1.
pub fn fuzzy_score(distance: u8, query_chars: usize, alias_chars: usize, rivals: u32) -> f64 {
    let longest = query_chars.max(alias_chars).max(1) as f64;
    let similarity = 1.0 - f64::from(distance) / longest;
    let score = 0.84 - 1.2 * (1.0 - similarity) - 0.1 * f64::from(rivals.min(3));
    (score * 100.0).round().clamp(0.0, 100.0) / 100.0
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
    pub score: f64,
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
            if chars < MIN_KEY_CHARS || chars > 255 {
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

    /// Appends the key numbers of the table entries with hash `h`.
    fn probe(&self, h: u64, out: &mut Vec<u32>) {
        let b = (h >> (64 - DIRECTORY_BITS)) as usize;
        let tag = tag(h);
        let (lo, hi) = (self.directory[b] as usize, self.directory[b + 1] as usize);
        let run = &self.table[lo..hi];
        let at = run.partition_point(|e| e.0 < tag);
        out.extend(run[at..].iter().take_while(|e| e.0 == tag).map(|e| e.1));
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
        } = scratch;
        cands.clear();
        self.probe(hash(key), cands);
        for (at, c) in key.char_indices() {
            one.clear();
            one.push_str(&key[..at]);
            one.push_str(&key[at + c.len_utf8()..]);
            self.probe(hash(one), cands);
        }
        cands.sort_unstable();
        cands.dedup();
        // Per key at the best distance so far: (key chars, its first admissible alias, its entity).
        let mut best_distance = u8::MAX;
        let mut nearest: Vec<(usize, u32, u32)> = Vec::new();
        let mut entities: Vec<u32> = Vec::new();
        for &k in cands.iter() {
            let kc = self.key_chars[k as usize] as usize;
            if kc.abs_diff(chars) > usize::from(max) {
                continue;
            }
            let d = osa_distance(key, self.key(k), rows);
            if d > usize::from(max) || d > usize::from(best_distance) {
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
                nearest.push((kc, alias, entity));
            }
        }
        if nearest.is_empty() {
            return None;
        }
        let &(alias_chars, alias, entity) = nearest
            .iter()
            .min_by_key(|n| precedence(matcher, n.1))
            .expect("not empty");
        let mut rival_entities: Vec<u32> = nearest.iter().map(|n| n.2).collect();
        rival_entities.sort_unstable();
        rival_entities.dedup();
        let rivals = rival_entities.len() as u32 - 1;
        Some(FuzzyHit {
            alias,
            entity,
            distance: best_distance,
            candidates: entities.len() as u32,
            score: fuzzy_score(best_distance, chars, alias_chars, rivals),
        })
    }
}

#[derive(Default)]
struct SearchScratch {
    candidates: Vec<u32>,
    one: String,
    rows: [Vec<usize>; 3],
}

/// Restricted Damerau-Levenshtein (optimal string alignment) distance over characters.
fn osa_distance(a: &str, b: &str, rows: &mut [Vec<usize>; 3]) -> usize {
    if a == b {
        return 0;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let n = b.len();
    let [prev2, prev, cur] = rows;
    prev2.clear();
    prev2.resize(n + 1, 0);
    prev.clear();
    prev.extend(0..=n);
    cur.clear();
    cur.resize(n + 1, 0);
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
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
    a.origin == Origin::User || matcher.entity(a.entity).prior >= MIN_DEFAULT_PRIOR
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
