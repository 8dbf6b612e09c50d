//! Character classes shared by segmentation, folding and transliteration.
//!
//! Script membership is decided by code-point ranges: the standard library exposes no script property, and
//! the few scripts that matter here occupy well-known blocks.

/// Whether `c` is a combining mark (general category M), from the class table.
pub(crate) fn is_combining_mark(c: char) -> bool {
    class(c) & MARK != 0
}

/// Whether `c` is Alphabetic (the Unicode property), from the class table.
pub(crate) fn is_alpha(c: char) -> bool {
    class(c) & ALPHA != 0
}

/// How a letter is written: what `char::is_uppercase`, `is_lowercase` and `is_alphabetic` tell, from the
/// class table in one lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LetterCase {
    /// Uppercase (the Unicode property).
    Upper,
    /// Lowercase (the Unicode property).
    Lower,
    /// Alphabetic without case: letters of Arabic, Hebrew, Han, Devanagari, Thai, ...
    Caseless,
    /// Not alphabetic: digits, punctuation, symbols, marks.
    NotALetter,
}

/// The [`LetterCase`] of `c`.
#[inline]
pub fn letter_case(c: char) -> LetterCase {
    if c.is_ascii() {
        return if c.is_ascii_uppercase() {
            LetterCase::Upper
        } else if c.is_ascii_lowercase() {
            LetterCase::Lower
        } else {
            LetterCase::NotALetter
        };
    }
    let k = class(c);
    if k & UPPER != 0 {
        LetterCase::Upper
    } else if k & LOWER != 0 {
        LetterCase::Lower
    } else if k & ALPHA != 0 {
        LetterCase::Caseless
    } else {
        LetterCase::NotALetter
    }
}

/// Whether `c` is an upper-case letter (`char::is_uppercase`), from the class table: for the case tests
/// that run for every word of a text.
#[inline]
pub fn is_upper(c: char) -> bool {
    letter_case(c) == LetterCase::Upper
}

/// Whether `c` is Alphabetic (`char::is_alphabetic`), from the class table: for the other crates.
#[inline]
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        is_alpha(c)
    }
}

/// Whether `c` is Alphabetic or Numeric (`char::is_alphanumeric`), from the class table.
pub(crate) fn is_alnum(c: char) -> bool {
    class(c) & (ALPHA | NUMERIC) != 0
}

// Bits of a character's class: the properties segmentation, folding and transliteration test for
// every character. The standard library's `is_alphabetic` and unicode-normalization's
// `is_combining_mark` search compressed tables on every call, which was a quarter of the whole run's time
// on non-Latin text; one table lookup per character replaces them.
pub(crate) const SPACE: u16 = 1;
pub(crate) const DASH: u16 = 1 << 1;
pub(crate) const IGNORABLE: u16 = 1 << 2;
pub(crate) const APOSTROPHE: u16 = 1 << 3;
pub(crate) const MARK: u16 = 1 << 4;
pub(crate) const ATTACHING: u16 = 1 << 5;
pub(crate) const SPACELESS_LETTER: u16 = 1 << 6;
pub(crate) const ALPHA: u16 = 1 << 7;
pub(crate) const NUMERIC: u16 = 1 << 8;
pub(crate) const WORD_CHAR: u16 = 1 << 9;
pub(crate) const UPPER: u16 = 1 << 10;
pub(crate) const LOWER: u16 = 1 << 11;
pub(crate) const KEPT_LETTER: u16 = 1 << 12;

/// The class bits of `c`: a table lookup in the Basic Multilingual Plane (built once, 128 KiB), computed
/// from the definitions below elsewhere.
#[inline]
pub(crate) fn class(c: char) -> u16 {
    class_in(bmp_classes(), c)
}

/// The class bits of every code point of the Basic Multilingual Plane ([`compute_class`], as
/// `bmp_tables.bin` holds it): for loops over many characters, which then look up [`class_in`] without
/// asking whether the table is loaded each time.
#[inline]
pub(crate) fn bmp_classes() -> &'static [u16] {
    crate::bmp_tables::classes()
}

/// [`class`] of `c`, given [`bmp_classes`].
#[inline]
pub(crate) fn class_in(bmp: &[u16], c: char) -> u16 {
    match bmp.get(c as usize) {
        Some(&k) => k,
        None => compute_class(c),
    }
}

pub(crate) fn compute_class(c: char) -> u16 {
    let mark = unicode_normalization::char::is_combining_mark(c);
    let alpha = c.is_alphabetic();
    let numeric = c.is_numeric();
    let spaceless_letter =
        in_spaceless_block(c) && (alpha || matches!(c as u32, 0x2E80..=0x2FDF)) && !mark;
    let bits = [
        (is_space(c), SPACE),
        (is_dash(c), DASH),
        (is_ignorable(c), IGNORABLE),
        (is_apostrophe(c), APOSTROPHE),
        (mark, MARK),
        (mark || c == '\u{FF9E}' || c == '\u{FF9F}', ATTACHING),
        (spaceless_letter, SPACELESS_LETTER),
        (alpha, ALPHA),
        (numeric, NUMERIC),
        (
            (alpha || numeric) && !is_apostrophe(c) && !spaceless_letter,
            WORD_CHAR,
        ),
        (c.is_uppercase(), UPPER),
        (c.is_lowercase(), LOWER),
        (
            spaceless_letter || (in_unromanised_script(c) && alpha && !mark),
            KEPT_LETTER,
        ),
    ];
    bits.iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit)
}

/// Characters that end a token and are not tokens themselves (besides whitespace and controls):
/// hyphens and dashes, so that `al-Assad` and `al Assad` give the same tokens.
///
/// U+05BE (Hebrew maqaf) and U+058A (Armenian hyphen) are those scripts' hyphens; U+FE58, U+FE31 and
/// U+FE32 are small/vertical dashes and U+2E3A/U+2E3B long dashes. The soft hyphen U+00AD is an
/// [ignorable](is_ignorable) instead, because it sits invisibly *inside* words.
pub(crate) fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
            | '\u{FE63}'
            | '\u{FF0D}'
            | '\u{FE58}'
            | '\u{FE31}'
            | '\u{FE32}'
            | '\u{2E3A}'
            | '\u{2E3B}'
            | '\u{05BE}'
            | '\u{058A}'
    )
}

/// Apostrophe variants. Between two letters they are part of the word (`O'Brien`, `Ja’afari`); the
/// folded form of all of them is ASCII `'`.
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}'
            | '\u{02BC}'
            | '\u{02BB}'
            | '\u{02BF}'
            | '\u{02BE}'
            | '`'
            | '\u{00B4}'
            | '\u{2018}'
            | '\u{FF07}'
    )
}

/// Quotation marks folded to ASCII `"`.
pub(crate) fn is_quote(c: char) -> bool {
    matches!(
        c,
        '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{201F}'
            | '\u{00AB}'
            | '\u{00BB}'
            | '\u{2039}'
            | '\u{203A}'
    )
}

/// Invisible format characters: joiners (meaningful inside Indic and Persian words), the soft hyphen,
/// bidi controls, the BOM and word joiner. They continue a word when they sit inside one, separate
/// otherwise, and are removed by [`fold`](crate::fold).
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200C}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// Whitespace, controls and the zero-width space (a word separator in Thai and Khmer text).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || c.is_control() || c == '\u{200B}'
}

/// Characters removed by folding: the ignorables, the zero-width space and the Arabic tatweel
/// (a purely typographic elongation).
pub(crate) fn is_removed_by_fold(c: char) -> bool {
    is_ignorable(c) || c == '\u{200B}' || c == '\u{0640}'
}

/// Blocks of scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar,
/// Tibetan) plus Hangul (spaced, but particles attach to names). Includes the blocks' marks and digits;
/// callers combine this with `is_alphabetic`.
pub(crate) fn in_spaceless_block(c: char) -> bool {
    let u = c as u32;
    matches!(
        u,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x0F00..=0x0FFF    // Tibetan
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x19E0..=0x19FF    // Khmer symbols
        | 0x2E80..=0x2FDF    // CJK radicals, Kangxi radicals
        | 0x3005..=0x3007    // 々 〆 〇
        | 0x3021..=0x3029    // Hangzhou numerals
        | 0x3031..=0x3035    // kana repeat marks
        | 0x3038..=0x303C    // 〻 〼 etc.
        | 0x3040..=0x30FF    // Hiragana, Katakana (incl. ー)
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xA9E0..=0xA9FF    // Myanmar extended-B
        | 0xAA60..=0xAA7F    // Myanmar extended-A
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // halfwidth Katakana
        | 0x1B000..=0x1B16F  // kana supplement/extended
        | 0x20000..=0x3FFFF  // CJK extensions B.. and compatibility supplement
    ) || is_hangul(c)
}

/// Hangul syllables and jamo (all forms).
pub(crate) fn is_hangul(c: char) -> bool {
    let u = c as u32;
    matches!(
        u,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xD7B0..=0xD7FF | 0xFFA0..=0xFFDC
    )
}

/// A letter of a spaceless script: one [`Char`](crate::TokenClass::Char) token per such letter.
/// Kangxi/CJK radicals are symbols (So) but NFKC maps them to ideographs, so they count as letters.
/// Marks are excluded even where they are Alphabetic (Thai vowel signs): they attach, they never start.
/// (Segmentation tests the [`SPACELESS_LETTER`] bit of a class it already has.)
#[cfg(test)]
pub(crate) fn is_spaceless_letter(c: char) -> bool {
    class(c) & SPACELESS_LETTER != 0
}

/// Scripts whose romanisation would be a consonant skeleton or a guess at inherent vowels: abjads and
/// the Indic abugidas (see [`transliterate`](crate::transliterate), step 1).
fn in_unromanised_script(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F // Hebrew
        | 0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF // Arabic
        | 0x0700..=0x074F // Syriac
        | 0x0780..=0x07BF // Thaana
        | 0x0900..=0x0DFF // Devanagari .. Sinhala
    )
}

/// A letter that transliteration keeps as folded: a [spaceless letter](is_spaceless_letter) or a letter
/// (not a mark) of an [unromanised script](in_unromanised_script).
pub(crate) fn is_kept_letter(c: char) -> bool {
    class(c) & KEPT_LETTER != 0
}

/// Halfwidth katakana (semi-)voiced sound marks: spacing letters, but NFKC turns them into combining
/// marks, so segmentation attaches them to the preceding kana like a mark (`ｶﾞ` is one token).
pub(crate) fn is_attaching(c: char) -> bool {
    class(c) & ATTACHING != 0
}

/// Hangul conjoining vowel jamo (medial), which continue a syllable started by a leading jamo.
pub(crate) fn is_hangul_v(c: char) -> bool {
    matches!(c as u32, 0x1160..=0x11A7 | 0xD7B0..=0xD7C6)
}

/// Hangul conjoining trailing jamo (final consonants).
pub(crate) fn is_hangul_t(c: char) -> bool {
    matches!(c as u32, 0x11A8..=0x11FF | 0xD7CB..=0xD7FB)
}

/// Any conjoining Hangul jamo (leading, vowel or trailing), which NFC composes into syllables.
pub(crate) fn is_hangul_conjoining(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x11FF | 0xA960..=0xA97F | 0xD7B0..=0xD7FF)
}

/// Hangul leading jamo (initial consonants).
pub(crate) fn is_hangul_l(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0xA960..=0xA97C)
}

/// A precomposed Hangul syllable.
pub(crate) fn is_hangul_syllable(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7A3)
}

/// Letters whose combining diacritics (U+0300..=U+036F) are removed by folding: Latin, Greek and
/// Cyrillic. Marks of other scripts (Indic vowel signs, viramas, nuktas, Thai tone marks) carry
/// spelling, not accent, and are kept.
pub(crate) fn strips_diacritics(c: char) -> bool {
    let u = c as u32;
    is_alpha(c)
        && matches!(
            u,
            0x0041..=0x024F      // Basic Latin .. Latin Extended-B
            | 0x0250..=0x02AF    // IPA
            | 0x0370..=0x03FF    // Greek
            | 0x0400..=0x052F    // Cyrillic
            | 0x1C80..=0x1C8F    // Cyrillic Extended-C
            | 0x1D00..=0x1DBF    // phonetic extensions
            | 0x1E00..=0x1FFF    // Latin Extended Additional, Greek Extended
            | 0x2C60..=0x2C7F    // Latin Extended-C
            | 0x2DE0..=0x2DFF    // Cyrillic Extended-A
            | 0xA640..=0xA69F    // Cyrillic Extended-B
            | 0xA720..=0xA7FF    // Latin Extended-D
            | 0xAB30..=0xAB6F    // Latin Extended-E
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_table_agrees_with_the_unicode_properties_for_every_code_point() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let u = c as u32;
            assert_eq!(is_alpha(c), c.is_alphabetic(), "U+{u:04X}");
            assert_eq!(is_alnum(c), c.is_alphanumeric(), "U+{u:04X}");
            let mark = unicode_normalization::char::is_combining_mark(c);
            assert_eq!(is_combining_mark(c), mark, "U+{u:04X}");
            assert_eq!(class(c) & SPACE != 0, is_space(c), "U+{u:04X}");
            assert_eq!(class(c) & DASH != 0, is_dash(c), "U+{u:04X}");
            assert_eq!(class(c) & APOSTROPHE != 0, is_apostrophe(c), "U+{u:04X}");
            assert_eq!(
                is_spaceless_letter(c),
                in_spaceless_block(c)
                    && (c.is_alphabetic() || (0x2E80..=0x2FDF).contains(&u))
                    && !mark,
                "U+{u:04X}"
            );
            assert_eq!(
                is_kept_letter(c),
                is_spaceless_letter(c) || (in_unromanised_script(c) && c.is_alphabetic() && !mark),
                "U+{u:04X}"
            );
        }
    }

    #[test]
    fn classes_are_disjoint_where_segmentation_relies_on_it() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let n = [is_space(c), is_dash(c), is_ignorable(c), is_apostrophe(c)]
                .iter()
                .filter(|&&b| b)
                .count();
            assert!(n <= 1, "{c:?} U+{:04X}", c as u32);
            if is_apostrophe(c) || is_dash(c) || is_ignorable(c) {
                assert!(!is_combining_mark(c), "U+{:04X}", c as u32);
            }
        }
    }
}

#[cfg(test)]
mod case_tests {
    use super::*;

    #[test]
    fn letter_case_and_is_letter_agree_with_the_standard_library_for_every_character() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            // No character is both, so testing either first gives the same answer.
            assert!(
                !(c.is_uppercase() && c.is_lowercase()),
                "U+{:04X}",
                c as u32
            );
            let expected = if c.is_uppercase() {
                LetterCase::Upper
            } else if c.is_lowercase() {
                LetterCase::Lower
            } else if c.is_alphabetic() {
                LetterCase::Caseless
            } else {
                LetterCase::NotALetter
            };
            assert_eq!(letter_case(c), expected, "{c:?} U+{:04X}", c as u32);
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?} U+{:04X}", c as u32);
            assert_eq!(is_upper(c), c.is_uppercase(), "{c:?} U+{:04X}", c as u32);
        }
        assert_eq!(letter_case('Л'), LetterCase::Upper);
        assert_eq!(letter_case('ω'), LetterCase::Lower);
        assert_eq!(letter_case('ب'), LetterCase::Caseless);
        assert_eq!(letter_case('٣'), LetterCase::NotALetter);
    }
}
