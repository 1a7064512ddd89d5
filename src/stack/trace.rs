//! Trace replay: arrivals read from an access log instead of drawn.
//!
//! A trace is CSV with rows `t_s,key,op` or `t_s,key,op,size`: the arrival
//! time [s] (not decreasing), the key (an integer in `0..workload.keys`),
//! the operation (`get` or `set`; `read` and `write` also accepted) and
//! optionally the item's size [bytes], which is the key's size from that
//! request on. A header row (`t_s,key,op` or `t_s,key,op,size`) is
//! optional. The file is streamed one row at a time, so
//! a trace of any length runs in constant memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::engine::SimTime;

use super::workload::Op;

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
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct TraceError {
    pub path: PathBuf,
    pub line: u64,
    pub message: String,
}

/// Reads a trace row by row.
#[derive(Debug)]
pub struct TraceReader {
    path: PathBuf,
    reader: BufReader<File>,
    line: u64,
    last: SimTime,
    keys: u32,
    /// Every row must give a size: the cache is sized in bytes and
    /// nothing else gives items one.
    needs_size: bool,
    buffer: String,
}

impl TraceReader {
    pub fn open(path: &Path, keys: u32, needs_size: bool) -> Result<Self, TraceError> {
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
            reader: BufReader::new(file),
            line: 0,
            last: SimTime::ZERO,
            keys,
            needs_size,
            buffer: String::new(),
        })
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
                return Err(self.error(format!("a row longer than {MAX_LINE_BYTES} bytes: is this a trace?")));
            }
            // A byte-order mark (as some editors write) is not part of the header.
            let text = if self.line == 1 { self.buffer.trim_start_matches('\u{feff}') } else { &self.buffer };
            let text = text.trim();
            if text.is_empty() || (self.line == 1 && text.starts_with("t_s")) {
                continue;
            }
            let row = self.parse(text).map_err(|m| self.error(m))?;
            self.last = row.at;
            return Ok(Some(row));
        }
    }

    fn parse(&self, text: &str) -> Result<TraceRow, String> {
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let (t_s, key, op, size) = match fields[..] {
            [t_s, key, op] => (t_s, key, op, None),
            [t_s, key, op, size] => (t_s, key, op, Some(size)),
            _ => {
                return Err(format!(
                    "expected 3 fields `t_s,key,op` (or 4, with `size`), found {}: {}",
                    fields.len(),
                    excerpt(text)
                ));
            }
        };
        let t: f64 =
            t_s.parse().map_err(|_| format!("t_s must be a number of seconds, got {}", excerpt(t_s)))?;
        if !t.is_finite() || t < 0.0 {
            return Err(format!("t_s must be finite and >= 0, got {t_s}"));
        }
        let at = SimTime::from_secs(t);
        if at < self.last {
            return Err(format!("t_s must not decrease: {t_s} comes after {}", self.last.as_secs()));
        }
        let key: u32 = key.parse().ok().filter(|k| *k < self.keys).ok_or_else(|| {
            format!(
                "key must be an integer from 0 to {} (workload.keys − 1), got {}",
                self.keys - 1,
                excerpt(key)
            )
        })?;
        let op = match op {
            "get" | "read" => Op::Read,
            "set" | "write" => Op::Write,
            other => return Err(format!("op must be `get` or `set`, got {}", excerpt(other))),
        };
        let size = match size {
            Some(size) => Some(size.parse::<u32>().ok().filter(|&s| s >= 1).ok_or_else(|| {
                format!("size must be a whole number of bytes from 1 to {}, got {}", u32::MAX, excerpt(size))
            })?),
            None if self.needs_size => {
                return Err(
                    "cache.memory_mb sizes the cache in bytes and workload.size is not set: every row \
                            needs a size (`t_s,key,op,size`)"
                        .into(),
                );
            }
            None => None,
        };
        Ok(TraceRow { at, key, op, size })
    }

    fn error(&self, message: String) -> TraceError {
        TraceError { path: self.path.clone(), line: self.line, message }
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

    fn reader(text: &str) -> (tempfile::TempDir, TraceReader) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let reader = TraceReader::open(&path, 10, false).unwrap();
        (dir, reader)
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
            ("x,1,get\n", "t.csv:1: t_s must be a number"),
            ("1,1,del\n", "t.csv:1: op must be"),
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
        assert!(err.len() < 200 && err.contains('…'), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let err = TraceReader::open(&fifo, 10, false).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
    }
}
