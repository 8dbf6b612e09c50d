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
    backing: Backing<T>,
}

enum Backing<T> {
    /// An anonymous mapping holding `len` entries.
    Mapped(memmap2::MmapMut, usize),
    /// Where the system would not map memory (or for an empty table).
    Heap(Box<[T]>),
}

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
            if let Ok(map) = memmap2::MmapOptions::new().len(bytes).map_anon() {
                #[cfg(target_os = "linux")]
                // Only a hint, given before the first touch: without huge pages the table works the same.
                let _ = map.advise(memmap2::Advice::HugePage);
                return ZeroedTable {
                    backing: Backing::Mapped(map, len),
                };
            }
        }
        #[allow(unsafe_code)]
        // SAFETY: `T: Zeroed` promises that all-zero bytes are a valid `T`.
        let zero: T = unsafe { std::mem::zeroed() };
        ZeroedTable {
            backing: Backing::Heap(vec![zero; len].into_boxed_slice()),
        }
    }
}

impl<T: Zeroed> Default for ZeroedTable<T> {
    /// An empty table (no memory).
    fn default() -> Self {
        ZeroedTable {
            backing: Backing::Heap(Box::default()),
        }
    }
}

impl<T: Zeroed> Deref for ZeroedTable<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match &self.backing {
            #[allow(unsafe_code)]
            // SAFETY: the mapping is `len * size_of::<T>()` bytes long, page-aligned (so aligned for `T`,
            // checked in `new`), zero-filled by the system or written only through `deref_mut` as `T`s,
            // and all-zero bytes are a valid `T` (`T: Zeroed`); it lives as long as `self`.
            Backing::Mapped(map, len) => unsafe {
                std::slice::from_raw_parts(map.as_ptr().cast::<T>(), *len)
            },
            Backing::Heap(entries) => entries,
        }
    }
}

impl<T: Zeroed> DerefMut for ZeroedTable<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.backing {
            #[allow(unsafe_code)]
            // SAFETY: as in `deref`; `&mut self` makes this the only reference to the mapping's bytes.
            Backing::Mapped(map, len) => unsafe {
                std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<T>(), *len)
            },
            Backing::Heap(entries) => entries,
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
