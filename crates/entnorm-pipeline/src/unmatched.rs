//! `unmatched.csv`: the name-like spans that nothing linked, counted per normalized key across the run,
//! then clustered by fuzzy similarity when the table is written.
//!
//! Corpus-wide state is one [`UnmatchedKey`] per normalized (fuzzy) key, bounded: counts, the spellings
//! seen with their counts (at most [`MAX_VARIANTS`]: the first in string order, which keeps the counts of
//! the kept ones exact under any split of the corpus; mentions of the others are counted as `other`),
//! one example (the one of the smallest `(doc_id, field, start)`) and the nearest gazetteer entity (the
//! best score, ties by entity ID). Every part of it merges by addition, minimum or maximum, so a merge of
//! partial aggregates equals a single run, for any thread count and any order of parts.
//!
//! Clustering happens at write time, from the keys alone: keys are taken most frequent first (ties in
//! string order); each joins the cluster of the first earlier cluster head within the fuzzy distance of
//! `entnorm_reconcile::fuzzy::max_distance` for the shorter key (candidates found through a deletion
//! neighbourhood of the keys, as in the fuzzy index, and of their consonant skeletons, see
//! [`skeleton`]), or heads a new cluster. A cluster's `documents` is the sum of
//! its keys' document counts (a document that writes a name two ways counts twice: distinct documents
//! per cluster would need document sets, which do not stay bounded).

use std::collections::BTreeMap;
use std::path::Path;

use entnorm_gazetteer::Matcher;
use entnorm_reconcile::fuzzy::{max_distance, osa_within};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::PipelineError;
use crate::output::Table;
use crate::process::UnmatchedRow;

/// Spellings kept per key.
pub const MAX_VARIANTS: usize = 16;
/// Spellings shown per cluster in `unmatched.csv`.
pub const SHOWN_VARIANTS: usize = 10;

/// Where one unmatched span was seen.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Example {
    pub doc_id: String,
    pub field: String,
    pub start: u64,
    pub context: String,
}

/// The nearest gazetteer entity of a key, with the fuzzy score in hundredths.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nearest {
    pub entity_id: String,
    pub name: String,
    pub score: u32,
}

impl Nearest {
    /// Whether `self` is the better of the two: higher score, then smaller entity ID.
    fn better_than(&self, other: &Nearest) -> bool {
        (std::cmp::Reverse(self.score), &self.entity_id)
            < (std::cmp::Reverse(other.score), &other.entity_id)
    }
}

/// One normalized key's share of `unmatched.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedKey {
    pub count: u64,
    pub documents: u64,
    /// At most [`MAX_VARIANTS`] spellings (the first in string order) with their exact counts.
    pub variants: BTreeMap<String, u64>,
    pub example: Example,
    pub nearest: Option<Nearest>,
}

impl UnmatchedKey {
    /// Mentions whose spelling was not kept.
    pub fn other(&self) -> u64 {
        self.count - self.variants.values().sum::<u64>()
    }

    /// Adds `n` mentions spelt `surface` (count included).
    fn add_variant(&mut self, surface: &str, n: u64) {
        if let Some(c) = self.variants.get_mut(surface) {
            *c += n;
            return;
        }
        if self.variants.len() >= MAX_VARIANTS {
            let last = self.variants.keys().next_back().expect("full").clone();
            if surface > last.as_str() {
                return;
            }
            self.variants.remove(&last);
        }
        self.variants.insert(surface.to_owned(), n);
    }

    fn offer_example(&mut self, e: Example) {
        if e < self.example {
            self.example = e;
        }
    }

    fn offer_nearest(&mut self, n: Option<Nearest>) {
        if let Some(n) = n {
            if self.nearest.as_ref().is_none_or(|mine| n.better_than(mine)) {
                self.nearest = Some(n);
            }
        }
    }

    /// Adds another share of the same key (from another part).
    pub fn merge(&mut self, other: UnmatchedKey) {
        self.count += other.count;
        self.documents += other.documents;
        for (surface, n) in other.variants {
            self.add_variant(&surface, n);
        }
        self.offer_example(other.example);
        self.offer_nearest(other.nearest);
    }
}

/// The run's tally of unmatched spans, fed in input order (saved in checkpoints).
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct UnmatchedTally {
    keys: FxHashMap<String, (UnmatchedKey, u64)>,
}

impl UnmatchedTally {
    /// `document` is the run-wide sequence number of the document (1-based).
    pub(crate) fn add(&mut self, document: u64, doc_id: &str, u: &UnmatchedRow, matcher: &Matcher) {
        let example = || Example {
            doc_id: doc_id.to_owned(),
            field: u.field.to_owned(),
            start: u.start as u64,
            context: u.context.clone(),
        };
        let nearest = u.nearest.map(|(entity, score)| {
            let e = matcher.entity(entity);
            Nearest {
                entity_id: e.id.to_owned(),
                name: e.name.to_owned(),
                score: (score.clamp(0.0, 1.0) * 100.0).round() as u32,
            }
        });
        match self.keys.get_mut(u.key.as_str()) {
            Some((k, last)) => {
                k.count += 1;
                if *last != document {
                    *last = document;
                    k.documents += 1;
                }
                k.add_variant(&u.surface, 1);
                let e = &k.example;
                if (doc_id, u.field, u.start as u64)
                    < (e.doc_id.as_str(), e.field.as_str(), e.start)
                {
                    k.example = example();
                }
                k.offer_nearest(nearest);
            }
            None => {
                let mut variants = BTreeMap::new();
                variants.insert(u.surface.clone(), 1);
                self.keys.insert(
                    u.key.clone(),
                    (
                        UnmatchedKey {
                            count: 1,
                            documents: 1,
                            variants,
                            example: example(),
                            nearest,
                        },
                        document,
                    ),
                );
            }
        }
    }

    pub(crate) fn into_keys(self) -> BTreeMap<String, UnmatchedKey> {
        self.keys.into_iter().map(|(k, (v, _))| (k, v)).collect()
    }
}

/// The key without the letters that transliterations of one name most often disagree on (vowels, `y`,
/// `j`, `h`) and with doubled letters single: `olesya vernadskaya` and `olesia vernadskaia` both give
/// `ls vrndsk`. Keys whose skeletons are one deletion apart are compared too, which finds names two
/// vowel substitutions apart that one deletion on each side of the full keys cannot reach.
fn skeleton(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        if matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'j' | 'h') || out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Keys longer than this many characters are not clustered with others.
const MAX_CLUSTER_KEY_CHARS: usize = 100;

/// Groups keys into clusters (module docs): returns, per cluster in output order, the indices into
/// `keys` of its members, head first.
fn clusters(keys: &[(&String, &UnmatchedKey)]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| {
        keys[b]
            .1
            .count
            .cmp(&keys[a].1.count)
            .then_with(|| keys[a].0.cmp(keys[b].0))
    });
    let hash = |s: &str| entnorm_gazetteer::stable_hash(s.as_bytes());
    // Hash of a head key or one of its one-character deletions -> the first of a chain of cluster
    // numbers in `chain` ((cluster, next link), `u32::MAX` ends it): one table entry per hash and no
    // list allocated per hash, of which there are millions on a large run.
    let mut heads: FxHashMap<u64, u32> = FxHashMap::default();
    let mut chain: Vec<(u32, u32)> = Vec::new();
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    // Characters of each cluster's head key.
    let mut head_chars: Vec<usize> = Vec::new();
    // Hashes of the key, its skeleton and their one-character deletions.
    let mut variants: Vec<u64> = Vec::new();
    let mut scratch = String::new();
    let mut candidates: Vec<u32> = Vec::new();
    let mut rows: [Vec<usize>; 3] = Default::default();
    for i in order {
        let key = keys[i].0.as_str();
        variants.clear();
        let chars = key.chars().count();
        // A key longer than any name (one giant "word") stays a cluster of its own: its deletions would
        // cost the square of its length in time, and comparing it with heads as much again.
        let clusterable = chars <= MAX_CLUSTER_KEY_CHARS;
        if clusterable {
            let skeleton = skeleton(key);
            for (tag, k) in [('k', key), ('s', skeleton.as_str())] {
                scratch.clear();
                scratch.push(tag);
                scratch.push_str(k);
                variants.push(hash(&scratch));
                for (at, c) in k.char_indices() {
                    scratch.clear();
                    scratch.push(tag);
                    scratch.push_str(&k[..at]);
                    scratch.push_str(&k[at + c.len_utf8()..]);
                    variants.push(hash(&scratch));
                }
            }
        }
        candidates.clear();
        for v in &variants {
            let mut link = heads.get(v).copied().unwrap_or(u32::MAX);
            while link != u32::MAX {
                let (c, next) = chain[link as usize];
                candidates.push(c);
                link = next;
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let joined = candidates.iter().copied().find(|&c| {
            let head = keys[clusters[c as usize][0]].0.as_str();
            let theirs = head_chars[c as usize];
            // The distance is at least the difference in length.
            max_distance(chars.min(theirs)).is_some_and(|max| {
                let max = usize::from(max);
                chars.abs_diff(theirs) <= max && osa_within(key, head, max, &mut rows)
            })
        });
        match joined {
            Some(c) => clusters[c as usize].push(i),
            None => {
                let c = clusters.len() as u32;
                clusters.push(vec![i]);
                head_chars.push(chars);
                for &v in &variants {
                    let first = heads.entry(v).or_insert(u32::MAX);
                    chain.push((c, *first));
                    *first = (chain.len() - 1) as u32;
                }
            }
        }
    }
    clusters
}

/// Writes `unmatched.csv` into `dir` from the per-key state (module docs).
pub fn write_unmatched(
    dir: &Path,
    unmatched: &BTreeMap<String, UnmatchedKey>,
    spreadsheet_safe: bool,
) -> Result<(), PipelineError> {
    let table = Table::create(
        dir,
        "unmatched.csv",
        &[
            "cluster_key",
            "count",
            "documents",
            "keys",
            "variants",
            "example_doc_id",
            "example_context",
            "nearest_entity_id",
            "nearest_entity_name",
            "nearest_score",
        ],
    )?;
    let mut table = table.spreadsheet_safe(spreadsheet_safe);
    let keys: Vec<(&String, &UnmatchedKey)> = unmatched.iter().collect();
    let mut rows: Vec<(u64, &str, Vec<usize>)> = clusters(&keys)
        .into_iter()
        .map(|members| {
            let count = members.iter().map(|&m| keys[m].1.count).sum();
            (count, keys[members[0]].0.as_str(), members)
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    for (count, head, members) in rows {
        let documents: u64 = members.iter().map(|&m| keys[m].1.documents).sum();
        let other: u64 = members.iter().map(|&m| keys[m].1.other()).sum();
        let mut variants: BTreeMap<&str, u64> = BTreeMap::new();
        for &m in &members {
            for (v, n) in &keys[m].1.variants {
                *variants.entry(v).or_default() += n;
            }
        }
        let mut variants: Vec<(&str, u64)> = variants.into_iter().collect();
        variants.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let hidden: u64 = variants
            .iter()
            .skip(SHOWN_VARIANTS)
            .map(|v| v.1)
            .sum::<u64>()
            + other;
        let mut shown = variants
            .iter()
            .take(SHOWN_VARIANTS)
            .map(|(v, n)| format!("{v} ({n})"))
            .collect::<Vec<_>>()
            .join("; ");
        if hidden > 0 {
            shown.push_str(&format!("; … ({hidden})"));
        }
        let example = &keys[members[0]].1.example;
        let mut nearest: Option<&Nearest> = None;
        for &m in &members {
            if let Some(n) = &keys[m].1.nearest {
                if nearest.is_none_or(|best| n.better_than(best)) {
                    nearest = Some(n);
                }
            }
        }
        let member_keys = members
            .iter()
            .map(|&m| keys[m].0.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let score = nearest.map_or(String::new(), |n| {
            format!("{}.{:02}", n.score / 100, n.score % 100)
        });
        table.row([
            head,
            &count.to_string(),
            &documents.to_string(),
            &member_keys,
            &shown,
            &example.doc_id,
            &example.context,
            nearest.map_or("", |n| n.entity_id.as_str()),
            nearest.map_or("", |n| n.name.as_str()),
            &score,
        ])?;
    }
    table.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(count: u64, variants: &[(&str, u64)], doc: &str) -> UnmatchedKey {
        UnmatchedKey {
            count,
            documents: 1,
            variants: variants.iter().map(|(v, n)| (v.to_string(), *n)).collect(),
            example: Example {
                doc_id: doc.into(),
                field: "text".into(),
                start: 0,
                context: String::new(),
            },
            nearest: None,
        }
    }

    #[test]
    fn variants_stay_bounded_and_merge_exactly() {
        // Split the same spellings over two parts in any way: the kept spellings and counts agree.
        let spellings: Vec<String> = (0..40).map(|i| format!("Name{i:02}")).collect();
        let mut whole = key(0, &[], "d");
        let mut a = key(0, &[], "d");
        let mut b = key(0, &[], "d");
        for (i, s) in spellings.iter().enumerate().rev() {
            let n = (i % 3 + 1) as u64;
            whole.count += n;
            whole.add_variant(s, n);
            let part = if i % 2 == 0 { &mut a } else { &mut b };
            part.count += n;
            part.add_variant(s, n);
        }
        a.merge(b);
        assert_eq!(a.variants, whole.variants);
        assert_eq!(a.variants.len(), MAX_VARIANTS);
        assert_eq!(a.other(), whole.other());
    }

    #[test]
    fn keys_cluster_by_fuzzy_similarity() {
        let (k1, k2, k3) = (
            "navalnyj".to_string(),
            "navalny".to_string(),
            "smirnov".to_string(),
        );
        let a = key(5, &[("Navalnyj", 5)], "d1");
        let b = key(3, &[("Navalny", 3)], "d2");
        let c = key(4, &[("Smirnov", 4)], "d3");
        let keys = vec![(&k2, &b), (&k1, &a), (&k3, &c)];
        let got = clusters(&keys);
        assert_eq!(got, vec![vec![1, 0], vec![2]]);
    }
}
