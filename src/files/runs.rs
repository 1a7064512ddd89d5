//! `runs.csv`: one row per sweep job — the job's index, variant, axis
//! values, replication and configuration hash, then its whole summary.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

use csv::StringRecord;

use crate::metrics::Summary;

use super::atomic::write_atomically;

/// One finished job.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub job: usize,
    pub variant: String,
    /// One label per axis, in the experiment's axis order.
    pub axes: Vec<String>,
    pub replication: u32,
    /// Identifies the job's resolved model: a resumed sweep reuses a row
    /// only if this still matches.
    pub config_hash: String,
    pub summary: Summary,
}

const LEADING: [&str; 2] = ["job", "variant"];
const TRAILING: [&str; 2] = ["replication", "config_hash"];

/// The column names of a `Summary`, in order.
fn summary_columns() -> StringRecord {
    Summary::COLUMNS.iter().collect()
}

/// A summary as CSV cells, with its header.
fn fields(summary: &Summary) -> (StringRecord, StringRecord) {
    let mut writer = csv::WriterBuilder::new().has_headers(true).from_writer(Vec::new());
    writer.serialize(summary).expect("a summary is flat");
    let bytes = writer.into_inner().expect("writing to memory");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().expect("a header was written").clone();
    let record = reader.records().next().expect("one record").expect("valid CSV");
    (header, record)
}

/// The header of `runs.csv` for these axes.
pub fn header(axes: &[String]) -> StringRecord {
    let mut h = StringRecord::new();
    for c in LEADING {
        h.push_field(c);
    }
    for a in axes {
        h.push_field(a);
    }
    for c in TRAILING {
        h.push_field(c);
    }
    for c in summary_columns().iter() {
        h.push_field(c);
    }
    h
}

fn record(row: &RunRow) -> StringRecord {
    let mut r = StringRecord::new();
    r.push_field(&row.job.to_string());
    r.push_field(&row.variant);
    for a in &row.axes {
        r.push_field(a);
    }
    r.push_field(&row.replication.to_string());
    r.push_field(&row.config_hash);
    for f in fields(&row.summary).1.iter() {
        r.push_field(f);
    }
    r
}

fn line(record: &StringRecord) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(record).expect("writing to memory");
    writer.into_inner().expect("writing to memory")
}

/// Writes `rows` (in the given order) as `runs.csv` at `path`, atomically.
pub fn write_runs(path: &Path, axes: &[String], rows: &[RunRow]) -> io::Result<()> {
    write_atomically(path, |out| {
        out.write_all(&line(&header(axes)))?;
        for row in rows {
            out.write_all(&line(&record(row)))?;
        }
        Ok(())
    })
}

/// An append-only journal of finished jobs, one complete line per row,
/// flushed as each job finishes, so that an interrupted sweep keeps its
/// work.
pub struct Journal {
    file: File,
}

impl Journal {
    /// Opens (or creates, with a header) the journal at `path`.
    pub fn open(path: &Path, axes: &[String]) -> io::Result<Journal> {
        let exists = path.exists();
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        if !exists || file.metadata()?.len() == 0 {
            file.write_all(&line(&header(axes)))?;
        }
        Ok(Journal { file })
    }

    pub fn append(&mut self, row: &RunRow) -> io::Result<()> {
        // One write per row: a row is in the file whole or not at all.
        self.file.write_all(&line(&record(row)))?;
        self.file.flush()
    }
}

/// Why rows could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RowsError {
    pub path: String,
    pub message: String,
}

/// Reads the rows of a `runs.csv` (or a journal) and its axis names. A
/// last line without its newline — a row cut by an interruption — is
/// ignored.
pub fn read_runs(path: &Path) -> Result<(Vec<String>, Vec<RunRow>), RowsError> {
    let error = |message: String| RowsError { path: path.display().to_string(), message };
    let file = File::open(path).map_err(|e| error(e.to_string()))?;
    let mut text = String::new();
    let mut reader = BufReader::new(file);
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(|e| error(e.to_string()))?;
        if n == 0 || !line.ends_with('\n') {
            break;
        }
        text.push_str(&line);
    }
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let header = csv.headers().map_err(|e| error(e.to_string()))?.clone();
    let columns = summary_columns();
    let axes_end = header.len().checked_sub(columns.len() + TRAILING.len()).filter(|&e| e >= LEADING.len());
    let Some(axes_end) = axes_end else {
        return Err(error("not a runs.csv: too few columns".into()));
    };
    let expected_tail: Vec<&str> = TRAILING.iter().copied().chain(columns.iter()).collect();
    let tail: Vec<&str> = header.iter().skip(axes_end).collect();
    if header.iter().take(2).ne(LEADING.iter().copied()) || tail != expected_tail {
        return Err(error("not a runs.csv of this version of outage-sim: unexpected columns".into()));
    }
    let axes: Vec<String> =
        header.iter().skip(LEADING.len()).take(axes_end - LEADING.len()).map(str::to_owned).collect();
    let mut rows = Vec::new();
    for (i, record) in csv.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| error(format!("line {line}: {e}")))?;
        let at = |k: usize| record.get(k).unwrap_or_default();
        let summary_record: StringRecord = record.iter().skip(axes_end + TRAILING.len()).collect();
        let summary: Summary =
            summary_record.deserialize(Some(&columns)).map_err(|e| error(format!("line {line}: {e}")))?;
        rows.push(RunRow {
            job: at(0).parse().map_err(|_| error(format!("line {line}: job must be an integer")))?,
            variant: at(1).to_owned(),
            axes: (LEADING.len()..axes_end).map(|k| at(k).to_owned()).collect(),
            replication: at(axes_end)
                .parse()
                .map_err(|_| error(format!("line {line}: replication must be an integer")))?,
            config_hash: at(axes_end + 1).to_owned(),
            summary,
        });
    }
    Ok((axes, rows))
}
