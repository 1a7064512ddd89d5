//! Where a value came from, and problems reported against it.
//!
//! A model is assembled from several texts: the model file, then each
//! override (`--set PATH=VALUE`, or a variant of an experiment file). Every
//! text gets its own range in one shared offset space, so a span anywhere in
//! the assembled document maps back to the text, line and column it came
//! from.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// What a text is, for messages.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// A command-line override, as typed (`--set cache.ttl_s=60`).
    Argument(String),
    /// An override written elsewhere (an experiment file's variant or
    /// axis): every span in it reports this place.
    At(Location),
}

#[derive(Debug, Clone)]
struct Text {
    origin: Origin,
    body: String,
    base: usize,
}

/// The texts a model was assembled from.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    texts: Vec<Text>,
    end: usize,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a text and returns the offset its spans must be shifted by.
    pub fn add(&mut self, origin: Origin, body: &str) -> usize {
        let base = self.end;
        // One spare offset between texts so that an empty text still owns an
        // offset of its own.
        self.end = base + body.len() + 1;
        self.texts.push(Text { origin, body: body.to_owned(), base });
        base
    }

    /// Where `span` (in the shared offset space) points. An empty span at 0
    /// is a default value, which has no place in any text.
    pub fn locate(&self, span: &Range<usize>) -> Location {
        if span.start == 0 && span.end == 0 {
            return Location::Default;
        }
        let Some(text) = self.texts.iter().rev().find(|t| t.base <= span.start) else {
            return Location::Default;
        };
        let offset = (span.start - text.base).min(text.body.len());
        match &text.origin {
            Origin::File(path) => {
                let before = &text.body[..floor_char_boundary(&text.body, offset)];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                Location::File { path: path.clone(), line, column }
            }
            Origin::Argument(arg) => Location::Argument(arg.clone()),
            Origin::At(location) => location.clone(),
        }
    }

    /// The text `span` covers, if it lies within one text.
    pub fn text_at(&self, span: &Range<usize>) -> Option<&str> {
        let text = self.texts.iter().rev().find(|t| t.base <= span.start)?;
        text.body.get(span.start - text.base..span.end.checked_sub(text.base)?)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A place a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    Argument(String),
    /// A key the model left out, given its default.
    Default,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Location::Argument(arg) => write!(f, "--set {}", crate::excerpt::bounded(arg, 80)),
            Location::Default => write!(f, "(default)"),
        }
    }
}

/// One thing wrong with a model, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    /// The dotted key path (`cache.ttl_s`), when known.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys and messages quote the input: bounded, so a 100 kB key or
        // value is named, not echoed.
        write!(f, "{}: ", self.location)?;
        if let Some(key) = &self.key {
            write!(f, "{}: ", crate::excerpt::bounded(key, 80))?;
        }
        write!(f, "{}", crate::excerpt::bounded_message(&self.message, 60))
    }
}

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}", Problems(.0))]
    Invalid(Vec<Problem>),
}

/// The largest model or experiment file read [bytes]: a hand-written
/// model is a few kilobytes; this bounds what a wrong path (a log, a
/// device) can cost before it is refused.
pub const MAX_INPUT_BYTES: u64 = 4 << 20;

/// Reads a model or experiment file: a regular file (not a FIFO or a
/// device, which could block or never end) of at most
/// [`MAX_INPUT_BYTES`], in UTF-8.
pub fn read_input(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read as _;
    let invalid = |message: String| {
        ScenarioError::read(path, std::io::Error::new(std::io::ErrorKind::InvalidInput, message))
    };
    let meta = std::fs::metadata(path).map_err(|e| ScenarioError::read(path, e))?;
    if !meta.is_file() {
        return Err(invalid("not a regular file (a folder, a FIFO or a device): give a TOML file".into()));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(invalid(format!(
            "{} bytes is more than a model or experiment file may have ({} MiB): is it the right file?",
            meta.len(),
            MAX_INPUT_BYTES >> 20
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| ScenarioError::read(path, e))?;
    let mut bytes = Vec::new();
    // The file may grow after the check: read no more than the cap allows.
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| ScenarioError::read(path, e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(invalid(format!("more than {} MiB: is it the right file?", MAX_INPUT_BYTES >> 20)));
    }
    String::from_utf8(bytes).map_err(|e| {
        invalid(format!("not UTF-8 text (byte {} is not part of a character)", e.utf8_error().valid_up_to()))
    })
}

impl ScenarioError {
    pub fn read(path: &Path, source: std::io::Error) -> Self {
        ScenarioError::Read { path: path.to_owned(), source }
    }

    /// The problems found, empty for a read error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Invalid(problems) => problems,
            ScenarioError::Read { .. } => &[],
        }
    }
}

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns_across_texts() {
        let mut map = SourceMap::new();
        let file = map.add(Origin::File("m.toml".into()), "[run]\nseed = 4\n");
        let arg = map.add(Origin::Argument("run.seed=5".into()), "5");
        assert_eq!(map.locate(&(file + 13..file + 14)).to_string(), "m.toml:2:8");
        assert_eq!(map.locate(&(arg..arg + 1)).to_string(), "--set run.seed=5");
        assert_eq!(map.locate(&(0..0)), Location::Default);
    }
}
