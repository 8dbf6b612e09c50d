//! Segmentation of text into [`Token`]s. See the [crate docs](crate) for the rules.

use crate::chars::{
    bmp_classes, class, class_in, is_alpha, is_attaching, is_hangul, is_hangul_l,
    is_hangul_syllable, is_hangul_t, is_hangul_v, is_ignorable, ALPHA, APOSTROPHE, ATTACHING, DASH,
    IGNORABLE, SPACE, SPACELESS_LETTER, WORD_CHAR,
};
use crate::swar::{le_word, low_bytes, HIGH_BITS, ONES};
use crate::{Token, TokenClass};

/// A letter or digit of a script written with spaces: part of a whole-word token.
fn is_word_char(c: char) -> bool {
    class(c) & WORD_CHAR != 0
}

/// English possessive `'s` (`Syria's`, `Russia’s`): the name ends before the apostrophe.
fn is_possessive_s(after_apostrophe: &str) -> bool {
    let mut rest = after_apostrophe.chars();
    matches!(rest.next(), Some('s' | 'S'))
        && !rest
            .next()
            .is_some_and(|c| is_word_char(c) || is_attaching(c))
}

/// Elided articles and prepositions of French, Italian and Catalan (`l'Iran`, `d'Ivoire`, `dell'Ucraina`):
/// the name starts after the apostrophe. Names like `O'Brien` or `Ja'afari` are not in the list.
fn is_elided_article(word: &str) -> bool {
    const ELIDED: &[&str] = &[
        "l", "d", "j", "n", "s", "c", "m", "t", "qu", "lorsqu", "puisqu", "jusqu", "dell", "all",
        "dall", "nell", "sull", "coll", "quell", "un", "sant",
    ];
    // Every entry is ASCII of at most 6 bytes; checking the byte length first keeps a long word joined by
    // apostrophes (`a'a'a'...`) linear instead of recounting the word at every apostrophe.
    word.len() <= 6 && ELIDED.iter().any(|e| e.eq_ignore_ascii_case(word))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Whole word or number of a spaced script.
    Word,
    /// One letter of a spaceless script.
    Char,
    /// One punctuation or symbol character, or marks with nothing to attach to.
    Punct,
}

/// The class of a whole-word token: a word if it has a letter, else a number.
fn word_class(has_alpha: bool) -> TokenClass {
    if has_alpha {
        TokenClass::Word
    } else {
        TokenClass::Number
    }
}

/// The token being built.
struct Current {
    start: usize,
    end: usize,
    kind: Kind,
    /// Last non-mark character (apostrophe rule, Hangul jamo rule).
    last_base: char,
    has_alpha: bool,
    hangul: bool,
    can_start: bool,
}

struct Segmenter<'t> {
    tokens: &'t mut Vec<Token>,
    cur: Option<Current>,
    /// End of the last Hangul token pushed: a Hangul syllable directly after it continues the same
    /// eojeol and cannot start a match.
    hangul_end: Option<usize>,
}

impl Segmenter<'_> {
    fn flush(&mut self) {
        if let Some(cur) = self.cur.take() {
            let class = match cur.kind {
                Kind::Word => word_class(cur.has_alpha),
                Kind::Char => TokenClass::Char,
                Kind::Punct => TokenClass::Punct,
            };
            if cur.hangul {
                self.hangul_end = Some(cur.end);
            }
            self.tokens.push(Token {
                start: cur.start as u32,
                end: cur.end as u32,
                class,
                can_start: cur.can_start,
                can_end: true,
            });
        }
    }

    fn start(&mut self, start: usize, c: char, kind: Kind) {
        self.flush();
        let hangul = kind == Kind::Char && is_hangul(c);
        let can_start = !(hangul && self.hangul_end == Some(start));
        self.cur = Some(Current {
            start,
            end: start + c.len_utf8(),
            kind,
            last_base: c,
            has_alpha: is_alpha(c),
            hangul,
            can_start,
        });
    }

    /// Extends the current token by `c`; false if there is none or it is not of kind `kind` (if given).
    fn extend(&mut self, c: char, end: usize, kind: Option<Kind>, base: bool) -> bool {
        match &mut self.cur {
            Some(cur) if kind.is_none_or(|k| k == cur.kind) => {
                cur.end = end;
                if base {
                    cur.last_base = c;
                    cur.has_alpha |= is_alpha(c);
                }
                true
            }
            _ => false,
        }
    }

    /// Adds the run `start..end` of plain word characters (no mark, apostrophe or other rule among them),
    /// beginning with `first` and ending with `last`, to the current word (or starts a word with it): the
    /// same as adding its characters one by one. Most words: no word began before the run, and what
    /// follows cannot go on with it (`ends_here`): the word is one token at once, as the rules would
    /// make it.
    fn word_run(
        &mut self,
        (start, end): (usize, usize),
        (first, last): (char, char),
        alpha: bool,
        ends_here: bool,
    ) {
        if ends_here && self.cur_kind() != Some(Kind::Word) {
            self.flush();
            self.tokens.push(Token {
                start: start as u32,
                end: end as u32,
                class: word_class(alpha),
                can_start: true,
                can_end: true,
            });
            return;
        }
        if self.cur_kind() != Some(Kind::Word) {
            self.start(start, first, Kind::Word);
        }
        if let Some(cur) = &mut self.cur {
            cur.end = end;
            cur.last_base = last;
            cur.has_alpha |= alpha;
        }
    }

    fn cur_kind(&self) -> Option<Kind> {
        self.cur.as_ref().map(|c| c.kind)
    }
}

/// The character at byte `i` of `text` (a character boundary) and its length in bytes. One- and two-byte
/// sequences (ASCII, Latin, Greek, Cyrillic, Hebrew, Arabic) are decoded here, which `str::chars` does
/// more slowly through its general path; longer ones by `str::chars`.
#[inline]
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let bytes = text.as_bytes();
    let b0 = *bytes.get(i)?;
    if b0 < 0x80 {
        return Some((char::from(b0), 1));
    }
    if b0 & 0xE0 == 0xC0 {
        if let Some(&b1) = bytes.get(i + 1) {
            let u = (u32::from(b0 & 0x1F) << 6) | u32::from(b1 & 0x3F);
            if let Some(c) = char::from_u32(u) {
                return Some((c, 2));
            }
        }
    }
    text.get(i..)?.chars().next().map(|c| (c, c.len_utf8()))
}

/// [`ASCII_WORD`] of an ASCII letter or digit.
const ASCII_ALNUM: u8 = 1;
/// [`ASCII_WORD`] of an ASCII letter.
const ASCII_ALPHA: u8 = 2;
/// Per byte: [`ASCII_ALNUM`] and [`ASCII_ALPHA`] bits (0 for any other byte), so that a run of ASCII
/// letters and digits costs one load and one test per byte.
static ASCII_WORD: [u8; 256] = {
    let mut t = [0; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphabetic() {
            t[b] = ASCII_ALNUM | ASCII_ALPHA;
        } else if c.is_ascii_digit() {
            t[b] = ASCII_ALNUM;
        }
        b += 1;
    }
    t
};

/// The high bit of each byte of `x` that is ASCII and strictly between `above` and `below` (both at most
/// 127), computed for the 8 bytes at once: no lane borrows from or carries into its neighbour, as each
/// lane's sums stay within 0..=255 (the "hasbetween" of Sean Anderson's bit hacks, exact per byte).
#[inline]
fn ascii_bytes_between(x: u64, above: u8, below: u8) -> u64 {
    let low7 = x & !HIGH_BITS;
    (ONES * (127 + u64::from(below)) - low7)
        & !x
        & (low7 + ONES * (127 - u64::from(above)))
        & HIGH_BITS
}

/// The run of ASCII letters and digits from byte `pos` of `bytes`: its end and whether it has a letter.
/// Eight bytes are tested at once (the run's length comes from the first byte that is not one, so the
/// loop does not branch on every byte of a word, nor mispredict at its end); the last few bytes of a text
/// one at a time.
#[inline]
fn ascii_word_run(bytes: &[u8], mut pos: usize) -> (usize, bool) {
    let mut alpha = 0;
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let x = le_word(chunk);
        let letters = ascii_bytes_between(x | 0x2020_2020_2020_2020, b'a' - 1, b'z' + 1);
        let alnum = letters | ascii_bytes_between(x, b'0' - 1, b'9' + 1);
        let stop = !alnum & HIGH_BITS;
        if stop == 0 {
            alpha |= letters;
            pos += 8;
            continue;
        }
        // Bytes before the first that stops the run (little-endian: the lowest lanes come first).
        let before = stop.trailing_zeros() / 8;
        alpha |= letters & low_bytes(before as usize);
        return (pos + before as usize, alpha != 0);
    }
    let mut run_class = 0;
    while let Some(&b) = bytes.get(pos) {
        let k = ASCII_WORD[usize::from(b)];
        if k == 0 {
            break;
        }
        run_class |= k;
        pos += 1;
    }
    (pos, alpha != 0 || run_class & ASCII_ALPHA != 0)
}

/// Class bits that make a rule other than "a word character extends the word" apply.
const OTHER_RULE: u16 = SPACE | DASH | IGNORABLE | ATTACHING | APOSTROPHE | SPACELESS_LETTER;

/// The run of plain word characters of two bytes (the letters of Greek, Cyrillic, Hebrew, Arabic,
/// accented Latin) from byte `pos`: (its end, the union of its characters' classes, its last code point;
/// none for an empty run). A lead byte's continuation follows in valid UTF-8, and the class of a code
/// point below U+0800 is read without bounds checks.
#[inline]
fn two_byte_word_run(
    bytes: &[u8],
    mut pos: usize,
    classes: &[u16; 0x800],
) -> (usize, u16, Option<usize>) {
    let (mut run_class, mut run_last) = (0, None);
    while let (Some(&b0 @ 0xC2..=0xDF), Some(&b1)) = (bytes.get(pos), bytes.get(pos + 1)) {
        let u = two_byte_code(b0, b1);
        let kn = classes[u];
        if kn & (OTHER_RULE | WORD_CHAR) != WORD_CHAR {
            break;
        }
        run_class |= kn;
        run_last = Some(u);
        pos += 2;
    }
    (pos, run_class, run_last)
}

/// The code point of the two-byte UTF-8 sequence `b0 b1`.
#[inline]
fn two_byte_code(b0: u8, b1: u8) -> usize {
    usize::from(b0 & 0x1F) << 6 | usize::from(b1 & 0x3F)
}

/// A code point below U+0800 as a `char`.
fn two_byte_char(u: usize) -> char {
    char::from_u32(u as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Appends the tokens of `text` to `tokens`. `text` must be shorter than 4 GiB (token offsets are 32-bit).
pub(crate) fn segment(text: &str, tokens: &mut Vec<Token>) {
    let mut seg = Segmenter {
        tokens,
        cur: None,
        hangul_end: None,
    };
    let bytes = text.as_bytes();
    let bmp = bmp_classes();
    // Every code point of two UTF-8 bytes (U+0080..U+07FF) has its class in the BMP table.
    let two_byte_classes: &[u16; 0x800] = match bmp.get(..0x800).map(<&[u16; 0x800]>::try_from) {
        Some(Ok(t)) => t,
        _ => &[0; 0x800],
    };
    let mut pos = 0;
    // The first character after the current run of ignorables, found once per run: looking it up afresh
    // for every ignorable would make a flood of zero-width joiners quadratic. (byte end of the run, char)
    let mut after_ignorables: Option<(usize, Option<char>)> = None;
    while let Some(&b) = bytes.get(pos) {
        // Fast paths for most of most text: a run of ASCII letters and digits (word characters, and
        // nothing in the rules below looks at them from inside a word), an ASCII space.
        if b.is_ascii_alphanumeric() {
            let start = pos;
            let alpha;
            (pos, alpha) = ascii_word_run(bytes, pos);
            // What follows cannot go on with the word: an ASCII character that is no apostrophe, mark,
            // ignorable or word character, or the end of the text.
            let ends_here = bytes.get(pos).is_none_or(|&n| {
                n < 0x80
                    && class_in(bmp, char::from(n))
                        & (APOSTROPHE | ATTACHING | IGNORABLE | WORD_CHAR)
                        == 0
            });
            let ends = (char::from(b), char::from(bytes[pos - 1]));
            seg.word_run((start, pos), ends, alpha, ends_here);
            continue;
        }
        if b == b' ' {
            seg.flush();
            pos += 1;
            continue;
        }
        // A word of two-byte letters (most words of Arabic, Cyrillic, Greek, Hebrew news), as the ASCII
        // run above: one token at once where nothing after it can go on with it.
        let two_byte_word = match b {
            0xC2..=0xDF => two_byte_word_run(bytes, pos, two_byte_classes),
            _ => (pos, 0, None),
        };
        if let (end, run_class, Some(last)) = two_byte_word {
            let start = pos;
            let first = two_byte_char(two_byte_code(b, bytes[pos + 1]));
            pos = end;
            let alpha = run_class & ALPHA != 0;
            let ends_here = char_at(text, pos).is_none_or(|(n, _)| {
                class_in(bmp, n) & (APOSTROPHE | ATTACHING | IGNORABLE | WORD_CHAR) == 0
            });
            seg.word_run((start, pos), (first, two_byte_char(last)), alpha, ends_here);
            continue;
        }
        let i = pos;
        let Some((c, len)) = char_at(text, i) else {
            break;
        };
        let end = i + len;
        pos = end;
        let k = class_in(bmp, c);
        if k & (SPACE | DASH) != 0 {
            seg.flush();
        } else if k & IGNORABLE != 0 {
            // Inside a word (ZWNJ in Persian, ZWJ in Indic conjuncts, soft hyphen) it is part of the word.
            let after = match after_ignorables {
                Some((run_end, after)) if i < run_end => after,
                _ => {
                    let next = text[end..]
                        .char_indices()
                        .map(|(j, n)| (end + j, n))
                        .find(|&(_, n)| !is_ignorable(n));
                    after_ignorables =
                        Some((next.map_or(text.len(), |(j, _)| j), next.map(|(_, n)| n)));
                    next.map(|(_, n)| n)
                }
            };
            let inside = seg.cur_kind() == Some(Kind::Word)
                && after.is_some_and(|n| is_attaching(n) || is_word_char(n));
            if !inside || !seg.extend(c, end, Some(Kind::Word), false) {
                seg.flush();
            }
        } else if k & ATTACHING != 0 {
            if !seg.extend(c, end, None, false) {
                seg.start(i, c, Kind::Punct);
            }
        } else if k & APOSTROPHE != 0 {
            let inside = seg
                .cur
                .as_ref()
                .is_some_and(|cur| cur.kind == Kind::Word && is_alpha(cur.last_base))
                && text[end..]
                    .chars()
                    .next()
                    .is_some_and(|n| is_word_char(n) && is_alpha(n))
                && !is_possessive_s(&text[end..])
                && !seg
                    .cur
                    .as_ref()
                    .is_some_and(|cur| is_elided_article(&text[cur.start..cur.end]));
            if !inside || !seg.extend(c, end, Some(Kind::Word), true) {
                seg.start(i, c, Kind::Punct);
            }
        } else if k & SPACELESS_LETTER != 0 {
            // Decomposed Hangul: vowel and final jamo continue the syllable begun by the previous jamo.
            let continues = seg.cur.as_ref().is_some_and(|cur| {
                cur.hangul
                    && ((is_hangul_v(c)
                        && (is_hangul_l(cur.last_base) || is_hangul_v(cur.last_base)))
                        || (is_hangul_t(c)
                            && (is_hangul_v(cur.last_base)
                                || is_hangul_t(cur.last_base)
                                || is_hangul_syllable(cur.last_base))))
            });
            if !continues || !seg.extend(c, end, Some(Kind::Char), true) {
                seg.start(i, c, Kind::Char);
            }
        } else if k & WORD_CHAR != 0 {
            if !seg.extend(c, end, Some(Kind::Word), true) {
                seg.start(i, c, Kind::Word);
            }
            // The rest of the word: word characters and marks, each handled as the branches above
            // would (a mark extends the token, a word character extends the word), up to the first
            // character any other rule applies to.
            // The current token is that word: its end, last base and letters are updated once, after
            // the run.
            let (mut last_base, mut alpha) = (None, false);
            loop {
                // Runs of plain word characters of two bytes in a loop of their own.
                let (end, run_class, run_last) = two_byte_word_run(bytes, pos, two_byte_classes);
                pos = end;
                if let Some(u) = run_last {
                    last_base = Some(two_byte_char(u));
                    alpha |= run_class & ALPHA != 0;
                }
                let Some((n, len)) = char_at(text, pos) else {
                    break;
                };
                let kn = class_in(bmp, n);
                if kn & (SPACE | DASH | IGNORABLE) != 0 {
                    break;
                } else if kn & ATTACHING != 0 {
                    // A mark: extends the word, is not its last base.
                } else if kn & (APOSTROPHE | SPACELESS_LETTER) == 0 && kn & WORD_CHAR != 0 {
                    last_base = Some(n);
                    alpha |= kn & ALPHA != 0;
                } else {
                    break;
                }
                pos += len;
            }
            if let Some(cur) = &mut seg.cur {
                cur.end = pos;
                if let Some(b) = last_base {
                    cur.last_base = b;
                    cur.has_alpha |= alpha;
                }
            }
        } else {
            seg.start(i, c, Kind::Punct);
        }
    }
    seg.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run of ASCII letters and digits from `pos`, one byte at a time: what [`ascii_word_run`] must
    /// give.
    fn byte_by_byte(bytes: &[u8], mut pos: usize) -> (usize, bool) {
        let mut alpha = false;
        while let Some(&b) = bytes.get(pos).filter(|b| b.is_ascii_alphanumeric()) {
            alpha |= b.is_ascii_alphabetic();
            pos += 1;
        }
        (pos, alpha)
    }

    #[test]
    fn ascii_word_run_ends_where_the_byte_by_byte_run_ends() {
        // Every byte value as the first byte that may end a run, at every distance from its start and
        // from the end of the text, after runs of letters, of digits and of both.
        for run in [
            "abcdefghijklmnopqrstuvwxyz",
            "01234567890123456789",
            "Zz09aA9zZ0Mm",
        ] {
            for len in 0..=run.len() {
                for stop in 0..=255u8 {
                    for tail in 0..10 {
                        let mut text = run.as_bytes()[..len].to_vec();
                        text.push(stop);
                        text.extend(std::iter::repeat_n(b'x', tail));
                        for pos in 0..=len {
                            assert_eq!(
                                ascii_word_run(&text, pos),
                                byte_by_byte(&text, pos),
                                "{text:?} from {pos}"
                            );
                        }
                    }
                }
            }
        }
        // From every byte of news text in several scripts (UTF-8 lead and continuation bytes included).
        let news =
            "Sergey Lavrov (Сергей Лавров) met Ibrahim al-Jaafari (إبراهيم الجعفري) in Moscow \
                    on 12 Jan 2016; ISIS/ISIL, Δαμασκός, ירושלים, दिल्ली, 北京 and กรุงเทพ@x_y-z9.";
        let bytes = news.as_bytes();
        for pos in 0..=bytes.len() {
            assert_eq!(
                ascii_word_run(bytes, pos),
                byte_by_byte(bytes, pos),
                "from {pos}"
            );
        }
    }
}
