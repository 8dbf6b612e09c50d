//! Byte offset to code-point offset conversion, for consumers that report character positions.

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
        self.chars += match self.text.get(self.byte..byte) {
            // Between character boundaries (token ends, the usual query): the standard library's count,
            // which reads a word at a time.
            Some(part) => part.chars().count(),
            // Every byte that is not a UTF-8 continuation byte (0b10xx_xxxx) starts a code point.
            None => self.text.as_bytes()[self.byte..byte]
                .iter()
                .filter(|&&b| (b as i8) >= -0x40)
                .count(),
        };
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
