//! Where a run's rows go: the tables of an output directory, or, in filter mode (`-o -`), one stream of
//! rows on stdout for another program (a shell pipe, Spark's `pipe`, Spark SQL `TRANSFORM`).
//!
//! # Filter-mode rows
//!
//! Every row starts with its kind, so one stream carries everything and nothing is lost silently:
//!
//! | kind | fields after the kind |
//! |---|---|
//! | `mention` | the 17 columns of `mentions.csv`, in its order |
//! | `reject` | the 5 columns of `rejects.csv`: `source_file, record, line, doc_id, reason` |
//! | `partial` | one line of the partial aggregate (only with `--partial -`; after all other rows) |
//! | `error` | the message of the error that stopped the run (last row; the exit status is non-zero) |
//!
//! CSV rows are RFC 4180 without a header (a field with a line break is quoted and spans lines); TSV rows
//! are always one line, escaped as in [`crate::tsv`]. A `partial` row is the kind and one field in CSV,
//! and `partial<TAB>` followed by the partial line as written to a file in TSV. Rows come in input order,
//! so the stream is identical for any thread count.

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::aggregate::Aggregate;
use crate::error::PipelineError;
use crate::input::RecordSource;
use crate::output::{spreadsheet_safe_cell, Table, MENTIONS_HEADER};
use crate::run::RunConfig;
use crate::tsv;

/// Row format of filter mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamFormat {
    /// RFC 4180 CSV without a header row.
    Csv,
    /// Tab-separated, one row per line, `\\ \t \n \r` escaped inside fields.
    Tsv,
}

/// The tables written while a run goes on (as `NAME.partial`), in the order of a checkpoint's lengths.
pub(crate) const TABLE_NAMES: [&str; 3] = ["mentions.csv", "documents.csv", "rejects.csv"];
const DOCUMENTS_HEADER: &[&str] = &[
    "doc_id",
    "source_file",
    "record",
    "line",
    "status",
    "mentions",
    "chars",
];
const REJECTS_HEADER: &[&str] = &["source_file", "record", "line", "doc_id", "reason"];

/// The path that stands for stdout in `-o -` and `--partial -`.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn stdout_err(source: std::io::Error) -> PipelineError {
    PipelineError::Io {
        path: PathBuf::from("<stdout>"),
        source,
    }
}

/// Writes kind-tagged rows in one of the [`StreamFormat`]s.
pub struct RowWriter<W: Write> {
    inner: Inner<W>,
    spreadsheet_safe: bool,
}

enum Inner<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Tsv(BufWriter<W>),
}

impl<W: Write> RowWriter<W> {
    pub fn new(out: W, format: StreamFormat) -> Self {
        let inner = match format {
            StreamFormat::Csv => Inner::Csv(Box::new(
                csv::WriterBuilder::new()
                    .flexible(true)
                    .buffer_capacity(1 << 16)
                    .from_writer(out),
            )),
            StreamFormat::Tsv => Inner::Tsv(BufWriter::with_capacity(1 << 16, out)),
        };
        RowWriter {
            inner,
            spreadsheet_safe: false,
        }
    }

    /// With `yes`, fields of mention and reject rows are neutralised as `--spreadsheet-safe` neutralises
    /// table cells (the kind, partial and error rows are left as they are).
    pub fn spreadsheet_safe(mut self, yes: bool) -> Self {
        self.spreadsheet_safe = yes;
        self
    }

    /// One row: `kind` then `fields`.
    pub fn row<I, T>(&mut self, kind: &str, fields: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let safe = self.spreadsheet_safe;
        match &mut self.inner {
            Inner::Csv(w) => {
                w.write_field(kind)?;
                for f in fields {
                    w.write_field(safe_cell(f.as_ref(), safe).as_bytes())?;
                }
                w.write_record(None::<&[u8]>).map_err(csv_io)
            }
            Inner::Tsv(w) => {
                w.write_all(tsv::escape(kind).as_bytes())?;
                for f in fields {
                    w.write_all(b"\t")?;
                    w.write_all(tsv::escape(&safe_cell(f.as_ref(), safe)).as_bytes())?;
                }
                w.write_all(b"\n")
            }
        }
    }

    /// The partial aggregate as `partial` rows (format in the module docs).
    pub fn partial(&mut self, aggregate: &Aggregate) -> std::io::Result<()> {
        let mut text = Vec::new();
        aggregate.write_partial(&mut text)?;
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            match &mut self.inner {
                Inner::Tsv(w) => {
                    w.write_all(b"partial\t")?;
                    w.write_all(line)?;
                    w.write_all(b"\n")?;
                }
                Inner::Csv(w) => {
                    w.write_field("partial")?;
                    w.write_field(line)?;
                    w.write_record(None::<&[u8]>).map_err(csv_io)?;
                }
            }
        }
        Ok(())
    }

    /// Flushes everything written so far to the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.inner {
            Inner::Csv(w) => w.flush(),
            Inner::Tsv(w) => w.flush(),
        }
    }
}

/// `field` as `--spreadsheet-safe` writes it when `safe`, else unchanged.
fn safe_cell(field: &str, safe: bool) -> Cow<'_, str> {
    match spreadsheet_safe_cell(field.as_bytes()) {
        Cow::Owned(v) if safe => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
        _ => Cow::Borrowed(field),
    }
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Writes the `error` row of a failed filter-mode run to stdout and flushes it. Errors writing it are
/// ignored: the exit status and stderr still tell.
pub fn write_error_row(format: StreamFormat, message: &str) {
    let mut w = RowWriter::new(std::io::stdout(), format);
    let _ = w.row("error", [message]);
    let _ = w.flush();
}

/// The destination of one run's rows.
#[allow(clippy::large_enum_variant)] // one per run, never moved in a loop
pub(crate) enum Sink {
    Tables {
        mentions: Table,
        documents: Table,
        rejects: Table,
        dir: PathBuf,
    },
    Stream(RowWriter<std::io::Stdout>),
}

impl Sink {
    /// Creates the output directory and the `.partial` tables, or the stdout row stream. `resume_from`
    /// gives the checkpointed byte lengths of the three `.partial` tables of an interrupted run, which are
    /// then reopened and cut back to them (see `checkpoint`).
    pub(crate) fn create(
        config: &RunConfig,
        resume_from: Option<[u64; 3]>,
    ) -> Result<Sink, PipelineError> {
        if let Some(format) = config.stream {
            return Ok(Sink::Stream(
                RowWriter::new(std::io::stdout(), format).spreadsheet_safe(config.spreadsheet_safe),
            ));
        }
        let dir = &config.out_dir;
        std::fs::create_dir_all(dir).map_err(|source| PipelineError::Io {
            path: dir.clone(),
            source,
        })?;
        let open = |name: &str, header: &[&str], len: Option<u64>| {
            let table = match len {
                Some(len) => Table::resume(dir, name, len)?,
                None => Table::create(dir, name, header)?,
            };
            Ok::<_, PipelineError>(table.spreadsheet_safe(config.spreadsheet_safe))
        };
        let len = |i: usize| resume_from.map(|l| l[i]);
        Ok(Sink::Tables {
            mentions: open(TABLE_NAMES[0], MENTIONS_HEADER, len(0))?,
            documents: open(TABLE_NAMES[1], DOCUMENTS_HEADER, len(1))?,
            rejects: open(TABLE_NAMES[2], REJECTS_HEADER, len(2))?,
            dir: dir.clone(),
        })
    }

    /// Syncs the tables to disk and returns their byte lengths, for a checkpoint; `None` in filter mode,
    /// which cannot be resumed.
    pub(crate) fn checkpoint(&mut self) -> Result<Option<[u64; 3]>, PipelineError> {
        match self {
            Sink::Tables {
                mentions,
                documents,
                rejects,
                ..
            } => Ok(Some([
                mentions.checkpoint()?,
                documents.checkpoint()?,
                rejects.checkpoint()?,
            ])),
            Sink::Stream(_) => Ok(None),
        }
    }

    /// Ends an interrupted run: everything written so far is flushed, and the tables keep their
    /// `.partial` names (they are not complete).
    pub(crate) fn abandon(self) -> Result<(), PipelineError> {
        match self {
            Sink::Tables {
                mut mentions,
                mut documents,
                mut rejects,
                ..
            } => {
                mentions.flush()?;
                documents.flush()?;
                rejects.flush()
            }
            Sink::Stream(mut w) => w.flush().map_err(stdout_err),
        }
    }

    /// Mention rows encoded by `output::MentionEncoder` with the tables' settings.
    pub(crate) fn encoded_mentions(&mut self, bytes: &[u8]) -> Result<(), PipelineError> {
        match self {
            Sink::Tables { mentions, .. } => mentions.encoded_rows(bytes),
            Sink::Stream(_) => unreachable!("rows are encoded for tables only"),
        }
    }

    pub(crate) fn mention(&mut self, fields: [&str; 17]) -> Result<(), PipelineError> {
        match self {
            Sink::Tables { mentions, .. } => mentions.row(fields),
            Sink::Stream(w) => w.row("mention", fields).map_err(stdout_err),
        }
    }

    /// A processed record: its `documents.csv` row (nothing in filter mode). `text_chars` is the text's
    /// length in characters if a worker counted it already.
    pub(crate) fn processed(
        &mut self,
        doc_id: &str,
        file_name: &str,
        at: RecordSource,
        mentions: usize,
        text_chars: usize,
    ) -> Result<(), PipelineError> {
        match self {
            Sink::Tables { documents, .. } => documents.row([
                doc_id,
                file_name,
                &at.record.to_string(),
                &at.line.to_string(),
                "processed",
                &mentions.to_string(),
                &text_chars.to_string(),
            ]),
            Sink::Stream(_) => Ok(()),
        }
    }

    /// A rejected record: rows of `rejects.csv` and `documents.csv`, or a `reject` row.
    pub(crate) fn reject(
        &mut self,
        file_name: &str,
        at: RecordSource,
        doc_id: Option<&str>,
        reason: &str,
    ) -> Result<(), PipelineError> {
        let (record, line) = (at.record.to_string(), at.line.to_string());
        let doc_id = doc_id.unwrap_or("");
        match self {
            Sink::Tables {
                documents, rejects, ..
            } => {
                rejects.row([file_name, &record, &line, doc_id, reason])?;
                documents.row([
                    doc_id,
                    file_name,
                    &record,
                    &line,
                    &format!("rejected: {reason}"),
                    "0",
                    "0",
                ])
            }
            Sink::Stream(w) => w
                .row("reject", [file_name, &record, &line, doc_id, reason])
                .map_err(stdout_err),
        }
    }

    /// Completes the output: `entities.csv`, `unmatched.csv` and the renames of the tables, or the `partial` rows (when
    /// `partial_rows`) and a flush of stdout.
    pub(crate) fn finish(
        self,
        aggregate: &Aggregate,
        partial_rows: bool,
        spreadsheet_safe: bool,
    ) -> Result<(), PipelineError> {
        match self {
            Sink::Tables {
                mentions,
                documents,
                rejects,
                dir,
            } => {
                // The streamed tables are synced to disk (tens of milliseconds of waiting for a large
                // mentions table) on a thread of their own while the corpus-wide tables are written; the
                // renames keep their order. They are taken by whichever syncs them: that thread, or this
                // one if it cannot be started.
                let tables = std::sync::Mutex::new(Some([mentions, documents, rejects]));
                let sync_all = || {
                    let taken = tables.lock().ok().and_then(|mut t| t.take());
                    taken.map(|t| t.map(Table::sync))
                };
                let (written, synced) = std::thread::scope(|scope| {
                    let syncing = std::thread::Builder::new()
                        .name("entnorm-sync".into())
                        .spawn_scoped(scope, sync_all);
                    let written = aggregate.write_tables_with(&dir, spreadsheet_safe);
                    let synced = match syncing {
                        Ok(handle) => handle.join().map_err(|_| PipelineError::ThreadPool {
                            threads: 1,
                            message: "the thread syncing the tables to disk failed (panicked)"
                                .into(),
                        }),
                        Err(_) => Ok(sync_all()),
                    };
                    (written, synced)
                });
                written?;
                let synced = synced?.ok_or_else(|| PipelineError::ThreadPool {
                    threads: 1,
                    message: "the tables to sync were lost to a failed thread".into(),
                })?;
                for table in synced {
                    table?.rename()?;
                }
                Ok(())
            }
            Sink::Stream(mut w) => {
                if partial_rows {
                    w.partial(aggregate).map_err(stdout_err)?;
                }
                w.flush().map_err(stdout_err)
            }
        }
    }
}

/// Writes the partial aggregate to `path` unless it goes to stdout.
pub(crate) fn write_partial(path: &Path, aggregate: &Aggregate) -> Result<(), PipelineError> {
    if is_stdout(path) {
        return Ok(());
    }
    aggregate.write_partial_file(path)
}
