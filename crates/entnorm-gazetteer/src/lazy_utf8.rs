//! UTF-8 checking of a large, immutable byte section in blocks, each on its first use.
//!
//! An index's STRINGS section holds every name and alias (tens of megabytes). Checking all of it on the
//! first string read cost a short run most of its time and made it touch every page of the section (a
//! one-article run: 37% of its samples in that check); checking each string on every read costs a long
//! run more than the one check. Blocks of [`BLOCK`] bytes are checked as strings in them are first read,
//! once per matcher, and strings in checked blocks are then read without checking again.

use std::sync::atomic::{AtomicU8, Ordering};

/// Bytes per block (the last block may be shorter): a power of two, so that finding a string's blocks
/// takes two shifts, not two divisions, on every string read.
pub(crate) const BLOCK: usize = 64 << 10;

const UNCHECKED: u8 = 0;
const VALID: u8 = 1;
const INVALID: u8 = 2;

/// Per block of a section, whether it was checked and found UTF-8. Block `k` is the bytes from
/// `start(k)`, the first character boundary at or after `k * block` (at most 4 bytes further; 0 for
/// the first block), to `start(k + 1)` (the section's end for the last): contiguous ranges that each
/// end at a character boundary, so that the union of valid ones is valid UTF-8.
#[derive(Debug)]
pub(crate) struct LazyUtf8 {
    /// log2 of the block size.
    shift: u32,
    states: Box<[AtomicU8]>,
}

impl LazyUtf8 {
    /// For a section of `len` bytes, in blocks of `block` bytes ([`BLOCK`] but in tests) rounded up to
    /// a power of two.
    pub(crate) fn new(len: usize, block: usize) -> LazyUtf8 {
        let shift = block.max(1).next_power_of_two().trailing_zeros();
        LazyUtf8 {
            shift,
            states: (0..len.div_ceil(1 << shift))
                .map(|_| AtomicU8::new(UNCHECKED))
                .collect(),
        }
    }

    /// `bytes[off..off + len]` as a string, where `bytes` is the section this was made for (it must not
    /// change); "" where that range is outside the section or not UTF-8.
    pub(crate) fn str_at<'a>(&self, bytes: &'a [u8], off: usize, len: usize) -> &'a str {
        let Some(b) = off.checked_add(len).and_then(|end| bytes.get(off..end)) else {
            return "";
        };
        if b.is_empty() {
            return "";
        }
        debug_assert_eq!(self.states.len(), bytes.len().div_ceil(1 << self.shift));
        let end = off + len;
        let is_boundary = |i: usize| bytes.get(i).is_none_or(|&c| (c as i8) >= -0x40);
        // Blocks whose union holds `off..end`: a block starts at the first character boundary at or
        // after its nominal start, so block `off / block` starts at or before `off` where `off` is a
        // boundary; block `(end - 1) / block` ends at or after `end`.
        let (first, last) = (off >> self.shift, (end - 1) >> self.shift);
        if is_boundary(off)
            && is_boundary(end)
            && self.check(bytes, first)
            && (first == last || (first + 1..=last).all(|k| self.check(bytes, k)))
        {
            #[allow(unsafe_code)]
            // SAFETY: the blocks from `off / block` to `(end - 1) / block` were each checked to be
            // UTF-8 (`check`); they are contiguous ranges of `bytes` that each end at the end of a
            // character, so their union is UTF-8. `b` lies within it (see above) between two character
            // boundaries, so `b` is UTF-8 too. `bytes` never changes while the matcher holds it (see
            // `Matcher::open`).
            return unsafe { std::str::from_utf8_unchecked(b) };
        }
        std::str::from_utf8(b).unwrap_or("")
    }

    /// Where block `k` starts (see [`LazyUtf8`]); the section's length for `k` past the last block.
    fn start(&self, bytes: &[u8], k: usize) -> usize {
        if k == 0 {
            return 0;
        }
        let at = (k << self.shift).min(bytes.len());
        // A character has at most 3 continuation bytes; more is not UTF-8, and the block starting on a
        // continuation byte then fails its check.
        (at..(at + 4).min(bytes.len()))
            .find(|&i| (bytes[i] as i8) >= -0x40)
            .unwrap_or((at + 4).min(bytes.len()))
    }

    /// Whether block `k` is UTF-8, checking it if no thread has yet.
    #[inline]
    fn check(&self, bytes: &[u8], k: usize) -> bool {
        match self.states[k].load(Ordering::Acquire) {
            VALID => true,
            INVALID => false,
            _ => self.check_anew(bytes, k),
        }
    }

    /// Checks block `k` (once per block and matcher, unless two threads race to it).
    #[cold]
    fn check_anew(&self, bytes: &[u8], k: usize) -> bool {
        let range = self.start(bytes, k)..self.start(bytes, k + 1);
        let valid = simdutf8::basic::from_utf8(&bytes[range]).is_ok();
        self.states[k].store(if valid { VALID } else { INVALID }, Ordering::Release);
        valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every range of a section of names in several scripts, with blocks of a few bytes (so that block
    /// starts fall inside characters), reads as `from_utf8` reads it: through one checker shared by all
    /// reads and through a fresh one for each; also with invalid bytes in one block, which leave the
    /// other blocks' strings readable.
    #[test]
    fn every_range_reads_as_from_utf8_reads_it() {
        let text = "Сергей Лавров|لافروف|拉夫罗夫|Ławrow|𝔏𝔞𝔳𝔯𝔬𝔳|ลาฟรอฟ|Ja'afari";
        let mut broken = text.as_bytes().to_vec();
        broken[30] = 0xFF;
        broken[31] = 0x80;
        for bytes in [text.as_bytes(), &broken[..]] {
            for block in [1, 2, 4, 8, 64, BLOCK] {
                let shared = LazyUtf8::new(bytes.len(), block);
                let (mut read, mut refused) = (0, 0);
                for off in 0..=bytes.len() + 1 {
                    for len in 0..=bytes.len() + 1 - off.min(bytes.len()) {
                        let want = off
                            .checked_add(len)
                            .and_then(|end| bytes.get(off..end))
                            .and_then(|b| std::str::from_utf8(b).ok())
                            .unwrap_or("");
                        assert_eq!(shared.str_at(bytes, off, len), want, "{off}+{len}, {block}");
                        let fresh = LazyUtf8::new(bytes.len(), block);
                        assert_eq!(fresh.str_at(bytes, off, len), want, "{off}+{len}, {block}");
                        if want.is_empty() {
                            refused += 1;
                        } else {
                            read += 1;
                        }
                    }
                }
                assert!(read > 500 && refused > 500, "{read} / {refused}");
            }
        }
    }
}
