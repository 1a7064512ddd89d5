//! CSV tables: a header from the row type's field names, one record per
//! row, numbers in their shortest exact form, empty cells for undefined
//! values (a ratio with nothing to divide, a percentile of no samples).

use std::io;
use std::path::Path;

use serde::Serialize;

use super::atomic::write_atomically;

/// Writes `rows` as CSV to `path`, atomically. With no rows (a run a guard
/// stopped before its first window closed) the header is still written,
/// so that readers find the columns and nothing else.
pub fn write_csv<R: Serialize + Default>(path: &Path, rows: &[R]) -> io::Result<()> {
    write_atomically(path, |out| {
        if rows.is_empty() {
            let mut header = csv::Writer::from_writer(Vec::new());
            header.serialize(R::default()).map_err(io::Error::other)?;
            let bytes = header.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
            let end = bytes.iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| i + 1);
            return out.write_all(&bytes[..end]);
        }
        let mut writer = csv::Writer::from_writer(out);
        for row in rows {
            writer.serialize(row).map_err(io::Error::other)?;
        }
        writer.flush()
    })
}

/// Writes a table of ready-made records (a dynamic set of columns) to
/// `path`, atomically.
pub fn write_table(path: &Path, header: &csv::StringRecord, rows: &[csv::StringRecord]) -> io::Result<()> {
    write_atomically(path, |out| {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(header).map_err(io::Error::other)?;
        for row in rows {
            writer.write_record(row).map_err(io::Error::other)?;
        }
        writer.flush()
    })
}

/// Reads the rows of a CSV file written by [`write_csv`]: its header
/// names the fields, an empty cell is `None`.
pub fn read_csv<R: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<R>, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    reader.deserialize().collect::<Result<Vec<R>, _>>().map_err(|e| format!("{}: {e}", path.display()))
}
