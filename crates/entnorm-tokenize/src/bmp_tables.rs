//! Per-character tables of the Basic Multilingual Plane, read from `bmp_tables.bin`: each character's
//! class bits (see `chars`) and its simple fold (see `fold`).
//!
//! Both are functions of the rules in `chars` and `fold` alone, but computing them is slow: the classes
//! ask the standard library's and unicode-normalization's compressed tables for 65,536 code points, and
//! the simple folds run the whole fold pipeline on every character, beside eight letters of different
//! scripts. That was some 180 M instructions (50-60 ms) at the start of every process, more than all
//! the rest of a run on one article. So they are computed once, by the test at the bottom of this file,
//! and committed; the same test fails the moment they differ from what the rules give (a changed rule,
//! or a Rust or unicode-normalization release with newer Unicode data), and writes them anew when run
//! with `ENTNORM_WRITE_TABLES=1`.
//!
//! File layout (little-endian): the magic `ENTNBMP1`; the numbers of distinct class pages and of
//! distinct fold pages (u16 each); for each of the 256 pages of 256 code points, the number of its
//! class page (u16), then of its fold page (u16); the distinct class pages (256 u16 each); the distinct
//! fold pages (256 u32 each: 0 for a character that is not simple, `u32::MAX` for one folding removes,
//! else the fold's distance from the character, XOR `1 << 31`, so that the pages of scripts folding
//! to themselves are alike).

use std::sync::OnceLock;

const FILE: &[u8] = include_bytes!("bmp_tables.bin");
const MAGIC: &[u8; 8] = b"ENTNBMP1";
const PAGES: usize = 0x100;
const PAGE: usize = 0x100;

/// Table entry of a character that is not simple (see `fold::simple_fold`).
pub(crate) const NOT_SIMPLE: u32 = 0;
/// Table entry of a character folding removes wherever it stands (not a valid `char`).
pub(crate) const REMOVED: u32 = u32::MAX;

/// The class bits and the simple folds of every code point of the BMP, flat.
type Tables = (Box<[u16]>, Box<[u32]>);

/// The class bits of every code point of the BMP (see `chars::class`).
pub(crate) fn classes() -> &'static [u16] {
    &tables().0
}

/// Per code point of the BMP: [`NOT_SIMPLE`], [`REMOVED`], or the code point of its fold.
pub(crate) fn simple_folds() -> &'static [u32] {
    &tables().1
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    // The file is part of the program, checked by the test below: a malformed one is a build defect.
    TABLES.get_or_init(|| {
        decode(FILE).expect("bmp_tables.bin is malformed: regenerate it (see bmp_tables.rs)")
    })
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The flat tables from the file's bytes; `None` if they are not laid out as the module docs say.
fn decode(bytes: &[u8]) -> Option<Tables> {
    if bytes.get(..8)? != MAGIC {
        return None;
    }
    let class_pages = usize::from(u16_at(bytes, 8)?);
    let fold_pages = usize::from(u16_at(bytes, 10)?);
    let index = 12;
    let class_data = index + PAGES * 4;
    let fold_data = class_data + class_pages * PAGE * 2;
    if bytes.len() != fold_data + fold_pages * PAGE * 4 {
        return None;
    }
    let mut classes = vec![0u16; PAGES * PAGE];
    let mut folds = vec![NOT_SIMPLE; PAGES * PAGE];
    for page in 0..PAGES {
        let (c, f) = (
            usize::from(u16_at(bytes, index + page * 4)?),
            usize::from(u16_at(bytes, index + page * 4 + 2)?),
        );
        if c >= class_pages || f >= fold_pages {
            return None;
        }
        for k in 0..PAGE {
            let u = page * PAGE + k;
            classes[u] = u16_at(bytes, class_data + (c * PAGE + k) * 2)?;
            folds[u] = match u32_at(bytes, fold_data + (f * PAGE + k) * 4)? {
                NOT_SIMPLE => NOT_SIMPLE,
                REMOVED => REMOVED,
                delta => (u as u32).wrapping_add((delta ^ 1 << 31) as i32 as u32),
            };
        }
    }
    Some((classes.into_boxed_slice(), folds.into_boxed_slice()))
}

/// The file's bytes for the flat tables `classes` and `folds` (of [`PAGES`] * [`PAGE`] entries each).
#[cfg(test)]
fn encode(classes: &[u16], folds: &[u32]) -> Vec<u8> {
    /// Numbers pages by first appearance, alike pages sharing one.
    fn distinct<T: Clone + PartialEq>(pages: Vec<Vec<T>>) -> (Vec<u16>, Vec<Vec<T>>) {
        let mut kept: Vec<Vec<T>> = Vec::new();
        let index = pages
            .into_iter()
            .map(|p| {
                let at = kept.iter().position(|k| *k == p).unwrap_or_else(|| {
                    kept.push(p);
                    kept.len() - 1
                });
                u16::try_from(at).expect("at most 256 pages")
            })
            .collect();
        (index, kept)
    }
    let (class_index, class_pages) = distinct(classes.chunks(PAGE).map(<[u16]>::to_vec).collect());
    let (fold_index, fold_pages) = distinct(
        folds
            .chunks(PAGE)
            .enumerate()
            .map(|(page, chunk)| {
                let first = (page * PAGE) as u32;
                chunk
                    .iter()
                    .zip(first..)
                    .map(|(&f, u)| match f {
                        NOT_SIMPLE | REMOVED => f,
                        f => f.wrapping_sub(u) ^ 1 << 31,
                    })
                    .collect()
            })
            .collect(),
    );
    let mut out = MAGIC.to_vec();
    for n in [class_pages.len(), fold_pages.len()] {
        out.extend_from_slice(&(n as u16).to_le_bytes());
    }
    for (c, f) in class_index.iter().zip(&fold_index) {
        out.extend_from_slice(&c.to_le_bytes());
        out.extend_from_slice(&f.to_le_bytes());
    }
    out.extend(class_pages.iter().flatten().flat_map(|v| v.to_le_bytes()));
    out.extend(fold_pages.iter().flatten().flat_map(|v| v.to_le_bytes()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed tables are what `chars::compute_class` and `fold::simple_fold_by_rule` give for
    /// every code point of the BMP. Set ENTNORM_WRITE_TABLES=1 to write them anew where they differ
    /// (twice if the classes changed: the simple folds are computed with the classes in use).
    #[test]
    fn committed_tables_are_what_the_rules_give() {
        let classes: Vec<u16> = (0..(PAGES * PAGE) as u32)
            .map(|u| char::from_u32(u).map_or(0, crate::chars::compute_class))
            .collect();
        let folds: Vec<u32> = (0..PAGES as u32)
            .flat_map(|page| crate::fold::simple_folds_by_rule(page).into_vec())
            .collect();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bmp_tables.bin");
        let encoded = encode(&classes, &folds);
        if std::env::var_os("ENTNORM_WRITE_TABLES").is_some() && encoded != FILE {
            std::fs::write(path, &encoded).expect("writing bmp_tables.bin");
            panic!(
                "wrote {path} ({} bytes): build and run the tests again",
                encoded.len()
            );
        }
        let (committed_classes, committed_folds) = decode(FILE).expect("bmp_tables.bin decodes");
        let stale = |what: &str, u: usize| {
            format!(
                "{path}: the {what} of U+{u:04X} is not what the rules give; \
                 ENTNORM_WRITE_TABLES=1 cargo test -p entnorm-tokenize committed_tables writes it anew"
            )
        };
        for u in 0..PAGES * PAGE {
            assert_eq!(committed_classes[u], classes[u], "{}", stale("class", u));
            assert_eq!(committed_folds[u], folds[u], "{}", stale("simple fold", u));
        }
        assert_eq!(
            encoded, FILE,
            "{path} is laid out differently from what encode gives"
        );
        // Decoding reads what encoding wrote, sentinels and distances included.
        assert_eq!(decode(&encoded), Some((classes.into(), folds.into())));
        assert!(decode(&encoded[..encoded.len() - 1]).is_none());
    }
}
