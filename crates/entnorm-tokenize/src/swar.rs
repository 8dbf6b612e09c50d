//! Eight bytes at a time in a `u64` ("SIMD within a register"): the per-token paths test or combine a
//! word's bytes together instead of looping over them, as a loop's exit, which follows a word's length,
//! is mispredicted at nearly every token.

/// Each byte's high bit.
pub(crate) const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
/// Each byte 1.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;

/// The first 8 bytes of `bytes` (which has at least 8) as a little-endian word: byte 0 in the low bits.
#[inline]
pub(crate) fn le_word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(
        bytes
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; 8]),
    )
}

/// A mask of the low `n` bytes of a word (`n` at most 7; 0 gives no byte).
#[inline]
pub(crate) fn low_bytes(n: usize) -> u64 {
    debug_assert!(n < 8);
    (1u64 << (n * 8)) - 1
}
