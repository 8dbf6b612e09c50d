//! Name-part spellings: which words of person names are spellings of one name part, across scripts and
//! romanisations (`Sergei`, `Sergey`, `Сергей`; `Trump`, `Трамп`), from the name-part tables among the
//! gazetteer sources (the bundled one is a subset of OpenSanctions rigour's `person_names.txt`).
//!
//! Words are compared on keys: the groups their spelling belongs to, and their stem
//! ([`entnorm_tokenize::stem_key`] of the transliterated key). Two words agree when they share a key. A
//! spelling in several groups (homographs: `sergey` is in three) has all of them, so a shared group is
//! evidence for the same name, not proof; callers add their own guards.

use entnorm_tokenize::{stem_key, transliterate};
use rustc_hash::FxHashMap;

use crate::index::stable_hash;
use crate::model::NamePart;

/// Name-part groups keyed by the stem of each spelling's transliterated key.
#[derive(Default)]
pub struct NameParts {
    groups: FxHashMap<String, Vec<u32>>,
}

/// Keys of stems have this bit set, group keys not.
const STEM_KEY: u32 = 1 << 31;

impl NameParts {
    pub fn new(parts: &[NamePart]) -> NameParts {
        let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
        let mut groups: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for p in parts {
            let next = ids.len() as u32;
            let id = *ids.entry(p.group.as_str()).or_insert(next);
            let key = transliterate(&p.form);
            if key.is_empty() || key.contains(' ') {
                continue;
            }
            let v = groups.entry(stem_key(&key).to_owned()).or_default();
            if !v.contains(&id) {
                v.push(id);
            }
        }
        NameParts { groups }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The keys of a word given by its transliterated key: its stem, and the groups of the spellings that
    /// share that stem.
    pub fn word_keys(&self, translit: &str) -> Vec<u32> {
        let stem = stem_key(translit);
        let mut keys = vec![STEM_KEY | (stable_hash(stem.as_bytes()) as u32 & !STEM_KEY)];
        if let Some(g) = self.groups.get(stem) {
            keys.extend(g.iter().copied());
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(form: &str, group: &str) -> NamePart {
        NamePart {
            form: form.to_owned(),
            group: group.to_owned(),
        }
    }

    #[test]
    fn spellings_of_one_part_share_a_key() {
        let parts = NameParts::new(&[
            part("trump", "Q1"),
            part("трамп", "Q1"),
            part("sergei", "Q2"),
            part("сергей", "Q2"),
            part("biden", "Q3"),
        ]);
        let shares = |a: &str, b: &str| {
            let (a, b) = (
                parts.word_keys(&transliterate(a)),
                parts.word_keys(&transliterate(b)),
            );
            a.iter().any(|k| b.contains(k))
        };
        assert!(shares("Трамп", "Trump"));
        assert!(shares("Sergei", "Сергей"));
        assert!(shares("Sergey", "Sergei"));
        assert!(shares("Biden", "Biden"));
        assert!(!shares("Biden", "Trump"));
        assert!(!shares("Байден", "Biden"));
    }
}
