//! Reading back the CSV files this tool wrote, for charts: columns by
//! name, numbers or empty cells, every problem naming the file.

use std::path::{Path, PathBuf};

/// A CSV file, as text cells.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A missing or malformed table.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct TableError {
    pub path: PathBuf,
    pub message: String,
}

impl Table {
    pub fn read(path: &Path) -> Result<Table, TableError> {
        let error = |message: String| TableError { path: path.to_owned(), message };
        let mut reader = csv::Reader::from_path(path).map_err(|e| error(e.to_string()))?;
        let header: Vec<String> =
            reader.headers().map_err(|e| error(e.to_string()))?.iter().map(str::to_owned).collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| error(e.to_string()))?;
            rows.push(record.iter().map(str::to_owned).collect());
        }
        Ok(Table { path: path.to_owned(), header, rows })
    }

    fn error(&self, message: String) -> TableError {
        TableError { path: self.path.clone(), message }
    }

    pub fn index(&self, column: &str) -> Result<usize, TableError> {
        self.header
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| self.error(format!("no column `{column}`")))
    }

    pub fn has(&self, column: &str) -> bool {
        self.header.iter().any(|h| h == column)
    }

    /// A column's text cells.
    pub fn texts(&self, column: &str) -> Result<Vec<String>, TableError> {
        let i = self.index(column)?;
        Ok(self.rows.iter().map(|r| r.get(i).cloned().unwrap_or_default()).collect())
    }

    /// A column as numbers; empty cells are `None`, anything else that is
    /// not a number is an error naming the line.
    pub fn numbers(&self, column: &str) -> Result<Vec<Option<f64>>, TableError> {
        let i = self.index(column)?;
        self.rows
            .iter()
            .enumerate()
            .map(|(line, r)| {
                let cell = r.get(i).map(String::as_str).unwrap_or_default();
                if cell.is_empty() {
                    return Ok(None);
                }
                cell.parse().map(Some).map_err(|_| {
                    self.error(format!("line {}: `{column}` is not a number: {cell:?}", line + 2))
                })
            })
            .collect()
    }
}
