//! Cross-lingual enrichment: an entity of the user's gazetteer gains the names of the same entity in the
//! bundled default gazetteer, under the user's ID.
//!
//! A user's list often gives one name per entity in one language (`GPE-Germany  Германия`); the default
//! gazetteer knows that entity in hundreds of languages (`Niemcy`, `Německo`). When the data say that a user
//! entity and a default entity are the same — they share a name (folded) and have compatible types, and
//! exactly one default entity qualifies (among Wikidata-identified ones first), or all are places and one
//! has [`DOMINANT_PRIOR_RATIO`] times the population of every other (`Лондон`: London, England) — the default entity's
//! aliases move to the user entity, whose ID is what the user's analysis joins on; the default ID is kept as
//! the attribute `default_id`. Ambiguous cases are left alone: a name shared by two default entities of the
//! type and of similar prominence, or one default entity claimed by two user entities, links nothing.
//!
//! A person the user names differently from every default name gets a second chance through name parts
//! ([`crate::names::NameParts`]): a user person named by a surname alone (`Трамп`, as lists often do) or in
//! full in another spelling (`Siergiej Ławrow`) is the default person (with a QID) whose name of two or more
//! words ends with that surname, or agrees word by word, where words agree when they are spellings of one
//! name part, or their stems or transliterations are equal; when several default persons qualify, the one
//! whose prior (prominence) is at least [`DOMINANT_PRIOR_RATIO`] times every other's. A person the user
//! names by the surname alone also gains the surname of each of the default person's other names
//! (`Trump`, `Τραμπ`; see [`add_surnames`]).
//!
//! The moved names match as the user's own do: in text of any language (see the matcher's `lang_gated`).

use entnorm_tokenize::{Analysis, Analyzer, KeyLayer, TokenClass};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{AliasKind, Gazetteer, Origin};
use crate::names::NameParts;

/// How much more prominent (prior) one default person must be than every other candidate of a name-part
/// link to be chosen among several.
pub const DOMINANT_PRIOR_RATIO: f64 = 10.0;

/// Names shorter than this (in characters, folded) are too ambiguous to prove identity, unless they are
/// acronyms written the same way on both sides (see [`link_key`]).
const MIN_LINK_NAME_CHARS: usize = 4;

/// The key under which a name can prove that two entities are the same: the folded name, or for a short
/// all-capital acronym (`ЕС`, `USA`) the name exactly as written, case and all (marked so that it never
/// equals a folded key).
fn link_key(name: &str) -> Option<String> {
    let folded = entnorm_tokenize::fold(name);
    if folded.chars().count() >= MIN_LINK_NAME_CHARS {
        return Some(folded);
    }
    let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    let acronym =
        letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase()) && !name.contains(' ');
    acronym.then(|| format!("={name}"))
}

/// What enrichment did, for `check` and the run log.
#[derive(Clone, Debug, Default)]
pub struct EnrichReport {
    /// (user entity ID, default entity ID) pairs merged.
    pub linked: Vec<(String, String)>,
    /// Aliases moved from default entities to user entities.
    pub aliases_moved: u64,
    /// User entities with a shared name but more than one qualifying default entity.
    pub ambiguous: u64,
    /// Links made through name parts (user persons named by a surname or another spelling).
    pub by_name_parts: u64,
    /// Links of a user entity named by an acronym to the default entity whose name it abbreviates.
    pub by_initials: u64,
    /// Surnames added to user persons named by a surname alone (see [`add_surnames`]).
    pub surnames_added: u64,
}

/// Default entities known by some acronym, indexed by the initials of their names of two to five words
/// (`Европейский союз` -> `ЕС`, `Организация Объединённых Наций` -> `ООН`), for user entities that a list
/// names by an acronym the default gazetteer does not have.
struct ByInitials {
    /// Initials (upper case) -> default entities with a name giving them.
    by_initials: FxHashMap<String, Vec<u32>>,
    /// User entity -> the letters of its user aliases that are acronyms, in alias order (found in one
    /// pass: a scan of every alias per user entity was quadratic, hours for a list of 290,000 entities).
    user_acronyms: FxHashMap<u32, Vec<String>>,
}

impl ByInitials {
    fn new(g: &Gazetteer, has_default: &[bool], has_user: &[bool]) -> ByInitials {
        // Only entities known by an acronym somewhere (`EU`, `U.N.`): initials alone also spell out
        // `Fuente la Reina` (FLR) and `AO NP Podolskkabel` (ANP).
        let mut abbreviated = vec![false; g.entities.len()];
        for a in &g.aliases {
            if a.kind == AliasKind::Abbreviation {
                abbreviated[a.entity as usize] = true;
            }
        }
        let mut by_initials: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for a in &g.aliases {
            let e = a.entity as usize;
            if !has_default[e]
                || has_user[e]
                || !abbreviated[e]
                || g.entities[e].prior < INITIALS_MIN_PRIOR
                || not_a_name_of_the_entity(a.kind)
            {
                continue;
            }
            if let Some(initials) = initials(&a.text) {
                let v = by_initials.entry(initials).or_default();
                if !v.contains(&a.entity) {
                    v.push(a.entity);
                }
            }
        }
        let mut user_acronyms: FxHashMap<u32, Vec<String>> = FxHashMap::default();
        if !by_initials.is_empty() {
            for a in g.aliases.iter().filter(|a| a.origin == Origin::User) {
                let letters: Vec<char> = a.text.chars().filter(|c| c.is_alphabetic()).collect();
                let acronym = (2..=5).contains(&letters.len())
                    && letters.iter().all(|c| c.is_uppercase())
                    && a.text.chars().all(|c| c.is_alphabetic() || c == '.');
                if acronym {
                    user_acronyms
                        .entry(a.entity)
                        .or_default()
                        .push(letters.into_iter().collect());
                }
            }
        }
        ByInitials {
            by_initials,
            user_acronyms,
        }
    }

    /// The default entity a user entity named by an acronym (2-5 capital letters) abbreviates: the one
    /// of a compatible type whose name gives those initials, or the one of them at least
    /// [`DOMINANT_PRIOR_RATIO`] times as prominent as every other.
    fn link(&self, g: &Gazetteer, u: u32) -> Option<u32> {
        let utype = &g.entities[u as usize].entity_type;
        let mut found: Vec<u32> = Vec::new();
        for key in self.user_acronyms.get(&u).into_iter().flatten() {
            for &d in self.by_initials.get(key).into_iter().flatten() {
                if compatible(utype, &g.entities[d as usize].entity_type) && !found.contains(&d) {
                    found.push(d);
                }
            }
        }
        dominant(&found, |d| Some(g.entities[d as usize].prior))
    }
}

/// Only default entities at least this prominent (countries and supranational bodies) are linked by
/// initials: with the slavicner list, 3 of 4 such links were right (`ЕС`, `ООН`, `SAE`), 1 of 7 below it
/// (`AP` is not the President of the United States).
const INITIALS_MIN_PRIOR: f64 = 100_000.0;

/// The initials of a name of two to five words, each starting with a letter, upper-cased; none for
/// other names.
fn initials(name: &str) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    if !(2..=5).contains(&words.len()) {
        return None;
    }
    let mut out = String::new();
    for w in words {
        let c = w.chars().next().filter(|c| c.is_alphabetic())?;
        out.extend(c.to_uppercase());
    }
    Some(out)
}

/// Demonyms and acronyms of initials name an entity without being its name: never evidence that a user
/// entity is a default one.
fn not_a_name_of_the_entity(kind: AliasKind) -> bool {
    matches!(kind, AliasKind::Demonym | AliasKind::Initials)
}

/// Acronyms of initials have at least this many letters: two-letter ones are too often something else
/// (`SA`: Saudi Arabia, South Africa, a company's legal form).
const MIN_INITIALS_LETTERS: usize = 3;

/// Adds to each default entity known by some acronym and at least [`INITIALS_MIN_PRIOR`] prominent
/// (countries, supranational bodies) the acronyms its names of two to five words give in their own
/// language (`Združene države Amerike` -> `ZDA`, `Съединени американски щати` -> `САЩ`), as aliases of kind
/// [`AliasKind::Initials`] in that language. An acronym two entities would share in one language, or that
/// some alias already spells, is not added.
pub fn add_initials(g: &mut Gazetteer) {
    let n = g.entities.len();
    let mut abbreviated = vec![false; n];
    for a in &g.aliases {
        if a.kind == AliasKind::Abbreviation && a.origin == Origin::Default {
            abbreviated[a.entity as usize] = true;
        }
    }
    // (language, acronym) -> entities, and the alias that first gave it (for its source)
    let mut found: FxHashMap<(String, String), (Vec<u32>, u32)> = FxHashMap::default();
    for (i, a) in g.aliases.iter().enumerate() {
        let e = a.entity as usize;
        if a.origin != Origin::Default
            || !abbreviated[e]
            || g.entities[e].prior < INITIALS_MIN_PRIOR
            || a.kind > AliasKind::Alias
            || a.lang.is_empty()
            || a.lang == "und"
        {
            continue;
        }
        let Some(acronym) = initials(&a.text) else {
            continue;
        };
        if acronym.chars().count() < MIN_INITIALS_LETTERS
            || !acronym.chars().all(char::is_alphabetic)
        {
            continue;
        }
        for lang in &a.langs {
            let v = found
                .entry((lang.clone(), acronym.clone()))
                .or_insert_with(|| (Vec::new(), i as u32));
            if !v.0.contains(&a.entity) {
                v.0.push(a.entity);
            }
        }
    }
    if found.is_empty() {
        return;
    }
    let spelled: FxHashSet<&str> = g.aliases.iter().map(|a| a.text.as_str()).collect();
    let mut add: Vec<(String, u32, String, u32)> = found
        .into_iter()
        .filter(|((_, acronym), (entities, _))| {
            entities.len() == 1 && !spelled.contains(acronym.as_str())
        })
        .map(|((lang, acronym), (entities, first))| (acronym, entities[0], lang, first))
        .collect();
    // One alias per (entity, acronym), in a fixed order, with every language that gives it.
    add.sort();
    let mut k = 0;
    while k < add.len() {
        let (acronym, entity, _, first) = add[k].clone();
        let mut langs = Vec::new();
        while k < add.len() && add[k].0 == acronym && add[k].1 == entity {
            langs.push(add[k].2.clone());
            k += 1;
        }
        let source = g.aliases[first as usize].source;
        g.aliases.push(crate::model::Alias {
            entity,
            text: acronym,
            lang: langs[0].clone(),
            langs,
            kind: AliasKind::Initials,
            source,
            origin: Origin::Default,
        });
    }
}

/// Default persons with QIDs indexed by the name-part keys of the last word of their names of two or more
/// words, for linking user persons named differently (see the module docs).
struct PersonsByParts {
    parts: NameParts,
    /// Name-part key of a last word -> (default entity, index into `names`).
    by_last: FxHashMap<u32, Vec<(u32, u32)>>,
    /// The word keys of each indexed default name.
    names: Vec<Vec<Vec<u32>>>,
    analyzer: std::cell::RefCell<(Analyzer, Analysis)>,
}

impl PersonsByParts {
    fn new(g: &Gazetteer, has_default: &[bool], has_user: &[bool]) -> PersonsByParts {
        let parts = NameParts::new(&g.name_parts);
        let mut by_last: FxHashMap<u32, Vec<(u32, u32)>> = FxHashMap::default();
        let mut names = Vec::new();
        let mut analyzer = Analyzer::new();
        let mut analysis = Analysis::default();
        let mut seen: FxHashSet<(u32, String)> = FxHashSet::default();
        for a in &g.aliases {
            let e = a.entity as usize;
            let entity = &g.entities[e];
            if !has_default[e] || has_user[e] || entity.entity_type != "PER" || !is_qid(&entity.id)
            {
                continue;
            }
            let words = word_keys(&parts, &mut analyzer, &mut analysis, &a.text);
            if words.len() < 2 || !seen.insert((a.entity, words_signature(&words))) {
                continue;
            }
            let n = names.len() as u32;
            for &k in words.last().into_iter().flatten() {
                by_last.entry(k).or_default().push((a.entity, n));
            }
            names.push(words);
        }
        PersonsByParts {
            parts,
            by_last,
            names,
            analyzer: std::cell::RefCell::new((analyzer, analysis)),
        }
    }

    /// The default person a user person `u` is, by name parts, if one qualifies or one dominates.
    fn link(&self, g: &Gazetteer, u: u32) -> Option<u32> {
        if g.entities[u as usize].entity_type != "PER" || self.names.is_empty() {
            return None;
        }
        let mut found: Vec<u32> = Vec::new();
        let mut cell = self.analyzer.borrow_mut();
        let (analyzer, analysis) = &mut *cell;
        for a in g
            .aliases
            .iter()
            .filter(|a| a.entity == u && a.origin == Origin::User)
        {
            let words = word_keys(&self.parts, analyzer, analysis, &a.text);
            let Some(last) = words.last() else { continue };
            if words.len() == 1 && last_word_too_short(&a.text) {
                continue;
            }
            for k in last {
                for &(d, n) in self.by_last.get(k).into_iter().flatten() {
                    let theirs = &self.names[n as usize];
                    let agrees = words.len() == 1
                        || (words.len() == theirs.len()
                            && words.iter().zip(theirs).all(|(x, y)| shares(x, y)));
                    if agrees && !found.contains(&d) {
                        found.push(d);
                    }
                }
            }
        }
        match found.as_slice() {
            [] => None,
            [one] => Some(*one),
            _ => dominant(&found, |d| Some(g.entities[d as usize].prior)),
        }
    }
}

/// A one-word user name shorter than this (in characters) is not linked by name parts.
const MIN_SURNAME_CHARS: usize = 4;

fn last_word_too_short(name: &str) -> bool {
    name.chars().filter(|c| c.is_alphabetic()).count() < MIN_SURNAME_CHARS
}

/// A user who names a person by the surname alone (`Трамп`, as lists often do) counts the bare surname as
/// a mention; the same choice in the other spellings of the person's names is the last word of each of
/// the linked default person's names of two or more words (`Trump` from `Donald Trump`, `Τραμπ` from
/// `Ντόναλντ Τραμπ`), added as names of the user's person. Only capitalised surnames of at least
/// [`MIN_SURNAME_CHARS`] letters (shorter ones, `May`, are as often other words) that agree with one of
/// the user's names as words of two names agree in linking (name part, stem or transliteration): the last
/// word of `Кэмерон, Дэвид` or `Walter J. Stoessel, Jr.` is no surname. Returns how many were added.
fn add_surnames(g: &mut Gazetteer, link: &[(u32, u32)], parts: &NameParts) -> u64 {
    let mut analyzer = Analyzer::new();
    let mut analysis = Analysis::default();
    let persons: FxHashSet<u32> = link
        .iter()
        .map(|&(u, _)| u)
        .filter(|&u| g.entities[u as usize].entity_type == "PER")
        .collect();
    // User person -> the name-part keys of its names while every one is a single word (None once one is
    // not), in one pass over the aliases: a pass per person would be quadratic in a list's size.
    let mut user_words: FxHashMap<u32, Option<Vec<Vec<u32>>>> = FxHashMap::default();
    for a in &g.aliases {
        if a.origin != Origin::User || !persons.contains(&a.entity) {
            continue;
        }
        let entry = user_words
            .entry(a.entity)
            .or_insert_with(|| Some(Vec::new()));
        if let Some(keys) = entry {
            let mut words = word_keys(parts, &mut analyzer, &mut analysis, &a.text);
            match words.pop() {
                Some(one) if words.is_empty() => keys.push(one),
                _ => *entry = None,
            }
        }
    }
    let surname_only: FxHashMap<u32, Vec<Vec<u32>>> = user_words
        .into_iter()
        .filter_map(|(u, keys)| Some((u, keys?)))
        .collect();
    if surname_only.is_empty() {
        return 0;
    }
    let mut seen: FxHashSet<(u32, String)> = g
        .aliases
        .iter()
        .filter(|a| surname_only.contains_key(&a.entity))
        .map(|a| (a.entity, a.text.clone()))
        .collect();
    let mut added = Vec::new();
    for a in &g.aliases {
        if a.origin != Origin::Default || a.text.contains(',') {
            continue;
        }
        let Some(user_keys) = surname_only.get(&a.entity) else {
            continue;
        };
        if not_a_name_of_the_entity(a.kind) || a.kind == AliasKind::Abbreviation {
            continue;
        }
        let words = word_keys(parts, &mut analyzer, &mut analysis, &a.text);
        let (Some(keys), true) = (words.last(), words.len() >= 2) else {
            continue;
        };
        if !user_keys.iter().any(|k| shares(k, keys)) {
            continue;
        }
        // The analysis is still that of `a.text`: its last word is the surname.
        let Some(token) = analysis
            .tokens()
            .iter()
            .rev()
            .find(|t| t.class == TokenClass::Word)
        else {
            continue;
        };
        let surname = &a.text[token.range()];
        let capitalised = surname.chars().next().is_some_and(char::is_uppercase);
        if !capitalised || last_word_too_short(surname) {
            continue;
        }
        if seen.insert((a.entity, surname.to_owned())) {
            let mut alias = a.clone();
            alias.text = surname.to_owned();
            alias.kind = AliasKind::Alias;
            added.push(alias);
        }
    }
    let n = added.len() as u64;
    g.aliases.extend(added);
    n
}

fn shares(a: &[u32], b: &[u32]) -> bool {
    a.iter().any(|k| b.contains(k))
}

fn words_signature(words: &[Vec<u32>]) -> String {
    words
        .iter()
        .map(|w| w.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The name-part keys of every word of a name (see [`NameParts::word_keys`]).
fn word_keys(
    parts: &NameParts,
    analyzer: &mut Analyzer,
    analysis: &mut Analysis,
    name: &str,
) -> Vec<Vec<u32>> {
    analyzer.analyze(name, analysis);
    (0..analysis.len())
        .filter(|&i| analysis.tokens()[i].class == TokenClass::Word)
        .map(|i| parts.word_keys(analysis.key(KeyLayer::Translit, i)))
        .collect()
}

/// Countries, cities and regions are typed GPE by some lists and LOC by others.
fn compatible(a: &str, b: &str) -> bool {
    let is_place = |t: &str| matches!(t, "GPE" | "LOC");
    a == b || (is_place(a) && is_place(b))
}

/// The entity among `pool` whose prominence is at least [`DOMINANT_PRIOR_RATIO`] times every other's;
/// none when an entity has no prominence.
fn dominant(pool: &[u32], prominence: impl Fn(u32) -> Option<f64>) -> Option<u32> {
    let mut scored = Vec::with_capacity(pool.len());
    for &e in pool {
        scored.push((e, prominence(e)?));
    }
    let &(best, top) = scored
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
    scored
        .iter()
        .all(|&(e, p)| e == best || top >= DOMINANT_PRIOR_RATIO * p)
        .then_some(best)
}

/// A place's population (GeoNames places give one). Unlike the prior, it is not capped (London, England
/// would be merely 9.5 times London, Ontario by prior), and only places have it: a country or a person
/// never wins a name from a place by prominence (a list's `Georgia` may be the US state).
fn population(g: &Gazetteer, e: u32) -> Option<f64> {
    g.entities[e as usize]
        .attributes
        .iter()
        .find(|(k, _)| k == "population")
        .and_then(|(_, v)| v.parse::<f64>().ok())
}

fn is_qid(id: &str) -> bool {
    id.len() > 1 && id.starts_with('Q') && id[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Links user entities to default entities and moves the default aliases over (see the module docs).
pub fn enrich_user_entities(g: &mut Gazetteer) -> EnrichReport {
    let mut report = EnrichReport::default();
    let n = g.entities.len();
    let mut has_user = vec![false; n];
    let mut has_default = vec![false; n];
    for a in &g.aliases {
        match a.origin {
            Origin::User => has_user[a.entity as usize] = true,
            Origin::Default => has_default[a.entity as usize] = true,
        }
    }
    // Only entities that are purely one side's take part: a user row under a default ID is already linked.
    let user_only: Vec<usize> = (0..n).filter(|&e| has_user[e] && !has_default[e]).collect();
    if user_only.is_empty() {
        return report;
    }
    // folded name -> (default entity, strongest kind of alias giving it that name)
    let mut default_by_name: FxHashMap<String, Vec<(u32, AliasKind)>> = FxHashMap::default();
    for a in &g.aliases {
        let e = a.entity as usize;
        // A demonym is not a name of the place itself (`German` is also the language).
        if has_default[e] && !has_user[e] && !not_a_name_of_the_entity(a.kind) {
            if let Some(key) = link_key(&a.text) {
                let v = default_by_name.entry(key).or_default();
                match v.iter_mut().find(|(d, _)| *d == a.entity) {
                    Some((_, k)) => *k = (*k).min(a.kind),
                    None => v.push((a.entity, a.kind)),
                }
            }
        }
    }
    let mut user_names: FxHashMap<u32, Vec<String>> = FxHashMap::default();
    for a in &g.aliases {
        if a.origin == Origin::User && !not_a_name_of_the_entity(a.kind) {
            if let Some(key) = link_key(&a.text) {
                user_names.entry(a.entity).or_default().push(key);
            }
        }
    }
    let person_by_parts = PersonsByParts::new(g, &has_default, &has_user);
    let by_initials = ByInitials::new(g, &has_default, &has_user);
    // (user entity, the default entity it is the same as, strength of the shared name)
    let mut link: Vec<(u32, u32, AliasKind)> = Vec::new();
    for &u in &user_only {
        let utype = &g.entities[u].entity_type;
        let mut candidates: Vec<u32> = Vec::new();
        let mut strength: FxHashMap<u32, AliasKind> = FxHashMap::default();
        for name in user_names.get(&(u as u32)).into_iter().flatten() {
            for &(d, kind) in default_by_name.get(name).into_iter().flatten() {
                if compatible(utype, &g.entities[d as usize].entity_type) {
                    if !candidates.contains(&d) {
                        candidates.push(d);
                    }
                    let k = strength.entry(d).or_insert(kind);
                    *k = (*k).min(kind);
                }
            }
        }
        let qids: Vec<u32> = candidates
            .iter()
            .copied()
            .filter(|&d| is_qid(&g.entities[d as usize].id))
            .collect();
        let chosen = match (qids.as_slice(), candidates.as_slice()) {
            ([one], _) => Some(*one),
            ([], [one]) => Some(*one),
            ([], []) => {
                if let Some(d) = person_by_parts.link(g, u as u32) {
                    strength.insert(d, AliasKind::Alias);
                    report.by_name_parts += 1;
                    Some(d)
                } else if let Some(d) = by_initials.link(g, u as u32) {
                    // The weakest evidence: any name shared outright beats it in a contest.
                    strength.insert(d, AliasKind::Demonym);
                    report.by_initials += 1;
                    Some(d)
                } else {
                    None
                }
            }
            // Several places with populations: one that dominates (`Лондон`: London, England over
            // London, Ontario) is the place a bare name means.
            (_, all) => {
                let chosen = dominant(all, |d| population(g, d));
                if chosen.is_none() {
                    report.ambiguous += 1;
                }
                chosen
            }
        };
        if let Some(d) = chosen {
            link.push((u as u32, d, strength[&d]));
        }
    }
    // A default entity claimed by several user entities goes to the one sharing its strongest kind of
    // name (a label such as `Германия` beats a stray alias such as `München` filed under Germany); on a
    // tie it stays with none.
    let mut best: FxHashMap<u32, (AliasKind, u32)> = FxHashMap::default();
    for &(_, d, kind) in &link {
        let e = best.entry(d).or_insert((kind, 0));
        if kind < e.0 {
            *e = (kind, 1);
        } else if kind == e.0 {
            e.1 += 1;
        }
    }
    let link: Vec<(u32, u32)> = link
        .into_iter()
        .filter(|&(_, d, kind)| best[&d] == (kind, 1))
        .map(|(u, d, _)| (u, d))
        .collect();
    if link.is_empty() {
        return report;
    }
    let target: FxHashMap<u32, u32> = link.iter().map(|&(u, d)| (d, u)).collect();
    let absorbed: FxHashSet<u32> = target.keys().copied().collect();
    for &(u, d) in &link {
        let did = g.entities[d as usize].id.clone();
        let prior = g.entities[d as usize].prior;
        let ue = &mut g.entities[u as usize];
        ue.attributes.push(("default_id".to_owned(), did.clone()));
        ue.prior = ue.prior.max(prior);
        report.linked.push((ue.id.clone(), did));
    }
    // Move aliases, dropping a moved spelling that the user entity already has.
    let mut seen: FxHashSet<(u32, String)> = g
        .aliases
        .iter()
        .map(|a| (a.entity, a.text.clone()))
        .collect();
    let mut kept = Vec::with_capacity(g.aliases.len());
    for mut a in std::mem::take(&mut g.aliases) {
        if let Some(&u) = target.get(&a.entity) {
            if !seen.insert((u, a.text.clone())) {
                continue;
            }
            a.entity = u;
            // A canonical name of the default entity is just another name of the user's entity.
            if a.kind == AliasKind::Canonical {
                a.kind = AliasKind::Label;
            }
            report.aliases_moved += 1;
        }
        kept.push(a);
    }
    g.aliases = kept;
    report.surnames_added = add_surnames(g, &link, &person_by_parts.parts);
    // Drop the absorbed default entities and renumber.
    let mut new_index = vec![u32::MAX; n];
    let mut entities = Vec::with_capacity(n - absorbed.len());
    for (i, e) in std::mem::take(&mut g.entities).into_iter().enumerate() {
        if !absorbed.contains(&(i as u32)) {
            new_index[i] = entities.len() as u32;
            entities.push(e);
        }
    }
    g.entities = entities;
    for a in &mut g.aliases {
        a.entity = new_index[a.entity as usize];
    }
    report.linked.sort();
    report
}
