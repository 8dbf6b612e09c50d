//! The Translit normalization: romanisation so that spellings of one name in different alphabets meet.

use unicode_normalization::UnicodeNormalization;

use crate::chars::{is_alnum, is_combining_mark, is_hangul_conjoining, is_kept_letter};
use crate::fold::fold_into;

/// The Translit normalization of any text.
///
/// `transliterate(x)` is computed from `fold(x)`:
///
/// 1. Letters of spaceless scripts (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar, Tibetan) and the marks
///    following them are kept as folded: romanising them would make homophones collide. So are letters
///    of abjads (Arabic, Hebrew, Syriac, Thaana) and of the Indic abugidas: their romanisation without
///    written vowels or with inherent vowels turns unrelated words into the same consonant skeleton
///    (Arabic `اسم` "name" would meet `Samoa`), which on real news is far more often wrong than right.
/// 2. Every other character becomes ASCII with [`any_ascii`] and is lower-cased (`` ` `` → `'` as in fold).
///    Characters it has no romanisation for (stray marks, some symbols) disappear, so the key of a token
///    made only of such characters is empty.
/// 3. Spelling unifications, the smallest set that makes common romanisations meet:
///    - `w` → `v`: German/Polish romanisation of Cyrillic `в` (`Lawrow` vs `Lavrov`);
///    - `j` → `y`: German/Czech/scholarly romanisation of `й`/`ج`/`י` (`Sergej` vs `Sergey`);
///    - a run of apostrophes touching a letter or digit is removed: apostrophes mark `ʿayn`/hamza or soft
///      signs and are written or dropped at will (`Ja'afari` vs `Jaafari`, `Igor'` vs `Igor`);
///    - a run of one repeated ASCII letter collapses to one letter: gemination and long vowels are
///      written inconsistently (`Assad`/`Asad`, `Jaafari`/`Jafari`). Digits are never collapsed.
/// 4. NFC, if the result contains conjoining Hangul jamo that became adjacent in step 2.
///
/// Idempotent: the output is lower-case ASCII plus folded spaceless letters, which fold, `any_ascii` and
/// every rule above leave unchanged.
///
/// ```
/// use entnorm_tokenize::transliterate;
/// assert_eq!(transliterate("Сергей Лавров"), "sergey lavrov");
/// assert_eq!(transliterate("Sergej Lawrow"), "sergey lavrov");
/// assert_eq!(transliterate("Ja’afari"), transliterate("Jaafari"));
/// assert_eq!(transliterate("俄罗斯"), "俄罗斯");
/// ```
pub fn transliterate(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    fold_into(text, &mut folded);
    let mut scratch = String::with_capacity(folded.len());
    let mut out = String::with_capacity(folded.len());
    translit_folded_into(&folded, &mut scratch, &mut out);
    out
}

/// Appends the transliteration of already-folded text to `out`, using `scratch` as working space.
pub(crate) fn translit_folded_into(folded: &str, scratch: &mut String, out: &mut String) {
    // Fast path, most tokens of most text: lower-case ASCII letters and digits with no `w`, `j` or
    // doubled letter are their own transliteration.
    let bytes = folded.as_bytes();
    if bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() && !matches!(b, b'w' | b'j') || b.is_ascii_digit())
        && !bytes
            .windows(2)
            .any(|p| p[0] == p[1] && p[0].is_ascii_lowercase())
    {
        out.push_str(folded);
        return;
    }
    // Fast path for words of the scripts step 1 keeps as folded (Arabic, Hebrew, Indic, Han, kana, Thai):
    // such letters, each with the marks that follow it, are their own transliteration (no ASCII, so
    // nothing to collapse; conjoining jamo, which may need NFC, are left to the general path).
    if !bytes.is_empty() && !bytes[0].is_ascii() {
        let mut kept = true;
        let mut after_letter = false;
        for c in folded.chars() {
            if is_kept_letter(c) {
                after_letter = !is_hangul_conjoining(c);
                kept = after_letter;
            } else {
                kept = after_letter && is_combining_mark(c);
            }
            if !kept {
                break;
            }
        }
        if kept {
            out.push_str(folded);
            return;
        }
    }
    translit_general_into(folded, scratch, out);
}

/// [`translit_folded_into`] without the fast path.
fn translit_general_into(folded: &str, scratch: &mut String, out: &mut String) {
    scratch.clear();
    let mut keep_marks = false;
    for c in folded.chars() {
        if c.is_ascii() {
            keep_marks = false;
            scratch.push(ascii_rule(c as u8));
        } else if is_combining_mark(c) && keep_marks {
            scratch.push(c);
        } else if is_kept_letter(c) {
            keep_marks = true;
            scratch.push(c);
        } else {
            if !is_combining_mark(c) {
                keep_marks = false;
            }
            scratch.extend(any_ascii::any_ascii_char(c).bytes().map(ascii_rule));
        }
    }
    let start = out.len();
    collapse_into(scratch, out);
    // Removing a character that romanises to nothing can make two kept Hangul jamo adjacent, which NFC
    // (and so the next fold) composes into a syllable; compose now to stay idempotent. Conjoining jamo
    // are rare in text, and Hangul is the only spaceless script with such starter-starter compositions.
    // Most outputs are ASCII (one vectorised pass), and then hold none.
    let added = &out[start..];
    if !added.is_ascii() && added.chars().any(is_hangul_conjoining) {
        scratch.clear();
        scratch.extend(out[start..].nfc());
        out.truncate(start);
        out.push_str(scratch);
    }
}

/// Per-byte rules on ASCII: lower-case, backtick is an apostrophe, `w` → `v`, `j` → `y`.
fn ascii_rule(b: u8) -> char {
    match b.to_ascii_lowercase() {
        b'`' => '\'',
        b'w' => 'v',
        b'j' => 'y',
        b => char::from(b),
    }
}

/// Removes apostrophe runs that touch a letter or digit and collapses runs of one repeated ASCII letter.
fn collapse_into(s: &str, out: &mut String) {
    let mut prev: Option<char> = None; // previous character of `s` (not of the output)
    let mut last_out: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            let mut run = 1;
            while chars.next_if_eq(&'\'').is_some() {
                run += 1;
            }
            let touches = prev.is_some_and(is_alnum) || chars.peek().is_some_and(|&n| is_alnum(n));
            if !touches {
                out.extend(std::iter::repeat_n('\'', run));
                last_out = Some('\'');
            }
            prev = Some('\'');
            continue;
        }
        prev = Some(c);
        if c.is_ascii_lowercase() && last_out == Some(c) {
            continue;
        }
        out.push(c);
        last_out = Some(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_equals_general_path(text in "[a-z0-9'w-]{0,16}") {
            let (mut fast, mut general, mut scratch) = (String::new(), String::new(), String::new());
            translit_folded_into(&text, &mut scratch, &mut fast);
            translit_general_into(&text, &mut scratch, &mut general);
            proptest::prop_assert_eq!(fast, general);
        }

        #[test]
        fn kept_script_fast_path_equals_general_path(
            text in "[\\u{0600}-\\u{06FF}\\u{0590}-\\u{05FF}\\u{0900}-\\u{097F}\\u{0E00}-\\u{0E7F}\\u{1100}-\\u{11FF}\\u{3040}-\\u{30FF}\\u{4E00}-\\u{4E40}\\u{0300}-\\u{0310}a]{1,12}"
        ) {
            let folded = crate::fold(&text);
            let (mut fast, mut general, mut scratch) = (String::new(), String::new(), String::new());
            translit_folded_into(&folded, &mut scratch, &mut fast);
            translit_general_into(&folded, &mut scratch, &mut general);
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn names_meet() {
        let t = transliterate;
        assert_eq!(t("Сергей Лавров"), t("Sergej Lavrov"));
        assert_eq!(t("Сергей Лавров"), t("Sergey Lavrov"));
        assert_eq!(t("Lawrow"), t("Lavrov"));
        assert_eq!(t("Ja'afari"), t("Jaafari"));
        assert_eq!(t("Ja’afari"), t("Jaafari"));
        assert_eq!(t("Jaʼafari"), t("Jaafari"));
        assert_eq!(t("Башар Асад"), t("Bashar al-Assad").replace("al-", ""));
        assert_eq!(t("Игорь"), t("Igor"));
        assert_eq!(t("Αθήνα"), t("Athina"));
    }

    #[test]
    fn apostrophes_and_digits() {
        assert_eq!(transliterate("'"), "'");
        assert_eq!(transliterate("a ' b"), "a ' b");
        assert_eq!(transliterate("rock'n'roll"), "rocknrol");
        assert_eq!(transliterate("2001"), "2001");
    }

    #[test]
    fn idempotent_on_every_character() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for s in [
                c.to_string(),
                format!("a{c}a"),
                format!("{c}\u{0301}"),
                format!("\u{1100}{c}\u{1161}"),
            ] {
                let once = transliterate(&s);
                assert_eq!(transliterate(&once), once, "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn spaceless_scripts_are_not_romanised() {
        for s in ["俄罗斯", "ロシア", "러시아는", "ประยุทธ์", "ລາວ", "ကမ္ဘာ"]
        {
            assert_eq!(transliterate(s), crate::fold(s), "{s}");
        }
    }
}
