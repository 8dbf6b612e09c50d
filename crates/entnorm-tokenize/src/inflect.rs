//! Stem keys for matching inflected names: `Лаврова`, `Ławrowa` and `Lavrovem` all meet `Лавров`, `Москве`
//! meets `Москва`, `Německa` meets `Německo`.
//!
//! Both sides work on the [`crate::transliterate`]d key of one token, so one set of rules serves Latin and
//! Cyrillic spellings alike (`Pákistánu` meets `Пакистан`):
//!
//! - A gazetteer name's token is indexed under its [`stem_key`]: the key without its base-form ending, a
//!   final vowel or one of the vowel-glide endings of adjectives and feminine nouns (`moskva` → `moskv`,
//!   `nemecko` → `nemeck`, `verkhovniy` → `verkhovn`, `mariya` → `mar`, `lavrov` stays). Names are given
//!   in their base form, and the other case forms replace exactly that ending.
//! - A text token proposes [`inflection_candidates`]: for each case ending of the document's language that
//!   the key ends with (and for no ending at all), the key without that ending, and that without one, two
//!   or three of its final vowels. Case endings that are vowels need no list (the vowel stripping covers
//!   `-a`, `-u`, `-e`, `-y`, `-ou`, `-ové`, `-ii`); the lists hold the endings with consonants (`-om`,
//!   `-ami`, `-ach`, `-ego`, `-owi`, Bulgarian articles `-ът`/`-та`, Finnish `-ssa`, Hungarian `-ban`,
//!   German `-s`/`-en`).
//!
//! Every candidate is a prefix of the key, so nothing is allocated. Consonant alternations before an
//! ending (Polish `Polska`/`Polsce`) are not prefixes: [`stem_alternations`] gives those stems (allocated), for
//! the languages with rules. The matcher decides what a candidate may match (minimum lengths, case, which
//! tokens it is tried on).

/// Letters a text token's candidates strip from the end: vowels, and `y`, which romanises both the vowel
/// `ы` and the glide `й`/`j` of endings such as `-ый`, `-ий`, `-ей`, `-ая`.
fn is_stem_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// `key` without `ending`, if it ends so: [`str::strip_suffix`] compared from the last byte, inline. The
/// endings are a few bytes long and most differ from the key in its last byte, where a call to `memcmp`
/// per ending (2% of a run on Central and Eastern European news) cost more than the comparison.
#[inline]
fn without_ending<'k>(key: &'k str, ending: &str) -> Option<&'k str> {
    let (k, e) = (key.as_bytes(), ending.as_bytes());
    let cut = k.len().checked_sub(e.len())?;
    // Equal bytes of a whole UTF-8 string end the key, so `cut` is a character boundary.
    (k.iter().rev().zip(e.iter().rev()).all(|(a, b)| a == b)).then(|| key.get(..cut))?
}

/// A stem never gets shorter than this many bytes (`ea`, `io` stay whole).
const MIN_STRIPPED_STEM: usize = 2;

/// Base-form endings [`stem_key`] removes, longest first (transliterated: `-ий` is `iy`, `-ый` and `-ы`
/// are `y`, `-ая` is `aya`, `-ия` is `iya`): adjectives (`-ий -ый -ой -ая -яя -ое -ее -ие -ые`, Czech
/// `-ý -á -é -í`, Polish `-i -a -e`), nouns in a vowel (`-a -o -e -y -i -я -ия -ia -ie`). Not `-u`: base
/// forms rarely end in it, and names that do (`Haikou`) should not lose it.
const BASE_ENDINGS: &[&str] = &[
    "yaya", "aya", "iya", "iy", "oy", "ya", "ia", "ie", "oe", "ee", "ye", "a", "e", "i", "o", "y",
];

/// The stem of a transliterated token key of a gazetteer name: the key without its base-form ending (the
/// longest of `BASE_ENDINGS` it has), unless that would leave fewer than two bytes. Keys ending in a
/// consonant are their own stem.
///
/// ```
/// use entnorm_tokenize::stem_key;
/// assert_eq!(stem_key("moskva"), "moskv");
/// assert_eq!(stem_key("lavrov"), "lavrov");
/// assert_eq!(stem_key("verkhovniy"), "verkhovn");
/// assert_eq!(stem_key("khaykou"), "khaykou");
/// ```
pub fn stem_key(key: &str) -> &str {
    for ending in BASE_ENDINGS {
        if let Some(rest) = without_ending(key, ending) {
            if rest.len() >= MIN_STRIPPED_STEM {
                return rest;
            }
        }
    }
    key
}

/// How many final vowels a text token's candidate may lose at most (`-ové`, `-iei`).
const MAX_STRIPPED_VOWELS: usize = 3;

/// The languages whose common nouns meet each other's inflected forms (see [`inflection_family`]).
const SLAVIC: &str = "sla";

/// Case and number endings that contain a consonant, per language (ISO 639-1), as they look in a
/// transliterated key (doubled letters collapsed, `w` → `v`, `j` → `y`, `х` → `kh`, `ъ` dropped). Longest
/// first is not required: every ending the key has is tried.
fn consonant_endings(lang: &str) -> Option<&'static [&'static str]> {
    rules(lang).map(|(_, endings)| endings)
}

/// A language's [`inflection_family`] and [`consonant_endings`], in one table so that every language
/// with endings has its family.
fn rules(lang: &str) -> Option<(&'static str, &'static [&'static str])> {
    Some(match lang {
        // -ом -ем -ым -им -ам -ям; -ами -ями -ыми; -ах -ях -ых -их; -ого -его; -ому -ему
        "ru" | "be" => (SLAVIC, &["m", "mi", "kh", "go", "mu"]),
        // as Russian, plus -ові/-еві (dative)
        "uk" => (SLAVIC, &["m", "mi", "kh", "go", "mu", "vi"]),
        // articles -ът/-ят (ъ drops out), -та, -то, -те; plural -ите
        "bg" | "mk" => (SLAVIC, &["t", "ta", "to", "te"]),
        // -em -om -ym -im -ą(m); -ami -ymi; -ach -ych -ich; -ego; -emu; -owi; -ów
        "pl" => (SLAVIC, &["m", "mi", "ch", "go", "mu", "vi", "v"]),
        // -em -ém -ím -ým -om; -ami -ými; -ách -ích; -ého -ího; -ému; -ovi; -ové
        "cs" | "sk" => (SLAVIC, &["m", "mi", "ch", "ho", "mu", "vi", "ve"]),
        // -om -em -im; -ami -mi; -ih -ah; -ega; -emu; -ov
        "sl" => (SLAVIC, &["m", "mi", "h", "ga", "mu", "v"]),
        "hr" | "sr" | "bs" => (SLAVIC, &["m", "mi", "ma", "h", "ga", "mu", "vi"]),
        // nominative -as -is -ys -us, genitive plural -ų, -ams -oms -uose -ose
        "lt" => ("lt", &["s", "ms", "mis", "se"]),
        "lv" => ("lv", &["s", "m", "em", "im", "am", "um"]),
        // genitive -n, inessive -ssa, elative -sta, adessive -lla, ablative -lta, allative -lle,
        // essive -na, translative -ksi, plural -t, illative -hin
        "fi" => (
            "fi",
            &[
                "n", "sa", "sta", "la", "lta", "le", "na", "ksi", "t", "hin", "ta",
            ],
        ),
        "et" => (
            "et",
            &[
                "s", "st", "se", "l", "lt", "le", "ks", "ni", "na", "ga", "ta", "d", "de",
            ],
        ),
        "hu" => (
            "hu",
            &[
                "ban", "ben", "ba", "be", "bol", "rol", "tol", "hoz", "hez", "nak", "nek", "val",
                "vel", "nal", "nel", "n", "on", "en", "ra", "re", "t", "ot", "et", "at", "ig",
                "kent", "ert",
            ],
        ),
        // genitive -s/-es, weak and adjective endings -en -n -er -em -ern -ens
        "de" => ("de", &["s", "es", "n", "en", "er", "em", "ern", "ens"]),
        _ => return None,
    })
}

/// Whether language `lang`'s case endings are only added to a name, never replacing its final vowel:
/// German (`Obamas`, `Merkels`, `Kollegen` of `Kollege`), where the Slavic languages replace it
/// (`Moskvy` of `Moskva`). Such a language asks more of a shared stem ([`vowel_before_ending`],
/// [`word_forms_agree`]).
fn adds_endings_only(lang: &str) -> bool {
    lang == "de"
}

/// The only vowel a stem may lose first after `ending` was cut off, where the language restricts it.
/// German has no vowel case endings: before `-n`, `-en`, `-er`, `-em`, `-ern`, `-ens` a name's base form
/// ends in a consonant or in `-e` (`Kollegen` is `Kollege`), so `Gewinn` (`gevin` without `-n`) is not
/// taken for a form of a name with stem `gev`. After `-s` (`Obamas`) and with no ending, any base vowel.
fn vowel_before_ending(lang: &str, ending: &str) -> Option<u8> {
    (adds_endings_only(lang) && !ending.is_empty() && ending != "s").then_some(b'e')
}

/// Whether a text word with transliterated key `text` may be a form, in language `lang`, of a name's word
/// with key `name` that shares its stem. German adds endings to a name (`Obamas`, `Kollegen`) or swaps an
/// adjective's (`Deutschen` for `Deutscher`) but never drops a name's final vowel, so `Kindern` is no form
/// of the town `Kindia` although both have the stem `kind` (`Januar` none of `Januária`, `Auch` none of
/// `Auchi`): the two keys must agree but for German endings (its case endings and `-e`, which
/// nouns and adjectives take: `Europäische`), and a word without an ending is no form of a name that is
/// it plus `-e` (`Rhein` is not the town `Rheine`, `Herrn`, key `hern`, not `Herne`). Languages whose
/// case endings replace a final vowel (`Moskvy` of `Moskva`) ask nothing more here than the shared stem:
/// true (see [`loses_final_vowels`]).
///
/// ```
/// use entnorm_tokenize::word_forms_agree;
/// assert!(word_forms_agree("obamas", "obama", "de"));
/// assert!(word_forms_agree("deutschen", "deutscher", "de"));
/// assert!(!word_forms_agree("kindern", "kindia", "de"));
/// assert!(!word_forms_agree("rhein", "rheine", "de"));
/// assert!(word_forms_agree("kollegen", "kollege", "de"));
/// assert!(word_forms_agree("moskvy", "moskva", "ru"));
/// ```
pub fn word_forms_agree(text: &str, name: &str, lang: &str) -> bool {
    if !adds_endings_only(lang) {
        return true;
    }
    let endings = consonant_endings(lang).unwrap_or_default();
    // Each base with the ending cut off to make it ("" for the key itself).
    let bases = |key| {
        std::iter::once((key, "")).chain(
            endings
                .iter()
                .chain(std::iter::once(&"e"))
                .filter_map(move |&e| Some((without_ending(key, e)?, e))),
        )
    };
    // A name never loses its final `-e` (`Herne` is `Hernes`, never `Hern`; `Rheine` never `Rhein`):
    // a text word without an ending meets no name that is it plus `-e`.
    bases(text).any(|(t, text_ending)| {
        !t.is_empty()
            && bases(name)
                .any(|(n, name_ending)| n == t && !(text_ending.is_empty() && name_ending == "e"))
    })
}

/// Whether a text word with transliterated key `text` is, in language `lang`, no form of a name's word with
/// key `name` that shares its stem, because it loses vowels that every form of the name keeps. In the
/// languages whose case endings replace a name's final vowels:
///
/// - a name ending in a vowel never goes without an ending (`Moskva` is `Moskvy`, `Moskve`, `Moskvu`,
///   never `Moskv`), so the name without its final vowels is another word (`sovet` of `soveto`,
///   `aleksandr` of `aleksandriy`, `mark` of `marka`). A plural name's genitive has no ending (`Čechy`,
///   `z Čech`; `Афины`, `Афин`; `České Budějovice`, `Českých Budějovic`; `Katowice`, `z Katowic`), so a
///   name that ends in a plural's `-y`, `-i` or `-e` alone keeps it;
/// - a name whose final vowels begin with `i` keeps the `i` before every ending (`Россия`: `России`,
///   `Россию`; `Georgia`: `Georgii`, `Georgie`), so `george` is no form of `georgia`; but not the
///   adjectival `-ий` (`Европейский`, `Европейского`);
/// - a name ending in two vowels or more takes its endings after all but the last (`Romeo`: `Romea`,
///   `Romeem`), never without one, so `take` (Czech `také`, also) is no form of `takeo` nor `samo` of
///   `samoa`. Not where the vowels begin with `i` (above) or have a `y` (Russian `я` is `ya`, and a
///   doubled vowel is written once in keys: `Кореей` and `Корей` both have the key `korey`).
///
/// A text word that itself ends in a vowel after the name's stem has an ending (`Испании`, key
/// `ispani`, of `ispaniya`). German, which only adds endings, and languages without rules: false (see
/// [`word_forms_agree`] for German).
///
/// ```
/// use entnorm_tokenize::loses_final_vowels;
/// assert!(loses_final_vowels("sovet", "soveto", "ru"));
/// assert!(loses_final_vowels("george", "georgia", "cs"));
/// assert!(loses_final_vowels("take", "takeo", "cs"));
/// assert!(!loses_final_vowels("korey", "koreya", "ru"));
/// assert!(!loses_final_vowels("moskvy", "moskva", "ru"));
/// assert!(!loses_final_vowels("cech", "cechy", "cs"));
/// assert!(!loses_final_vowels("katowic", "katowice", "pl"));
/// assert!(!loses_final_vowels("ispani", "ispaniya", "ru"));
/// assert!(!loses_final_vowels("georgii", "georgia", "cs"));
/// assert!(!loses_final_vowels("evropeyskogo", "evropeyskiy", "ru"));
/// assert!(!loses_final_vowels("sovet", "soveto", "en"));
/// ```
pub fn loses_final_vowels(text: &str, name: &str, lang: &str) -> bool {
    if adds_endings_only(lang) || !is_inflecting_language(lang) {
        return false;
    }
    let vowel = |b: &u8| b"aeiouy".contains(b);
    let finals = name.bytes().rev().take_while(vowel).count();
    if finals == 0 || finals == name.len() {
        return false;
    }
    let (stem, finals) = name.split_at(name.len() - finals);
    let several = finals.len() > 1;
    // The name without its final vowels and no ending (but a plural's genitive).
    let bare_stem = text == stem && !matches!(finals, "y" | "i" | "e");
    // Without the `i` its final vowels begin with (but the adjectival `-ий`).
    let drops_i = several
        && finals.starts_with('i')
        && finals != "iy"
        && text.starts_with(stem)
        && !text[stem.len()..].starts_with('i');
    // Without its last vowel and no ending (but where a `y` makes the key ambiguous).
    let drops_last = several
        && !finals.starts_with('i')
        && !finals.contains('y')
        && text == &name[..name.len() - 1];
    bare_stem || drops_i || drops_last
}

/// Endings of common nouns' genitive plural that are also surname suffixes (`-ов`/`-ев`, Ukrainian
/// `-ів`, Polish `-ów`): tried only on lower-case words ([`inflection_candidates_lower`]), where no surname
/// stands, so `демократов` meets `демократ` while `Лавров` stays `Лавров`.
fn common_noun_endings(lang: &str) -> &'static [&'static str] {
    match lang {
        "ru" | "be" | "sl" | "hr" | "sr" | "bs" => &["ov", "ev"],
        "uk" => &["ov", "ev", "iv"],
        "pl" => &["ov"],
        _ => &[],
    }
}

/// Consonant alternations before case endings, per language: (the stem's end in the inflected form,
/// in the base form), as transliterated keys spell them. Polish `Polska`/`Polsce`, `Niemcy`/`Niemczech`,
/// `Włochy`/`Włoszech`, `Ameryka`/`Ameryce`, `Praga`/`Pradze`, `Egipt`/`Egipcie`; Czech `Amerika`/`Americe`, `Praha`/`Praze`;
/// Ukrainian `Америка`/`Америці`.
fn alternations(lang: &str) -> &'static [(&'static str, &'static str)] {
    match lang {
        "pl" => &[
            ("sc", "sk"),
            ("dz", "g"),
            ("rz", "r"),
            ("sz", "ch"),
            ("cz", "c"),
            ("c", "k"),
            ("c", "t"),
        ],
        "cs" | "sk" => &[("c", "k"), ("z", "h")],
        "uk" => &[("ts", "k")],
        _ => &[],
    }
}

/// The base-form stems that an inflected form's candidate `stem` (one of [`inflection_candidates`] of
/// `key`) stands for through a consonant alternation of language `lang`, appended to `out`. Only a
/// candidate that lost an ending can have one (the alternation is caused by the ending).
///
/// ```
/// use entnorm_tokenize::stem_alternations;
/// let mut out = Vec::new();
/// stem_alternations("polsce", "polsc", "pl", &mut out);
/// assert!(out.contains(&"polsk".to_string()));
/// ```
pub fn stem_alternations(key: &str, stem: &str, lang: &str, out: &mut Vec<String>) {
    if stem.len() >= key.len() {
        return;
    }
    for (text, base) in alternations(lang) {
        if let Some(rest) = without_ending(stem, text) {
            if rest.len() >= MIN_STRIPPED_STEM {
                let alt = format!("{rest}{base}");
                if !out.contains(&alt) {
                    out.push(alt);
                }
            }
        }
    }
}

/// Whether the stem pass applies to text of this language: the languages whose names take case endings.
pub fn is_inflecting_language(lang: &str) -> bool {
    consonant_endings(lang).is_some()
}

/// The group of languages with case endings whose common nouns meet each other's inflected forms, for a
/// language with rules (ISO 639-1, lower case): the Slavic languages share most such words
/// (`коронавирус`, `вибори`/`выборы`), every other language only itself. `None` for a language without
/// rules.
///
/// ```
/// use entnorm_tokenize::inflection_family;
/// assert_eq!(inflection_family("uk"), inflection_family("ru"));
/// assert_ne!(inflection_family("de"), inflection_family("et"));
/// assert_eq!(inflection_family("en"), None);
/// ```
pub fn inflection_family(lang: &str) -> Option<&'static str> {
    rules(lang).map(|(family, _)| family)
}

/// The stems a text token of language `lang` may be an inflected form of, longest (least stripped)
/// first, without duplicates; each at least `min_len` bytes. Empty for languages without rules.
///
/// ```
/// use entnorm_tokenize::inflection_candidates;
/// let mut out = Vec::new();
/// inflection_candidates("lavrovym", "ru", 4, &mut out);
/// assert!(out.contains(&"lavrov"));
/// out.clear();
/// inflection_candidates("nemecka", "cs", 4, &mut out);
/// assert_eq!(out, ["nemecka", "nemeck"]);
/// ```
pub fn inflection_candidates<'k>(key: &'k str, lang: &str, min_len: usize, out: &mut Vec<&'k str>) {
    candidates(key, lang, min_len, false, out)
}

/// [`inflection_candidates`] of a lower-case word, which may be a common noun's form: also without the
/// genitive-plural endings that surnames share (`demokratov` → `demokrat`).
///
/// ```
/// use entnorm_tokenize::{inflection_candidates, inflection_candidates_lower};
/// let mut out = Vec::new();
/// inflection_candidates_lower("demokratov", "ru", 4, &mut out);
/// assert!(out.contains(&"demokrat"));
/// out.clear();
/// inflection_candidates("demokratov", "ru", 4, &mut out);
/// assert!(!out.contains(&"demokrat"));
/// ```
pub fn inflection_candidates_lower<'k>(
    key: &'k str,
    lang: &str,
    min_len: usize,
    out: &mut Vec<&'k str>,
) {
    candidates(key, lang, min_len, true, out)
}

fn candidates<'k>(key: &'k str, lang: &str, min_len: usize, lower: bool, out: &mut Vec<&'k str>) {
    let Some(endings) = consonant_endings(lang) else {
        return;
    };
    let start = out.len();
    let min_len = min_len.max(MIN_STRIPPED_STEM);
    let noun_endings = if lower {
        common_noun_endings(lang)
    } else {
        &[]
    };
    for ending in std::iter::once(&"")
        .chain(endings.iter())
        .chain(noun_endings.iter())
    {
        let Some(mut rest) = without_ending(key, ending) else {
            continue;
        };
        let first_vowel = vowel_before_ending(lang, ending);
        for k in 0..=MAX_STRIPPED_VOWELS {
            if k > 0 {
                match rest.as_bytes().last() {
                    Some(&b)
                        if is_stem_vowel(b) && (k > 1 || first_vowel.is_none_or(|v| v == b)) =>
                    {
                        rest = &rest[..rest.len() - 1]
                    }
                    _ => break,
                }
            }
            if rest.len() >= min_len && !out[start..].contains(&rest) {
                out.push(rest);
            }
        }
    }
    out[start..].sort_by_key(|s| std::cmp::Reverse(s.len()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transliterate as t;

    #[test]
    fn without_ending_agrees_with_strip_suffix() {
        for key in [
            "moskvoy",
            "Москвой",
            "Kraków",
            "東京都",
            "ławrowem",
            "",
            "a",
        ] {
            for ending in [
                "",
                "oy",
                "ой",
                "вой",
                "ów",
                "都",
                "m",
                "em",
                "ławrowem!",
                "a",
            ] {
                assert_eq!(
                    without_ending(key, ending),
                    key.strip_suffix(ending),
                    "{key} - {ending}"
                );
            }
        }
    }

    fn meets(text: &str, lang: &str, name: &str) -> bool {
        let (text, name) = (t(text), t(name));
        let mut c = Vec::new();
        inflection_candidates(&text, lang, 3, &mut c);
        c.contains(&stem_key(&name))
    }

    #[test]
    fn inflected_forms_meet_their_base_form() {
        for (text, lang, name) in [
            ("Лаврова", "ru", "Лавров"),
            ("Лавровым", "ru", "Лавров"),
            ("Москве", "ru", "Москва"),
            ("Москвой", "ru", "Москва"),
            ("Верховного", "ru", "Верховный"),
            ("Ławrowa", "pl", "Ławrow"),
            ("Ławrowem", "pl", "Ławrow"),
            ("Ławrowowi", "pl", "Ławrow"),
            ("Krakowie", "pl", "Kraków"),
            ("Německa", "cs", "Německo"),
            ("Německem", "cs", "Německo"),
            ("Merkelové", "cs", "Merkelová"),
            ("Pákistánu", "cs", "Пакистан"),
            ("Obamovi", "cs", "Obama"),
            ("Bundestagu", "pl", "Bundestag"),
            ("Европейската", "bg", "Европейски"),
            ("Moskovassa", "fi", "Moskova"),
            ("Moszkvában", "hu", "Moszkva"),
            ("Deutschlands", "de", "Deutschland"),
            ("Obamas", "de", "Obama"),
            ("Kollegen", "de", "Kollege"),
            ("Familien", "de", "Familie"),
            ("Londonu", "sl", "London"),
        ] {
            assert!(
                meets(text, lang, name),
                "{text} ({lang}) should meet {name}"
            );
        }
    }

    #[test]
    fn consonant_alternations_meet_their_base_form() {
        for (text, lang, name) in [
            ("Polsce", "pl", "Polska"),
            ("Niemczech", "pl", "Niemcy"),
            ("Włoszech", "pl", "Włochy"),
            ("Ameryce", "pl", "Ameryka"),
            ("Pradze", "pl", "Praga"),
            ("Egipcie", "pl", "Egipt"),
            ("Kuwejcie", "pl", "Kuwejt"),
            ("Americe", "cs", "Amerika"),
            ("Praze", "cs", "Praha"),
            ("Америці", "uk", "Америка"),
        ] {
            let (key, name) = (t(text), t(name));
            let mut c = Vec::new();
            inflection_candidates(&key, lang, 3, &mut c);
            let mut alts = Vec::new();
            for s in &c {
                stem_alternations(&key, s, lang, &mut alts);
            }
            assert!(
                alts.iter().any(|a| a == stem_key(&name)),
                "{text} ({lang}) should meet {name}: {alts:?}"
            );
        }
        // no ending, no alternation; no rules for Russian
        let mut alts = Vec::new();
        stem_alternations("kielc", "kielc", "pl", &mut alts);
        stem_alternations("amerike", "amerik", "ru", &mut alts);
        assert!(alts.is_empty());
    }

    #[test]
    fn german_endings_do_not_uncover_other_vowels() {
        // `Gewinn` (a gain) is no form of `Gev`, `Berlin` none of `Berla`.
        for (text, name) in [("Gewinn", "Gev"), ("Berlin", "Berla")] {
            assert!(
                !meets(text, "de", name),
                "{text} (de) should not meet {name}"
            );
        }
        assert!(meets("Gewinn", "de", "Gewinn"));
        // Finnish keeps stripping any vowel after a consonant ending (genitive `-n` of `Moskova`).
        assert!(meets("Moskovan", "fi", "Moskova"));
        assert!(!meets("Moskovan", "de", "Moskova"));
    }

    #[test]
    fn no_rules_no_candidates() {
        let mut c = Vec::new();
        inflection_candidates("lavrova", "en", 3, &mut c);
        assert!(c.is_empty());
        assert!(!is_inflecting_language("en"));
        assert!(is_inflecting_language("pl"));
    }

    #[test]
    fn stems_keep_a_minimum() {
        assert_eq!(stem_key("ea"), "ea");
        assert_eq!(stem_key("a"), "a");
        assert_eq!(stem_key("2"), "2");
        assert_eq!(stem_key("baku"), "baku");
        let mut c = Vec::new();
        inflection_candidates("rima", "cs", 5, &mut c);
        assert!(c.is_empty());
    }
}
