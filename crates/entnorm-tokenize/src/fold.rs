//! The Folded normalization: case, compatibility forms, accents and script-specific spelling variants.

use unicode_normalization::UnicodeNormalization;

use crate::bmp_tables::{self, NOT_SIMPLE, REMOVED};
use crate::chars::{
    is_apostrophe, is_combining_mark, is_dash, is_quote, is_removed_by_fold, strips_diacritics,
};

/// The Folded normalization of any text.
///
/// One streaming pipeline (no intermediate strings), in this order:
///
/// 1. Premap: apostrophe, quote and dash variants to ASCII; invisible format characters, the zero-width
///    space and the Arabic tatweel removed. Done *before* NFKC because NFKC turns `´` into a space plus a
///    combining accent, and again after it because NFKC produces some dashes (`﹘` → `—`).
/// 2. NFKC: compatibility forms (ligatures, full/halfwidth, presentation forms, `ſ`, `ϐ`) to plain letters.
/// 3. Lower-casing with `char::to_lowercase`, plus the full case folds it lacks: `ß`/`ẞ` → `ss`, `ς` → `σ`.
///    `İ` lower-cases to `i` + U+0307, whose dot step 4 removes.
/// 4. NFD, then per character: drop U+0300..=U+036F after Latin, Greek and Cyrillic letters (accents,
///    Greek tonos and dialytika, Cyrillic `ё` → `е`), except the breve on `и`, so `й` stays a letter of its
///    own (Russian `Сергей` must transliterate to `sergey`, not `sergei`); drop Arabic harakat and Quranic
///    marks (U+064B..=U+065F, U+0670, U+06D6..=U+06ED) — under NFD this also turns `أ إ آ ؤ ئ` into their
///    carriers `ا ا ا و ي`; map `ٱ ٲ ٳ` → `ا`, `ى` → `ي`, `ة` → `ه`, Persian `ی` → `ي`, `ک` → `ك`; drop
///    Hebrew points and cantillation. Marks of all other scripts are spelling and are kept.
/// 5. NFC.
///
/// The result is stable under a second application (checked exhaustively for single characters and by
/// property tests): after step 2 no compatibility characters remain, steps 3–4 only remove or map to
/// characters that are fixed points of every step, and step 5 recomposes what step 4 of the next run would
/// decompose again.
///
/// ```
/// use entnorm_tokenize::fold;
/// assert_eq!(fold("Straße"), fold("STRASSE"));
/// assert_eq!(fold("Ja’afari"), "ja'afari");
/// assert_eq!(fold("ΑΘΉΝΑ"), "αθηνα");
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// Appends `fold(text)` to `out` without allocating (beyond growing `out`).
pub(crate) fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        fold_ascii_into(text, out);
        return;
    }
    // Most words of most scripts consist of "simple" characters only, whose fold is a per-character map;
    // fall back to the full pipeline at the first other character. Words of caseless scripts are often
    // their own fold: the part up to the first character that changes is copied as it is.
    let start = out.len();
    let mut same = text.len();
    for (i, c) in text.char_indices() {
        match simple_fold(c) {
            Some(Simple::To(f)) if f == c => {}
            Some(_) => {
                same = i;
                break;
            }
            None => {
                fold_unicode_into(text, out);
                return;
            }
        }
    }
    out.push_str(&text[..same]);
    for c in text[same..].chars() {
        match simple_fold(c) {
            Some(Simple::To(f)) => out.push(f),
            Some(Simple::Removed) => {}
            None => {
                out.truncate(start);
                fold_unicode_into(text, out);
                return;
            }
        }
    }
}

/// What folding does to a simple character, whatever simple characters surround it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Simple {
    /// It becomes this character.
    To(char),
    /// It disappears: Arabic harakat and tatweel, Hebrew points, invisible format characters. Vocalised
    /// Arabic (`أيضاً`, `محمّد`) is common in news, and sent every such word down the full pipeline.
    Removed,
}

/// The fold of `c` if `c` is a simple character, for which the whole pipeline is a per-character map
/// inside any string of simple characters. From a table of the Basic Multilingual Plane computed from
/// the full pipeline itself (`simple_folds_by_rule`, committed in `bmp_tables.bin`), so every script
/// gets the fast path, not a hand-picked few; characters outside the BMP always take the full
/// pipeline. Checked against the full pipeline in the tests.
#[inline]
fn simple_fold(c: char) -> Option<Simple> {
    match *bmp_tables::simple_folds().get(c as usize)? {
        NOT_SIMPLE => None,
        REMOVED => Some(Simple::Removed),
        f => char::from_u32(f).map(Simple::To),
    }
}

/// One page of the simple-character table ([`NOT_SIMPLE`], [`REMOVED`] or the fold), code points
/// `page * 256 ..`, as `bmp_tables.bin` holds it (computed by its test). A character is simple if it
/// cannot interact with a neighbour that is also simple, and folds to one simple character or to nothing:
///
/// - a *base*: not a combining mark or conjoining Hangul jamo, its compatibility decomposition starts
///   with a non-mark, it is never the second half of a canonical composition, and its fold is one
///   character of the same kind that folds to itself;
/// - a *kept mark*: a combining mark of class 0 that folding keeps after any base (Indic and Thai vowel
///   signs, most viramas are not class 0 and stay out), has no decomposition, and is never the second half
///   of a composition. Class-0 marks never reorder, so between such marks and bases nothing moves;
/// - a *removed* character: one that folding drops whatever its neighbours ([`always_dropped`]). Where it
///   is the second half of a composition (`ا` + hamza above = `أ`), the full pipeline decomposes again
///   and drops it, so dropping it at once gives the same; its neighbours stay as they are, since no two
///   simple characters compose.
#[cfg(test)]
pub(crate) fn simple_folds_by_rule(page: u32) -> Box<[u32]> {
    use unicode_normalization::char::{canonical_combining_class, decompose_compatible};
    let second = composition_second_halves();
    let full = |s: &str| {
        let mut out = String::new();
        fold_unicode_into(s, &mut out);
        out
    };
    let single = |s: &str| {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(f), None) => Some(f),
            _ => None,
        }
    };
    let is_base = |c: char| {
        let mut first = None;
        decompose_compatible(c, |d| {
            first.get_or_insert(d);
        });
        !is_combining_mark(c)
            && !crate::chars::is_hangul_conjoining(c)
            && !second[c as usize]
            && first.is_some_and(|d| !is_combining_mark(d))
    };
    const BASES: [char; 8] = ['a', 'и', 'α', 'ب', 'א', 'क', 'ก', 'ა'];
    let mut table = vec![NOT_SIMPLE; 0x100];
    let first = page << 8;
    for c in (first.max(1)..first + 0x100).filter_map(char::from_u32) {
        let at = (c as u32 - first) as usize;
        let text = c.to_string();
        let folded = full(&text);
        if always_dropped(c) {
            // Checked, not assumed: nothing of it stays, beside any base on either side.
            let dropped = folded.is_empty()
                && BASES.iter().all(|&b| {
                    let b_alone = full(&b.to_string());
                    full(&format!("{b}{c}")) == b_alone && full(&format!("{c}{b}")) == b_alone
                });
            if dropped {
                table[at] = REMOVED;
            }
            continue;
        }
        let Some(f) = single(&folded) else { continue };
        let simple = if is_combining_mark(c) {
            let mut nfd = 0;
            decompose_compatible(c, |_| nfd += 1);
            f == c
                && canonical_combining_class(c) == 0
                && !second[c as usize]
                && nfd == 1
                && BASES
                    .iter()
                    .all(|&b| full(&format!("{b}{c}")) == format!("{}{c}", full(&b.to_string())))
        } else {
            is_base(c) && (f as u32) < 0x10000 && is_base(f) && full(&f.to_string()) == folded
        };
        if simple {
            table[at] = f as u32;
        }
    }
    table.into_boxed_slice()
}

/// Which characters of the Basic Multilingual Plane are the second half of a canonical composition: the
/// last character of every canonical decomposition (each intermediate form is itself a character with its
/// own decomposition, so every pair is seen).
#[cfg(test)]
fn composition_second_halves() -> &'static [bool] {
    static SECOND: std::sync::OnceLock<Box<[bool]>> = std::sync::OnceLock::new();
    SECOND.get_or_init(|| {
        let mut second = vec![false; 0x10000];
        for y in (0..0x20000u32).filter_map(char::from_u32) {
            let mut parts = 0;
            let mut last = y;
            unicode_normalization::char::decompose_canonical(y, |d| {
                parts += 1;
                last = d;
            });
            if parts >= 2 && (last as u32) < 0x10000 {
                second[last as usize] = true;
            }
        }
        second.into_boxed_slice()
    })
}

/// Characters the full pipeline drops wherever they stand: step 1's removals, and step 4's Arabic
/// harakat and Quranic signs and Hebrew points, which it drops after any base.
#[cfg(test)]
fn always_dropped(c: char) -> bool {
    is_removed_by_fold(c) || is_arabic_vowel_sign(c) || (is_hebrew_point(c) && is_combining_mark(c))
}

/// Arabic harakat and Quranic annotation signs (a few of which are not marks).
fn is_arabic_vowel_sign(c: char) -> bool {
    matches!(c as u32, 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED)
}

/// Hebrew niqqud and cantillation (with some punctuation of the block: callers test for a mark).
fn is_hebrew_point(c: char) -> bool {
    matches!(c as u32, 0x0591..=0x05C7)
}

/// The full pipeline, for any text.
fn fold_unicode_into(text: &str, out: &mut String) {
    let lowered = CaseFold::new(text.chars().filter_map(premap).nfkc());
    let mut base = ' ';
    let filtered = lowered.nfd().filter_map(move |c| post_map(c, &mut base));
    out.extend(filtered.nfc());
}

/// The ASCII fast path: for ASCII input the pipeline reduces to lower-casing and `` ` `` → `'`.
pub(crate) fn fold_ascii_into(text: &str, out: &mut String) {
    if text.contains('`') {
        out.extend(text.bytes().map(|b| match b {
            b'`' => '\'',
            _ => char::from(b.to_ascii_lowercase()),
        }));
        return;
    }
    // Copied, then lower-cased in place: no per-character push.
    let start = out.len();
    out.push_str(text);
    out[start..].make_ascii_lowercase();
}

/// Step 1: punctuation variants to ASCII, invisible characters removed.
fn premap(c: char) -> Option<char> {
    if is_removed_by_fold(c) {
        None
    } else if is_apostrophe(c) {
        Some('\'')
    } else if is_quote(c) {
        Some('"')
    } else if is_dash(c) {
        Some('-')
    } else {
        Some(c)
    }
}

/// Step 4 for one character of the NFD stream; `base` is the last non-mark character kept.
fn post_map(c: char, base: &mut char) -> Option<char> {
    let c = premap(c)?;
    let u = c as u32;
    // Before the mark test: a few of these signs are not marks.
    if is_arabic_vowel_sign(c) {
        return None;
    }
    if is_combining_mark(c) {
        if is_hebrew_point(c) {
            return None;
        }
        if (0x0300..=0x036F).contains(&u)
            && strips_diacritics(*base)
            && !(*base == 'и' && c == '\u{0306}')
        {
            return None;
        }
        return Some(c);
    }
    let c = match c {
        '\u{0671}' | '\u{0672}' | '\u{0673}' => '\u{0627}', // alef wasla / wavy hamza variants → bare alef
        '\u{0649}' => '\u{064A}',                           // alef maksura → yeh
        '\u{0629}' => '\u{0647}',                           // teh marbuta → heh
        '\u{06CC}' => '\u{064A}',                           // Farsi yeh → Arabic yeh
        '\u{06A9}' => '\u{0643}',                           // keheh → kaf
        _ => c,
    };
    *base = c;
    Some(c)
}

/// Step 3 as an iterator adaptor: full lower-casing, at most three characters per input character.
struct CaseFold<I> {
    inner: I,
    buf: [char; 3],
    pos: u8,
    len: u8,
}

impl<I: Iterator<Item = char>> CaseFold<I> {
    fn new(inner: I) -> Self {
        CaseFold {
            inner,
            buf: ['\0'; 3],
            pos: 0,
            len: 0,
        }
    }
}

impl<I: Iterator<Item = char>> Iterator for CaseFold<I> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if self.pos < self.len {
            let c = self.buf[usize::from(self.pos)];
            self.pos += 1;
            return Some(c);
        }
        let c = self.inner.next()?;
        match c {
            'ß' | 'ẞ' => {
                self.buf[0] = 's';
                self.pos = 0;
                self.len = 1;
                Some('s')
            }
            'ς' => Some('σ'),
            c if c.is_ascii() => Some(c.to_ascii_lowercase()),
            c => {
                let mut lower = c.to_lowercase();
                let first = lower.next().unwrap_or(c);
                self.pos = 0;
                self.len = 0;
                for (slot, l) in self.buf.iter_mut().zip(lower) {
                    *slot = l;
                    self.len += 1;
                }
                Some(first)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_greek_cyrillic() {
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRASSE"), "strasse");
        assert_eq!(fold("ẞ"), "ss");
        assert_eq!(fold("Ёлка"), fold("Елка"));
        assert_eq!(fold("Ё"), "е");
        assert_eq!(fold("Сергей"), "сергей");
        assert_eq!(fold("Αθήνα"), "αθηνα");
        assert_eq!(fold("ΑΘΗΝΑ"), "αθηνα");
        assert_eq!(fold("Οδυσσεύς"), "οδυσσευσ");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("Côte d’Ivoire"), "cote d'ivoire");
        assert_eq!(fold("ﬁnance"), "finance");
        assert_eq!(fold("ＡＢＣ１"), "abc1");
        assert_eq!(fold("Ṣāliḥ"), "salih");
    }

    #[test]
    fn punctuation() {
        assert_eq!(fold("al‑Assad – «x» “y”"), "al-assad - \"x\" \"y\"");
        assert_eq!(fold("Ja´afari"), "ja'afari");
        assert_eq!(fold("Ber\u{00AD}lin\u{200F}"), "berlin");
    }

    #[test]
    fn arabic() {
        assert_eq!(fold("أحمد"), fold("احمد"));
        assert_eq!(fold("إبراهيم"), "ابراهيم");
        assert_eq!(fold("سورية"), fold("سوريه"));
        assert_eq!(fold("مُحَمَّد"), "محمد");
        assert_eq!(fold("محـــمد"), "محمد");
        assert_eq!(fold("مصطفى"), "مصطفي");
        assert_eq!(fold("مسؤول"), "مسوول");
        assert_eq!(fold("ایران"), fold("ايران"));
        assert_eq!(fold("کابل"), fold("كابل"));
        // presentation forms
        assert_eq!(fold("\u{FEE3}\u{FEA4}\u{FEE4}\u{FEAA}"), "محمد");
        // Vocalised and stretched words take the per-character path, with the full pipeline's result.
        for word in ["أيضاً", "مُحَمَّد", "محـــمد", "إِنَّ", "آمَنُ"]
        {
            assert!(word.chars().all(|c| simple_fold(c).is_some()), "{word}");
            let mut full = String::new();
            fold_unicode_into(word, &mut full);
            assert_eq!(fold(word), full, "{word}");
        }
    }

    #[test]
    fn hebrew_and_indic_marks() {
        assert_eq!(fold("יְרוּשָׁלַיִם"), "ירושלים");
        // Devanagari vowel signs and virama are spelling, not accents.
        assert_eq!(fold("व्लादिमीर"), "व्लादिमीर");
        assert_eq!(fold("ประยุทธ์"), "ประยุทธ์");
    }

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_equals_full_pipeline(text in "[\\x00-\\x7F]{0,40}") {
            let (mut fast, mut full) = (String::new(), String::new());
            fold_ascii_into(&text, &mut fast);
            fold_unicode_into(&text, &mut full);
            proptest::prop_assert_eq!(fast, full);
        }
    }

    #[test]
    fn simple_fast_path_equals_full_pipeline() {
        let simple: Vec<char> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| simple_fold(c).is_some())
            .collect();
        for &c in &simple {
            let mut full = String::new();
            fold_unicode_into(&c.to_string(), &mut full);
            let Some(Simple::To(f)) = simple_fold(c) else {
                assert_eq!(full, "", "U+{:04X} is removed", c as u32);
                continue;
            };
            assert_eq!(simple_fold(f), Some(Simple::To(f)), "U+{:04X}", c as u32);
            assert_eq!(full, f.to_string(), "U+{:04X}", c as u32);
            // A mark is simple only as itself (a kept mark).
            assert!(!is_combining_mark(c) || f == c, "U+{:04X}", c as u32);
        }
        // No two simple characters compose or interact: check every pair of one character from each
        // block-sized sample against the full pipeline.
        let marks: Vec<char> = simple
            .iter()
            .copied()
            .filter(|&c| is_combining_mark(c))
            .collect();
        let sample: Vec<char> = simple
            .iter()
            .copied()
            .step_by(41)
            .chain(marks.iter().copied().step_by(3))
            .chain("aZйЙяїЇґєўјљאתاءيوپگぁゖァヺ가힣一龥éÉçñøłßάέΐकिाกาเ".chars())
            // Removed characters: harakat (fathatan, shadda, hamza above), tatweel, a Hebrew point, ZWJ.
            .chain("\u{064B}\u{0651}\u{0654}\u{0640}\u{05B8}\u{200D}".chars())
            .filter(|&c| simple_fold(c).is_some())
            .collect();
        assert!(sample.len() > 500, "{}", sample.len());
        for &a in &sample {
            for &b in &sample {
                let s: String = [a, b].into_iter().collect();
                let mut full = String::new();
                fold_unicode_into(&s, &mut full);
                assert_eq!(fold(&s), full, "{s}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn simple_fast_path_on_strings(text in "[a-zA-Z0-9À-ɏͰ-ϿЀ-ӿ֐-׿؀-ۿऀ-ॿ฀-๿ぁ-ゖァ-ヺ一-龥가-힣]{0,12}") {
            let mut full = String::new();
            fold_unicode_into(&text, &mut full);
            proptest::prop_assert_eq!(fold(&text), full);
        }
    }

    #[test]
    fn ascii_fast_path_equals_full_pipeline_per_byte() {
        for b in 0..=0x7Fu8 {
            let s = char::from(b).to_string();
            let (mut fast, mut full) = (String::new(), String::new());
            fold_ascii_into(&s, &mut fast);
            fold_unicode_into(&s, &mut full);
            assert_eq!(fast, full, "{b:#x}");
        }
    }

    #[test]
    fn idempotent_on_every_character() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for s in [
                c.to_string(),
                format!("a{c}"),
                format!("{c}\u{0301}"),
                format!("и{c}"),
            ] {
                let once = fold(&s);
                assert_eq!(fold(&once), once, "U+{:04X}", c as u32);
            }
        }
    }
}
