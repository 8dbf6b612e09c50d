//! One-word place names in scripts without letter case (Arabic, Hebrew, Devanagari, Thai, Han, ...).
//!
//! In Latin or Cyrillic text a capital letter tells a name from a word (`Mascara` against `mascara`); in a
//! caseless script nothing does, so GeoNames places named like common nouns link wherever the noun is
//! written: `معسكر` "camp" (Mascara, Algeria), `المدينة` "the city" (Medina), `الجزيرة` "the island" (a
//! spelling of Algiers), `هوية` "identity" (Huế). A one-word link to a place of the default gazetteer in
//! such a script is written for review ([`CASELESS_WORD_SCORE`]) when the text shows the word being used as a
//! word and nothing in it names the place otherwise:
//!
//! - **the text inflects the word like a noun or adjective**: in Arabic and Hebrew a name is either always
//!   or never written with the definite article, so the same word with the article toggled (`مدينة` beside
//!   `المدينة`, `المعسكر` beside `معسكر`; Hebrew `ה`), with the feminine ending (`مالية` beside `مالي`), or
//!   the token written with tanween (`دومًا` "always", an indefinite noun or adverb) marks a common word;
//! - **or the place matched only on the folded key through other letters (not just vowel signs or
//!   tatweel) and the text names neither its country nor another place of that country**: folding merges
//!   letters that tell Arabic words apart (`ة`/`ه`, `ي`/`ئ`, `أ`/`آ`), so `هوية` "identity" meets `هوئه`
//!   (Huế) and `أبا` meets `آبا` (Aba, Nigeria).
//!
//! Either is overruled when the same place is also linked in the text by a name of several words or in a
//! cased script (`المدينة المنورة` beside `المدينة`). Measured on 1,500 Arabic articles of the shared news
//! corpus (`scripts/corpus_report.py --langs ar --articles 1500`; 3,223 one-word place links, 473 of them
//! wrong by a hand check of every form): the rule moves 284 links to review, 242 of them wrong (51% of the
//! wrong ones) and 42 right (1.5% of the right ones), so accepted one-word Arabic place links go from 85% to
//! 92% right. Countries are left alone: their one-word names were right 99.6% of the time, and their toggled
//! forms are mostly their own adjectives (`سعودية`, `البوروندي`), so `مالي` "financial" still links Mali.

use entnorm_gazetteer::{Matcher, Origin};
use entnorm_tokenize::{
    is_letter, key_hash, letter_case, Analysis, KeyLayer, LetterCase, TokenClass,
};

use crate::disambiguate::country_named;
use crate::{Link, Method};

/// Score of a one-word caseless-script place link that the text marks as a common word: the lowest score
/// written under the default thresholds (status `review`); such links were right 42 of 284 times (15%).
pub const CASELESS_WORD_SCORE: f64 = 0.5;

/// A letter without case: alphabetic, neither upper- nor lower-case (Arabic, Hebrew, Devanagari, Thai, Han).
fn is_caseless_letter(c: char) -> bool {
    letter_case(c) == LetterCase::Caseless
}

/// The scripts whose definite article and clitics are handled below.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Arabic,
    Hebrew,
    Other,
}

fn script_of(word: &str) -> Script {
    match word.chars().next().map(u32::from) {
        Some(
            0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF,
        ) => Script::Arabic,
        Some(0x0590..=0x05FF | 0xFB1D..=0xFB4F) => Script::Hebrew,
        _ => Script::Other,
    }
}

const AR_ARTICLE: &str = "ال";
const HE_ARTICLE: &str = "ה";
/// Arabic proclitics written onto the next word: conjunctions, then prepositions (`وبالمدينة`).
const AR_PROCLITICS: [&str; 12] = [
    "", "و", "ف", "ب", "ك", "ل", "وب", "ول", "وك", "فب", "فل", "فك",
];
/// Hebrew prefixes written onto the next word (`ובעיר`, `שהעיר`).
const HE_PROCLITICS: [&str; 14] = [
    "", "ו", "ב", "ל", "מ", "ש", "כ", "וב", "ול", "ומ", "וש", "שב", "של", "שמ",
];
/// Arabic tanween (fathatan, dammatan, kasratan): an indefinite noun or an adverb, never a name.
fn has_tanween(word: &str) -> bool {
    word.chars().any(|c| matches!(c, '\u{064B}'..='\u{064D}'))
}

/// The forms of `key` (a folded key) that, written elsewhere in the same text, show it inflected as a
/// common word: the definite article toggled and, in Arabic, the feminine ending (folded `ة` is `ه`).
fn toggled_forms(key: &str, script: Script) -> Vec<String> {
    let (article, min_bare) = match script {
        Script::Arabic => (AR_ARTICLE, 3),
        Script::Hebrew => (HE_ARTICLE, 3),
        Script::Other => return Vec::new(),
    };
    match key.strip_prefix(article) {
        // Too short a stem is as often another word (`الى` is not the article before `ى`).
        Some(bare) if bare.chars().count() >= min_bare => vec![bare.to_owned()],
        Some(_) => Vec::new(),
        None => {
            let mut forms = vec![format!("{article}{key}")];
            if script == Script::Arabic {
                forms.push(format!("{key}ه"));
                forms.push(format!("{article}{key}ه"));
            }
            forms
        }
    }
}

/// Whether a token key is `form` with proclitics of its script (Arabic `ل` + `ال` is written `لل`):
/// asks `is_key` of every spelling in turn, until one is.
fn written_as(is_key: &mut impl FnMut(&str) -> bool, form: &str, script: Script) -> bool {
    let proclitics: &[&str] = match script {
        Script::Arabic => &AR_PROCLITICS,
        Script::Hebrew => &HE_PROCLITICS,
        Script::Other => &[""],
    };
    let mut probe = String::with_capacity(form.len() + 8);
    for p in proclitics {
        probe.clear();
        probe.push_str(p);
        probe.push_str(form);
        if is_key(probe.as_str()) {
            return true;
        }
    }
    if script == Script::Arabic {
        if let Some(rest) = form.strip_prefix(AR_ARTICLE) {
            for p in ["", "و", "ف"] {
                probe.clear();
                probe.push_str(p);
                probe.push_str("لل");
                probe.push_str(rest);
                if is_key(probe.as_str()) {
                    return true;
                }
            }
        }
    }
    false
}

/// Vowel signs, tatweel and Hebrew points: written or left out at will, they never make another word.
fn is_decoration(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{0591}'..='\u{05C7}')
}

/// Whether two spellings have the same letters once vowel signs and tatweel are left out (`عَدْن`, `تبــوك`
/// are `عدن`, `تبوك`): a folded match that only dropped those is as good as an exact one.
fn same_letters(a: &str, b: &str) -> bool {
    a.chars()
        .filter(|&c| !is_decoration(c))
        .eq(b.chars().filter(|&c| !is_decoration(c)))
}

/// Whether link `l` is one word (or one run of spaceless characters) written in a caseless script.
fn caseless_one_word(text: &str, analysis: &Analysis, l: &Link) -> bool {
    let m = &l.mention;
    let tokens = &analysis.tokens()[m.token_start..m.token_end];
    let one_word = match tokens {
        [t] => t.class == TokenClass::Word,
        _ => tokens.iter().all(|t| t.class == TokenClass::Char),
    };
    one_word
        && text[m.start..m.end]
            .chars()
            .find(|&c| is_letter(c))
            .is_some_and(is_caseless_letter)
}

/// Lowers to [`CASELESS_WORD_SCORE`] the one-word caseless-script links to default-gazetteer places that
/// the text marks as common words (module docs). `links`: the links of one text.
pub(crate) fn demote_common_words(
    text: &str,
    analysis: &Analysis,
    links: &mut [Link],
    matcher: &Matcher,
) {
    let candidate = |l: &Link| {
        matches!(
            l.method,
            Method::Key(_) | Method::Inflected | Method::Variant
        ) && l.score > CASELESS_WORD_SCORE
            && matcher.entity_origin(l.mention.entity) == Origin::Default
            && matcher.entity_type(l.mention.entity) == "LOC"
            && caseless_one_word(text, analysis, l)
    };
    if !links.iter().any(candidate) {
        return;
    }
    let tokens = analysis.tokens();
    // Entities named in the text by something other than one caseless word, and every linked entity.
    let mut named_otherwise: Vec<u32> = Vec::new();
    let mut linked: Vec<u32> = Vec::new();
    for l in links.iter() {
        linked.push(l.mention.entity);
        if !caseless_one_word(text, analysis, l) {
            named_otherwise.push(l.mention.entity);
        }
    }
    named_otherwise.sort_unstable();
    named_otherwise.dedup();
    linked.sort_unstable();
    linked.dedup();
    // Per link, once: whether the rule applies to it, and for a one-word link without tanween the forms
    // whose spelling elsewhere in the text marks it a common word.
    let checked: Vec<bool> = links
        .iter()
        .map(|l| candidate(l) && named_otherwise.binary_search(&l.mention.entity).is_err())
        .collect();
    let forms: Vec<Option<(Vec<String>, Script)>> = links
        .iter()
        .zip(&checked)
        .map(|(l, &checked)| {
            let m = &l.mention;
            let word = &text[m.start..m.end];
            (checked && m.token_end - m.token_start == 1 && !has_tanween(word)).then(|| {
                let script = script_of(word);
                let key = analysis.key(KeyLayer::Folded, m.token_start);
                (toggled_forms(key, script), script)
            })
        })
        .collect();
    // Whether the text writes a word as those forms. Every spelling they may ask about is hashed first
    // (`key_hash`, as the analysis hashes each token's folded key); the text's words are then looked up by
    // hash once each, and a spelling is written if a word with its hash has exactly its key. No string is
    // copied, sorted or searched for each word of the text (an Arabic text has thousands).
    let mut wanted: Vec<u64> = Vec::new();
    for (forms, script) in forms.iter().flatten() {
        for f in forms {
            written_as(
                &mut |s| {
                    wanted.push(key_hash(s.as_bytes()));
                    false
                },
                f,
                *script,
            );
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    // (folded key hash, token) of the text's words whose hash some spelling has, sorted.
    let mut present: Vec<(u64, usize)> = Vec::new();
    if !wanted.is_empty() {
        for i in (0..tokens.len()).filter(|&i| tokens[i].class == TokenClass::Word) {
            let h = analysis.key_hashes(i).hashes[KeyLayer::Folded as usize];
            if wanted.binary_search(&h).is_ok() {
                present.push((h, i));
            }
        }
        present.sort_unstable();
    }
    let mut is_key = |s: &str| {
        let h = key_hash(s.as_bytes());
        let from = present.partition_point(|&(p, _)| p < h);
        present[from..]
            .iter()
            .take_while(|&&(p, _)| p == h)
            .any(|&(_, i)| analysis.key(KeyLayer::Folded, i) == s)
    };
    // Decided on the links as found, then applied, so the outcome does not depend on link order.
    let demote: Vec<bool> = links
        .iter()
        .zip(checked)
        .zip(&forms)
        .map(|((l, checked), forms)| {
            if !checked {
                return false;
            }
            let m = &l.mention;
            let word = &text[m.start..m.end];
            let inflected_as_word = has_tanween(word)
                || forms.as_ref().is_some_and(|(forms, script)| {
                    forms.iter().any(|f| written_as(&mut is_key, f, *script))
                });
            if inflected_as_word {
                return true;
            }
            let folded_letters = matches!(l.method, Method::Key(KeyLayer::Folded))
                && !same_letters(word, matcher.alias(m.alias).text);
            folded_letters && !country_named(matcher, m.entity, &linked)
        })
        .collect();
    for (l, d) in links.iter_mut().zip(demote) {
        if d {
            l.score = CASELESS_WORD_SCORE;
        }
    }
}
