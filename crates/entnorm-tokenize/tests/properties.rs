//! Property tests: segmentation invariants, keys = normalizations of token text, idempotence, offsets.

use entnorm_tokenize::{fold, transliterate, Analysis, Analyzer, CharOffsets, KeyLayer};
use proptest::prelude::*;

/// Characters with interesting segmentation or normalization behaviour, across scripts.
const ALPHABET: &[char] = &[
    // Latin, case and compatibility specials
    'a',
    'e',
    'i',
    'j',
    'w',
    'v',
    'y',
    's',
    'A',
    'J',
    'W',
    'Z',
    'é',
    'Ç',
    'ß',
    'ẞ',
    'İ',
    'ı',
    'ŉ',
    'ǅ',
    'ﬁ',
    'ſ',
    'K',
    'Å',
    'Ω',
    'Ⓐ',
    'Ⅳ',
    '²',
    '㎏',
    'ｘ',
    'Ł',
    'ø',
    // combining marks of several scripts
    '\u{0301}',
    '\u{0308}',
    '\u{0306}',
    '\u{0307}',
    '\u{0323}',
    '\u{0345}',
    '\u{0344}',
    '\u{034F}',
    '\u{20E3}',
    '\u{FE0F}',
    '\u{0654}',
    '\u{0655}',
    '\u{0653}',
    '\u{064E}',
    '\u{0651}',
    '\u{0670}',
    '\u{05B0}',
    '\u{05BC}',
    '\u{05C1}',
    '\u{093C}',
    '\u{094D}',
    '\u{0941}',
    '\u{0E31}',
    '\u{0E4C}',
    '\u{3099}',
    '\u{309A}',
    '\u{0F71}',
    '\u{0F72}',
    '\u{0BBE}',
    '\u{1DC0}',
    // apostrophes, quotes, dashes, spacing accents
    '\'',
    '’',
    'ʼ',
    'ʻ',
    'ʿ',
    'ʾ',
    '`',
    '´',
    '‘',
    '＇',
    '"',
    '«',
    '»',
    '“',
    '„',
    '-',
    '‐',
    '‑',
    '–',
    '—',
    '−',
    '﹘',
    '－',
    '\u{05BE}',
    '˘',
    '¨',
    '\u{1FFD}',
    '\u{1FBF}',
    '゛',
    // invisible characters and spaces
    ' ',
    '\t',
    '\n',
    '\u{00A0}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{00AD}',
    '\u{FEFF}',
    '\u{2066}',
    '\u{0640}',
    '\u{0000}',
    // Greek, Cyrillic
    'Σ',
    'σ',
    'ς',
    'ΐ',
    'ά',
    'Ά',
    'ϐ',
    'ι',
    'Ё',
    'ё',
    'Й',
    'й',
    'и',
    'Ї',
    'в',
    'ь',
    // Arabic, Persian, Hebrew
    'ا',
    'أ',
    'إ',
    'آ',
    'ٱ',
    'ٵ',
    'ى',
    'ي',
    'ة',
    'ه',
    'ؤ',
    'ئ',
    'ی',
    'ک',
    'ە',
    'ۀ',
    'ﻣ',
    'ﷲ',
    '٣',
    'ע',
    'ש',
    'ﬁ',
    '\u{FB2A}',
    '\u{FB2C}',
    // Indic
    'क',
    'ष',
    'व',
    'ि',
    'ா',
    'ொ',
    'ெ',
    '\u{0BC6}',
    // spaceless scripts and Hangul
    '俄',
    '罗',
    '々',
    'ー',
    'ロ',
    'カ',
    'ｶ',
    'ﾞ',
    'ﾟ',
    'ก',
    'ร',
    'ะ',
    'ำ',
    '๓',
    'ລ',
    'ក',
    'က',
    'ཀ',
    '\u{0F77}',
    '⼀',
    '러',
    '가',
    '\u{1100}',
    '\u{1161}',
    '\u{11A8}',
    'ㄱ',
    'ㅏ',
    'ﾡ',
    // digits, punctuation, symbols
    '0',
    '9',
    '.',
    ',',
    '!',
    '(',
    '€',
    '©',
    '👩',
    '\u{1F3FB}',
    '№',
];

fn multi_script() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..32)
        .prop_map(|v| v.into_iter().collect())
}

fn check_analysis(text: &str) {
    let mut out = Analysis::default();
    Analyzer::new().analyze(text, &mut out);
    let mut prev_end = 0;
    for (i, t) in out.tokens().iter().enumerate() {
        assert!(t.start() < t.end(), "empty token {t:?}");
        assert!(t.start() >= prev_end, "overlap {t:?}");
        assert!(text.is_char_boundary(t.start()) && text.is_char_boundary(t.end()));
        prev_end = t.end();
        let tok = &text[t.range()];
        assert!(!tok.chars().next().unwrap().is_whitespace());
        assert_eq!(out.key(KeyLayer::Exact, i), tok);
        assert_eq!(out.key(KeyLayer::Folded, i), fold(tok), "{tok:?}");
        assert_eq!(
            out.key(KeyLayer::Translit, i),
            transliterate(tok),
            "{tok:?}"
        );
    }
}

fn check_idempotent(text: &str) {
    let f = fold(text);
    assert_eq!(fold(&f), f, "fold of {text:?}");
    let t = transliterate(text);
    assert_eq!(transliterate(&t), t, "transliterate of {text:?}");
}

fn check_offsets(text: &str, backwards_at: usize) {
    let mut offsets = CharOffsets::new(text);
    let bounds: Vec<usize> = (0..=text.len())
        .filter(|&b| text.is_char_boundary(b))
        .collect();
    for &b in &bounds {
        assert_eq!(offsets.char_offset(b), text[..b].chars().count());
    }
    let b = bounds[backwards_at % bounds.len()];
    assert_eq!(offsets.char_offset(b), text[..b].chars().count());
    assert_eq!(offsets.char_offset(usize::MAX), text.chars().count());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn analysis_invariants_any_unicode(text in any::<String>()) {
        check_analysis(&text);
    }

    #[test]
    fn analysis_invariants_multi_script(text in multi_script()) {
        check_analysis(&text);
    }

    #[test]
    fn idempotent_any_unicode(text in any::<String>()) {
        check_idempotent(&text);
    }

    #[test]
    fn idempotent_multi_script(text in multi_script()) {
        check_idempotent(&text);
    }

    #[test]
    fn offsets_any_unicode(text in any::<String>(), back in any::<usize>()) {
        check_offsets(&text, back);
    }

    #[test]
    fn offsets_multi_script(text in multi_script(), back in any::<usize>()) {
        check_offsets(&text, back);
    }
}
