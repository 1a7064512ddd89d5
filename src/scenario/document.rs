//! A TOML document assembled from a file and overrides, with every value
//! keeping the position it was written at.
//!
//! Overrides are applied to the parsed tree, not to the text, so the file's
//! own positions never move and an overridden value points at the override
//! that set it.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::source::{Location, Origin, Problem, SourceMap};

/// A parsed document and the texts it came from.
pub struct Document<'i> {
    root: Spanned<DeTable<'i>>,
    sources: SourceMap,
}

impl<'i> Document<'i> {
    /// Parses a whole file.
    pub fn parse(origin: Origin, text: &'i str) -> Result<Self, Problem> {
        let mut sources = SourceMap::new();
        let base = sources.add(origin, text);
        debug_assert_eq!(base, 0, "the file is the first text");
        match DeTable::parse(text) {
            Ok(root) => Ok(Document { root, sources }),
            Err(e) => Err(toml_problem(&sources, None, base, &e)),
        }
    }

    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Applies an override `PATH=VALUE`. VALUE is TOML (`60`, `"lru"`,
    /// `{ dist = ... }`); a bare word that is not TOML is taken as a string,
    /// so that `cache.eviction=fifo` needs no quotes. Problems are located
    /// at `at` when given (an experiment file's entry), else at the
    /// argument itself (`--set ...`).
    pub fn set_override(&mut self, assignment: &'i str, at: Option<&Location>) -> Result<(), Problem> {
        let origin = match at {
            Some(location) => Origin::At(location.clone()),
            None => Origin::Argument(assignment.to_owned()),
        };
        let base = self.sources.add(origin, assignment);
        let location = self.sources.locate(&(base..base + assignment.len().max(1)));
        let problem = |message: String| Problem { location: location.clone(), key: None, message };
        let Some((path, value_text)) = assignment.split_once('=') else {
            return Err(problem("expected PATH=VALUE, such as cache.ttl_s=60".into()));
        };
        let path = path.trim();
        let value_start = base + assignment.len() - value_text.trim_start().len();
        let value_text = value_text.trim();
        // `null` takes a key out: an optional key becomes absent, any
        // other goes back to its default.
        if value_text == "null" {
            if remove_key(self.root.get_mut(), path) || super::resolved::is_model_key(path) {
                return Ok(());
            }
            return Err(problem(format!(
                "`{path}` is not a model key, so there is nothing to take out (`--set KEY=null` and a \
                 variant's `unset` take out keys such as cache.ttl_s)"
            )));
        }
        let value_span = value_start..value_start + value_text.len();
        let value = match DeValue::parse(value_text) {
            Ok(value) => shifted(value, value_start),
            Err(_) => Spanned::new(value_span.clone(), DeValue::String(value_text.into())),
        };
        self.set(path, value, value_span).map_err(problem)
    }

    /// Sets the value at a dotted `path`, creating tables on the way.
    /// `span` is where the assignment was written, for messages.
    pub fn set(
        &mut self,
        path: &'i str,
        value: Spanned<DeValue<'i>>,
        span: Range<usize>,
    ) -> Result<(), String> {
        let segments: Vec<&str> = path.split('.').map(str::trim).collect();
        if path.is_empty() || segments.iter().any(|s| s.is_empty()) {
            return Err(format!("`{path}` is not a dotted key path such as cache.ttl_s"));
        }
        let (last, parents) = segments.split_last().expect("split yields at least one segment");
        let mut table = self.root.get_mut();
        let mut walked = String::new();
        let mut parents = parents.iter().peekable();
        while let Some(segment) = parents.next() {
            if !walked.is_empty() {
                walked.push('.');
            }
            walked.push_str(segment);
            let key = Spanned::new(span.clone(), DeString::from(*segment));
            let slot = table
                .entry(key)
                .or_insert_with(|| Spanned::new(span.clone(), DeValue::Table(DeTable::new())));
            // `faults.1 = { … }` replaces a whole entry.
            if parents.peek().is_none()
                && let (DeValue::Array(items), Ok(i)) = (slot.get_mut(), last.parse::<usize>())
            {
                let len = items.len();
                let Some(item) = items.get_mut(i) else {
                    return Err(out_of_range(&walked, len, last));
                };
                *item = value;
                return Ok(());
            }
            // `faults.1.at_s`: a number after an array of tables picks an
            // entry (from 0); without one, the last entry is meant.
            let index = match slot.get_ref() {
                DeValue::Array(_) => parents.next_if(|s| s.parse::<usize>().is_ok()),
                _ => None,
            };
            let found = match index {
                Some(index) => entry_at(slot.get_mut(), index, &walked)?,
                None => descend(slot.get_mut(), &walked)?,
            };
            if let Some(index) = index {
                walked.push('.');
                walked.push_str(index);
            }
            table = match found {
                Some(t) => t,
                None => {
                    return Err(format!("`{walked}` is not a table, so `{path}` cannot be set"));
                }
            };
        }
        table.insert(Spanned::new(span, DeString::from(*last)), value);
        Ok(())
    }

    /// Deserializes the document, reporting located problems on failure:
    /// all of them, not only the first. serde stops at the first problem,
    /// so the key it names is taken out and the document read again, until
    /// it reads or a problem cannot be taken out (a missing key).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Vec<Problem>> {
        const MAX_PROBLEMS: usize = 20;
        let mut root = self.root.clone();
        let mut problems = Vec::new();
        let mut removed: Vec<String> = Vec::new();
        loop {
            let error = match T::deserialize(toml::de::Deserializer::from(root.clone())) {
                Ok(value) if problems.is_empty() => return Ok(value),
                Ok(_) => return Err(problems),
                Err(error) => error,
            };
            let problem = toml_problem(&self.sources, Some(root.get_ref()), 0, &error);
            // A key taken out for an earlier problem is now missing: that
            // is not news.
            let missing = missing_field(error.message());
            if !problems.is_empty()
                && missing.is_some_and(|k| removed.iter().any(|r| r.rsplit('.').next() == Some(k)))
            {
                return Err(problems);
            }
            let path = (missing.is_none()).then(|| problem.key.clone()).flatten();
            problems.push(problem);
            match path {
                Some(path) if problems.len() < MAX_PROBLEMS && remove_key(root.get_mut(), &path) => {
                    removed.push(path);
                }
                _ => return Err(problems),
            }
        }
    }
}

/// Takes out the key at dotted `path` (entries of arrays by number);
/// whether there was one. Array entries themselves are never taken out, so
/// the numbers of later entries in messages stay those of the file.
fn remove_key(table: &mut DeTable<'_>, path: &str) -> bool {
    let segments: Vec<&str> = path.split('.').collect();
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    if last.parse::<usize>().is_ok() {
        return false;
    }
    let mut table = table;
    let mut segments = parents.iter();
    while let Some(segment) = segments.next() {
        let Some(value) = table.get_mut(*segment) else {
            return false;
        };
        let value = value.get_mut();
        let inner = match value {
            DeValue::Array(_) => {
                segments.next().and_then(|index| entry_at(value, index, segment).ok().flatten())
            }
            DeValue::Table(inner) => Some(inner),
            _ => None,
        };
        let Some(inner) = inner else {
            return false;
        };
        table = inner;
    }
    table.remove(*last).is_some()
}

/// The table inside `value`, or for an array of tables its last element
/// (`faults.at_s` sets the last `[[faults]]`), `None` for a scalar.
fn descend<'a, 'i>(value: &'a mut DeValue<'i>, walked: &str) -> Result<Option<&'a mut DeTable<'i>>, String> {
    match value {
        DeValue::Table(t) => Ok(Some(t)),
        DeValue::Array(items) => match items.last_mut().map(Spanned::get_mut) {
            Some(DeValue::Table(t)) => Ok(Some(t)),
            _ => Err(format!("`{walked}` is an array, not a table")),
        },
        _ => Ok(None),
    }
}

/// Entry `index` (a number, from 0) of the array of tables `value`.
fn entry_at<'a, 'i>(
    value: &'a mut DeValue<'i>,
    index: &str,
    walked: &str,
) -> Result<Option<&'a mut DeTable<'i>>, String> {
    let (DeValue::Array(items), Ok(i)) = (value, index.parse::<usize>()) else {
        return Ok(None);
    };
    let len = items.len();
    match items.get_mut(i).map(Spanned::get_mut) {
        Some(DeValue::Table(t)) => Ok(Some(t)),
        Some(_) => Err(format!("`{walked}` is an array, not an array of tables")),
        None => Err(out_of_range(walked, len, index)),
    }
}

fn out_of_range(walked: &str, len: usize, index: &str) -> String {
    let entries = if len == 1 { "entry" } else { "entries" };
    format!("`{walked}` has {len} {entries}; entries are numbered from 0, so {index} is out of range")
}

/// Moves every span in `value` by `by`, so that it points into the shared
/// offset space of a [`SourceMap`].
fn shifted(value: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = value.span();
    let inner = match value.into_inner() {
        DeValue::Array(mut items) => {
            for item in items.iter_mut() {
                let taken = std::mem::replace(item, Spanned::new(0..0, DeValue::Boolean(false)));
                *item = shifted(taken, by);
            }
            DeValue::Array(items)
        }
        DeValue::Table(table) => {
            let mut moved = DeTable::new();
            for (key, v) in table {
                let key_span = key.span();
                moved.insert(
                    Spanned::new(key_span.start + by..key_span.end + by, key.into_inner()),
                    shifted(v, by),
                );
            }
            DeValue::Table(moved)
        }
        other => other,
    };
    Spanned::new(span.start + by..span.end + by, inner)
}

/// A TOML error as a located problem; `base` shifts its span into the
/// shared offset space.
pub(super) fn toml_problem(
    sources: &SourceMap,
    root: Option<&DeTable<'_>>,
    base: usize,
    error: &toml::de::Error,
) -> Problem {
    let message = error.message().trim().to_owned();
    // A required key missing from the top-level table comes without a
    // span, or an empty one: point at the file's start, never at "default".
    let start = error.span().map_or(0, |s| s.start) + base;
    let span = start..error.span().map_or(0, |s| s.end).max(start + 1);
    let missing = || missing_field(&message).map(str::to_owned);
    let key = root.and_then(|root| key_path_at(root, span.start)).or_else(missing);
    // serde sees a TOML date as a one-key map; say what the user wrote.
    let is_date =
        || sources.text_at(&span).is_some_and(|t| t.trim().parse::<toml::value::Datetime>().is_ok());
    let message = if message.starts_with("invalid type: map") && is_date() {
        message.replacen("map", "date-time", 1)
    } else {
        message
    };
    Problem { location: sources.locate(&span), key, message: without_type_names(message) }
}

/// The key a "missing field `KEY`" message names.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `").and_then(|m| m.split('`').next())
}

/// serde names the Rust type it expected ("expected struct RawCache",
/// "expected u64"); a model file has tables and numbers.
fn without_type_names(message: String) -> String {
    const NUMBERS: [(&str, &str); 5] = [
        ("expected f64", "expected a number"),
        ("expected u64", "expected a whole number (0 or more)"),
        ("expected u32", "expected a whole number (0 or more)"),
        ("expected usize", "expected a whole number (0 or more)"),
        ("expected i64", "expected a whole number"),
    ];
    if let Some((name, words)) = NUMBERS.iter().find(|(name, _)| message.ends_with(name)) {
        return format!("{}{words}", &message[..message.len() - name.len()]);
    }
    let Some(at) = message.find("expected struct ") else {
        return message;
    };
    let name_end = message[at + "expected struct ".len()..]
        .find(|c: char| !c.is_alphanumeric() && c != '_')
        .map_or(message.len(), |end| at + "expected struct ".len() + end);
    format!("{}expected a table{}", &message[..at], &message[name_end..])
}

/// The dotted key path of the innermost key or value at `offset`.
pub fn key_path_at(table: &DeTable<'_>, offset: usize) -> Option<String> {
    let mut path = Vec::new();
    find_in_table(table, offset, &mut path).then(|| path.join("."))
}

/// Depth-first: a table's span need not cover its keys (`[cache]` headers
/// are apart from their keys), so every branch is searched.
fn find_in_table(table: &DeTable<'_>, offset: usize, path: &mut Vec<String>) -> bool {
    for (key, value) in table.iter() {
        path.push(key.get_ref().to_string());
        // Inner keys first: an override's created tables share its span.
        if find_in_value(value, offset, path) || key.span().contains(&offset) {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &mut Vec<String>) -> bool {
    match value.get_ref() {
        DeValue::Table(inner) => find_in_table(inner, offset, path) || value.span().contains(&offset),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                if find_in_value(item, offset, path) {
                    return true;
                }
                path.pop();
            }
            value.span().contains(&offset)
        }
        _ => value.span().contains(&offset),
    }
}
