//! Trace replay: arrivals read from an access log instead of drawn.
//!
//! A trace is CSV with rows `t_s,key,op` or `t_s,key,op,size`: the arrival
//! time [s] (not decreasing), the key, the operation and optionally the
//! item's size [bytes], which is the key's size from that request on. Keys
//! are names — any string, given dense ids in order of first appearance —
//! or, when the model sets `workload.keys`, integer ids below it. Ops are
//! case-insensitive: `get`/`gets`/`read` read; `set`/`write`/`put`/
//! `update`/`add`/`replace`/`cas`/`append`/`prepend`/`incr`/`decr` write;
//! `delete`/`del`/`remove` delete — a change to the key, so it is replayed
//! as a write (the database changes, the cache is invalidated as
//! configured). A header row is optional.
//!
//! `workload.trace_format = "twitter"` reads Twitter's cache traces
//! (`timestamp,key,key_size,value_size,client_id,operation,TTL`, times in
//! seconds from the first row, size = key + value when the row gives one).
//!
//! The file is streamed one row at a time: memory is O(distinct keys)
//! with named keys, constant with ids.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use crate::engine::SimTime;

use super::workload::Op;

crate::names::named_enum! {
    /// How a trace's rows are laid out.
    pub enum TraceFormat {
        /// `t_s,key,op[,size]`.
        Csv = "csv",
        /// `timestamp,key,key_size,value_size,client_id,operation,TTL`.
        Twitter = "twitter",
    }
}

crate::names::named_enum! {
    /// What a malformed row does.
    pub enum BadRows {
        /// Stops with the row's file and line.
        Error = "error",
        /// Skips it; the rows skipped are counted and reported.
        Skip = "skip",
    }
}

/// How a trace's keys become the simulator's dense key ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceKeys {
    /// Integers below this (`workload.keys`), used as they are.
    Ids(u32),
    /// Any strings, numbered in order of first appearance.
    Names,
}

/// A trace as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceSpec {
    pub path: PathBuf,
    pub format: TraceFormat,
    pub bad_rows: BadRows,
    pub keys: TraceKeys,
    /// Every row must give a size: the cache is sized in bytes and nothing
    /// else gives items one.
    pub needs_size: bool,
}

/// One request of the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceRow {
    pub at: SimTime,
    pub key: u32,
    pub op: Op,
    /// The item's size [bytes], if the row gives one.
    pub size: Option<u32>,
}

/// A malformed trace, located.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct TraceError {
    pub path: PathBuf,
    pub line: u64,
    pub message: String,
}

/// What a whole pass over a trace found.
#[derive(Debug, Clone)]
pub struct TraceScan {
    /// Distinct keys (named keys), or the ids' bound.
    pub keys: u32,
    /// Rows read as requests.
    pub rows: u64,
    /// Rows at or after `end`, and the first one's time [s].
    pub past_end: u64,
    pub first_past_end_s: Option<f64>,
    /// Malformed rows skipped (`BadRows::Skip`), and the first one.
    pub skipped: u64,
    pub first_skipped: Option<TraceError>,
}

/// Reads `spec` through to its end, as a run would: its problems surface
/// before any run starts.
pub fn scan(spec: &TraceSpec, end: SimTime) -> Result<TraceScan, TraceError> {
    let mut reader = TraceReader::open(spec)?;
    let (mut rows, mut past_end, mut first_past_end_s) = (0, 0, None);
    while let Some(row) = reader.next_row()? {
        rows += 1;
        if row.at >= end {
            past_end += 1;
            first_past_end_s.get_or_insert(row.at.as_secs());
        }
    }
    let keys = match spec.keys {
        TraceKeys::Ids(keys) => keys,
        TraceKeys::Names => reader.names.len() as u32,
    };
    Ok(TraceScan {
        keys,
        rows,
        past_end,
        first_past_end_s,
        skipped: reader.skipped,
        first_skipped: reader.first_skipped,
    })
}

/// Reads a trace row by row.
#[derive(Debug)]
pub struct TraceReader {
    path: PathBuf,
    reader: BufReader<File>,
    format: TraceFormat,
    keys: TraceKeys,
    skip_bad: bool,
    needs_size: bool,
    line: u64,
    last: SimTime,
    /// Twitter traces count time from their first row [s].
    origin_s: Option<f64>,
    names: HashMap<Box<str>, u32>,
    skipped: u64,
    first_skipped: Option<TraceError>,
    buffer: String,
}

/// The most distinct keys a trace may name (as `workload.keys`).
const MAX_NAMES: usize = 100_000_000;

impl TraceReader {
    pub fn open(spec: &TraceSpec) -> Result<Self, TraceError> {
        let path = &spec.path;
        let failed = |message: String| TraceError { path: path.to_owned(), line: 0, message };
        // A FIFO or a device could block or never end.
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() => {
                return Err(failed(
                    "cannot open the trace: not a regular file (a folder, a FIFO or a device)".into(),
                ));
            }
            _ => {}
        }
        let file = File::open(path).map_err(|e| failed(format!("cannot open the trace: {e}")))?;
        Ok(TraceReader {
            path: path.to_owned(),
            reader: BufReader::with_capacity(1 << 16, file),
            format: spec.format,
            keys: spec.keys,
            skip_bad: spec.bad_rows == BadRows::Skip,
            needs_size: spec.needs_size,
            line: 0,
            last: SimTime::ZERO,
            origin_s: None,
            names: HashMap::new(),
            skipped: 0,
            first_skipped: None,
            buffer: String::new(),
        })
    }

    /// Distinct keys seen so far.
    pub fn keys_seen(&self) -> u32 {
        match self.keys {
            TraceKeys::Ids(keys) => keys,
            TraceKeys::Names => self.names.len() as u32,
        }
    }

    /// The line of the row last read.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Bytes read so far (for a progress bar).
    pub fn bytes_read(&mut self) -> u64 {
        use std::io::Seek;
        let buffered = self.reader.buffer().len() as u64;
        self.reader.get_mut().stream_position().map_or(0, |p| p.saturating_sub(buffered))
    }

    /// Malformed rows skipped so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The next request, `None` at the end of the trace.
    pub fn next_row(&mut self) -> Result<Option<TraceRow>, TraceError> {
        loop {
            self.buffer.clear();
            // A line is read up to a cap, so a file without newlines (or
            // a device) cannot take all memory.
            let read = (&mut self.reader)
                .take(MAX_LINE_BYTES + 1)
                .read_line(&mut self.buffer)
                .map_err(|e| self.error(e.to_string()))?;
            if read == 0 {
                return Ok(None);
            }
            self.line += 1;
            if read as u64 > MAX_LINE_BYTES && !self.buffer.ends_with('\n') {
                // Not a row at all: no skipping past it.
                return Err(self.error(format!("a row longer than {MAX_LINE_BYTES} bytes: is this a trace?")));
            }
            // A byte-order mark (as some editors write) is not part of the header.
            let buffer = std::mem::take(&mut self.buffer);
            let text = if self.line == 1 { buffer.trim_start_matches('\u{feff}') } else { &buffer };
            let text = text.trim();
            let parsed = if text.is_empty() || (self.line == 1 && is_header(text)) {
                None
            } else {
                Some(self.parse(text))
            };
            self.buffer = buffer;
            match parsed {
                None => continue,
                Some(Ok(row)) => {
                    self.last = row.at;
                    return Ok(Some(row));
                }
                Some(Err(message)) if self.skip_bad => {
                    self.skipped += 1;
                    if self.first_skipped.is_none() {
                        self.first_skipped = Some(self.error(message));
                    }
                }
                Some(Err(message)) => return Err(self.error(message)),
            }
        }
    }

    fn parse(&mut self, text: &str) -> Result<TraceRow, String> {
        let mut fields = [""; 8];
        let mut n = 0;
        for field in text.split(',') {
            if n == fields.len() {
                n += 1;
                break;
            }
            fields[n] = field.trim();
            n += 1;
        }
        let (t_s, key, op, size) = match (self.format, n) {
            (TraceFormat::Csv, 3) => (fields[0], fields[1], fields[2], None),
            (TraceFormat::Csv, 4) => (fields[0], fields[1], fields[2], Some(fields[3])),
            (TraceFormat::Csv, _) => {
                return Err(format!(
                    "expected 3 fields `t_s,key,op` (or 4, with `size`), found {}: {}",
                    n.min(8),
                    excerpt(text)
                ));
            }
            (TraceFormat::Twitter, 7) => (fields[0], fields[1], fields[5], None),
            (TraceFormat::Twitter, _) => {
                return Err(format!(
                    "expected the 7 fields of a Twitter trace `timestamp,key,key_size,value_size,client_id,\
                     operation,TTL`, found {}: {}",
                    n.min(8),
                    excerpt(text)
                ));
            }
        };
        let mut t: f64 =
            t_s.parse().map_err(|_| format!("t_s must be a number of seconds, got {}", excerpt(t_s)))?;
        if !t.is_finite() || t < 0.0 {
            return Err(format!("t_s must be finite and >= 0, got {}", excerpt(t_s)));
        }
        if self.format == TraceFormat::Twitter {
            t -= *self.origin_s.get_or_insert(t);
        }
        let at = SimTime::from_secs(t);
        if at < self.last {
            return Err(format!(
                "t_s must not decrease: {} comes after {}",
                excerpt(t_s),
                self.last.as_secs()
            ));
        }
        let op = parse_op(op)?;
        let size = match (self.format, size) {
            (TraceFormat::Csv, Some(size)) => {
                Some(size.parse::<u32>().ok().filter(|&s| s >= 1).ok_or_else(|| {
                    format!(
                        "size must be a whole number of bytes from 1 to {}, got {}",
                        u32::MAX,
                        excerpt(size)
                    )
                })?)
            }
            (TraceFormat::Twitter, _) => {
                let part = |name: &str, v: &str| {
                    v.parse::<u64>()
                        .map_err(|_| format!("{name} must be a whole number of bytes, got {}", excerpt(v)))
                };
                let total = part("key_size", fields[2])? + part("value_size", fields[3])?;
                // A get of a missing key has no value: no size to learn.
                (part("value_size", fields[3])? > 0).then(|| total.min(u64::from(u32::MAX)) as u32)
            }
            (TraceFormat::Csv, None) => None,
        };
        if size.is_none() && self.needs_size && !(self.format == TraceFormat::Twitter && op == Op::Read) {
            return Err("cache.memory_mb sizes the cache in bytes and workload.size is not set: every row \
                        needs a size (`t_s,key,op,size`)"
                .into());
        }
        let key = self.key_id(key)?;
        Ok(TraceRow { at, key, op, size })
    }

    fn key_id(&mut self, key: &str) -> Result<u32, String> {
        if key.is_empty() {
            return Err("key must not be empty".into());
        }
        match self.keys {
            TraceKeys::Ids(keys) => key.parse::<u32>().ok().filter(|k| *k < keys).ok_or_else(|| {
                format!(
                    "key must be an integer from 0 to {} (workload.keys − 1), got {}; leave workload.keys out \
                     and keys may be any string, counted from the trace",
                    keys - 1,
                    excerpt(key)
                )
            }),
            TraceKeys::Names => {
                if let Some(&id) = self.names.get(key) {
                    return Ok(id);
                }
                if self.names.len() >= MAX_NAMES {
                    return Err(format!("more than {MAX_NAMES} distinct keys (the most a model may have)"));
                }
                let id = self.names.len() as u32;
                self.names.insert(key.into(), id);
                Ok(id)
            }
        }
    }

    fn error(&self, message: String) -> TraceError {
        TraceError { path: self.path.clone(), line: self.line, message }
    }
}

/// A first row that does not start with a number names the columns.
fn is_header(text: &str) -> bool {
    text.split(',').next().is_some_and(|t| t.trim().parse::<f64>().is_err())
}

/// An operation, case-insensitive, by its usual names.
fn parse_op(op: &str) -> Result<Op, String> {
    const READS: &[&str] = &["get", "gets", "read"];
    const WRITES: &[&str] = &[
        "set", "write", "put", "update", "add", "replace", "cas", "append", "prepend", "incr", "decr",
        "delete", "del", "remove",
    ];
    if READS.iter().any(|r| r.eq_ignore_ascii_case(op)) {
        Ok(Op::Read)
    } else if WRITES.iter().any(|w| w.eq_ignore_ascii_case(op)) {
        Ok(Op::Write)
    } else {
        Err(format!(
            "op must be a read (get, gets, read), a write (set, write, put, update, add, replace, cas, append, \
             prepend, incr, decr) or a delete (delete, del, remove), got {}",
            excerpt(op)
        ))
    }
}

/// The longest row read [bytes]: a row is a few dozen.
const MAX_LINE_BYTES: u64 = 4096;

/// At most 60 characters of a row, quoted and escaped.
fn excerpt(text: &str) -> String {
    crate::excerpt::excerpt(text, 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn spec(path: &Path, format: TraceFormat, bad_rows: BadRows, keys: TraceKeys) -> TraceSpec {
        TraceSpec { path: path.to_owned(), format, bad_rows, keys, needs_size: false }
    }

    fn reader_of(
        text: &str,
        format: TraceFormat,
        bad_rows: BadRows,
        keys: TraceKeys,
    ) -> (tempfile::TempDir, TraceReader) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let reader = TraceReader::open(&spec(&path, format, bad_rows, keys)).unwrap();
        (dir, reader)
    }

    fn reader(text: &str) -> (tempfile::TempDir, TraceReader) {
        reader_of(text, TraceFormat::Csv, BadRows::Error, TraceKeys::Ids(10))
    }

    fn rows(r: &mut TraceReader) -> Vec<TraceRow> {
        std::iter::from_fn(|| r.next_row().unwrap()).collect()
    }

    /// Keys are names in order of first appearance; ops by any usual name
    /// and case; a header of any wording.
    #[test]
    fn named_keys_and_op_synonyms() {
        let text =
            "time,object,verb\n1,user:42,GET\n2,cart/7,Put\n3,user:42,Delete\n4,x,update\n5,cart/7,READ\n";
        let (_dir, mut r) = reader_of(text, TraceFormat::Csv, BadRows::Error, TraceKeys::Names);
        let got: Vec<(u32, Op)> = rows(&mut r).iter().map(|row| (row.key, row.op)).collect();
        assert_eq!(got, vec![(0, Op::Read), (1, Op::Write), (0, Op::Write), (2, Op::Write), (1, Op::Read)]);
        assert_eq!(r.keys_seen(), 3);
    }

    /// Twitter's cache-trace rows: time from the first row, size = key +
    /// value when there is a value.
    #[test]
    fn twitter_rows_parse() {
        let text = "100,nz:u:eeW511W3dcH3de3d15ec,24,0,4,get,0\n101,nz:u:eeW511W3dcH3de3d15ec,24,181,4,set,3600\n\
                    101,keyB,4,10,7,gets,0\n103,keyB,4,0,7,delete,0\n";
        let (_dir, mut r) = reader_of(text, TraceFormat::Twitter, BadRows::Error, TraceKeys::Names);
        let got = rows(&mut r);
        assert_eq!(got[0], TraceRow { at: SimTime::ZERO, key: 0, op: Op::Read, size: None });
        assert_eq!(got[1], TraceRow { at: SimTime::from_secs(1.0), key: 0, op: Op::Write, size: Some(205) });
        assert_eq!((got[2].key, got[2].op, got[2].size), (1, Op::Read, Some(14)));
        assert_eq!((got[3].at, got[3].op), (SimTime::from_secs(3.0), Op::Write));
        let (_dir, mut r) =
            reader_of("1,a,1,1,1,get\n", TraceFormat::Twitter, BadRows::Error, TraceKeys::Names);
        assert!(r.next_row().unwrap_err().to_string().contains("t.csv:1: expected the 7 fields"));
    }

    /// With `skip`, bad rows are skipped and counted, the first remembered.
    #[test]
    fn bad_rows_are_skipped_and_counted() {
        let text = "0.5,a,get\n0.7,b\n0.4,c,get\n0.8,d,frobnicate\n0.9,e,set\n";
        let (_dir, mut r) = reader_of(text, TraceFormat::Csv, BadRows::Skip, TraceKeys::Names);
        let got = rows(&mut r);
        assert_eq!(got.len(), 2);
        assert_eq!(r.skipped(), 3);
        let first = r.first_skipped.clone().unwrap().to_string();
        assert!(first.contains("t.csv:2: expected 3 fields"), "{first}");
    }

    #[test]
    fn reads_rows_and_skips_the_header() {
        let (_dir, mut r) = reader("t_s,key,op\n0.5,3,get\n\n0.5,4,set,700\n");
        assert_eq!(
            r.next_row().unwrap().unwrap(),
            TraceRow { at: SimTime::from_secs(0.5), key: 3, op: Op::Read, size: None }
        );
        let set = r.next_row().unwrap().unwrap();
        assert_eq!((set.op, set.size), (Op::Write, Some(700)));
        assert!(r.next_row().unwrap().is_none());
    }

    #[test]
    fn malformed_rows_are_located() {
        for (text, needle) in [
            ("1.0,3\n", "t.csv:1: expected 3 fields"),
            ("1.0,3,get\n0.5,3,get\n", "t.csv:2: t_s must not decrease"),
            ("1.0,10,get\n", "t.csv:1: key must be an integer from 0 to 9"),
            ("0,1,get\nx,1,get\n", "t.csv:2: t_s must be a number"),
            ("1,1,fetch\n", "t.csv:1: op must be"),
            ("1,1,get,0\n", "t.csv:1: size must be a whole number of bytes"),
            ("1,1,get,5,6\n", "t.csv:1: expected 3 fields"),
        ] {
            let (_dir, mut r) = reader(text);
            let err = loop {
                match r.next_row() {
                    Ok(Some(_)) => continue,
                    Ok(None) => panic!("{text:?} should fail"),
                    Err(e) => break e.to_string(),
                }
            };
            assert!(err.contains(needle), "{err}");
        }
    }

    /// A byte-order mark before the header reads as a model's does; a row
    /// without end (a 2 GB file with no newline) stops at the cap; a FIFO
    /// is refused before it can block; messages quote short excerpts.
    #[test]
    fn odd_files_are_bounded() {
        let (_dir, mut r) = reader("\u{feff}t_s,key,op\n0.5,3,get\n");
        assert_eq!(r.next_row().unwrap().unwrap().key, 3);
        let (_dir, mut r) = reader(&"1".repeat(100_000));
        let err = r.next_row().unwrap_err().to_string();
        assert!(err.contains("t.csv:1: a row longer than 4096 bytes"), "{err}");
        let (_dir, mut r) = reader(&format!("1,{},get\n", "7".repeat(3000)));
        let err = r.next_row().unwrap_err().to_string();
        assert!(err.len() < 300 && err.contains('…'), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let fifo = spec(&fifo, TraceFormat::Csv, BadRows::Error, TraceKeys::Ids(10));
            let err = TraceReader::open(&fifo).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
    }
}
