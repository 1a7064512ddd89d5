//! Whole files or nothing: write to a temporary name in the target's
//! directory, then rename over the target. A reader (or an interrupted
//! run) never sees half a file.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes the file at `path` with `fill`, atomically.
pub fn write_atomically<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let tmp = temporary_name(path);
    let result = (|| {
        let mut out = BufWriter::new(File::create(&tmp)?);
        fill(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary is ours and useless now.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Files that take effect together: each is written whole under a
/// temporary name, and [`commit`](FileSet::commit) renames them all at
/// the end, so an interruption before it leaves the previous set as it
/// was (and only temporaries, which [`remove_temporaries`] clears), never
/// new files beside old ones. Dropped uncommitted, it removes what it
/// wrote.
#[derive(Debug, Default)]
pub struct FileSet {
    staged: Vec<(PathBuf, PathBuf)>,
}

impl FileSet {
    /// Where to write the file that becomes `target` on commit.
    pub fn stage(&mut self, target: &Path) -> PathBuf {
        let staged = temporary_name(target);
        self.staged.push((staged.clone(), target.to_owned()));
        staged
    }

    /// Renames every staged file to its target, in the order staged.
    pub fn commit(mut self) -> io::Result<()> {
        for (staged, target) in std::mem::take(&mut self.staged) {
            fs::rename(&staged, &target)?;
        }
        Ok(())
    }
}

impl Drop for FileSet {
    fn drop(&mut self) {
        for (staged, _) in &self.staged {
            let _ = fs::remove_file(staged);
        }
    }
}

/// Whether `name` is one of this module's temporaries: `.NAME.tmp-PID`.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplit_once(".tmp-")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Removes the temporaries an interrupted writer left in `dir`. Only
/// safe while holding the folder's lock: then no other writer is at work.
pub fn remove_temporaries(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_str().is_some_and(is_temporary) && entry.file_type()?.is_file() {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

fn temporary_name(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_fill_leaves_neither_file_nor_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let err = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        write_atomically(&path, |w| w.write_all(b"whole")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "whole");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A set takes effect whole on commit; dropped before, it leaves the
    /// old files and no temporaries.
    #[test]
    fn a_file_set_replaces_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        fs::write(&a, "old a").unwrap();
        fs::write(&b, "old b").unwrap();
        {
            let mut set = FileSet::default();
            fs::write(set.stage(&a), "new a").unwrap();
            // Interrupted before b is written and the set committed.
        }
        assert_eq!(
            (fs::read_to_string(&a).unwrap(), fs::read_to_string(&b).unwrap()),
            ("old a".into(), "old b".into())
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "no temporaries left");
        let mut set = FileSet::default();
        fs::write(set.stage(&a), "new a").unwrap();
        fs::write(set.stage(&b), "new b").unwrap();
        set.commit().unwrap();
        assert_eq!(
            (fs::read_to_string(&a).unwrap(), fs::read_to_string(&b).unwrap()),
            ("new a".into(), "new b".into())
        );
        // What a killed writer leaves is recognised and cleared.
        fs::write(dir.path().join(".timeseries.csv.tmp-4242"), "half").unwrap();
        assert!(
            is_temporary(".timeseries.csv.tmp-4242")
                && !is_temporary("timeseries.csv")
                && !is_temporary(".tmp-")
        );
        remove_temporaries(dir.path()).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
