//! Input discovery and record readers: JSON Lines, CSV, plain-text files and directories of them, plain or
//! compressed (`.gz`, `.zst`, recognised by their magic bytes), and JSON Lines on stdin.
//!
//! Readers never fail on a bad record: they yield [`Record::Rejected`] with the reason, so that every record
//! read is either processed or listed in `rejects.csv`. A file that cannot be opened, or whose reading
//! fails midway (a truncated or corrupt compressed file, a decompression bomb), is a rejected record too,
//! saying what was not read. Memory is bounded whatever the input: a record longer than
//! [`ReadOptions::max_record_bytes`] is skipped to its end without being stored, and rejected.
//!
//! JSON objects with a key given twice keep the last value (as JavaScript's `JSON.parse` and Python's
//! `json` do); nesting deeper than 128 levels is rejected by the parser's recursion limit.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bounded::{
    read_line_bounded, BombGuard, Bounded, CountingReader, CsvRecord, CsvSplitter,
};
use crate::error::PipelineError;

/// Default of [`ReadOptions::max_record_bytes`]: 8 MiB, far above any news article.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 8 << 20;
/// Default of [`ReadOptions::max_decompressed_ratio`].
pub const DEFAULT_MAX_DECOMPRESSED_RATIO: u64 = 100;

/// Limits and repairs applied while reading inputs.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Longest record kept, in bytes: a JSON line (without its line break), a CSV row, a whole .txt file.
    /// A longer one is rejected, naming the limit.
    pub max_record_bytes: usize,
    /// A compressed input that decompresses to more than this many times its compressed size (beyond the
    /// first 64 MiB) is stopped as a decompression bomb; 0 disables the check.
    pub max_decompressed_ratio: u64,
    /// Replace invalid UTF-8 with U+FFFD instead of rejecting the record.
    pub replace_invalid_utf8: bool,
    /// Give JSON lines as [`Record::Unparsed`], for the worker threads to parse ([`parse_json_line`]):
    /// the reader is one thread for all of them.
    pub defer_json: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            max_decompressed_ratio: DEFAULT_MAX_DECOMPRESSED_RATIO,
            replace_invalid_utf8: false,
            defer_json: false,
        }
    }
}

fn too_long_reason(what: &str, bytes: u64, limit: usize) -> String {
    format!(
        "{what} of {bytes} bytes is longer than the limit of {limit} bytes (raise it with --max-record-bytes)"
    )
}

fn invalid_utf8_reason(valid_up_to: usize, of: &str) -> String {
    format!(
        "invalid UTF-8 at byte {valid_up_to} of {of} (--replace-invalid-utf8 reads it with U+FFFD instead)"
    )
}

/// Which JSON fields (or CSV columns) hold what.
#[derive(Clone, Debug)]
pub struct FieldNames {
    /// Tried in order; the first present wins.
    pub id: Vec<String>,
    pub text: String,
    pub title: String,
    pub lang: String,
    pub date: String,
}

impl FieldNames {
    /// Whether `key` is one of the fields a record is made of (ID, text, title, language, date).
    fn names(&self, key: &str) -> bool {
        self.id.iter().any(|k| k == key)
            || [&self.text, &self.title, &self.lang, &self.date]
                .iter()
                .any(|k| *k == key)
    }
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            id: vec!["id".into(), "doc_id".into()],
            text: "text".into(),
            title: "title".into(),
            lang: "lang".into(),
            date: "date".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Txt,
}

/// One input file, or stdin (`path == "-"`).
#[derive(Clone, Debug)]
pub struct InputFile {
    pub path: PathBuf,
    pub format: Format,
    /// Why this entry of a directory cannot be read, when discovery already knows (an unreadable
    /// directory, a broken symbolic link or a link loop): it becomes a rejected record, not an error.
    pub problem: Option<String>,
    /// Named on the command line (checked before the run starts) rather than found in a directory.
    pub explicit: bool,
}

impl InputFile {
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-"
    }

    pub fn display(&self) -> String {
        self.path.display().to_string()
    }
}

fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    let ext = name.rsplit_once('.')?.1;
    match ext {
        "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        "txt" => Some(Format::Txt),
        _ => None,
    }
}

/// Checks that every input named on the command line (other than `-`) exists and can be examined: the
/// error [`discover`] would give at once, found before a slow step (loading a gazetteer that must first be
/// compiled) instead of after it. What is below a directory is examined by `discover` only.
pub fn check_named_inputs(inputs: &[PathBuf]) -> Result<(), PipelineError> {
    for input in inputs.iter().filter(|i| i.as_os_str() != "-") {
        named_input_metadata(input)?;
    }
    Ok(())
}

/// The metadata of an input named on the command line; a missing one is [`PipelineError::InputNotFound`].
fn named_input_metadata(input: &Path) -> Result<std::fs::Metadata, PipelineError> {
    std::fs::metadata(input).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => PipelineError::InputNotFound {
            path: input.to_path_buf(),
        },
        _ => PipelineError::Io {
            path: input.to_path_buf(),
            source,
        },
    })
}

/// Expands the command-line inputs into files: a file stands for itself, a directory for every supported
/// file below it (sorted by path; symbolic links to directories are not followed, so loops cannot occur),
/// `-` for stdin. A missing input named on the command line is an error; an entry of a directory that
/// cannot be read (permissions, a broken link, a link loop) is listed with its [`InputFile::problem`].
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<InputFile>, PipelineError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            files.push(InputFile {
                path: input.clone(),
                format: Format::Jsonl,
                problem: None,
                explicit: true,
            });
            continue;
        }
        let meta = named_input_metadata(input)?;
        if meta.is_dir() {
            // The directory itself must be readable; what is below it is reported per entry.
            std::fs::read_dir(input).map_err(|source| PipelineError::Io {
                path: input.clone(),
                source,
            })?;
            let mut found = Vec::new();
            walk_dir(input, &mut found);
            found.sort_by(|a, b| a.0.cmp(&b.0));
            files.extend(found.into_iter().filter_map(|(p, problem)| match problem {
                Some(problem) => Some(InputFile {
                    format: format_of(&p).unwrap_or(Format::Jsonl),
                    path: p,
                    problem: Some(problem),
                    explicit: false,
                }),
                None => format_of(&p).map(|format| InputFile {
                    path: p,
                    format,
                    problem: None,
                    explicit: false,
                }),
            }));
        } else {
            let format = format_of(input).ok_or_else(|| PipelineError::UnsupportedInput {
                path: input.clone(),
            })?;
            files.push(InputFile {
                path: input.clone(),
                format,
                problem: None,
                explicit: true,
            });
        }
    }
    Ok(files)
}

/// Collects the files below `dir` with, for entries that cannot be read, the reason. Unreadable
/// subdirectories are reported; broken links and link loops are reported when their name is that of a
/// supported input (others are not inputs anyway).
fn walk_dir(dir: &Path, out: &mut Vec<(PathBuf, Option<String>)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.push((
                dir.to_path_buf(),
                Some(format!("cannot read directory: {e}")),
            ));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.push((
                    dir.to_path_buf(),
                    Some(format!("cannot list directory: {e}")),
                ));
                return;
            }
        };
        let path = entry.path();
        let file_type = match entry.file_type() {
            Ok(t) => t,
            Err(e) => {
                out.push((path, Some(format!("cannot read directory entry: {e}"))));
                continue;
            }
        };
        if file_type.is_dir() {
            walk_dir(&path, out);
        } else if file_type.is_file() {
            out.push((path, None));
        } else if file_type.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => out.push((path, None)),
                Ok(_) => {} // a link to a directory (not followed) or to a device, FIFO or socket
                Err(e) if format_of(&path).is_some() => {
                    out.push((path, Some(format!("cannot follow symbolic link: {e}"))));
                }
                Err(_) => {}
            }
        }
    }
}

/// Checks, before anything is written, that every input named on the command line can be opened (and,
/// for CSV, has the text column): a mistake in the command stops the run at once. Files found in
/// directories are not checked here; one that cannot be read becomes a rejected record.
pub fn precheck(
    files: &[InputFile],
    fields: &FieldNames,
    options: &ReadOptions,
) -> Result<(), PipelineError> {
    for (i, f) in files.iter().enumerate() {
        // Only regular files: opening a FIFO would wait for a writer and consume its first bytes.
        if f.explicit && std::fs::metadata(&f.path).is_ok_and(|m| m.is_file()) {
            FileReader::open(f, i as u32, fields, options)?;
        }
    }
    Ok(())
}

/// One item of a run's record stream.
#[derive(Debug)]
pub enum InputItem {
    Record(Record),
    /// The end of one input file, after its last record, with how its reading went.
    FileEnd {
        file: u32,
        outcome: FileOutcome,
    },
}

/// The records of all input files in order, opening each file only when it is reached (any number of
/// files is read with one open at a time) and skipping the files marked in `skip` (those a resumed run
/// has already done). Every file read ends with an [`InputItem::FileEnd`].
pub struct RecordStream {
    files: Vec<InputFile>,
    skip: Vec<bool>,
    next: usize,
    current: Option<FileReader>,
    fields: FieldNames,
    options: ReadOptions,
}

impl RecordStream {
    pub fn new(
        files: Vec<InputFile>,
        skip: Vec<bool>,
        fields: FieldNames,
        options: ReadOptions,
    ) -> Self {
        RecordStream {
            files,
            skip,
            next: 0,
            current: None,
            fields,
            options,
        }
    }
}

impl Iterator for RecordStream {
    type Item = InputItem;

    fn next(&mut self) -> Option<InputItem> {
        loop {
            if let Some(reader) = &mut self.current {
                if let Some(record) = reader.next() {
                    return Some(InputItem::Record(record));
                }
                let file = reader.file;
                let outcome = std::mem::take(&mut reader.outcome);
                self.current = None;
                return Some(InputItem::FileEnd { file, outcome });
            }
            let i = self.next;
            let input = self.files.get(i)?;
            self.next += 1;
            if self.skip.get(i).copied().unwrap_or(false) {
                continue;
            }
            self.current = Some(FileReader::open_or_reject(
                input,
                i as u32,
                &self.fields,
                &self.options,
            ));
        }
    }
}

/// Where a record came from: the input file (index into the run's file list), its 1-based record number
/// within the file, and the 1-based line it starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSource {
    pub file: u32,
    pub record: u64,
    pub line: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Document {
    pub id: String,
    pub title: Option<String>,
    pub text: String,
    pub lang: Option<String>,
    pub date: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Record {
    Document {
        at: RecordSource,
        doc: Document,
    },
    Rejected {
        at: RecordSource,
        doc_id: Option<String>,
        reason: String,
    },
    /// A JSON line read but not parsed (with [`ReadOptions::defer_json`]): [`parse_json_line`] makes it
    /// the document or rejection the reader would have given.
    Unparsed {
        at: RecordSource,
        line: Vec<u8>,
    },
}

impl Record {
    pub fn source(&self) -> RecordSource {
        match self {
            Record::Document { at, .. }
            | Record::Rejected { at, .. }
            | Record::Unparsed { at, .. } => *at,
        }
    }
}

/// Opens a file (or stdin), decompressing by magic bytes, with the bomb guard on compressed streams.
fn open_stream(
    file: &InputFile,
    options: &ReadOptions,
) -> Result<Box<dyn BufRead + Send>, std::io::Error> {
    let raw: Box<dyn Read + Send> = if file.is_stdin() {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(&file.path)?)
    };
    let (counting, compressed) = CountingReader::new(BufReader::with_capacity(1 << 16, raw));
    let mut buffered = counting;
    let magic = buffered.fill_buf()?;
    let ratio = options.max_decompressed_ratio;
    if magic.starts_with(&[0x1f, 0x8b]) {
        let decoder = flate2::bufread::MultiGzDecoder::new(buffered);
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            BombGuard::new(decoder, compressed, ratio),
        )))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let decoder = zstd::stream::read::Decoder::with_buffer(buffered)?;
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            BombGuard::new(decoder, compressed, ratio),
        )))
    } else {
        Ok(Box::new(buffered))
    }
}

/// How the reading of one file went, known when its records are exhausted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileOutcome {
    /// Records read with invalid UTF-8 replaced by U+FFFD (`--replace-invalid-utf8`).
    pub utf8_replaced: u64,
    /// Why the file was not read to its end, if it was not.
    pub error: Option<String>,
}

/// Streams the records of one input file.
pub struct FileReader {
    inner: Inner,
    file: u32,
    fields: FieldNames,
    options: ReadOptions,
    records: u64,
    done: bool,
    outcome: FileOutcome,
}

enum Inner {
    Jsonl {
        stream: Box<dyn BufRead + Send>,
        line: u64,
        buf: Vec<u8>,
    },
    Csv {
        stream: Box<dyn BufRead + Send>,
        splitter: CsvSplitter,
        row: CsvRecord,
        columns: Option<CsvColumns>,
    },
    Txt {
        stream: Box<dyn BufRead + Send>,
        id: String,
    },
    /// The file could not be opened: one rejected record says why.
    Failed { reason: String },
}

struct CsvColumns {
    text: usize,
    id: Option<usize>,
    title: Option<usize>,
    lang: Option<usize>,
    date: Option<usize>,
    width: usize,
}

impl FileReader {
    /// Opens one input. Failing to open it is an error here; [`FileReader::open_or_reject`] turns it into
    /// a rejected record instead.
    pub fn open(
        input: &InputFile,
        file: u32,
        fields: &FieldNames,
        options: &ReadOptions,
    ) -> Result<FileReader, PipelineError> {
        if let Some(problem) = &input.problem {
            return Err(PipelineError::Io {
                path: input.path.clone(),
                source: std::io::Error::other(problem.clone()),
            });
        }
        let stream = open_stream(input, options).map_err(|source| PipelineError::Io {
            path: input.path.clone(),
            source,
        })?;
        let inner = match input.format {
            Format::Jsonl => Inner::Jsonl {
                stream,
                line: 0,
                buf: Vec::new(),
            },
            Format::Txt => Inner::Txt {
                stream,
                id: input
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            },
            Format::Csv => {
                let mut stream = stream;
                let mut splitter = CsvSplitter::new();
                let mut row = CsvRecord::default();
                let header = splitter
                    .next(&mut stream, &mut row, options.max_record_bytes)
                    .map_err(|source| PipelineError::Io {
                        path: input.path.clone(),
                        source,
                    })?;
                let columns = match header {
                    // An empty file has no header and no records.
                    Bounded::Eof => None,
                    Bounded::TooLong { bytes } => {
                        return Err(PipelineError::Io {
                            path: input.path.clone(),
                            source: std::io::Error::other(too_long_reason(
                                "CSV header",
                                bytes,
                                options.max_record_bytes,
                            )),
                        })
                    }
                    Bounded::Record => {
                        let names: Vec<String> = (0..row.len())
                            .map(|i| {
                                let h = row.get(i).unwrap_or_default();
                                let h = if i == 0 {
                                    h.strip_prefix("\u{feff}".as_bytes()).unwrap_or(h)
                                } else {
                                    h
                                };
                                String::from_utf8_lossy(h).trim().to_owned()
                            })
                            .collect();
                        let find = |col: &str| names.iter().position(|n| n == col);
                        let text =
                            find(&fields.text).ok_or_else(|| PipelineError::MissingCsvColumn {
                                path: input.path.clone(),
                                column: fields.text.clone(),
                                found: names.join(", "),
                            })?;
                        Some(CsvColumns {
                            text,
                            id: fields.id.iter().find_map(|c| find(c)),
                            title: find(&fields.title),
                            lang: find(&fields.lang),
                            date: find(&fields.date),
                            width: names.len(),
                        })
                    }
                };
                Inner::Csv {
                    stream,
                    splitter,
                    row,
                    columns,
                }
            }
        };
        Ok(FileReader {
            inner,
            file,
            fields: fields.clone(),
            options: options.clone(),
            records: 0,
            done: false,
            outcome: FileOutcome::default(),
        })
    }

    /// Opens one input; if that fails, the reader yields one rejected record (record 0, line 0) with the
    /// reason, and its outcome says the file was not read.
    pub fn open_or_reject(
        input: &InputFile,
        file: u32,
        fields: &FieldNames,
        options: &ReadOptions,
    ) -> FileReader {
        FileReader::open(input, file, fields, options).unwrap_or_else(|e| {
            let reason = match e {
                PipelineError::Io { source, .. } => format!("cannot read file: {source}"),
                other => format!("cannot read file: {other}"),
            };
            FileReader {
                inner: Inner::Failed { reason },
                file,
                fields: fields.clone(),
                options: options.clone(),
                records: 0,
                done: false,
                outcome: FileOutcome::default(),
            }
        })
    }

    /// How the reading went; complete once the reader has returned `None`.
    pub fn outcome(&self) -> &FileOutcome {
        &self.outcome
    }

    fn next_record(&mut self) -> Option<Record> {
        if self.done {
            return None;
        }
        let file = self.file;
        let limit = self.options.max_record_bytes;
        let replace = self.options.replace_invalid_utf8;
        match &mut self.inner {
            Inner::Failed { reason } => {
                self.done = true;
                self.outcome.error = Some(reason.clone());
                Some(Record::Rejected {
                    at: RecordSource {
                        file,
                        record: 0,
                        line: 0,
                    },
                    doc_id: None,
                    reason: format!("{reason}; no record read"),
                })
            }
            Inner::Jsonl { stream, line, buf } => loop {
                let start_line = *line + 1;
                match read_line_bounded(stream, buf, limit) {
                    Ok(Bounded::Eof) => {
                        self.done = true;
                        return None;
                    }
                    Ok(Bounded::TooLong { bytes }) => {
                        *line += 1;
                        self.records += 1;
                        let at = RecordSource {
                            file,
                            record: self.records,
                            line: start_line,
                        };
                        return Some(Record::Rejected {
                            at,
                            doc_id: None,
                            reason: too_long_reason("line", bytes, limit),
                        });
                    }
                    Ok(Bounded::Record) => {
                        *line += 1;
                        if buf.iter().all(u8::is_ascii_whitespace) {
                            continue; // blank lines separate nothing and are not records
                        }
                        self.records += 1;
                        let at = RecordSource {
                            file,
                            record: self.records,
                            line: start_line,
                        };
                        let bytes: &[u8] = if start_line == 1 {
                            buf.strip_prefix("\u{feff}".as_bytes()).unwrap_or(buf)
                        } else {
                            buf
                        };
                        if self.options.defer_json {
                            return Some(Record::Unparsed {
                                at,
                                line: bytes.to_vec(),
                            });
                        }
                        let (record, repaired) = parse_json_line(bytes, at, &self.fields, replace);
                        self.outcome.utf8_replaced += u64::from(repaired);
                        return Some(record);
                    }
                    Err(e) => {
                        self.done = true;
                        self.records += 1;
                        let at = RecordSource {
                            file,
                            record: self.records,
                            line: start_line,
                        };
                        let reason =
                            format!("read error at line {start_line}, rest of file not read: {e}");
                        self.outcome.error = Some(format!("read error at line {start_line}: {e}"));
                        return Some(Record::Rejected {
                            at,
                            doc_id: None,
                            reason,
                        });
                    }
                }
            },
            Inner::Txt { stream, id } => {
                self.done = true;
                self.records += 1;
                let at = RecordSource {
                    file,
                    record: 1,
                    line: 1,
                };
                let mut bytes = Vec::new();
                let read = stream
                    .take(limit as u64 + 1)
                    .read_to_end(&mut bytes)
                    .and_then(|n| {
                        if n > limit {
                            // Count the rest without storing it, for the message.
                            let rest = std::io::copy(stream, &mut std::io::sink())?;
                            Ok(Some(n as u64 + rest))
                        } else {
                            Ok(None)
                        }
                    });
                let reject = |reason: String| Record::Rejected {
                    at,
                    doc_id: Some(id.clone()),
                    reason,
                };
                match read {
                    Err(e) => {
                        self.outcome.error = Some(format!("read error: {e}"));
                        return Some(reject(format!("read error, document not read: {e}")));
                    }
                    Ok(Some(total)) => {
                        return Some(reject(too_long_reason("document", total, limit)));
                    }
                    Ok(None) => {}
                }
                if bytes.starts_with("\u{feff}".as_bytes()) {
                    bytes.drain(..3);
                }
                let text = match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) if replace => {
                        self.outcome.utf8_replaced += 1;
                        String::from_utf8_lossy(e.as_bytes()).into_owned()
                    }
                    Err(e) => {
                        return Some(reject(invalid_utf8_reason(
                            e.utf8_error().valid_up_to(),
                            "the file",
                        )))
                    }
                };
                Some(Record::Document {
                    at,
                    doc: Document {
                        id: id.clone(),
                        text,
                        ..Document::default()
                    },
                })
            }
            Inner::Csv {
                stream,
                splitter,
                row,
                columns,
            } => {
                let Some(cols) = columns else {
                    self.done = true;
                    return None;
                };
                let result = splitter.next(stream, row, limit);
                let line = row.line;
                let mut at = RecordSource {
                    file,
                    record: self.records + 1,
                    line,
                };
                match result {
                    Ok(Bounded::Eof) => {
                        self.done = true;
                        None
                    }
                    Ok(Bounded::TooLong { bytes }) => {
                        self.records += 1;
                        Some(Record::Rejected {
                            at,
                            doc_id: None,
                            reason: too_long_reason("CSV row", bytes, limit),
                        })
                    }
                    Ok(Bounded::Record) => {
                        self.records += 1;
                        let (record, repaired) = csv_record(row, at, cols, replace);
                        self.outcome.utf8_replaced += u64::from(repaired);
                        Some(record)
                    }
                    Err(e) => {
                        self.done = true;
                        self.records += 1;
                        at.line = splitter.line();
                        self.outcome.error = Some(format!("read error at line {}: {e}", at.line));
                        Some(Record::Rejected {
                            at,
                            doc_id: None,
                            reason: format!(
                                "read error at line {}, rest of file not read: {e}",
                                at.line
                            ),
                        })
                    }
                }
            }
        }
    }
}

impl Iterator for FileReader {
    type Item = Record;
    fn next(&mut self) -> Option<Record> {
        self.next_record()
    }
}

/// The record of one JSON line (`bytes`, without its line break and, on line 1, a byte-order mark) and
/// whether its invalid UTF-8 was replaced (with `replace`; otherwise such a line is rejected).
pub fn parse_json_line(
    bytes: &[u8],
    at: RecordSource,
    fields: &FieldNames,
    replace: bool,
) -> (Record, bool) {
    let record = parse_json_record(bytes, at, fields);
    // Only a line the parser rejects for its UTF-8 is read again, repaired.
    let bad_utf8 = matches!(&record, Record::Rejected { reason, .. }
        if reason.starts_with("invalid UTF-8"));
    if replace && bad_utf8 {
        let repaired = String::from_utf8_lossy(bytes);
        return (parse_json_record(repaired.as_bytes(), at, fields), true);
    }
    (record, false)
}

fn parse_json_record(bytes: &[u8], at: RecordSource, fields: &FieldNames) -> Record {
    let reject = |doc_id: Option<String>, reason: String| Record::Rejected { at, doc_id, reason };
    let bytes = if at.line == 1 {
        bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes)
    } else {
        bytes
    };
    let mut map = match wanted_fields(bytes, fields) {
        Some(map) => map,
        None => match parse_json_object(bytes) {
            Ok(map) => map,
            Err(reason) => return reject(None, reason),
        },
    };
    let id = match fields.id.iter().find_map(|f| map.get(f).map(|v| (f, v))) {
        Some((_, Value::String(s))) if !s.is_empty() => s.clone(),
        Some((_, Value::Number(n))) => n.to_string(),
        Some((f, _)) => {
            return reject(
                None,
                format!("field `{f}` is not a non-empty string or number"),
            )
        }
        None => {
            return reject(
                None,
                format!("missing ID field (looked for {})", fields.id.join(", ")),
            )
        }
    };
    let mut take_string = |name: &str, required: bool| -> Result<Option<String>, String> {
        match map.remove(name) {
            Some(Value::String(s)) => Ok(Some(s)),
            None | Some(Value::Null) if !required => Ok(None),
            None => Err(format!("missing text field `{name}`")),
            Some(other) => Err(format!(
                "field `{name}` is {}, not a string",
                json_type(&other)
            )),
        }
    };
    let doc = (|| {
        Ok::<_, String>(Document {
            text: take_string(&fields.text, true)?.unwrap_or_default(),
            title: take_string(&fields.title, false)?,
            lang: take_string(&fields.lang, false)?,
            date: take_string(&fields.date, false)?,
            id: id.clone(),
        })
    })();
    match doc {
        Ok(doc) => Record::Document { at, doc },
        Err(reason) => reject(Some(id), reason),
    }
}

/// The JSON object of a line, or why the line is rejected: the general path, which builds every value.
fn parse_json_object(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, String> {
    // serde_json validates the UTF-8 of every string it reads; only a line it rejects is checked again,
    // so that invalid UTF-8 gets its own reason.
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            let reason = match std::str::from_utf8(bytes) {
                Err(bad) => invalid_utf8_reason(bad.valid_up_to(), "the line"),
                // A file with lone-CR line ends reads as one line holding every record.
                Ok(_)
                    if bytes.contains(&b'\r') && e.to_string().contains("trailing characters") =>
                {
                    format!(
                        "invalid JSON: {e} (the line contains a carriage return: records of JSON Lines \
                         end with \\n, a lone \\r does not end one)"
                    )
                }
                Ok(_) => format!("invalid JSON: {e}"),
            };
            return Err(reason);
        }
    };
    let Value::Object(map) = value else {
        return Err("not a JSON object".into());
    };
    Ok(map)
}

/// The fast path of [`parse_json_record`]: the line's object with only the fields a record is made of
/// (ID, text, title, language, date; the last of duplicate keys, as in the general path). The other
/// values are parsed, so that the line is checked exactly as the general path checks it, but not built
/// (no map, no strings). `None` for any line the general path would reject (it then says why), and for
/// lines that are not UTF-8.
fn wanted_fields(bytes: &[u8], fields: &FieldNames) -> Option<serde_json::Map<String, Value>> {
    use serde::de::DeserializeSeed;
    // One SIMD validation of the whole line; serde_json then validates no string again.
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    if let Some(map) = flat_string_object(text, fields) {
        return Some(map);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let map = WantedFields(fields).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(map)
}

/// The fastest path of [`wanted_fields`]: a line that is one flat object of string values with keys
/// without escapes, the shape of most news corpora. Its strings are found with `memchr` instead of
/// serde_json's byte-by-byte scan; a string with escapes, wanted or not, is decoded by
/// [`unescape_json_string`], which refuses what serde_json's string parser refuses. `None` for any
/// other line (a number, `null`, nesting, an escape in a key), which serde_json then reads.
fn flat_string_object(text: &str, fields: &FieldNames) -> Option<serde_json::Map<String, Value>> {
    let b = text.as_bytes();
    // JSON's whitespace, as serde_json skips it.
    let skip_ws = |mut at: usize| {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(at) {
            at += 1;
        }
        at
    };
    let mut map = serde_json::Map::new();
    let mut at = skip_ws(0);
    if b.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_ws(at + 1);
    if b.get(at) == Some(&b'}') {
        return (skip_ws(at + 1) == b.len()).then_some(map);
    }
    loop {
        let (key_end, false) = json_string_end(b, at)? else {
            return None;
        };
        let key = &text[at + 1..key_end - 1];
        at = skip_ws(key_end);
        if b.get(at) != Some(&b':') {
            return None;
        }
        at = skip_ws(at + 1);
        let (value_end, escaped) = json_string_end(b, at)?;
        if fields.names(key) {
            let value = if escaped {
                unescape_json_string(&text[at..value_end])?
            } else {
                text[at + 1..value_end - 1].to_owned()
            };
            map.insert(key.to_owned(), Value::String(value));
        } else if escaped {
            unescape_json_string(&text[at..value_end])?;
        }
        at = skip_ws(value_end);
        match b.get(at) {
            Some(b',') => at = skip_ws(at + 1),
            Some(b'}') => return (skip_ws(at + 1) == b.len()).then_some(map),
            _ => return None,
        }
    }
}

/// The end (one past the closing quote) of the JSON string literal at `b[at]`, and whether it has
/// escapes (left to [`unescape_json_string`] to check); `None` where there is no string there or it
/// has a control character, which JSON forbids in strings.
fn json_string_end(b: &[u8], at: usize) -> Option<(usize, bool)> {
    if b.get(at) != Some(&b'"') {
        return None;
    }
    let (mut from, mut escaped) = (at + 1, false);
    loop {
        let end = from + memchr::memchr2(b'"', b'\\', &b[from..])?;
        // Or-ing every byte's test, without an early exit, lets the compiler vectorise the check.
        if b[from..end]
            .iter()
            .fold(false, |seen, &c| seen | (c < 0x20))
        {
            return None;
        }
        if b[end] == b'"' {
            return Some((end + 1, escaped));
        }
        // The escaped byte is skipped (a quote or backslash among them must not end the scan); a
        // control character there is refused by the decoding.
        escaped = true;
        from = end + 2;
        if from > b.len() {
            return None;
        }
    }
}

/// Deserializes a JSON object into the map of the fields [`FieldNames`] names.
struct WantedFields<'f>(&'f FieldNames);

impl<'de> serde::de::DeserializeSeed<'de> for WantedFields<'_> {
    type Value = serde_json::Map<String, Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for WantedFields<'_> {
    type Value = serde_json::Map<String, Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut access: A,
    ) -> Result<Self::Value, A::Error> {
        let f = self.0;
        let mut map = serde_json::Map::new();
        while let Some(key) = access.next_key_seed(Key)? {
            let key: &str = &key;
            if f.names(key) {
                // The value's text, checked as JSON by serde_json without building it: a string is
                // then unescaped here into one allocation of its final size (serde_json's own string
                // path grows a scratch buffer across each escape of a long text, then copies it again).
                let raw: &'de serde_json::value::RawValue = access.next_value()?;
                let value = match raw.get().as_bytes().first() {
                    Some(b'"') => unescape_json_string(raw.get()).map(Value::String),
                    _ => serde_json::from_str(raw.get()).ok(),
                };
                let value = value.ok_or_else(|| {
                    serde::de::Error::custom("a value the general path parses (and rejects)")
                })?;
                map.insert(key.to_owned(), value);
            } else {
                access.next_value_seed(Checked)?;
            }
        }
        Ok(map)
    }
}

/// The string that `raw`, a JSON string literal with its quotes as serde_json checks it (no control
/// characters, every escape well-formed), stands for; `None` where a `\u` escape is half of a surrogate
/// pair without its other half, which serde_json's check lets through and its string parser rejects.
fn unescape_json_string(raw: &str) -> Option<String> {
    let body = raw.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = body.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let mut out = String::with_capacity(body.len());
    let mut at = 0;
    while let Some(k) = memchr::memchr(b'\\', &bytes[at..]) {
        let escape = at + k;
        // `at` follows an escape (ASCII) or is 0, `escape` is at a backslash: both are char boundaries.
        out.push_str(&body[at..escape]);
        let (c, len) = match *bytes.get(escape + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => match hex4(escape + 2)? {
                high @ 0xD800..=0xDBFF => {
                    if bytes.get(escape + 6..escape + 8)? != b"\\u" {
                        return None;
                    }
                    let low = hex4(escape + 8)?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?;
                    (c, 12)
                }
                code => (char::from_u32(code)?, 6),
            },
            _ => return None,
        };
        out.push(c);
        at = escape + len;
    }
    out.push_str(&body[at..]);
    Some(out)
}

/// An object's key, parsed as [`Value`] parses it (escapes decoded and checked), borrowed from the line
/// when it has no escapes.
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(s.to_owned()))
    }
}

/// Any JSON value, parsed as [`Value`] parses it (numbers included: one out of range is an error) but
/// not kept.
struct Checked;

impl<'de> serde::de::DeserializeSeed<'de> for Checked {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Checked {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Checked)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Key)?.is_some() {
            map.next_value_seed(Checked)?;
        }
        Ok(())
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The record of one CSV row, and whether invalid UTF-8 was replaced in it.
fn csv_record(
    row: &CsvRecord,
    at: RecordSource,
    cols: &CsvColumns,
    replace_invalid_utf8: bool,
) -> (Record, bool) {
    let mut repaired = false;
    let mut field = |i: usize| -> Result<Option<String>, String> {
        match row.get(i) {
            None => Ok(None),
            Some(b) => match String::from_utf8(b.to_vec()) {
                Ok(s) => Ok(Some(s)),
                Err(e) if replace_invalid_utf8 => {
                    repaired = true;
                    Ok(Some(String::from_utf8_lossy(e.as_bytes()).into_owned()))
                }
                Err(e) => Err(invalid_utf8_reason(
                    e.utf8_error().valid_up_to(),
                    &format!("column {}", i + 1),
                )),
            },
        }
    };
    let doc_id = match cols.id {
        Some(i) => field(i).ok().flatten().filter(|s| !s.is_empty()),
        None => Some(format!("record-{}", at.record)),
    };
    let width = cols.width;
    if row.len() != width {
        let reason = format!("ragged row: {} fields, header has {width}", row.len());
        return (Record::Rejected { at, doc_id, reason }, false);
    }
    let Some(id) = doc_id else {
        let reason = "empty ID column".into();
        return (
            Record::Rejected {
                at,
                doc_id: None,
                reason,
            },
            false,
        );
    };
    let doc = (|| {
        Ok::<_, String>(Document {
            text: field(cols.text)?.unwrap_or_default(),
            title: cols.title.map(&mut field).transpose()?.flatten(),
            lang: cols.lang.map(&mut field).transpose()?.flatten(),
            date: cols.date.map(&mut field).transpose()?.flatten(),
            id: id.clone(),
        })
    })();
    match doc {
        Ok(doc) => (Record::Document { at, doc }, repaired),
        Err(reason) => (
            Record::Rejected {
                at,
                doc_id: Some(id),
                reason,
            },
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts made of every kind of JSON string piece (plain and escaped characters of several scripts,
    /// each escape, surrogate pairs, lone and misordered halves), one to three pieces long: the fast
    /// path reads exactly the lines the general path reads, with the same text.
    #[test]
    fn escaped_texts_read_as_the_general_path_reads_them() {
        let pieces = [
            "Лавров",
            "لافروف",
            "ลาฟรอฟ",
            "😀",
            " ",
            r#"\""#,
            r"\\",
            r"\/",
            r"\b",
            r"\f",
            r"\n",
            r"\r",
            r"\t",
            r"\u0041",
            r"\u00e9",
            r"\u0644",
            r"\u0000",
            r"\uffff",
            r"\ud83d\ude00",
            r"\uD83D\uDE00",
            r"\ud800",
            r"\udc00",
            r"\ude00\ud83d",
            r"\ud800\u0041",
            r"\ud800\n",
            r"\x",
        ];
        let fields = FieldNames::default();
        let (mut accepted, mut compared) = (0, 0);
        for a in 0..pieces.len() {
            for b in 0..=pieces.len() {
                for c in [None, Some(0), Some(13), Some(20)] {
                    let text = [Some(a), (b < pieces.len()).then_some(b), c]
                        .into_iter()
                        .flatten()
                        .map(|k| pieces[k])
                        .collect::<String>();
                    let line = format!(
                        r#"{{"id":"a","text":"{text}","source":"{text}","title":"{text}"}}"#
                    );
                    let general = parse_json_object(line.as_bytes()).ok().map(|mut map| {
                        map.retain(|k, _| fields.names(k));
                        map
                    });
                    let fast = wanted_fields(line.as_bytes(), &fields);
                    // A flat object of strings: the memchr path reads every line the general path
                    // reads (the skipped `source` checked as the wanted fields are).
                    let flat =
                        flat_string_object(&String::from_utf8_lossy(line.as_bytes()), &fields);
                    assert_eq!(general, flat, "{line}");
                    match (general, fast) {
                        (Some(g), Some(f)) => {
                            assert_eq!(g, f, "{line}");
                            accepted += 1;
                        }
                        (None, Some(_)) => panic!("fast path accepts {line}"),
                        // A valid line left to the general path would lose the fast path's speed.
                        (Some(_), None) => panic!("fast path leaves {line}"),
                        (None, None) => {}
                    }
                    compared += 1;
                }
            }
        }
        assert!(accepted > compared / 3, "{accepted} of {compared}");
    }

    /// The fast path accepts exactly the lines the general path accepts (or leaves them to it), and
    /// gives the same fields.
    #[test]
    fn wanted_fields_agree_with_the_general_path() {
        let fields = FieldNames::default();
        let lines: &[&[u8]] = &[
            br#"{"id":"a","text":"x","title":null,"lang":"en","date":"2020","source":"s"}"#,
            br#"{"doc_id":7,"text":"x"}"#,
            br#"{"id":"a","id":"b","text":"x","text":"y"}"#,
            br#"{"i\u0064":"a","te\u0078t":"esc\"aped\n"}"#,
            br#"{"id":"a","text":"x","extra":{"k":[1,2.5,-3e5,true,null,{"z":"w"}]}}"#,
            br#"{"id":"a","text":"x","extra":1e400}"#,
            br#"{"id":"a","text":"x","extra":"\ud800"}"#,
            br#"{"id":"a","text":"x","\ud800":1}"#,
            br#"{"id":"a","text":"x","extra":{"\ud800":1}}"#,
            br#"{"id":"a","text":"x","extra":"\q"}"#,
            br#"{"id":"a","text":"x"} trailing"#,
            br#"{"id":"a","text":"x"}   "#,
            br#"["id","a"]"#,
            br#""text""#,
            br#"{"id":"a","text":5}"#,
            br#"{"id":"","text":"x"}"#,
            br#"{"id":"a","text":"x""#,
            b"{\"id\":\"a\",\"text\":\"x\",\"extra\":\"\xff\"}",
            b"{\"id\":\"a\",\"text\":\"\xe4\xb8\"}",
            b"{\"id\":\"a\",\"text\":\"x\",\"extra\":\"tab\there\"}",
            b"{\"id\":\"a\",\"text\":\"tab\there\"}",
            br#"{"id":"a","text":"x","title":{"k":1}}"#,
            br#"{"id":1e400,"text":"x"}"#,
            br#"{"id":12345678901234567890123,"text":"x","lang":true}"#,
            b" {\t\"id\" :\r\n\"a\" , \"text\":\"x\"\n}\r",
            br#"{}"#,
            br#"{"id":"a","text":"x",}"#,
            br#"{"id":"a","text":"x" "lang":"en"}"#,
            br#"{"id":"a","text":"x","source":"\u00zz"}"#,
            br#"{"id":"a","text":"x","source":"\u12"}"#,
            br#"{"id":"a","text":"x","source":"ends with a backslash\"}"#,
            b"{\"id\":\"a\",\"text\":\"x\",\"source\":\"line\nbreak\"}",
            b"{\"id\":\"a\",\"text\":\"x\",\"source\":\"nul\x00\"}",
            br#"{"id":"a","text":"x","source":"\u0000 \/ \" \\"}"#,
        ];
        assert!(wanted_fields(lines[0], &fields).is_some());
        assert!(wanted_fields(lines[3], &fields).is_some());
        for line in lines {
            let general = parse_json_object(line).ok().map(|mut map| {
                map.retain(|k, _| fields.names(k));
                map
            });
            let fast = wanted_fields(line, &fields);
            if let Ok(text) = std::str::from_utf8(line) {
                if let Some(flat) = flat_string_object(text, &fields) {
                    assert_eq!(general.as_ref(), Some(&flat), "{text}");
                }
            }
            match (&general, &fast) {
                (Some(g), Some(f)) => assert_eq!(g, f, "{}", String::from_utf8_lossy(line)),
                (None, Some(_)) => {
                    panic!("fast path accepts {}", String::from_utf8_lossy(line))
                }
                (_, None) => assert!(
                    general.is_none() || std::str::from_utf8(line).is_err(),
                    "fast path rejects {}",
                    String::from_utf8_lossy(line)
                ),
            }
        }
    }
}
