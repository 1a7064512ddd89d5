//! CSV tables: a header from the row type's field names, one record per
//! row, numbers in their shortest exact form, empty cells for undefined
//! values (a ratio with nothing to divide, a percentile of no samples).

use std::io;
use std::path::Path;

use serde::Serialize;

use super::atomic::write_atomically;

/// Writes `rows` as CSV to `path`, atomically.
pub fn write_csv<R: Serialize>(path: &Path, rows: &[R]) -> io::Result<()> {
    write_atomically(path, |out| {
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
