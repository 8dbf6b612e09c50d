//! Per-thread lookup tables of megabytes (the analyzer's key memo, the matcher's caches of lookups), in
//! memory of their own asked to be backed by 2 MiB pages.
//!
//! Each token reads such tables at random places. Through 4 KiB pages nearly every read also misses the
//! TLB (a 4 MiB memo alone spans 1,024 pages, beside an index of hundreds of megabytes); in 2 MiB pages a
//! table takes one or two TLB entries. An anonymous mapping of its own, advised before it is first
//! touched, is what Linux's transparent huge pages need (`madvise` mode, the common default): memory from
//! the allocator may already be in 4 KiB pages.

use std::ops::{Deref, DerefMut};

/// Types for which all-zero bytes are a valid value (the empty entry of a table).
///
/// # Safety
///
/// Implement only for `Copy` types built of integers and arrays of integers, whose every bit pattern,
/// all zeros among them, is a valid value.
#[allow(unsafe_code)]
pub unsafe trait Zeroed: Copy {}

/// A fixed-length table of `T`, every entry all-zero at first.
pub struct ZeroedTable<T: Zeroed> {
    /// The first of the `len` entries held by `_backing`: kept so that indexing, done for every token,
    /// does not ask first which backing the table has.
    entries: std::ptr::NonNull<T>,
    len: usize,
    _backing: Backing<T>,
}

// Held only to own (and at the end free) the entries: they are reached through `entries`.
#[allow(dead_code)]
enum Backing<T> {
    /// An anonymous mapping holding the entries.
    Mapped(memmap2::MmapMut),
    /// Where the system would not map memory (or for an empty table). A `Vec`, not a `Box`, so that
    /// moving it keeps `entries` valid.
    Heap(Vec<T>),
}

// SAFETY: the table owns the entries `entries` points to (through `_backing`) and hands out references to
// them only through `&self` (shared) and `&mut self` (exclusive), as a `Vec<T>` would.
#[allow(unsafe_code)]
unsafe impl<T: Zeroed + Send> Send for ZeroedTable<T> {}
// SAFETY: as for `Send`: `&ZeroedTable` gives only shared references to the entries.
#[allow(unsafe_code)]
unsafe impl<T: Zeroed + Sync> Sync for ZeroedTable<T> {}

impl<T: Zeroed> ZeroedTable<T> {
    /// A table of `len` zeroed entries, in an anonymous mapping on 2 MiB pages where Linux offers them,
    /// else on the heap.
    pub fn new(len: usize) -> Self {
        const {
            assert!(
                std::mem::align_of::<T>() <= 4096,
                "mappings are page-aligned"
            )
        };
        let bytes = len.saturating_mul(std::mem::size_of::<T>());
        if bytes > 0 {
            if let Ok(mut map) = memmap2::MmapOptions::new().len(bytes).map_anon() {
                #[cfg(target_os = "linux")]
                // Only a hint, given before the first touch: without huge pages the table works the same.
                let _ = map.advise(memmap2::Advice::HugePage);
                if let Some(entries) = std::ptr::NonNull::new(map.as_mut_ptr().cast::<T>()) {
                    return ZeroedTable {
                        entries,
                        len,
                        _backing: Backing::Mapped(map),
                    };
                }
            }
        }
        #[allow(unsafe_code)]
        // SAFETY: `T: Zeroed` promises that all-zero bytes are a valid `T`.
        let zero: T = unsafe { std::mem::zeroed() };
        Self::on_heap(vec![zero; len])
    }

    fn on_heap(mut entries: Vec<T>) -> Self {
        ZeroedTable {
            entries: std::ptr::NonNull::new(entries.as_mut_ptr())
                .unwrap_or(std::ptr::NonNull::dangling()),
            len: entries.len(),
            _backing: Backing::Heap(entries),
        }
    }
}

impl<T: Zeroed> Default for ZeroedTable<T> {
    /// An empty table (no memory).
    fn default() -> Self {
        Self::on_heap(Vec::new())
    }
}

impl<T: Zeroed> Deref for ZeroedTable<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        #[allow(unsafe_code)]
        // SAFETY: `entries` is the start of `len` entries owned by `_backing`, which lives as long as
        // `self` and never moves them: a mapping of `len * size_of::<T>()` bytes, page-aligned (so aligned
        // for `T`, checked in `new`), zero-filled by the system, or a `Vec` of `len` entries (a dangling,
        // aligned pointer when empty). They are written only through `deref_mut` as `T`s, and all-zero
        // bytes are a valid `T` (`T: Zeroed`).
        unsafe {
            std::slice::from_raw_parts(self.entries.as_ptr(), self.len)
        }
    }
}

impl<T: Zeroed> DerefMut for ZeroedTable<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        #[allow(unsafe_code)]
        // SAFETY: as in `deref`; `&mut self` makes this the only reference to the entries.
        unsafe {
            std::slice::from_raw_parts_mut(self.entries.as_ptr(), self.len)
        }
    }
}

impl<T: Zeroed> std::fmt::Debug for ZeroedTable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZeroedTable({} entries)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    #[repr(C, align(64))]
    struct Slot {
        a: u64,
        b: [u8; 3],
    }

    #[allow(unsafe_code)]
    // SAFETY: integers and an array of integers.
    unsafe impl Zeroed for Slot {}

    #[test]
    fn a_table_starts_zeroed_and_keeps_what_is_written() {
        let mut t = ZeroedTable::<Slot>::new(100_000);
        assert_eq!(t.len(), 100_000);
        assert!(t.iter().all(|s| *s == Slot { a: 0, b: [0; 3] }));
        assert_eq!(t.as_ptr() as usize % 64, 0);
        for (i, s) in t.iter_mut().enumerate() {
            s.a = i as u64;
            s.b = [i as u8; 3];
        }
        assert!(t
            .iter()
            .enumerate()
            .all(|(i, s)| s.a == i as u64 && s.b == [i as u8; 3]));
        assert!(ZeroedTable::<Slot>::default().is_empty());
        assert!(ZeroedTable::<Slot>::new(0).is_empty());
    }
}
