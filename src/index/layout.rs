//! The index folder on disk: generations and the pointer to the live one.
//!
//! ```text
//! index/
//!   CURRENT            name of the live generation, replaced atomically (write + rename)
//!   gen-000001/        a complete tantivy index plus its manifest
//! ```
//!
//! A build writes a new generation beside the live one and only then moves `CURRENT`, so a
//! reader always opens a complete index, and a build that fails or is killed leaves the old
//! one in place. Dot-files (the repository's `.gitignore`) are left alone; a folder holding
//! anything else without `CURRENT` is not an index and is never written into.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const CURRENT_FILE: &str = "CURRENT";
const GENERATION_PREFIX: &str = "gen-";

/// What a folder given as an index holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirState {
    /// No folder, or one with nothing but dot-files: an index can be built here.
    Empty,
    /// A declsearch index whose live generation is this folder.
    Live(PathBuf),
}

/// Inspect `dir`; an error if it exists and is something else than an index or empty.
pub fn inspect(dir: &Path) -> Result<DirState> {
    let meta = match fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DirState::Empty),
        Err(e) => return Err(Error::io(dir)(e)),
    };
    if !meta.is_dir() {
        return Err(not_an_index(dir, "it is a file, not a folder"));
    }
    let current = dir.join(CURRENT_FILE);
    match fs::read_to_string(&current) {
        Ok(name) => {
            let name = name.trim();
            if !is_generation_name(name) {
                return Err(not_an_index(dir, &format!("{CURRENT_FILE} names {name:?}")));
            }
            let generation = dir.join(name);
            if !generation.is_dir() {
                return Err(not_an_index(dir, &format!("generation {name} is missing")));
            }
            Ok(DirState::Live(generation))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut entries = fs::read_dir(dir).map_err(Error::io(dir))?;
            // Abandoned generations and a half-written CURRENT are what a killed first build
            // leaves; anything else is somebody's data.
            let foreign = entries.any(|e| {
                e.map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    !(name.starts_with('.')
                        || is_generation_name(&name)
                        || name == format!("{CURRENT_FILE}.tmp"))
                })
                .unwrap_or(true)
            });
            if foreign {
                Err(not_an_index(
                    dir,
                    &format!("it has files but no {CURRENT_FILE}"),
                ))
            } else {
                Ok(DirState::Empty)
            }
        }
        Err(e) => Err(Error::io(current)(e)),
    }
}

fn not_an_index(dir: &Path, reason: &str) -> Error {
    Error::NotAnIndex {
        path: dir.to_path_buf(),
        reason: reason.to_owned(),
    }
}

fn is_generation_name(name: &str) -> bool {
    name.strip_prefix(GENERATION_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn generations(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(Error::io(dir))? {
        let entry = entry.map_err(Error::io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_generation_name(&name) {
            let number = name[GENERATION_PREFIX.len()..].parse().unwrap_or(0);
            found.push((number, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// Create the folder for the next generation (after every existing one, live or abandoned).
pub fn create_generation(dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(Error::io(dir))?;
    let next = generations(dir)?.last().map_or(1, |(n, _)| n + 1);
    let path = dir.join(format!("{GENERATION_PREFIX}{next:06}"));
    fs::create_dir(&path).map_err(Error::io(&path))?;
    Ok(path)
}

/// Make `generation` the live one, then remove the others (best effort: a reader that still
/// has old files open keeps them until it closes).
pub fn publish(dir: &Path, generation: &Path) -> Result<()> {
    let name = generation
        .file_name()
        .expect("a generation has a name")
        .to_string_lossy();
    write_durably(&dir.join(CURRENT_FILE), format!("{name}\n").as_bytes())?;
    for (_, other) in generations(dir)? {
        if other != generation {
            let _ = fs::remove_dir_all(other);
        }
    }
    Ok(())
}

/// Write `bytes` to `path` atomically: a temporary file, synced, renamed over `path`, and the
/// folder synced so the rename itself survives a crash.
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = fs::File::create(&tmp).map_err(Error::io(&tmp))?;
    file.write_all(bytes).map_err(Error::io(&tmp))?;
    file.sync_all().map_err(Error::io(&tmp))?;
    fs::rename(&tmp, path).map_err(Error::io(path))?;
    if let Some(parent) = path.parent() {
        if let Ok(dir) = fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_told_apart() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        assert_eq!(inspect(&dir).unwrap(), DirState::Empty);
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join(".gitignore"), "*\n").unwrap();
        assert_eq!(inspect(&dir).unwrap(), DirState::Empty);

        let generation = create_generation(&dir).unwrap();
        assert_eq!(
            inspect(&dir).unwrap(),
            DirState::Empty,
            "an unpublished build"
        );
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        assert!(matches!(inspect(&dir), Err(Error::NotAnIndex { .. })));
        fs::remove_file(dir.join("notes.txt")).unwrap();
        publish(&dir, &generation).unwrap();
        assert_eq!(inspect(&dir).unwrap(), DirState::Live(generation.clone()));

        let next = create_generation(&dir).unwrap();
        publish(&dir, &next).unwrap();
        assert_eq!(inspect(&dir).unwrap(), DirState::Live(next));
        assert!(!generation.exists());

        let file = tmp.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(inspect(&file), Err(Error::NotAnIndex { .. })));
    }
}
