//! Name-like spans: stretches of text that look like a name but that no link covers. They are what the
//! fuzzy stage tries to link and, failing that, what `unmatched.csv` reports.
//!
//! The rule depends on how the script marks names:
//!
//! - **Cased scripts** (Latin, Cyrillic, Greek, Armenian): a run of up to [`MAX_SPAN_WORDS`] capitalised
//!   words, separated only by spaces or hyphens on one line (a comma, a full stop or a line break ends
//!   the run), with lower-case name particles (`de`, `van`, `von`, `al`, `bin`, ...) allowed between
//!   two capitalised words. A function word that starts a sentence (`The`, `In`, `Der`, `В`, ...) is
//!   left out, as is any word of the built-in stop list at either end of a run; a single word needs
//!   three letters; a capitalised word that the same field also writes in lower case (`Later`,
//!   `Minister`) is not a name on its own, nor at the start of a sentence. Runs in a field whose words are mostly capitalised (a title-case headline, text in
//!   capitals) are not taken, and neither are single words in German, where every noun is capitalised.
//! - **Caseless scripts written with spaces** (Arabic, Hebrew, Devanagari and the other Indic scripts,
//!   Georgian, ...): nothing marks a name, so only words next to a link count: a run of up to two words
//!   of at least three letters directly before or after a linked mention (spaces only between them),
//!   none of them in the script's stop list of function words (prepositions, conjunctions, `قال`
//!   "said", ...). That is where the rest of a partly known name stands (`بشار` before a matched
//!   `الأسد`).
//! - **Scripts written without spaces**: Japanese katakana runs of at least three characters (how
//!   Japanese writes foreign names), possibly joined by `・` or `＝`. Han and Thai text has no name
//!   boundary a rule could find without a word segmenter, so it gives no spans.

use entnorm_tokenize::{Analysis, TokenClass};

/// Longest run of words taken as one name-like span.
pub const MAX_SPAN_WORDS: usize = 6;

/// A name-like span: tokens `token_start..token_end`, bytes `start..end` of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameSpan {
    pub token_start: usize,
    pub token_end: usize,
    pub start: usize,
    pub end: usize,
    /// Found by the adjacency rule of caseless scripts (weaker evidence of a name).
    pub caseless: bool,
}

/// Lower-case words that may stand inside a name between capitalised words.
const PARTICLES_LIST: &[&str] = &[
    "al", "as", "ash", "ad", "an", "ar", "az", "el", "bin", "ibn", "bint", "abu", "de", "da",
    "das", "del", "della", "der", "des", "di", "do", "dos", "du", "la", "le", "van", "von", "ten",
    "ter", "zu", "y", "e", "ul", "ud", "ben", "ben-", "st",
];
static PARTICLES: std::sync::LazyLock<WordSet> =
    std::sync::LazyLock::new(|| WordSet::new(PARTICLES_LIST));

/// Capitalised function words that are not names when they start a sentence or end a run (a few
/// hundred of the commonest in the cased languages of the news; compared case-insensitively).
const CASED_STOP_LIST: &[&str] = &[
    // English
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "if",
    "in",
    "on",
    "at",
    "to",
    "of",
    "for",
    "from",
    "by",
    "with",
    "as",
    "after",
    "before",
    "since",
    "during",
    "while",
    "when",
    "where",
    "what",
    "who",
    "why",
    "how",
    "this",
    "that",
    "these",
    "those",
    "there",
    "then",
    "here",
    "it",
    "its",
    "he",
    "she",
    "his",
    "her",
    "they",
    "their",
    "we",
    "our",
    "you",
    "your",
    "i",
    "my",
    "me",
    "us",
    "some",
    "many",
    "most",
    "more",
    "all",
    "any",
    "no",
    "not",
    "yes",
    "one",
    "two",
    "three",
    "first",
    "last",
    "new",
    "also",
    "however",
    "meanwhile",
    "although",
    "though",
    "because",
    "so",
    "yet",
    "still",
    "now",
    "today",
    "yesterday",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "april",
    "june",
    "july",
    "september",
    "october",
    "november",
    "december",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "do",
    "does",
    "did",
    "about",
    "over",
    "under",
    "against",
    "between",
    "into",
    "through",
    "according",
    "despite",
    "among",
    "such",
    "each",
    "every",
    "both",
    "other",
    "only",
    "just",
    "even",
    "again",
    "said",
    "says",
    // German
    "der",
    "die",
    "das",
    "den",
    "dem",
    "des",
    "ein",
    "eine",
    "einer",
    "eines",
    "einem",
    "einen",
    "und",
    "oder",
    "aber",
    "im",
    "am",
    "zum",
    "zur",
    "vom",
    "beim",
    "auf",
    "aus",
    "bei",
    "mit",
    "nach",
    "von",
    "vor",
    "zu",
    "für",
    "über",
    "unter",
    "gegen",
    "durch",
    "wie",
    "wenn",
    "als",
    "auch",
    "es",
    "er",
    "sie",
    "wir",
    "ihr",
    "ihre",
    "ihrem",
    "ihren",
    "ihrer",
    "ihres",
    "euer",
    "eure",
    "eurem",
    "euren",
    "ich",
    "man",
    "nicht",
    "noch",
    "nur",
    "schon",
    "so",
    "doch",
    "dass",
    "diese",
    "dieser",
    "dieses",
    "jetzt",
    "heute",
    "seit",
    "bis",
    "nun",
    "dabei",
    "damit",
    "dann",
    // French, Spanish, Italian, Portuguese
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "du",
    "et",
    "ou",
    "mais",
    "dans",
    "sur",
    "pour",
    "par",
    "avec",
    "sans",
    "ce",
    "cette",
    "ces",
    "il",
    "elle",
    "ils",
    "elles",
    "nous",
    "vous",
    "on",
    "selon",
    "el",
    "los",
    "las",
    "una",
    "unos",
    "y",
    "en",
    "con",
    "por",
    "para",
    "sin",
    "su",
    "sus",
    "lo",
    "según",
    "gli",
    "lo",
    "il",
    "di",
    "da",
    "della",
    "nel",
    "nella",
    "per",
    "che",
    "non",
    "o",
    "os",
    "as",
    "um",
    "uma",
    "em",
    "no",
    "na",
    "com",
    "mas",
    // Slavic (Latin script)
    "w",
    "we",
    "z",
    "ze",
    "na",
    "i",
    "oraz",
    "że",
    "nie",
    "to",
    "jest",
    "się",
    "do",
    "od",
    "po",
    "v",
    "ve",
    "s",
    "se",
    "k",
    "ke",
    "a",
    "je",
    "ne",
    "za",
    "pro",
    "při",
    "u",
    "o",
    // Cyrillic
    "в",
    "во",
    "на",
    "и",
    "с",
    "со",
    "по",
    "к",
    "ко",
    "о",
    "об",
    "от",
    "до",
    "из",
    "за",
    "у",
    "не",
    "но",
    "а",
    "что",
    "как",
    "это",
    "он",
    "она",
    "они",
    "мы",
    "вы",
    "я",
    "его",
    "её",
    "их",
    "так",
    "также",
    "для",
    "при",
    "после",
    "перед",
    "однако",
    "когда",
    "где",
    "если",
    "уже",
    "еще",
    "ещё",
    "все",
    "всё",
    "этот",
    "эта",
    "эти",
    "том",
    "той",
    "тот",
    "та",
    "те",
    "і",
    "й",
    "та",
    "що",
    "від",
    "через",
    "про",
    "але",
    "як",
    "це",
    "він",
    "вона",
    "вони",
    "ми",
    "ви",
    "у",
    "із",
    "зі",
    "бо",
    "след",
    "във",
    "със",
    "от",
    "за",
    "че",
    "се",
    "да",
    "по",
];
static CASED_STOP: std::sync::LazyLock<WordSet> =
    std::sync::LazyLock::new(|| WordSet::new(CASED_STOP_LIST));

/// Function words of caseless scripts (Arabic, Persian, Hebrew, Hindi).
const CASELESS_STOP_LIST: &[&str] = &[
    // Arabic
    "في",
    "من",
    "على",
    "الى",
    "إلى",
    "عن",
    "مع",
    "ان",
    "أن",
    "إن",
    "او",
    "أو",
    "ثم",
    "قد",
    "لا",
    "ما",
    "لم",
    "لن",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "التي",
    "الذي",
    "الذين",
    "كان",
    "كانت",
    "قال",
    "قالت",
    "وقال",
    "وقالت",
    "يقول",
    "اليوم",
    "امس",
    "أمس",
    "بين",
    "بعد",
    "قبل",
    "خلال",
    "حول",
    "عند",
    "حيث",
    "كما",
    "وفي",
    "ومن",
    "وعلى",
    "الى",
    "ضد",
    "لدى",
    "منذ",
    "حتى",
    "غير",
    "كل",
    "بعض",
    "وزير",
    "رئيس",
    "الرئيس",
    "الوزير",
    "الأمير",
    "الملك",
    "الشيخ",
    "السيد",
    "المتحدث",
    "عام",
    "العام",
    "يوم",
    "وأضاف",
    "واضاف",
    "أضاف",
    "اضاف",
    "وأكد",
    "أكد",
    "اكد",
    "وذكر",
    "ذكر",
    "عبر",
    "وهو",
    "وهي",
    "هو",
    "هي",
    "نحو",
    "لقد",
    "فقد",
    "وقد",
    "بأن",
    "بان",
    "إنه",
    "انه",
    "أنه",
    "التى",
    "فى",
    "علي",
    // Persian
    "در",
    "به",
    "از",
    "که",
    "با",
    "این",
    "آن",
    "را",
    "برای",
    "تا",
    "یک",
    "است",
    "بود",
    // Hebrew
    "של",
    "את",
    "על",
    "עם",
    "אל",
    "כי",
    "גם",
    "לא",
    "זה",
    "זו",
    "הוא",
    "היא",
    "הם",
    "אשר",
    "אמר",
    "אמרה",
    "בין",
    "אחרי",
    "לפני",
    "כל",
    "יותר",
    "שר",
    "ראש",
    "נשיא",
    "היום",
    // Hindi
    "के",
    "की",
    "का",
    "में",
    "ने",
    "और",
    "है",
    "हैं",
    "को",
    "से",
    "पर",
    "भी",
    "कि",
    "यह",
    "वह",
    "था",
    "थी",
    "थे",
    "एक",
    "लिए",
    "तो",
    "नहीं",
    "कहा",
    "साथ",
    "बाद",
    "मंत्री",
    "प्रधानमंत्री",
    "राष्ट्रपति",
];
static CASELESS_STOP: std::sync::LazyLock<WordSet> =
    std::sync::LazyLock::new(|| WordSet::new(CASELESS_STOP_LIST));

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordCase {
    /// Starts with an upper-case letter.
    Upper,
    /// Starts with a lower-case letter.
    Lower,
    /// Starts with a letter of a caseless script.
    Caseless,
    /// Starts with a digit or anything else.
    Other,
}

fn word_case(word: &str) -> WordCase {
    use entnorm_tokenize::LetterCase;
    match word.chars().next().map(entnorm_tokenize::letter_case) {
        Some(LetterCase::Upper) => WordCase::Upper,
        Some(LetterCase::Lower) => WordCase::Lower,
        Some(LetterCase::Caseless) => WordCase::Caseless,
        _ => WordCase::Other,
    }
}

/// A list of lower-case words as a hash set (the lists hold hundreds of words, and every capitalised word
/// of a text is looked up in several).
struct WordSet {
    words: rustc_hash::FxHashSet<&'static str>,
    /// The longest word's length in bytes: a longer ASCII word is not in the set.
    longest: usize,
}

impl WordSet {
    fn new(list: &'static [&'static str]) -> WordSet {
        debug_assert!(list.iter().all(|w| w.to_lowercase() == *w));
        WordSet {
            words: list.iter().copied().collect(),
            longest: list.iter().map(|w| w.len()).max().unwrap_or(0),
        }
    }
}

/// Whether `word`, lower-cased, is in the list `set` was made from.
fn in_list(set: &std::sync::LazyLock<WordSet>, word: &str) -> bool {
    if word.is_ascii() {
        if word.len() > set.longest.min(64) {
            return false;
        }
        let mut buf = [0u8; 64];
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        // ASCII in, ASCII out.
        std::str::from_utf8(lower).is_ok_and(|w| set.words.contains(w))
    } else {
        set.words.contains(word.to_lowercase().as_str())
    }
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{31F0}'..='\u{31FF}' | '\u{FF66}'..='\u{FF9D}')
}

/// Whether the gap between two tokens is only spaces or hyphens on one line.
fn joined(gap: &str) -> bool {
    gap.chars().all(|c| {
        (c.is_whitespace() && c != '\n' && c != '\r')
            || matches!(c, '-' | '‐' | '‑' | '–' | '\u{00A0}')
    })
}

/// Whether token `i` starts a sentence: only spaces, quotes or brackets since the text start, a line
/// break or a sentence-ending mark.
fn starts_sentence(text: &str, analysis: &Analysis, i: usize) -> bool {
    let before = if i == 0 {
        &text[..analysis.tokens()[0].start()]
    } else {
        &text[analysis.tokens()[i - 1].start()..analysis.tokens()[i].start()]
    };
    if i == 0 {
        return true;
    }
    let mut chars = before.chars().rev().skip_while(|c| {
        (c.is_whitespace() && *c != '\n')
            || matches!(
                c,
                '"' | '\''
                    | '«'
                    | '»'
                    | '„'
                    | '“'
                    | '”'
                    | '('
                    | '['
                    | '‘'
                    | '’'
                    | '—'
                    | '–'
                    | '-'
            )
    });
    match chars.next() {
        None => false,
        Some(c) => matches!(
            c,
            '.' | '!' | '?' | ':' | ';' | '\n' | '\r' | '…' | '。' | '؟' | '|'
        ),
    }
}

/// Finds the name-like spans of `text` (described by `analysis`) among the tokens that `covered` marks
/// as not linked, in text order; `lang` is the document's language if known. `linked` lists the token
/// ranges of the links (for the adjacency rule of caseless scripts).
pub fn name_like_spans(
    text: &str,
    analysis: &Analysis,
    covered: &[bool],
    linked: &[(usize, usize)],
    lang: Option<&str>,
    out: &mut Vec<NameSpan>,
) {
    let tokens = analysis.tokens();
    let word = |i: usize| &text[tokens[i].range()];
    let german = lang.is_some_and(|l| {
        let p = l.split(['-', '_']).next().unwrap_or("");
        p.eq_ignore_ascii_case("de") || p.eq_ignore_ascii_case("lb")
    });
    // How each word starts, worked out once: the rules below ask several times per word, and for most
    // scripts each answer is a Unicode table search.
    let cases: Vec<WordCase> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| match t.class {
            TokenClass::Word => word_case(word(i)),
            _ => WordCase::Other,
        })
        .collect();
    // Mostly-capitalised fields (title-case headlines, text in capitals) give no cased spans.
    let (mut cased_words, mut capitalised) = (0usize, 0usize);
    for (i, t) in tokens.iter().enumerate() {
        if t.class == TokenClass::Word {
            match cases[i] {
                WordCase::Upper => {
                    cased_words += 1;
                    capitalised += 1;
                }
                WordCase::Lower => cased_words += 1,
                _ => {}
            }
        }
    }
    let shouting = cased_words >= 4 && capitalised * 10 >= cased_words * 8;
    let span = |a: usize, b: usize| NameSpan {
        token_start: a,
        token_end: b,
        start: tokens[a].start(),
        end: tokens[b - 1].end(),
        caseless: false,
    };
    let gap = |i: usize| &text[tokens[i - 1].end()..tokens[i].start()];
    let letters = |i: usize| {
        word(i)
            .chars()
            .filter(|&c| entnorm_tokenize::is_letter(c))
            .count()
    };

    // Folded words written in lower case somewhere in the field, made on first need: a capitalised word
    // that the same text also writes in lower case is a common word (`Later`, `Minister`).
    let mut lower_words: Option<rustc_hash::FxHashSet<&str>> = None;
    let mut written_lower = |i: usize| {
        let set = lower_words.get_or_insert_with(|| {
            (0..tokens.len())
                .filter(|&j| tokens[j].class == TokenClass::Word && cases[j] == WordCase::Lower)
                .map(|j| analysis.key(entnorm_tokenize::KeyLayer::Folded, j))
                .collect()
        });
        set.contains(analysis.key(entnorm_tokenize::KeyLayer::Folded, i))
    };
    // Folded words written capitalised somewhere in the field other than at a sentence start, made on
    // first need: a single word that starts a sentence is taken only with that evidence of a name
    // (`Однак`, `Тепер`, `Глава`, `Earlier` start sentences; names recur inside them).
    let mut inside_words: Option<rustc_hash::FxHashSet<&str>> = None;
    let mut capitalised_inside = |i: usize| {
        let set = inside_words.get_or_insert_with(|| {
            (0..tokens.len())
                .filter(|&j| {
                    tokens[j].class == TokenClass::Word
                        && cases[j] == WordCase::Upper
                        && !starts_sentence(text, analysis, j)
                })
                .map(|j| analysis.key(entnorm_tokenize::KeyLayer::Folded, j))
                .collect()
        });
        set.contains(analysis.key(entnorm_tokenize::KeyLayer::Folded, i))
    };
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if covered[i] {
            i += 1;
            continue;
        }
        match t.class {
            TokenClass::Word
                if cases[i] == WordCase::Upper
                    && !shouting
                    && !mixed_script(word(i))
                    && !is_contraction(word(i)) =>
            {
                // A run of capitalised words, particles allowed inside.
                let mut end = i + 1;
                let mut last_cap = i;
                while end < tokens.len()
                    && !covered[end]
                    && tokens[end].class == TokenClass::Word
                    && joined(gap(end))
                    && end - i < MAX_SPAN_WORDS + 2
                {
                    if mixed_script(word(end)) || is_contraction(word(end)) {
                        break;
                    }
                    match cases[end] {
                        WordCase::Upper => last_cap = end,
                        WordCase::Lower if in_list(&PARTICLES, word(end)) => {}
                        _ => break,
                    }
                    end += 1;
                }
                let mut a = i;
                let mut b = last_cap + 1;
                // Stop words at the ends (a sentence-initial function word among them), and legal forms
                // at the start: the rest of a company name whose first words were linked (`Corp`).
                while a < b && (in_list(&CASED_STOP, word(a)) || in_list(&LEGAL_FORMS, word(a))) {
                    a += 1;
                }
                // In German every noun is capitalised: the first word of a run after an article,
                // determiner or number is a common noun (`die Kanzlerin Angela Merkel`, `mehreren
                // Millionen Euro`), not part of a name.
                while german
                    && a == i
                    && b - a >= 2
                    && a > 0
                    && joined(gap(a))
                    && (in_list(&GERMAN_DETERMINERS, word(a - 1))
                        || word(a - 1).bytes().all(|c| c.is_ascii_digit()))
                {
                    a += 1;
                    while a < b && cases[a] != WordCase::Upper {
                        a += 1;
                    }
                }
                while b > a && in_list(&CASED_STOP, word(b - 1)) {
                    b -= 1;
                }
                while a < b && cases[a] != WordCase::Upper {
                    a += 1;
                }
                // A sentence-initial word the text also writes in lower case is not part of the name.
                if a == i && a < b && starts_sentence(text, analysis, a) && written_lower(a) {
                    a += 1;
                    while a < b && cases[a] != WordCase::Upper {
                        a += 1;
                    }
                }
                let single = b == a + 1;
                let ok = b > a
                    && b - a <= MAX_SPAN_WORDS
                    && !(single && (letters(a) < 3 || german))
                    && !(single
                        && a == i
                        && starts_sentence(text, analysis, a)
                        && is_common_initial(word(a)))
                    && !(single && written_lower(a))
                    && !(single && starts_sentence(text, analysis, a) && !capitalised_inside(a));
                if ok {
                    out.push(span(a, b));
                }
                i = end;
            }
            TokenClass::Char if word(i).chars().next().is_some_and(is_katakana) => {
                let mut end = i + 1;
                while end < tokens.len()
                    && !covered[end]
                    && (word(end)
                        .chars()
                        .all(|c| is_katakana(c) || c == '・' || c == '＝'))
                    && gap(end).is_empty()
                {
                    end += 1;
                }
                // Trailing separators are not part of the name.
                let mut b = end;
                while b > i && matches!(word(b - 1), "・" | "＝") {
                    b -= 1;
                }
                if b - i >= 3 {
                    out.push(span(i, b));
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    // Caseless scripts: up to two words directly before or after a link.
    let caseless_word = |i: usize| {
        tokens[i].class == TokenClass::Word
            && !covered[i]
            && cases[i] == WordCase::Caseless
            && letters(i) >= 3
            && !in_list(&CASELESS_STOP, word(i))
    };
    let before_len = out.len();
    let mut last_end = 0usize;
    for &(s, e) in linked {
        // After the link.
        let mut b = e;
        while b < tokens.len() && b < e + 2 && caseless_word(b) && joined(gap(b)) {
            b += 1;
        }
        // Before it.
        let mut a = s;
        while a > 0
            && a > s.saturating_sub(2)
            && a > last_end
            && caseless_word(a - 1)
            && joined(gap(a))
        {
            a -= 1;
        }
        if a < s {
            out.push(NameSpan {
                caseless: true,
                ..span(a, s)
            });
        }
        if b > e {
            out.push(NameSpan {
                caseless: true,
                ..span(e, b)
            });
            last_end = b;
        } else {
            last_end = e;
        }
    }
    if out.len() > before_len {
        out.sort_by_key(|s| s.token_start);
        out.dedup_by(|x, y| x.token_start < y.token_end && x.token_start >= y.token_start);
    }
}

/// Legal forms of companies, which end a company name and never start one (compared case-insensitively).
const LEGAL_FORMS_LIST: &[&str] = &[
    "corp", "inc", "ltd", "plc", "llc", "co", "cos", "gmbh", "ag", "nv", "bv", "spa", "bhd", "pty",
];
static LEGAL_FORMS: std::sync::LazyLock<WordSet> =
    std::sync::LazyLock::new(|| WordSet::new(LEGAL_FORMS_LIST));

/// German articles, determiners and contractions with an article, after which a capitalised word is a
/// common noun (compared case-insensitively).
const GERMAN_DETERMINERS_LIST: &[&str] = &[
    "der", "die", "das", "dem", "den", "des", "ein", "eine", "einen", "einem", "einer", "eines",
    "kein", "keine", "keinen", "keinem", "keiner", "im", "am", "zum", "zur", "vom", "beim", "ins",
    "ans", "aufs", "mehrere", "mehreren", "viele", "vielen", "einige", "einigen", "alle", "allen",
    "jeder", "jede", "jedem", "jeden", "dieser", "diese", "diesem", "diesen", "dieses", "unser",
    "unsere", "unserem", "unseren", "unserer", "sein", "seine", "seinem", "seinen", "seiner",
    "ihr", "ihre", "ihrem", "ihren", "ihrer",
];
static GERMAN_DETERMINERS: std::sync::LazyLock<WordSet> =
    std::sync::LazyLock::new(|| WordSet::new(GERMAN_DETERMINERS_LIST));

/// An English pronoun contraction (`I've`, `I'll`, `I’m`): one capital letter, an apostrophe, a short
/// lower-case ending. `O'Brien` and `D'Alema` continue in upper case.
fn is_contraction(word: &str) -> bool {
    let mut chars = word.chars();
    let (Some(first), Some(apostrophe)) = (chars.next(), chars.next()) else {
        return false;
    };
    let rest = chars.as_str();
    first.is_uppercase()
        && matches!(apostrophe, '\'' | '’')
        && !rest.is_empty()
        && rest.chars().count() <= 2
        && rest.chars().all(char::is_lowercase)
}

/// Whether a word mixes letters of two of the Latin, Greek and Cyrillic alphabets (`Sуria` with a
/// Cyrillic `у`): a look-alike spelling, deliberate or an encoding accident, never a name to link by
/// similarity, and not one to report either.
pub fn mixed_script(word: &str) -> bool {
    let mut seen = 0u8;
    for c in word.chars() {
        seen |= match c as u32 {
            0x0041..=0x005A | 0x0061..=0x007A | 0x00C0..=0x024F | 0x1E00..=0x1EFF => 1,
            0x0370..=0x03FF | 0x1F00..=0x1FFF => 2,
            0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => 4,
            _ => 0,
        };
    }
    seen.count_ones() > 1
}

/// A sentence-initial word that is probably not a name: a short one (`It`, `We`), one ending like an
/// English adverb or a verb form. Names that start a sentence (`Mogherini said`) are kept.
fn is_common_initial(word: &str) -> bool {
    let lower = word.to_lowercase();
    let n = lower.chars().count();
    n <= 3
        || lower.ends_with("ly")
        || lower.ends_with("ing")
        || lower.ends_with("ed")
        || in_list(&CASED_STOP, word)
}
