//! The compiled matcher: leftmost-longest, non-overlapping mentions over token keys.
//!
//! Every alias is analysed by the same [`Analyzer`] as article text, and its token-key sequence is inserted
//! into one token trie per [`KeyLayer`]. Matching walks the tries from each token that may start a match and
//! keeps the longest match of any layer; on equal length the stricter layer wins. Working on whole tokens is
//! what keeps `Iran` out of `Irani` in spaced scripts, while scripts without spaces are tokenized per
//! character and so match as character sequences.

use entnorm_tokenize::{Analysis, Analyzer, KeyLayer, TokenClass};
use rustc_hash::FxHashMap;

use crate::model::{AliasKind, Gazetteer, Origin};

const NO_ID: u32 = u32::MAX;

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

/// Precision rules that depend on the alias, computed once at build time.
#[derive(Clone, Copy, Debug, Default)]
struct AliasGuard {
    /// Short all-capital aliases (`US`, `UK`, `EU`) are acronyms that collide with common words once
    /// case-folded (`us`), so they only match their exact spelling.
    exact_only: bool,
    /// Transliteration merges spellings that differ in letters, which for one short word is as likely
    /// a different word as a variant (Mongolian `Герман` "Germany" is English `German` on that key), so
    /// a one-token alias must be long to match on the transliterated key.
    translit_ok: bool,
    /// One-word names of the default gazetteer in particular languages (`Man` is the Isle of Man in
    /// Estonian, `Nije` Niger in Luganda) are common words elsewhere, so in a document whose language is
    /// known they match only if given in that language. Canonical names, abbreviations, names of several
    /// words and all names of the user's gazetteers match in any document.
    lang_gated: bool,
    /// Bit k set: alias token k starts with an upper-case letter. In folded layers such a token may not
    /// match a text token that starts lower-case (`Turkey` is not `turkey`, `Chad` is not `chad`).
    capitalized: u64,
}

#[derive(Default)]
struct TokenTrie {
    vocab: FxHashMap<Box<str>, u32>,
    edges: FxHashMap<(u32, u32), u32>,
    /// Node -> range into `candidates` of the aliases whose key sequence ends at that node.
    terminals: FxHashMap<u32, (u32, u32)>,
    candidates: Vec<u32>,
    node_count: u32,
}

impl TokenTrie {
    fn token_id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.vocab.get(key) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.vocab.insert(key.into(), id);
        id
    }

    fn child_or_insert(&mut self, node: u32, token: u32) -> u32 {
        let next = self.node_count;
        let child = *self.edges.entry((node, token)).or_insert(next);
        if child == next {
            self.node_count += 1;
        }
        child
    }

    fn terminal_candidates(&self, node: u32) -> &[u32] {
        match self.terminals.get(&node) {
            Some(&(start, len)) => &self.candidates[start as usize..(start + len) as usize],
            None => &[],
        }
    }
}

/// Aliases whose key sequences are shorter than this many characters are not indexed: a single letter or
/// a single Han character matches far more often than it names anything.
const MIN_ALIAS_CHARS: usize = 2;
/// All-capital aliases up to this length are treated as acronyms (exact layer only).
const ACRONYM_MAX_CHARS: usize = 3;
/// One-token aliases shorter than this do not match on the transliterated key.
const TRANSLIT_MIN_CHARS_ONE_TOKEN: usize = 7;

/// The immutable, thread-shareable matcher over one [`Gazetteer`].
pub struct Matcher {
    gazetteer: Gazetteer,
    tries: [TokenTrie; 3],
    guards: Vec<AliasGuard>,
    skipped_aliases: usize,
}

/// Per-thread scratch for [`Matcher::find`], reused across documents.
#[derive(Default)]
pub struct MatchScratch {
    token_ids: Vec<[u32; 3]>,
    ends: Vec<(usize, u32)>,
    entities: Vec<u32>,
}

impl Matcher {
    /// Compiles a gazetteer into a matcher.
    pub fn new(gazetteer: Gazetteer) -> Matcher {
        let mut analyzer = Analyzer::new();
        let mut analysis = Analysis::default();
        let mut tries: [TokenTrie; 3] = Default::default();
        for trie in &mut tries {
            trie.node_count = 1; // node 0 is the root
        }
        let mut guards = vec![AliasGuard::default(); gazetteer.aliases.len()];
        let mut pending: [FxHashMap<u32, Vec<u32>>; 3] = Default::default();
        let mut skipped_aliases = 0;
        for (alias_index, alias) in gazetteer.aliases.iter().enumerate() {
            analyzer.analyze(&alias.text, &mut analysis);
            let tokens = analysis.tokens();
            let chars: usize = tokens
                .iter()
                .map(|t| alias.text[t.start..t.end].chars().count())
                .sum();
            let has_name_token = tokens
                .iter()
                .any(|t| matches!(t.class, TokenClass::Word | TokenClass::Char));
            if !has_name_token || chars < MIN_ALIAS_CHARS || tokens.len() > 64 {
                skipped_aliases += 1;
                continue;
            }
            let mut guard = AliasGuard::default();
            for (k, t) in tokens.iter().enumerate() {
                if alias.text[t.start..t.end]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase)
                {
                    guard.capitalized |= 1 << k;
                }
            }
            guard.exact_only = tokens.len() == 1
                && chars <= ACRONYM_MAX_CHARS
                && alias.text.chars().any(char::is_alphabetic)
                && alias
                    .text
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase);
            guard.translit_ok = tokens.len() > 1 || chars >= TRANSLIT_MIN_CHARS_ONE_TOKEN;
            guard.lang_gated = alias.origin == Origin::Default
                && tokens.len() == 1
                && !guard.exact_only
                && !matches!(alias.kind, AliasKind::Canonical | AliasKind::Abbreviation);
            guards[alias_index] = guard;
            for layer in KeyLayer::ALL {
                let trie = &mut tries[layer as usize];
                let mut node = 0;
                for i in 0..tokens.len() {
                    let token = trie.token_id(analysis.key(layer, i));
                    node = trie.child_or_insert(node, token);
                }
                pending[layer as usize]
                    .entry(node)
                    .or_default()
                    .push(alias_index as u32);
            }
        }
        // Candidates of one key sequence in precedence order: the user's gazetteers before the default one
        // (`Origin`'s order),
        // then higher prior, then entity ID, so the chosen entity never depends on load or hash order.
        let precedence = |a: &u32| {
            let alias = gazetteer.alias(*a);
            let e = gazetteer.entity(alias.entity);
            (
                e.origin,
                std::cmp::Reverse(OrderedPrior(e.prior)),
                e.id.as_str(),
                *a,
            )
        };
        for (trie, pending) in tries.iter_mut().zip(pending) {
            let mut nodes: Vec<(u32, Vec<u32>)> = pending.into_iter().collect();
            nodes.sort_unstable_by_key(|(node, _)| *node);
            for (node, mut aliases) in nodes {
                aliases.sort_by(|a, b| precedence(a).cmp(&precedence(b)));
                let start = trie.candidates.len() as u32;
                trie.candidates.extend_from_slice(&aliases);
                trie.terminals.insert(node, (start, aliases.len() as u32));
            }
        }
        Matcher {
            gazetteer,
            tries,
            guards,
            skipped_aliases,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// Aliases left out of the index because they are too short or contain no letters.
    pub fn skipped_aliases(&self) -> usize {
        self.skipped_aliases
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
        let tokens = analysis.tokens();
        scratch.token_ids.clear();
        scratch.token_ids.extend((0..tokens.len()).map(|i| {
            let mut ids = [NO_ID; 3];
            for layer in KeyLayer::ALL {
                if let Some(&id) = self.tries[layer as usize].vocab.get(analysis.key(layer, i)) {
                    ids[layer as usize] = id;
                }
            }
            ids
        }));
        let lower_start = |i: usize| {
            let t = &tokens[i];
            text[t.start..t.end]
                .chars()
                .next()
                .is_some_and(char::is_lowercase)
        };
        let mut i = 0;
        while i < tokens.len() {
            if !tokens[i].can_start || tokens[i].class == TokenClass::Punct {
                i += 1;
                continue;
            }
            let mut best: Option<Mention> = None;
            for layer in KeyLayer::ALL {
                let found = self.longest_at(
                    layer,
                    lang,
                    i,
                    tokens,
                    &scratch.token_ids,
                    &mut scratch.ends,
                    &mut scratch.entities,
                    &lower_start,
                );
                if let Some((end, alias, entity, candidates)) = found {
                    if best.is_none_or(|b| end > b.token_end) {
                        best = Some(Mention {
                            token_start: i,
                            token_end: end,
                            start: tokens[i].start,
                            end: tokens[end - 1].end,
                            layer,
                            alias,
                            entity,
                            candidates,
                        });
                    }
                }
            }
            match best {
                Some(m) => {
                    out.push(m);
                    i = m.token_end;
                }
                None => i += 1,
            }
        }
    }

    /// The longest match of one layer starting at token `start`: (end token, alias, entity, candidates).
    #[allow(clippy::too_many_arguments)]
    fn longest_at(
        &self,
        layer: KeyLayer,
        lang: Option<&str>,
        start: usize,
        tokens: &[entnorm_tokenize::Token],
        token_ids: &[[u32; 3]],
        ends: &mut Vec<(usize, u32)>,
        entities: &mut Vec<u32>,
        lower_start: &impl Fn(usize) -> bool,
    ) -> Option<(usize, u32, u32, u32)> {
        let trie = &self.tries[layer as usize];
        let mut node = 0u32;
        ends.clear();
        for (j, ids) in token_ids.iter().enumerate().skip(start) {
            let id = ids[layer as usize];
            if id == NO_ID {
                break;
            }
            match trie.edges.get(&(node, id)) {
                Some(&child) => node = child,
                None => break,
            }
            if tokens[j].can_end && trie.terminals.contains_key(&node) {
                ends.push((j + 1, node));
            }
        }
        for &(end, node) in ends.iter().rev() {
            entities.clear();
            let mut chosen_alias = NO_ID;
            for &alias in trie.terminal_candidates(node) {
                if !self.guard_allows(alias, layer, lang, start, end, lower_start) {
                    continue;
                }
                let entity = self.gazetteer.alias(alias).entity;
                if chosen_alias == NO_ID {
                    chosen_alias = alias;
                }
                if !entities.contains(&entity) {
                    entities.push(entity);
                }
            }
            if chosen_alias != NO_ID {
                return Some((end, chosen_alias, entities[0], entities.len() as u32));
            }
        }
        None
    }

    fn guard_allows(
        &self,
        alias: u32,
        layer: KeyLayer,
        lang: Option<&str>,
        start: usize,
        end: usize,
        lower_start: &impl Fn(usize) -> bool,
    ) -> bool {
        let guard = self.guards[alias as usize];
        if guard.lang_gated {
            if let Some(lang) = lang {
                if !self
                    .gazetteer
                    .alias(alias)
                    .langs
                    .iter()
                    .any(|l| primary_language(l).eq_ignore_ascii_case(lang))
                {
                    return false;
                }
            }
        }
        if layer == KeyLayer::Exact {
            return true;
        }
        if guard.exact_only || (layer == KeyLayer::Translit && !guard.translit_ok) {
            return false;
        }
        (start..end)
            .enumerate()
            .all(|(k, i)| guard.capitalized & (1 << k) == 0 || !lower_start(i))
    }

    /// Every entity whose alias covers the whole of `name`, per layer, strictest first: for `entnorm lookup`.
    pub fn lookup(&self, name: &str) -> Vec<LookupHit> {
        let mut analyzer = Analyzer::new();
        let mut analysis = Analysis::default();
        analyzer.analyze(name, &mut analysis);
        let tokens = analysis.tokens();
        let lower_start = |i: usize| {
            let t = &tokens[i];
            name[t.start..t.end]
                .chars()
                .next()
                .is_some_and(char::is_lowercase)
        };
        let mut hits: Vec<LookupHit> = Vec::new();
        if tokens.is_empty() {
            return hits;
        }
        for layer in KeyLayer::ALL {
            let trie = &self.tries[layer as usize];
            let mut node = 0u32;
            let mut complete = true;
            for i in 0..tokens.len() {
                let next = trie
                    .vocab
                    .get(analysis.key(layer, i))
                    .and_then(|id| trie.edges.get(&(node, *id)));
                match next {
                    Some(&child) => node = child,
                    None => {
                        complete = false;
                        break;
                    }
                }
            }
            if !complete {
                continue;
            }
            for &alias in trie.terminal_candidates(node) {
                if !self.guard_allows(alias, layer, None, 0, tokens.len(), &lower_start) {
                    continue;
                }
                let entity = self.gazetteer.alias(alias).entity;
                if hits.iter().any(|h| h.entity == entity) {
                    continue;
                }
                hits.push(LookupHit {
                    layer,
                    alias,
                    entity,
                    score: layer_score(layer),
                });
            }
        }
        hits
    }
}

impl Matcher {
    /// The aliases nearest to `name` by Jaro-Winkler similarity of their transliterated keys, best first,
    /// one per entity. This compares `name` with every alias, which suits an interactive lookup of a name
    /// that matched nothing; the pipeline never calls it.
    pub fn suggest(&self, name: &str, limit: usize) -> Vec<(u32, f64)> {
        let key = entnorm_tokenize::transliterate(name);
        let mut scored: Vec<(u32, f64)> = self
            .gazetteer
            .aliases
            .iter()
            .enumerate()
            .map(|(i, a)| {
                (
                    i as u32,
                    strsim::jaro_winkler(&key, &entnorm_tokenize::transliterate(&a.text)),
                )
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut best: Vec<(u32, f64)> = Vec::new();
        for (alias, score) in scored {
            let entity = self.gazetteer.alias(alias).entity;
            if !best
                .iter()
                .any(|(a, _)| self.gazetteer.alias(*a).entity == entity)
            {
                best.push((alias, score));
                if best.len() == limit {
                    break;
                }
            }
        }
        best
    }
}

/// `en` of `en-GB`, `pt` of `pt_BR` (compared ignoring ASCII case).
fn primary_language(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or("")
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
