//! Segmentation table tests on real multilingual text, one per script family.

use entnorm_tokenize::{Analysis, Analyzer, KeyLayer, TokenClass};
use TokenClass::{Char, Number, Punct, Word};

/// (text, class, can_start) of every token.
fn tokens(text: &str) -> Vec<(String, TokenClass, bool)> {
    let mut out = Analysis::default();
    Analyzer::new().analyze(text, &mut out);
    assert!(out.tokens().iter().all(|t| t.can_end));
    out.tokens()
        .iter()
        .map(|t| (text[t.range()].to_string(), t.class, t.can_start))
        .collect()
}

fn texts(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.0).collect()
}

fn words(text: &str) -> Vec<(String, TokenClass, bool)> {
    texts(text).into_iter().map(|s| (s, Word, true)).collect()
}

fn owned(expected: &[(&str, TokenClass, bool)]) -> Vec<(String, TokenClass, bool)> {
    expected
        .iter()
        .map(|&(s, c, b)| (s.to_string(), c, b))
        .collect()
}

#[test]
fn english_possessive_and_romance_elision_split_off_the_name() {
    assert_eq!(texts("Syria's army"), ["Syria", "'", "s", "army"]);
    assert_eq!(texts("Russia’s"), ["Russia", "’", "s"]);
    assert_eq!(
        texts("l'Iran dell’Ucraina L'Italie"),
        ["l", "'", "Iran", "dell", "’", "Ucraina", "L", "'", "Italie"]
    );
    // not a possessive: the word goes on after the s
    assert_eq!(texts("Ba'sir"), ["Ba'sir"]);
}

#[test]
fn latin_apostrophes_and_hyphens() {
    assert_eq!(
        tokens("Ja'afari, O’Brien of Côte d'Ivoire: 'quoted' 90's"),
        owned(&[
            ("Ja'afari", Word, true),
            (",", Punct, true),
            ("O’Brien", Word, true),
            ("of", Word, true),
            ("Côte", Word, true),
            // an elided article is its own word, so `Ivoire` and `l'Iran` → `Iran` can match
            ("d", Word, true),
            ("'", Punct, true),
            ("Ivoire", Word, true),
            (":", Punct, true),
            ("'", Punct, true),
            ("quoted", Word, true),
            ("'", Punct, true),
            ("90", Number, true),
            ("'", Punct, true),
            ("s", Word, true),
        ])
    );
    for variant in [
        "Ja'afari",
        "Ja’afari",
        "Jaʼafari",
        "Jaʻafari",
        "Ja`afari",
        "Ja´afari",
        "Ja‘afari",
        "Ja＇afari",
    ] {
        assert_eq!(texts(variant), [variant], "{variant}");
    }
    for variant in [
        "al-Assad",
        "al Assad",
        "al‑Assad",
        "al–Assad",
        "al—Assad",
        "al\u{2010}Assad",
        "al－Assad",
    ] {
        assert_eq!(texts(variant), ["al", "Assad"], "{variant}");
    }
    assert_eq!(
        tokens("COVID-19"),
        owned(&[("COVID", Word, true), ("19", Number, true)])
    );
    assert_eq!(
        texts("G20, 2024 (Reuters) - rock'n'roll!"),
        ["G20", ",", "2024", "(", "Reuters", ")", "rock'n'roll", "!"]
    );
}

#[test]
fn invisible_characters() {
    // A soft hyphen inside a word belongs to it (and folds away); a ZWSP separates.
    assert_eq!(texts("Ber\u{00AD}lin"), ["Ber\u{00AD}lin"]);
    assert_eq!(texts("Berlin\u{00AD} x"), ["Berlin", "x"]);
    assert_eq!(texts("a\u{200B}b \u{200F}c\u{200E}"), ["a", "b", "c"]);
    // ZWNJ inside a Persian word.
    assert_eq!(texts("نمی‌خواهم"), ["نمی‌خواهم"]);
}

/// A word of two-byte letters (Cyrillic, Greek, Arabic, Hebrew) goes on through what the rules join to
/// it: an inner apostrophe between letters (Ukrainian spells words with one), a combining mark that is
/// not a letter (a stress mark).
#[test]
fn two_byte_words_go_on_through_apostrophes_and_marks() {
    assert_eq!(
        texts("Дем'яненко сказав п’ять слів."),
        ["Дем'яненко", "сказав", "п’ять", "слів", "."]
    );
    assert_eq!(texts("Москва́ и Ки́ев."), ["Москва́", "и", "Ки́ев", "."]);
    assert_eq!(texts("Ἀθῆναι Αθη\u{301}να"), ["Ἀθῆναι", "Αθη\u{301}να"]);
}

#[test]
fn cyrillic() {
    assert_eq!(
        tokens("Сергей Лавров заявил: «Рим» — не Римма."),
        owned(&[
            ("Сергей", Word, true),
            ("Лавров", Word, true),
            ("заявил", Word, true),
            (":", Punct, true),
            ("«", Punct, true),
            ("Рим", Word, true),
            ("»", Punct, true),
            ("не", Word, true),
            ("Римма", Word, true),
            (".", Punct, true),
        ])
    );
}

#[test]
fn greek() {
    assert_eq!(
        tokens("Η Αθήνα (ΑΘΗΝΑ) και η Θεσσαλονίκη"),
        {
            let mut v = words("Η Αθήνα");
            v.push(("(".into(), Punct, true));
            v.push(("ΑΘΗΝΑ".into(), Word, true));
            v.push((")".into(), Punct, true));
            v.extend(words("και η Θεσσαλονίκη"));
            v
        }
    );
}

#[test]
fn arabic_with_harakat_and_tatweel() {
    assert_eq!(
        tokens("قالَ الرئيسُ بشّار الأســد."),
        {
            let mut v = words("قالَ الرئيسُ بشّار الأســد");
            v.push((".".into(), Punct, true));
            v
        }
    );
    assert_eq!(
        texts("قالَ الرئيسُ بشّار الأســد"),
        ["قالَ", "الرئيسُ", "بشّار", "الأســد"]
    );
    assert_eq!(
        texts("وزير الخارجية السوري، وليد المعلم"),
        ["وزير", "الخارجية", "السوري", "،", "وليد", "المعلم"]
    );
    // A year in Arabic-Indic digits is a number; with the letter of `ميلادي` (AD) after it, a word.
    assert_eq!(
        tokens("عام ٢٠١٦ في ٢٠١٦م"),
        owned(&[
            ("عام", Word, true),
            ("٢٠١٦", Number, true),
            ("في", Word, true),
            ("٢٠١٦م", Word, true),
        ])
    );
}

#[test]
fn hebrew_with_niqqud() {
    assert_eq!(
        tokens("יְרוּשָׁלַיִם ותל־אביב"),
        owned(&[
            ("יְרוּשָׁלַיִם", Word, true),
            ("ותל", Word, true),
            ("אביב", Word, true),
        ])
    );
}

#[test]
fn devanagari() {
    assert_eq!(
        tokens("व्लादिमीर पुतिन ने कहा।"),
        {
            let mut v = words("व्लादिमीर पुतिन ने कहा");
            v.push(("।".into(), Punct, true));
            v
        }
    );
    assert_eq!(
        texts("व्लादिमीर पुतिन ने कहा"),
        ["व्लादिमीर", "पुतिन", "ने", "कहा"]
    );
}

#[test]
fn thai_one_char_token_per_letter_with_its_marks() {
    let t = tokens("นายกรัฐมนตรีประยุทธ์");
    let expected = [
        "น", "า", "ย", "ก", "รั", "ฐ", "ม", "น", "ต", "รี", "ป", "ร", "ะ", "ยุ", "ท", "ธ์",
    ];
    assert_eq!(
        t,
        expected
            .iter()
            .map(|s| (s.to_string(), Char, true))
            .collect::<Vec<_>>()
    );
}

#[test]
fn chinese() {
    let t = tokens("俄罗斯外长拉夫罗夫表示，");
    let mut expected: Vec<_> = "俄罗斯外长拉夫罗夫表示"
        .chars()
        .map(|c| (c.to_string(), Char, true))
        .collect();
    expected.push(("，".into(), Punct, true));
    assert_eq!(t, expected);
    // A switch of script ends a token.
    assert_eq!(
        tokens("G20峰会"),
        owned(&[("G20", Word, true), ("峰", Char, true), ("会", Char, true)])
    );
    assert_eq!(texts("2024年"), ["2024", "年"]);
}

#[test]
fn japanese() {
    let t = tokens("ロシアのラブロフ外相は");
    assert_eq!(
        t,
        "ロシアのラブロフ外相は"
            .chars()
            .map(|c| (c.to_string(), Char, true))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        texts("プーチン大統領"),
        ["プ", "ー", "チ", "ン", "大", "統", "領"]
    );
    // Halfwidth voiced sound marks attach like combining marks.
    assert_eq!(texts("ｶﾞｽ"), ["ｶﾞ", "ｽ"]);
}

#[test]
fn korean_syllables_start_only_an_eojeol() {
    assert_eq!(
        tokens("러시아는 시리아에서"),
        owned(&[
            ("러", Char, true),
            ("시", Char, false),
            ("아", Char, false),
            ("는", Char, false),
            ("시", Char, true),
            ("리", Char, false),
            ("아", Char, false),
            ("에", Char, false),
            ("서", Char, false),
        ])
    );
    assert_eq!(tokens("(러시아)")[1], ("러".to_string(), Char, true));
    // Decomposed jamo form one syllable token.
    assert_eq!(
        texts("\u{1105}\u{1165}\u{1109}\u{1175}"),
        ["\u{1105}\u{1165}", "\u{1109}\u{1175}"]
    );
}

#[test]
fn stray_marks_and_symbols() {
    assert_eq!(
        tokens("\u{0301}a \u{0301}"),
        owned(&[
            ("\u{0301}", Punct, true),
            ("a", Word, true),
            ("\u{0301}", Punct, true)
        ])
    );
    assert_eq!(texts("👨‍👩‍👧 €5 ❤️"), ["👨", "👩", "👧", "€", "5", "❤\u{FE0F}"]);
    assert!(tokens("").is_empty());
    assert!(tokens(" \t\n-–\u{200B}").is_empty());
}

#[test]
fn analysis_is_reusable() {
    let mut analyzer = Analyzer::new();
    let mut out = Analysis::default();
    analyzer.analyze("Владимир Путин", &mut out);
    assert_eq!(out.len(), 2);
    analyzer.analyze("Lavrov", &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out.key(KeyLayer::Exact, 0), "Lavrov");
    assert_eq!(out.key(KeyLayer::Folded, 0), "lavrov");
    assert_eq!(out.keys(KeyLayer::Translit).collect::<Vec<_>>(), ["lavrov"]);
    analyzer.analyze("", &mut out);
    assert!(out.is_empty());
}

/// Floods that once made segmentation quadratic (each zero-width joiner looked ahead over the whole run;
/// each apostrophe recounted the word): they segment as their short forms do, in one pass.
#[test]
fn floods_of_joiners_and_apostrophes_segment_like_short_words() {
    let n = 200_000;
    let joined = format!("a{}b c", "\u{200D}".repeat(n));
    let t = tokens(&joined);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].0.len(), 2 + 3 * n);
    assert_eq!(texts("a\u{200D}\u{200D}b c"), ["a\u{200D}\u{200D}b", "c"]);
    // Joiners between words (not followed by a letter) separate.
    let trailing = format!("a{} b", "\u{200D}".repeat(n));
    assert_eq!(texts(&trailing), ["a", "b"]);
    let apostrophes = format!("a{} x", "'a".repeat(n));
    let t = tokens(&apostrophes);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].0.len(), 1 + 2 * n);
}
