//! Reading hostile input in bounded memory: lines and CSV records that keep at most a set number of bytes
//! (a longer one is skipped to its end without being stored), and a guard against decompression bombs.
//!
//! Whatever a file contains, a reader holds at most one record of at most `max_record_bytes` plus its
//! buffers; an oversize record is reported with its size and the reader goes on with the next one.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What one bounded read found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Bounded {
    /// End of input: nothing was read.
    Eof,
    /// A whole record is in the buffer.
    Record,
    /// The record was longer than the limit: it was read to its end but not stored; `bytes` is its length
    /// without the line terminator.
    TooLong { bytes: u64 },
}

/// Reads one line (through `\n` or to the end of input) into `buf`, without the `\n` or a `\r` before it.
/// A line of more than `limit` bytes is consumed to its end but not stored: memory stays bounded by
/// `limit` whatever the input. Returns the number of line breaks consumed (0 or 1) with the outcome.
pub(crate) fn read_line_bounded(
    r: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Bounded> {
    buf.clear();
    let mut total: u64 = 0;
    let mut any = false;
    let mut overflow = false;
    // Keep one byte beyond the limit for a possible `\r` before the `\n`.
    let keep = limit.saturating_add(1);
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        total += take as u64;
        if !overflow {
            if buf.len() + take <= keep {
                buf.extend_from_slice(&chunk[..take]);
            } else {
                overflow = true;
                buf.clear();
                buf.shrink_to(keep.min(1 << 20));
            }
        }
        r.consume(take + usize::from(done));
        if done {
            break;
        }
    }
    if !any {
        return Ok(Bounded::Eof);
    }
    if !overflow && buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if overflow || buf.len() > limit {
        let bytes = if overflow { total } else { buf.len() as u64 };
        buf.clear();
        return Ok(Bounded::TooLong { bytes });
    }
    Ok(Bounded::Record)
}

/// One CSV record split into fields, following RFC 4180 as the `csv` crate reads it by default: `,`
/// separates fields, `"` quotes a field that starts with it (`""` inside is one quote), a quote inside an
/// unquoted field is literal, and `\n`, `\r\n` or a lone `\r` outside quotes ends a record. Blank lines are
/// skipped. Parsing is done here, not by the `csv` crate, so that a record can be bounded in size and an
/// oversize one skipped to its end.
#[derive(Default)]
pub(crate) struct CsvRecord {
    data: Vec<u8>,
    ends: Vec<usize>,
    /// The 1-based line the record starts on (`\n`, `\r\n` and a lone `\r` each end a line).
    pub(crate) line: u64,
}

impl CsvRecord {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CsvState {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

/// Streams [`CsvRecord`]s from a reader, bounded in size.
pub(crate) struct CsvSplitter {
    line: u64,
    /// The last byte consumed was a `\r` (a following `\n` belongs to the same line break).
    after_cr: bool,
}

impl CsvSplitter {
    pub(crate) fn new() -> Self {
        CsvSplitter {
            line: 1,
            after_cr: false,
        }
    }

    /// The line the reader is on.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Reads the next record into `rec`. The limit counts the record's raw bytes (quotes and separators
    /// included, the terminator not).
    pub(crate) fn next(
        &mut self,
        r: &mut dyn BufRead,
        rec: &mut CsvRecord,
        limit: usize,
    ) -> io::Result<Bounded> {
        rec.data.clear();
        rec.ends.clear();
        let mut state = CsvState::StartRecord;
        let mut raw: u64 = 0;
        let mut overflow = false;
        loop {
            let chunk = match r.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            let mut used = 0;
            let mut finished = false;
            for &b in chunk {
                // Line counting, independent of quoting: every `\n`, and every `\r` not followed by `\n`.
                let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
                if (b == b'\n' && !after_cr) || b == b'\r' {
                    self.line += 1;
                }
                if state == CsvState::StartRecord {
                    if b == b'\n' || b == b'\r' {
                        used += 1;
                        continue; // blank line, or the `\n` of a `\r\n`
                    }
                    rec.line = self.line;
                    state = CsvState::StartField;
                }
                let terminator = (b == b'\n' || b == b'\r') && !matches!(state, CsvState::InQuoted);
                if terminator {
                    // Leave the terminator unconsumed-in-state: the next call skips it as a blank line
                    // start, which also counts nothing twice (the line was counted above).
                    used += 1;
                    finished = true;
                    break;
                }
                used += 1;
                raw += 1;
                if raw > limit as u64 && !overflow {
                    overflow = true;
                    rec.data.clear();
                    rec.ends.clear();
                    rec.data.shrink_to(limit.min(1 << 20));
                }
                let (next, emit, end_field) = match (state, b) {
                    (CsvState::StartField, b'"') => (CsvState::InQuoted, None, false),
                    (CsvState::StartField | CsvState::InField, b',') => {
                        (CsvState::StartField, None, true)
                    }
                    (CsvState::StartField | CsvState::InField, _) => {
                        (CsvState::InField, Some(b), false)
                    }
                    (CsvState::InQuoted, b'"') => (CsvState::QuoteInQuoted, None, false),
                    (CsvState::InQuoted, _) => (CsvState::InQuoted, Some(b), false),
                    (CsvState::QuoteInQuoted, b'"') => (CsvState::InQuoted, Some(b'"'), false),
                    (CsvState::QuoteInQuoted, b',') => (CsvState::StartField, None, true),
                    (CsvState::QuoteInQuoted, _) => (CsvState::InField, Some(b), false),
                    (CsvState::StartRecord, _) => unreachable!("handled above"),
                };
                state = next;
                if !overflow {
                    if let Some(c) = emit {
                        rec.data.push(c);
                    }
                    if end_field {
                        rec.ends.push(rec.data.len());
                    }
                }
            }
            r.consume(used);
            if finished {
                break;
            }
        }
        if state == CsvState::StartRecord {
            return Ok(Bounded::Eof);
        }
        if overflow {
            rec.data.clear();
            rec.ends.clear();
            return Ok(Bounded::TooLong { bytes: raw });
        }
        rec.ends.push(rec.data.len());
        Ok(Bounded::Record)
    }
}

/// Counts the bytes read through it (the compressed side of a decoder).
pub(crate) struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    pub(crate) fn new(inner: R) -> (Self, Arc<AtomicU64>) {
        let count = Arc::new(AtomicU64::new(0));
        (
            CountingReader {
                inner,
                count: Arc::clone(&count),
            },
            count,
        )
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.count.fetch_add(amt as u64, Ordering::Relaxed);
        self.inner.consume(amt);
    }
}

/// Decompressed output below this size is never called a bomb, whatever the ratio: small files of very
/// repetitive text compress extremely well.
pub(crate) const BOMB_FLOOR_BYTES: u64 = 64 << 20;

/// Fails the stream once the decompressed output exceeds both [`BOMB_FLOOR_BYTES`] and `ratio` times
/// the compressed bytes read so far: a decompression bomb (a small file that expands without end) is
/// stopped with an error naming the limit, instead of running for hours.
pub(crate) struct BombGuard<R> {
    inner: R,
    compressed: Arc<AtomicU64>,
    out: u64,
    ratio: u64,
}

impl<R> BombGuard<R> {
    /// `ratio == 0` disables the guard.
    pub(crate) fn new(inner: R, compressed: Arc<AtomicU64>, ratio: u64) -> Self {
        BombGuard {
            inner,
            compressed,
            out: 0,
            ratio,
        }
    }
}

impl<R: Read> Read for BombGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        if self.ratio > 0 && self.out > BOMB_FLOOR_BYTES {
            let compressed = self.compressed.load(Ordering::Relaxed).max(1);
            if self.out / compressed > self.ratio {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "decompression bomb? {} bytes decompressed from {compressed} compressed bytes, more \
                         than {} times as many (raise the limit with --max-decompressed-ratio, 0 for none)",
                        self.out, self.ratio
                    ),
                ));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<Result<String, u64>> {
        let mut r = io::BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            match read_line_bounded(&mut r, &mut buf, limit).unwrap() {
                Bounded::Eof => return out,
                Bounded::Record => out.push(Ok(String::from_utf8(buf.clone()).unwrap())),
                Bounded::TooLong { bytes } => out.push(Err(bytes)),
            }
        }
    }

    #[test]
    fn lines_are_bounded_and_long_ones_skipped_to_their_end() {
        assert_eq!(
            lines(b"ab\r\ncdefghij\nk\n\nlm", 4),
            [
                Ok("ab".into()),
                Err(8),
                Ok("k".into()),
                Ok("".into()),
                Ok("lm".into())
            ]
        );
        // Exactly at the limit, with and without `\r`.
        assert_eq!(
            lines(b"abcd\r\nabcd\nabcde", 4),
            [Ok("abcd".into()), Ok("abcd".into()), Err(5)]
        );
        // A lone `\r` is not a line break.
        assert_eq!(lines(b"a\rb\n", 10), [Ok("a\rb".into())]);
        assert!(lines(b"", 4).is_empty());
    }

    fn records(input: &[u8], limit: usize) -> Vec<Result<(u64, Vec<String>), u64>> {
        let mut r = io::BufReader::with_capacity(3, input);
        let mut s = CsvSplitter::new();
        let mut rec = CsvRecord::default();
        let mut out = Vec::new();
        loop {
            match s.next(&mut r, &mut rec, limit).unwrap() {
                Bounded::Eof => return out,
                Bounded::Record => out.push(Ok((
                    rec.line,
                    (0..rec.len())
                        .map(|i| String::from_utf8(rec.get(i).unwrap().to_vec()).unwrap())
                        .collect(),
                ))),
                Bounded::TooLong { bytes } => out.push(Err(bytes)),
            }
        }
    }

    #[test]
    fn csv_records_quoting_line_ends_and_limits() {
        let ok = |line: u64, f: &[&str]| Ok((line, f.iter().map(|s| s.to_string()).collect()));
        assert_eq!(
            records(b"a,b\r\n\"x,\"\"y\"\"\nz\",2\r\rq\"r,s\"\n\n,\nlast", 100),
            [
                ok(1, &["a", "b"]),
                ok(2, &["x,\"y\"\nz", "2"]),
                ok(5, &["q\"r", "s\""]),
                ok(7, &["", ""]),
                ok(8, &["last"]),
            ]
        );
        assert_eq!(
            records(b"h\nshort\n\"very,long\nfield\",x\nnext\n", 8),
            [ok(1, &["h"]), ok(2, &["short"]), Err(19), ok(5, &["next"])]
        );
        // Unclosed quote: the rest of the input is the field.
        assert_eq!(records(b"\"abc\ndef", 100), [ok(1, &["abc\ndef"])]);
    }

    #[test]
    fn bomb_guard_stops_runaway_output() {
        let data = vec![b'x'; (BOMB_FLOOR_BYTES + 10) as usize];
        // 10 compressed bytes read so far (as a CountingReader would report them).
        let (mut counting, count) = CountingReader::new(&data[..10]);
        counting.read_to_end(&mut Vec::new()).unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 10);
        // Output beyond the floor at a ratio over 100 fails.
        let mut guard = BombGuard::new(&data[..], count, 100);
        let err = std::io::copy(&mut guard, &mut io::sink()).unwrap_err();
        assert!(
            err.to_string().contains("--max-decompressed-ratio"),
            "{err}"
        );
        let mut unlimited = BombGuard::new(&data[..], Arc::new(AtomicU64::new(1)), 0);
        assert_eq!(
            std::io::copy(&mut unlimited, &mut io::sink()).unwrap(),
            data.len() as u64
        );
    }
}
