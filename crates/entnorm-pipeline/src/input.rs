//! Input discovery and record readers: JSON Lines, CSV, plain-text files and directories of them, plain or
//! compressed (`.gz`, `.zst`, recognised by their magic bytes), and JSON Lines on stdin.
//!
//! Readers never fail on a bad record: they yield [`Record::Rejected`] with the reason, so that every record
//! read is either processed or listed in `rejects.csv`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::PipelineError;

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

/// Expands the command-line inputs into files: a file stands for itself, a directory for every supported
/// file below it (sorted by path; symbolic links to directories are not followed, so loops cannot occur),
/// `-` for stdin.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<InputFile>, PipelineError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            files.push(InputFile {
                path: input.clone(),
                format: Format::Jsonl,
            });
            continue;
        }
        let meta = std::fs::metadata(input).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => PipelineError::InputNotFound {
                path: input.clone(),
            },
            _ => PipelineError::Io {
                path: input.clone(),
                source,
            },
        })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk_dir(input, &mut found)?;
            found.sort();
            files.extend(
                found
                    .into_iter()
                    .filter_map(|p| format_of(&p).map(|format| InputFile { path: p, format })),
            );
        } else {
            let format = format_of(input).ok_or_else(|| PipelineError::UnsupportedInput {
                path: input.clone(),
            })?;
            files.push(InputFile {
                path: input.clone(),
                format,
            });
        }
    }
    Ok(files)
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), PipelineError> {
    let io_err = |source| PipelineError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| PipelineError::Io {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() {
            walk_dir(&path, out)?;
        } else if file_type.is_file() || (file_type.is_symlink() && path.is_file()) {
            out.push(path);
        }
    }
    Ok(())
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
}

impl Record {
    pub fn source(&self) -> RecordSource {
        match self {
            Record::Document { at, .. } | Record::Rejected { at, .. } => *at,
        }
    }
}

/// Opens a file (or stdin), decompressing by magic bytes.
fn open_stream(file: &InputFile) -> Result<Box<dyn BufRead + Send>, PipelineError> {
    let io_err = |source| PipelineError::Io {
        path: file.path.clone(),
        source,
    };
    let raw: Box<dyn Read + Send> = if file.is_stdin() {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(&file.path).map_err(io_err)?)
    };
    let mut buffered = BufReader::with_capacity(1 << 16, raw);
    let magic = buffered.fill_buf().map_err(io_err)?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(buffered),
        )))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let decoder = zstd::stream::read::Decoder::with_buffer(buffered).map_err(io_err)?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)))
    } else {
        Ok(Box::new(buffered))
    }
}

/// Streams the records of one input file.
pub struct FileReader {
    inner: Inner,
    file: u32,
    fields: FieldNames,
    records: u64,
    done: bool,
}

enum Inner {
    Jsonl {
        stream: Box<dyn BufRead + Send>,
        line: u64,
        buf: Vec<u8>,
    },
    Csv {
        reader: csv::Reader<Box<dyn BufRead + Send>>,
        text: usize,
        id: Option<usize>,
        title: Option<usize>,
        lang: Option<usize>,
        date: Option<usize>,
        width: usize,
    },
    Txt {
        stream: Box<dyn BufRead + Send>,
        id: String,
    },
}

impl FileReader {
    pub fn open(
        input: &InputFile,
        file: u32,
        fields: &FieldNames,
    ) -> Result<FileReader, PipelineError> {
        let stream = open_stream(input)?;
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
                let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(stream);
                let headers = reader
                    .byte_headers()
                    .map_err(|e| PipelineError::Io {
                        path: input.path.clone(),
                        source: csv_io_error(e),
                    })?
                    .clone();
                let names: Vec<String> = headers
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).trim().to_owned())
                    .collect();
                let find = |col: &str| names.iter().position(|n| n == col);
                let text = find(&fields.text).ok_or_else(|| PipelineError::MissingCsvColumn {
                    path: input.path.clone(),
                    column: fields.text.clone(),
                    found: names.join(", "),
                })?;
                Inner::Csv {
                    text,
                    id: fields.id.iter().find_map(|c| find(c)),
                    title: find(&fields.title),
                    lang: find(&fields.lang),
                    date: find(&fields.date),
                    width: names.len(),
                    reader,
                }
            }
        };
        Ok(FileReader {
            inner,
            file,
            fields: fields.clone(),
            records: 0,
            done: false,
        })
    }

    fn next_record(&mut self) -> Option<Record> {
        if self.done {
            return None;
        }
        let file = self.file;
        match &mut self.inner {
            Inner::Jsonl { stream, line, buf } => loop {
                buf.clear();
                let start_line = *line + 1;
                match stream.read_until(b'\n', buf) {
                    Ok(0) => {
                        self.done = true;
                        return None;
                    }
                    Ok(_) => {
                        *line += 1;
                        let bytes = trim_line_end(buf);
                        if bytes.iter().all(u8::is_ascii_whitespace) {
                            continue; // blank lines separate nothing and are not records
                        }
                        self.records += 1;
                        let at = RecordSource {
                            file,
                            record: self.records,
                            line: start_line,
                        };
                        return Some(parse_json_record(bytes, at, &self.fields));
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
                if let Err(e) = stream.read_to_end(&mut bytes) {
                    return Some(Record::Rejected {
                        at,
                        doc_id: Some(id.clone()),
                        reason: format!("read error: {e}"),
                    });
                }
                let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
                match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => Some(Record::Document {
                        at,
                        doc: Document {
                            id: id.clone(),
                            text,
                            ..Document::default()
                        },
                    }),
                    Err(e) => Some(Record::Rejected {
                        at,
                        doc_id: Some(id.clone()),
                        reason: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
                    }),
                }
            }
            Inner::Csv {
                reader,
                text,
                id,
                title,
                lang,
                date,
                width,
            } => {
                let mut row = csv::ByteRecord::new();
                let result = reader.read_byte_record(&mut row);
                let line = row.position().map_or(0, |p| p.line());
                match result {
                    Ok(false) => {
                        self.done = true;
                        None
                    }
                    Ok(true) => {
                        self.records += 1;
                        let at = RecordSource {
                            file,
                            record: self.records,
                            line,
                        };
                        Some(csv_record(
                            &row, at, *width, *text, *id, *title, *lang, *date,
                        ))
                    }
                    Err(e) => {
                        self.records += 1;
                        let at = RecordSource {
                            file,
                            record: self.records,
                            line,
                        };
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            self.done = true;
                        }
                        Some(Record::Rejected {
                            at,
                            doc_id: None,
                            reason: format!("CSV error: {e}"),
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

fn csv_io_error(e: csv::Error) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
}

fn trim_line_end(buf: &[u8]) -> &[u8] {
    let buf = buf.strip_suffix(b"\n").unwrap_or(buf);
    buf.strip_suffix(b"\r").unwrap_or(buf)
}

fn parse_json_record(bytes: &[u8], at: RecordSource, fields: &FieldNames) -> Record {
    let reject = |doc_id: Option<String>, reason: String| Record::Rejected { at, doc_id, reason };
    let bytes = if at.line == 1 {
        bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes)
    } else {
        bytes
    };
    // serde_json validates the UTF-8 of every string it reads; only a line it rejects is checked again,
    // so that invalid UTF-8 gets its own reason.
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            let reason = match std::str::from_utf8(bytes) {
                Err(bad) => format!("invalid UTF-8 at byte {} of the line", bad.valid_up_to()),
                Ok(_) => format!("invalid JSON: {e}"),
            };
            return reject(None, reason);
        }
    };
    let Value::Object(mut map) = value else {
        return reject(None, "not a JSON object".into());
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

#[allow(clippy::too_many_arguments)]
fn csv_record(
    row: &csv::ByteRecord,
    at: RecordSource,
    width: usize,
    text: usize,
    id: Option<usize>,
    title: Option<usize>,
    lang: Option<usize>,
    date: Option<usize>,
) -> Record {
    let field = |i: usize| -> Result<Option<String>, String> {
        match row.get(i) {
            None => Ok(None),
            Some(b) => String::from_utf8(b.to_vec()).map(Some).map_err(|e| {
                format!(
                    "invalid UTF-8 in column {} at byte {}",
                    i + 1,
                    e.utf8_error().valid_up_to()
                )
            }),
        }
    };
    let doc_id = match id {
        Some(i) => field(i).ok().flatten().filter(|s| !s.is_empty()),
        None => Some(format!("record-{}", at.record)),
    };
    if row.len() != width {
        let reason = format!("ragged row: {} fields, header has {width}", row.len());
        return Record::Rejected { at, doc_id, reason };
    }
    let Some(id) = doc_id else {
        return Record::Rejected {
            at,
            doc_id: None,
            reason: "empty ID column".into(),
        };
    };
    let doc = (|| {
        Ok::<_, String>(Document {
            text: field(text)?.unwrap_or_default(),
            title: title.map(field).transpose()?.flatten(),
            lang: lang.map(field).transpose()?.flatten(),
            date: date.map(field).transpose()?.flatten(),
            id: id.clone(),
        })
    })();
    match doc {
        Ok(doc) => Record::Document { at, doc },
        Err(reason) => Record::Rejected {
            at,
            doc_id: Some(id),
            reason,
        },
    }
}
