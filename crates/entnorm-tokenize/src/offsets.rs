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
    bytes: &'a [u8],
    byte: usize,
    chars: usize,
}

impl<'a> CharOffsets<'a> {
    /// Starts counting at the beginning of `text`.
    pub fn new(text: &'a str) -> Self {
        CharOffsets {
            bytes: text.as_bytes(),
            byte: 0,
            chars: 0,
        }
    }

    /// The number of code points that start before byte offset `byte`: for a char boundary this is
    /// `text[..byte].chars().count()`. Offsets past the end are clamped to the text length.
    pub fn char_offset(&mut self, byte: usize) -> usize {
        let byte = byte.min(self.bytes.len());
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        // Every byte that is not a UTF-8 continuation byte (0b10xx_xxxx) starts a code point.
        self.chars += self.bytes[self.byte..byte]
            .iter()
            .filter(|&&b| (b as i8) >= -0x40)
            .count();
        self.byte = byte;
        self.chars
    }
}
