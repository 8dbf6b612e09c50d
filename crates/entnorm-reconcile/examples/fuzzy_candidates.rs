//! Measures candidate generation for fuzzy matching over a compiled index: the symmetric deletion
//! neighbourhood that entnorm uses ([`FuzzyIndex`]) against Levenshtein automata (the
//! `levenshtein_automata` crate, as tantivy uses it) intersected with an fst of the same keys, plain and
//! with the first character anchored, on the same queries.
//!
//! ```text
//! entnorm gazetteer build -o /tmp/default.idx
//! cargo run --release -p entnorm-reconcile --example fuzzy_candidates -- /tmp/default.idx
//! ```
//!
//! Queries: every 40th fuzzy key of the index with one character inserted in the middle (a misspelling),
//! every 80th with the middle character replaced.

use std::time::Instant;

use entnorm_gazetteer::Matcher;
use entnorm_reconcile::fuzzy::{max_distance, span_key, FuzzyIndex};
use entnorm_tokenize::{Analysis, Analyzer};
use fst::{IntoStreamer, Streamer};
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};

/// A Levenshtein automaton whose matches also start with `prefix` exactly.
struct Anchored<'a> {
    dfa: &'a DFA,
    prefix: &'a [u8],
}

impl fst::Automaton for Anchored<'_> {
    type State = (usize, u32);
    fn start(&self) -> (usize, u32) {
        (0, self.dfa.initial_state())
    }
    fn is_match(&self, s: &(usize, u32)) -> bool {
        s.0 >= self.prefix.len() && matches!(self.dfa.distance(s.1), Distance::Exact(_))
    }
    fn can_match(&self, s: &(usize, u32)) -> bool {
        s.1 != SINK_STATE
    }
    fn accept(&self, s: &(usize, u32), byte: u8) -> (usize, u32) {
        if s.0 < self.prefix.len() && self.prefix[s.0] != byte {
            return (s.0 + 1, SINK_STATE);
        }
        (s.0 + 1, self.dfa.transition(s.1, byte))
    }
}

fn per_query(t: f64, n: usize) -> String {
    format!(
        "{n} queries in {t:.2} s ({:.1} µs each)",
        t * 1e6 / n as f64
    )
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: fuzzy_candidates INDEX.idx");
    let matcher = Matcher::open(path.as_ref()).expect("index");

    let started = Instant::now();
    let index = FuzzyIndex::build(&matcher);
    println!(
        "deletion neighbourhood: build {:.2} s, {} keys, {} table entries (~{:.0} MB)",
        started.elapsed().as_secs_f64(),
        index.key_count(),
        index.entry_count(),
        (index.entry_count() * 16) as f64 / 1e6
    );

    let mut analyzer = Analyzer::new();
    let mut analysis = Analysis::default();
    let mut key = String::new();
    let mut keys: Vec<String> = Vec::new();
    for i in 0..matcher.alias_count() as u32 {
        analyzer.analyze(matcher.alias(i).text, &mut analysis);
        span_key(&analysis, 0..analysis.len(), &mut key);
        if key.chars().count() >= 5 {
            keys.push(key.clone());
        }
    }
    keys.sort_unstable();
    keys.dedup();
    let mut queries: Vec<String> = Vec::new();
    for (n, k) in keys.iter().enumerate().filter(|(n, _)| n % 40 == 0) {
        let chars: Vec<char> = k.chars().collect();
        let mid = chars.len() / 2;
        let mut q: String = chars[..mid].iter().collect();
        if n % 80 == 0 {
            q.push('x');
            q.extend(&chars[mid + 1..]);
        } else {
            q.push('e');
            q.extend(&chars[mid..]);
        }
        queries.push(q);
    }

    let started = Instant::now();
    let found = queries
        .iter()
        .filter(|q| index.search(q, None, &matcher).is_some())
        .count();
    println!(
        "deletion neighbourhood: {}, {found} with a candidate",
        per_query(started.elapsed().as_secs_f64(), queries.len())
    );

    let started = Instant::now();
    let map = fst::Set::from_iter(keys.iter()).expect("sorted keys");
    let lev = [
        LevenshteinAutomatonBuilder::new(1, true),
        LevenshteinAutomatonBuilder::new(2, true),
    ];
    println!(
        "fst: build {:.2} s (keys already made), {:.0} MB",
        started.elapsed().as_secs_f64(),
        map.as_fst().size() as f64 / 1e6
    );
    for anchored in [true, false] {
        let started = Instant::now();
        let mut found = 0;
        for q in &queries {
            let Some(d) = max_distance(q.chars().count()) else {
                continue;
            };
            let dfa = lev[d as usize - 1].build_dfa(q);
            let first = q.chars().next().map_or(0, char::len_utf8);
            let prefix = if anchored {
                &q.as_bytes()[..first]
            } else {
                &[][..]
            };
            let mut stream = map.search(Anchored { dfa: &dfa, prefix }).into_stream();
            if stream.next().is_some() {
                found += 1;
            }
            while stream.next().is_some() {}
        }
        println!(
            "fst + Levenshtein automata{}: {}, {found} with a candidate",
            if anchored {
                " (first character anchored)"
            } else {
                ""
            },
            per_query(started.elapsed().as_secs_f64(), queries.len())
        );
    }
}
