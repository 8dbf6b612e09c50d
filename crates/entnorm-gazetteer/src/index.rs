//! The compiled gazetteer: one file holding entities, aliases and the three token tries, laid out so that
//! it is used in place (memory-mapped, or as bytes in memory) without building any structure at load time.
//!
//! Layout (all integers little-endian): a header (magic, format version, normalizer version, checksum of
//! the body, section table), then sections. Strings live in one blob and are referred to as (offset,
//! length). One vocabulary of token keys shared by the three layers (a token whose keys coincide at
//! several layers, like most lower-case words, is looked up once), with an open-addressing hash table from
//! key to token id whose buckets carry 32 bits of the key's hash, so that a key absent from the vocabulary
//! is rejected without touching the strings; each token's record also holds the root's child for that
//! token in each layer, so one record read gives everything a match needs to begin. Per key layer: the
//! children of the other nodes sorted by token (CSR), the set of tokens labelling those edges, plus the
//! candidate aliases of every node. A file is accepted only if its magic, versions, section bounds and
//! checksum are right, so a truncated or stale index is an error, never a wrong answer or a panic.

use std::ops::Range;

use entnorm_tokenize::{KeyLayer, NORMALIZER_VERSION};

use crate::model::{AliasKind, Origin};

pub(crate) const MAGIC: &[u8; 12] = b"ENTNORM-IDX\0";
/// Bump whenever the layout, the meaning of any field, or what `compile` puts into an index changes
/// (2: cross-lingual enrichment of user entities; 3: contested links go to the strongest name; 4: the alias's own origin
/// ranks first; 5: acronyms link user and default entities; 6: one vocabulary for all layers, tagged
/// buckets, bulk_hash checksum; 7: root children in the token records; 8: Bloom filter; 9: a fourth trie
/// over stem keys with its own vocabulary, for inflected forms, and the alias flag `FLAG_STEM_OK`; 10:
/// enrichment links user persons to default persons by name parts, so the same sources give other
/// entities; 11: name-part groups in the stem vocabulary and variant paths of person names in the stem
/// trie; 13: stems of long names with short stems, and enrichment by population; 14: demonyms as their own
/// alias kind; 16, 17: disambiguation by date and country; 18: the capitalised-start bit in the folded and
/// translit root children and TERMS entries; 19: the first stems of the user's lower-case names in the
/// metadata, so that their inflected forms are tried; 20: acronyms of initials, alias kind 6, gated by
/// language; 24: per trie, the set of tokens that label an edge below the root; 25: the stem-trie nodes
/// with a name-part group edge below them; 26: the capitalised-start bit in the stem trie's root
/// children and TERMS entries; 27: the upper-case-next bit in the stem trie's NODE_EDGES; 28: only the
/// user's lower-case names of a language with case endings in the metadata, with those languages'
/// families; 29: each candidate's entity and guard flags inline in CANDS; 30: a node's edges beyond
/// [`SORTED_EDGES_MAX`] in a hash table; 31: aliases indexed without leading punctuation; 32: a node's
/// first edge and first candidate side by side in NODES; 33: four sections per trie, without the one
/// that was empty since 32; 34: one-word names of places of a million people are not gated by language;
/// 35: their case variants that the candidate rules exclude keep their own flags), so that cached
/// indexes are rebuilt.
pub const INDEX_FORMAT_VERSION: u32 = 35;

pub(crate) const NO_ID: u32 = u32::MAX;

// Section numbers.
pub(crate) const META: usize = 0;
pub(crate) const STRINGS: usize = 1;
pub(crate) const ENTITIES: usize = 2;
pub(crate) const ALIASES: usize = 3;
/// Token records of the shared vocabulary, [`TOKEN_RECORD`] bytes per token id: (offset, length) of the
/// key in STRINGS, then the root's child for the token in the exact, folded and translit tries (NO_ID if
/// none). A folded or translit root child has [`CAPITALIZED_START`] set when every alias under it starts
/// with a capitalised token; so has a stem trie root child (in the stem vocabulary's records).
pub(crate) const TOKENS: usize = 4;
/// Bit of a folded or translit root child (not NO_ID) in a token record: every alias whose path starts
/// with that child has a first token that starts upper-case, so no match on that layer can start at a
/// text token that starts lower-case (the case guard rejects each); the walk is skipped. Node ids are
/// below it.
pub(crate) const CAPITALIZED_START: u32 = 1 << 31;
pub(crate) const TOKEN_RECORD: usize = 20;
/// Hash table of the vocabulary: u64 buckets, `tag << 32 | (token id + 1)`, 0 = empty.
pub(crate) const BUCKETS: usize = 5;
/// A blocked Bloom filter over the vocabulary's keys (see [`bloom_bits`]), small enough to stay in a
/// core's cache, so that keys absent from the vocabulary (most of the lookups that miss the matcher's
/// per-thread cache) are rejected without a probe into the hash table.
pub(crate) const BLOOM: usize = 6;
const LAYER_BASE: usize = 7;
const PER_LAYER: usize = 4;
/// Per node (and one past the last), two u32: the offset of its first edge in EDGES (in the stem trie
/// with [`UPPER_NEXT_ONLY`] set where it applies), then the offset of its first candidate in CANDS (on
/// the folded and translit layers and in the stem trie with [`CAPITALIZED_START`] set when the node has
/// candidates and each one's first token starts upper-case). Side by side, so that a walk reads one
/// cache line per node it visits (two tables of one u32 each were a cache miss apiece in a large
/// gazetteer).
pub(crate) const NODES: usize = 0;
/// Bit of a stem-trie node's first-edge entry in NODES: every alias whose path goes on from the node has a token there
/// that starts upper-case, so no walk goes on from it through a text token that starts lower-case (the
/// stem guard rejects every alias below, a name-part variant needs every word capitalised). German
/// names rarely go on in lower case (`Frankfurt am Main`), German text nearly always does (`Merkel
/// sagte`): on German news half the stem walks' searches for a lower-case next word are skipped. Edge
/// offsets are below it.
pub(crate) const UPPER_NEXT_ONLY: u32 = 1 << 31;
/// Per node, its edges as (token, child) u32 pairs: up to [`SORTED_EDGES_MAX`] sorted by token; more
/// in an open-addressing hash table of a power-of-two size at least twice their number (empty slots
/// NO_ID, probed linearly from `edge_slot(token)`), so that a walk through a node with hundreds of
/// children (`San`, `New`) finds or misses its next token in a probe or two, not in a binary search that
/// reads a cache line per step.
pub(crate) const EDGES: usize = 1;
pub(crate) const SORTED_EDGES_MAX: usize = 8;
/// A bit per vocabulary token (u64 words, bit `id % 64` of word `id / 64`): set if the token labels an
/// edge below the root. Most child lookups of a walk fail, many for a token that continues no name at
/// all (`hat`, `sagte`); the set, a few hundred kilobytes that stay in the core's cache, answers those
/// without a binary search over the node's edges (several cache misses for a node with hundreds of
/// children).
pub(crate) const CONTINUES: usize = 3;
/// Per node with candidates, its aliases in precedence order, each a [`CAND_ENTRY`] of two u32: the
/// alias, then its entity (below 2^[`CAND_ENTITY_BITS`]) with, above it, the alias's flags (`FLAG_*`)
/// and [`CAND_CAPITALIZED_FIRST`]. A match attempt decides most candidates' guards from the entry
/// alone: the alias record (a cache miss per candidate in a large gazetteer) is read only for a
/// language gate or a case rule that needs the alias's every token.
pub(crate) const CANDS: usize = 2;
pub(crate) const CAND_ENTRY: usize = 8;
pub(crate) const CAND_ENTITY_BITS: u32 = 26;
/// Guard bit of a CANDS entry (above the flags): the alias's first token starts upper-case.
pub(crate) const CAND_CAPITALIZED_FIRST: u32 = 32;
/// The stem trie (see `entnorm_tokenize::stem_key`) has a vocabulary of its own, laid out like the shared
/// one (token records whose first root child is the stem trie's), so that the three key layers' vocabulary,
/// which every text token is looked up in, does not grow; stems are only looked up for the few tokens the
/// inflection pass tries.
pub(crate) const STEM_TOKENS: usize = LAYER_BASE + 3 * PER_LAYER;
pub(crate) const STEM_BUCKETS: usize = STEM_TOKENS + 1;
pub(crate) const STEM_BLOOM: usize = STEM_TOKENS + 2;
pub(crate) const STEM_BASE: usize = STEM_TOKENS + 3;
/// Name-part groups of stems: u32 stem-vocabulary ids of group tokens (`#Q12902079`), each stem's run given
/// by the second and third root slots (offset, count) of its stem token record. Group tokens take the
/// first ids of the stem vocabulary (how many: `stem_groups` in META), so an id tells a group from a stem.
pub(crate) const FORM_GROUPS: usize = STEM_BASE + PER_LAYER;
/// A bit per stem-trie node (u64 words, as in CONTINUES): set if an edge labelled with a group token lies
/// below the node (leaves it or one of its descendants). In a language without case endings only a path
/// through a group is a match (a variant spelling of a person's name); a walk of English news leaves
/// the nodes without such an edge below them at once instead of following every stem path of the trie.
pub(crate) const GROUP_BELOW: usize = FORM_GROUPS + 1;
pub(crate) const SECTIONS: usize = GROUP_BELOW + 1;

/// The first section of a key layer's trie.
pub(crate) fn layer_base(layer: KeyLayer) -> usize {
    LAYER_BASE + layer as usize * PER_LAYER
}

/// Where a vocabulary lives: token records, hash buckets, Bloom filter.
#[derive(Clone, Copy)]
pub(crate) struct VocabSections {
    pub tokens: usize,
    pub buckets: usize,
    pub bloom: usize,
}

pub(crate) const MAIN_VOCAB: VocabSections = VocabSections {
    tokens: TOKENS,
    buckets: BUCKETS,
    bloom: BLOOM,
};
pub(crate) const STEM_VOCAB: VocabSections = VocabSections {
    tokens: STEM_TOKENS,
    buckets: STEM_BUCKETS,
    bloom: STEM_BLOOM,
};

const HEADER_LEN: usize = 12 + 4 + 4 + 8 + 4 + SECTIONS * 16;
pub(crate) const ENTITY_RECORD: usize = 48;
pub(crate) const ALIAS_RECORD: usize = 40;

// Alias flag bits (byte 2 of the kind word).
pub(crate) const FLAG_INDEXED: u32 = 1;
pub(crate) const FLAG_EXACT_ONLY: u32 = 2;
pub(crate) const FLAG_TRANSLIT_OK: u32 = 4;
pub(crate) const FLAG_LANG_GATED: u32 = 8;
/// Indexed in the stem trie: inflected forms may match it.
pub(crate) const FLAG_STEM_OK: u32 = 16;

/// A stable 64-bit hash (Fx-style, 8 bytes at a time): the same on every platform and Rust version, so it
/// can be stored in files. It is the tokenizer's [`entnorm_tokenize::key_hash`], so that the hashes an
/// [`entnorm_tokenize::Analysis`] carries for its keys are the ones the index is built with.
#[inline]
pub fn stable_hash(bytes: &[u8]) -> u64 {
    entnorm_tokenize::key_hash(bytes)
}

/// A stable 64-bit hash for large inputs (index checksums, source fingerprints): stable_hash's step on
/// four independent lanes of each 32-byte block, so the multiplications overlap (about four times
/// faster on a 200 MB index), then stable_hash over the lanes and the tail.
pub fn bulk_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let len = bytes.len() as u64;
    let mut lanes = [len, len ^ K, len.rotate_left(17), len.rotate_left(41) ^ K];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let v = u64::from_le_bytes(word.try_into().expect("8-byte word"));
            *lane = (lane.rotate_left(5) ^ v).wrapping_mul(K);
        }
    }
    let mut last = Vec::with_capacity(64);
    for lane in lanes {
        last.extend_from_slice(&lane.to_le_bytes());
    }
    last.extend_from_slice(blocks.remainder());
    stable_hash(&last)
}

/// Bloom filter geometry: bits per vocabulary key (about 1% false positives with [`BLOOM_PROBES`]).
pub(crate) const BLOOM_BITS_PER_KEY: usize = 12;
pub(crate) const BLOOM_PROBES: usize = 6;

/// The 64-byte line (index into `lines`, a power of two) and the bit positions within it of a key
/// with `stable_hash` `h`. All probes of a key fall into one cache line.
#[inline]
pub(crate) fn bloom_bits(h: u64, lines: usize) -> (usize, [u32; BLOOM_PROBES]) {
    let g = (h ^ (h >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let line = (g >> 32) as usize & (lines - 1);
    let mut bits = [0u32; BLOOM_PROBES];
    for (i, b) in bits.iter_mut().enumerate() {
        *b = ((h >> (i * 9)) & 511) as u32;
    }
    (line, bits)
}

/// Why an index file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("not an entnorm gazetteer index (bad magic)")]
    Magic,
    #[error(
        "index format version {found}, this entnorm reads version {expected}; rebuild the index"
    )]
    FormatVersion { found: u32, expected: u32 },
    #[error("index built with normalizer version {found}, this entnorm has {expected}; rebuild the index")]
    NormalizerVersion { found: u32, expected: u32 },
    #[error("index is truncated or corrupt ({0})")]
    Corrupt(&'static str),
    #[error("cannot copy the index into memory: {0}")]
    Copy(#[source] std::io::Error),
    #[error("cannot map the index file anew in 2 MiB pages: {0}")]
    Remap(#[source] std::io::Error),
}

/// Appends sections and writes the header; used by the compiler.
pub(crate) struct IndexWriter {
    sections: Vec<Vec<u8>>,
}

impl IndexWriter {
    pub(crate) fn new() -> Self {
        IndexWriter {
            sections: vec![Vec::new(); SECTIONS],
        }
    }

    pub(crate) fn section(&mut self, n: usize) -> &mut Vec<u8> {
        &mut self.sections[n]
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        let body_len: usize = self
            .sections
            .iter()
            .map(|s| s.len().next_multiple_of(8))
            .sum();
        let mut out = Vec::with_capacity(HEADER_LEN + body_len);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&INDEX_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&NORMALIZER_VERSION.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes()); // checksum, filled in below
        out.extend_from_slice(&(SECTIONS as u32).to_le_bytes());
        let mut offset = HEADER_LEN;
        for s in &self.sections {
            out.extend_from_slice(&(offset as u64).to_le_bytes());
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            offset += s.len().next_multiple_of(8);
        }
        debug_assert_eq!(out.len(), HEADER_LEN);
        for s in &self.sections {
            out.extend_from_slice(s);
            out.resize(out.len().next_multiple_of(8), 0);
        }
        let checksum = bulk_hash(&out[HEADER_LEN..]);
        out[20..28].copy_from_slice(&checksum.to_le_bytes());
        out
    }
}

pub(crate) fn push_u32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// Validated section ranges of an index held in memory or mapped.
#[derive(Clone, Debug)]
pub(crate) struct Sections {
    ranges: Vec<Range<usize>>,
}

impl Sections {
    /// The sections of an index file, after checking its header and the shapes of its sections and, if
    /// `verify`, the checksum over all of its bytes.
    pub(crate) fn parse(bytes: &[u8], verify: bool) -> Result<Sections, IndexError> {
        if bytes.len() < HEADER_LEN || &bytes[..12] != MAGIC {
            return Err(if bytes.len() >= 12 && &bytes[..12] != MAGIC {
                IndexError::Magic
            } else {
                IndexError::Corrupt("shorter than its header")
            });
        }
        let format = read_u32(bytes, 12);
        if format != INDEX_FORMAT_VERSION {
            return Err(IndexError::FormatVersion {
                found: format,
                expected: INDEX_FORMAT_VERSION,
            });
        }
        let normalizer = read_u32(bytes, 16);
        if normalizer != NORMALIZER_VERSION {
            return Err(IndexError::NormalizerVersion {
                found: normalizer,
                expected: NORMALIZER_VERSION,
            });
        }
        let checksum = u64::from_le_bytes(bytes[20..28].try_into().expect("8 bytes"));
        if read_u32(bytes, 28) as usize != SECTIONS {
            return Err(IndexError::Corrupt("unexpected section count"));
        }
        let mut ranges = Vec::with_capacity(SECTIONS);
        for i in 0..SECTIONS {
            let at = 32 + i * 16;
            let start = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes")) as usize;
            let len =
                u64::from_le_bytes(bytes[at + 8..at + 16].try_into().expect("8 bytes")) as usize;
            let end = start
                .checked_add(len)
                .ok_or(IndexError::Corrupt("section overflows"))?;
            if start < HEADER_LEN || end > bytes.len() {
                return Err(IndexError::Corrupt("section outside the file"));
            }
            ranges.push(start..end);
        }
        if verify && bulk_hash(&bytes[HEADER_LEN..]) != checksum {
            return Err(IndexError::Corrupt("checksum mismatch"));
        }
        let s = Sections { ranges };
        s.check_shapes()?;
        Ok(s)
    }

    fn check_shapes(&self) -> Result<(), IndexError> {
        let len = |n: usize| self.ranges[n].len();
        if len(ENTITIES) % ENTITY_RECORD != 0 || len(ALIASES) % ALIAS_RECORD != 0 {
            return Err(IndexError::Corrupt("record tables"));
        }
        for vocab in [MAIN_VOCAB, STEM_VOCAB] {
            let bloom_lines = len(vocab.bloom) / 64;
            if len(FORM_GROUPS) % 4 != 0 || len(GROUP_BELOW) % 8 != 0 {
                return Err(IndexError::Corrupt("name-part groups"));
            }
            if len(vocab.bloom) % 64 != 0 || !bloom_lines.is_power_of_two() {
                return Err(IndexError::Corrupt("bloom filter"));
            }
            let tokens = len(vocab.tokens) / TOKEN_RECORD;
            let buckets = len(vocab.buckets) / 8;
            if len(vocab.tokens) % TOKEN_RECORD != 0
                || len(vocab.buckets) % 8 != 0
                || !buckets.is_power_of_two()
                || buckets <= tokens
            {
                return Err(IndexError::Corrupt("vocabulary tables"));
            }
        }
        for base in KeyLayer::ALL.map(layer_base).into_iter().chain([STEM_BASE]) {
            let l = |p: usize| len(base + p);
            let nodes_plus_one = l(NODES) / 8;
            if nodes_plus_one == 0
                || l(NODES) % 8 != 0
                || l(EDGES) % 8 != 0
                || l(CANDS) % CAND_ENTRY != 0
                || l(CONTINUES) % 8 != 0
            {
                return Err(IndexError::Corrupt("trie tables"));
            }
        }
        Ok(())
    }

    pub(crate) fn get<'b>(&self, bytes: &'b [u8], n: usize) -> &'b [u8] {
        &bytes[self.ranges[n].clone()]
    }
}

#[inline]
pub(crate) fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

#[inline]
pub(crate) fn read_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

#[inline]
pub(crate) fn u32_at(section: &[u8], i: usize) -> u32 {
    read_u32(section, i * 4)
}

pub(crate) fn kind_from_u8(v: u8) -> AliasKind {
    match v {
        0 => AliasKind::Canonical,
        1 => AliasKind::Label,
        2 => AliasKind::Alias,
        3 => AliasKind::Abbreviation,
        5 => AliasKind::Demonym,
        6 => AliasKind::Initials,
        _ => AliasKind::Transliteration,
    }
}

pub(crate) fn kind_to_u8(k: AliasKind) -> u8 {
    match k {
        AliasKind::Canonical => 0,
        AliasKind::Label => 1,
        AliasKind::Alias => 2,
        AliasKind::Abbreviation => 3,
        AliasKind::Transliteration => 4,
        AliasKind::Demonym => 5,
        AliasKind::Initials => 6,
    }
}

pub(crate) fn origin_from_u8(v: u8) -> Origin {
    if v == 0 {
        Origin::User
    } else {
        Origin::Default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `stable_hash` as first written (tail copied into a zeroed array): hashes are stored in indexes
    /// and fingerprints, so the function may never change.
    fn stable_hash_reference(bytes: &[u8]) -> u64 {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h: u64 = bytes.len() as u64;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().unwrap());
            h = (h.rotate_left(5) ^ v).wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }

    #[test]
    fn stable_hash_is_unchanged() {
        let bytes: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8 | 0x80).collect();
        for len in 0..=bytes.len() {
            assert_eq!(
                stable_hash(&bytes[..len]),
                stable_hash_reference(&bytes[..len])
            );
        }
        assert_eq!(stable_hash(b"russia"), stable_hash_reference(b"russia"));
    }
}
