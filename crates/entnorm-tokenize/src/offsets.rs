//! Byte offset to code-point offset conversion, for consumers that report character positions.

use crate::swar::{le_word, low_bytes, HIGH_BITS, ONES};

/// Maps byte offsets of one text to Unicode code-point offsets, exactly, in O(1) amortised per query
/// when queried in increasing order (a backwards query recounts from the start of the text).
///
/// ```
/// use entnorm_tokenize::CharOffsets;
/// let text = "Κύριε Lavrov";
/// let mut offsets = CharOffsets::new(text);
/// assert_eq!(offsets.char_offset(0), 0);
/// assert_eq!(offsets.char_offset(text.find("Lavrov").unwrap()), 6);
/// assert_eq!(offsets.char_offset(text.len()), 12);
/// ```
#[derive(Clone, Debug)]
pub struct CharOffsets<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharOffsets<'a> {
    /// Starts counting at the beginning of `text`.
    pub fn new(text: &'a str) -> Self {
        CharOffsets {
            text,
            byte: 0,
            chars: 0,
        }
    }

    /// The number of code points that start before byte offset `byte`: for a char boundary this is
    /// `text[..byte].chars().count()`. Offsets past the end are clamped to the text length.
    pub fn char_offset(&mut self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += code_points_started(self.text.as_bytes(), self.byte..byte);
        self.byte = byte;
        self.chars
    }
}

/// The number of code points that start in `range` of `text`: its bytes that are not UTF-8 continuation
/// bytes (`0b10xx_xxxx`). Eight bytes at a time, the last partial word too as one masked load where the
/// text goes on that far: most queries span a few bytes (a mention, the gap to the next), and a loop over
/// the leftover bytes, or the standard library's count for short strings, mispredicts its exit at nearly
/// every query.
fn code_points_started(text: &[u8], range: std::ops::Range<usize>) -> usize {
    // Continuation bytes of `x`: bit 7 set, bit 6 clear (shifted into bit 7 of the same byte), as a 1
    // in each such byte, summed by one multiplication into the top byte (8 at most: no carry). Not
    // `count_ones`: without the POPCNT instruction (not in the x86-64 baseline) it is a dozen steps.
    let continuations =
        |x: u64| (((x & !(x << 1) & HIGH_BITS) >> 7).wrapping_mul(ONES) >> 56) as usize;
    let part = &text[range.clone()];
    let mut chunks = part.chunks_exact(8);
    let mut continued: usize = (&mut chunks).map(|c| continuations(le_word(c))).sum();
    let rem = chunks.remainder().len();
    let tail_at = range.end - rem;
    continued += match text.get(tail_at..tail_at + 8) {
        Some(w) => continuations(le_word(w) & low_bytes(rem)),
        None => chunks
            .remainder()
            .iter()
            .filter(|&&b| (b as i8) < -0x40)
            .count(),
    };
    part.len() - continued
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every range of a text in eight scripts (within characters too) counts the code points that start
    /// in it, as a byte-by-byte count does.
    #[test]
    fn code_points_started_in_any_range_are_counted_byte_by_byte() {
        let text =
            "Lavrov Лавров Λαβρόφ لافروف לברוב लावरोव 拉夫罗夫 ลาฟรอฟ 𝔏 Ławrow 2016".as_bytes();
        for a in 0..=text.len() {
            for b in a..=text.len() {
                let want = text[a..b].iter().filter(|&&x| (x as i8) >= -0x40).count();
                assert_eq!(code_points_started(text, a..b), want, "{a}..{b}");
            }
        }
    }

    /// Inside a character, the code points that start before the offset count (the fallback of a query
    /// off a boundary), whichever way the queries go.
    #[test]
    fn offsets_inside_a_character_count_the_code_points_started_before_them() {
        let text = "Лавров 東京 لافروف";
        let started = |b: usize| text.bytes().take(b).filter(|&x| (x as i8) >= -0x40).count();
        let mut forwards = CharOffsets::new(text);
        for b in 0..=text.len() + 2 {
            assert_eq!(forwards.char_offset(b), started(b.min(text.len())), "{b}");
        }
        let mut backwards = CharOffsets::new(text);
        for b in (0..=text.len()).rev() {
            assert_eq!(backwards.char_offset(b), started(b), "{b}");
        }
    }
}
