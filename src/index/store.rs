//! The generation store: the index folder on disk, its generations, the pointer to the live
//! one, each generation's manifest and the writer lock. Nothing else in the crate knows the
//! folder's layout.
//!
//! ```text
//! index/
//!   CURRENT            name of the live generation, replaced atomically (write + rename)
//!   .declsearch.lock   held by the one writer
//!   gen-000001/        a complete tantivy index plus its manifest
//! ```
//!
//! A run writes a new generation beside the live one and only then moves `CURRENT`, so a
//! reader always opens a complete index, and a run that fails or is killed leaves the old
//! one in place. An incremental run starts its generation as a copy of the live one made of
//! hard links (tantivy never rewrites a segment file, it only adds files), so it costs little
//! and leaves the live generation untouched. One writer at a time: `.declsearch.lock`; the
//! writer removes the generations a killed run abandoned. Dot-files (the repository's
//! `.gitignore`) are left alone; a folder holding anything else without `CURRENT` is not an
//! index and is never written into.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::manifest::{Manifest, MANIFEST_FILE};
use super::vectors::VECTORS_FILE;
use crate::error::{Error, Result};

pub const CURRENT_FILE: &str = "CURRENT";
pub const LOCK_FILE: &str = ".declsearch.lock";
const GENERATION_PREFIX: &str = "gen-";

/// What a folder given as an index holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirState {
    /// No folder, or one with nothing but dot-files: an index can be built here.
    Empty,
    /// A declsearch index whose live generation is this folder.
    Live(PathBuf),
}

/// The index folder: its generations, `CURRENT`, the manifests and the writer lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationStore {
    dir: PathBuf,
}

/// Held while a run writes to an index; released on drop, or by the OS if the process dies.
pub struct WriterLock {
    _file: fs::File,
}

impl GenerationStore {
    /// The store in `dir` (nothing is read or created yet).
    pub fn new(dir: &Path) -> GenerationStore {
        GenerationStore {
            dir: dir.to_path_buf(),
        }
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the folder holds; an error if it exists and is something else than an index or
    /// empty.
    pub fn state(&self) -> Result<DirState> {
        let dir = &self.dir;
        let meta = match fs::metadata(dir) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DirState::Empty),
            Err(e) => return Err(Error::io(dir)(e)),
        };
        if !meta.is_dir() {
            return Err(
                self.not_an_index("it is a file, not a folder; give --index a folder of its own")
            );
        }
        let current = dir.join(CURRENT_FILE);
        match fs::read_to_string(&current) {
            Ok(name) => {
                let name = name.trim();
                if !is_generation_name(name) {
                    return Err(self.not_an_index(&format!(
                        "its {CURRENT_FILE} names {name:?}; give --index a folder of its own"
                    )));
                }
                let generation = dir.join(name);
                if !generation.is_dir() {
                    // A writer may have published the next generation and removed this one
                    // since `CURRENT` was read: then `CURRENT` names another one now.
                    let now = fs::read_to_string(&current).unwrap_or_default();
                    if now.trim() != name && is_generation_name(now.trim()) {
                        return self.state();
                    }
                    return Err(self.not_an_index(&format!(
                        "its live generation {name} is missing; rebuild it with \
                         `declsearch index --full`, or remove the folder"
                    )));
                }
                Ok(DirState::Live(generation))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut entries = fs::read_dir(dir).map_err(Error::io(dir))?;
                // Abandoned generations and a half-written CURRENT are what a killed first
                // build leaves; anything else is somebody's data.
                let foreign = entries.any(|e| {
                    e.map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        !(name.starts_with('.')
                            || is_generation_name(&name)
                            || name == format!("{CURRENT_FILE}.tmp"))
                    })
                    .unwrap_or(true)
                });
                // Somebody's own folder (their corpus, say) is never ours to remove.
                match foreign {
                    true => Err(self.not_an_index(
                        "it holds files that declsearch did not write; give --index a folder \
                         of its own (declsearch creates it)",
                    )),
                    false => Ok(DirState::Empty),
                }
            }
            Err(e) => Err(Error::io(current)(e)),
        }
    }

    /// The live generation's folder, if an index has been published.
    pub fn live(&self) -> Result<Option<PathBuf>> {
        Ok(match self.state()? {
            DirState::Live(generation) => Some(generation),
            DirState::Empty => None,
        })
    }

    /// The manifest of `generation`.
    pub fn manifest(&self, generation: &Path) -> Result<Manifest> {
        Manifest::read(generation)
    }

    /// Record `manifest` in `generation` (durably: it is what makes the generation whole).
    pub fn write_manifest(&self, generation: &Path, manifest: &Manifest) -> Result<()> {
        let json = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
        write_durably(&generation.join(MANIFEST_FILE), &json)
    }

    /// Take the writer lock (the folder is created if needed), calling `on_wait` first if
    /// another process holds it.
    pub fn lock(&self, on_wait: impl FnOnce()) -> Result<WriterLock> {
        let dir = &self.dir;
        fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let path = dir.join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(Error::io(&path))?;
        let failed = |source| Error::Lock {
            path: dir.to_path_buf(),
            source,
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                on_wait();
                file.lock().map_err(failed)?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(failed(e)),
        }
        Ok(WriterLock { _file: file })
    }

    /// Remove the generations a killed or failed run left behind: every one but the live
    /// one. Only the writer creates generations, so the lock holder calls this; `_lock`
    /// proves it holds it. Best effort: what cannot be removed now is removed next time.
    pub fn remove_abandoned(&self, _lock: &WriterLock) -> Result<usize> {
        let live = self.live()?;
        let mut removed = 0;
        for (_, generation) in self.generations()? {
            if Some(&generation) != live.as_ref() && fs::remove_dir_all(&generation).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Create the folder for the next generation (after every existing one, live or
    /// abandoned).
    pub fn create_generation(&self, _lock: &WriterLock) -> Result<PathBuf> {
        let dir = &self.dir;
        fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let next = self.generations()?.last().map_or(1, |(n, _)| n + 1);
        let path = dir.join(format!("{GENERATION_PREFIX}{next:06}"));
        fs::create_dir(&path).map_err(Error::io(&path))?;
        Ok(path)
    }

    /// Make `generation` the live one, then remove the others (best effort: a reader that
    /// still has old files open keeps them until it closes).
    pub fn publish(&self, generation: &Path, _lock: &WriterLock) -> Result<()> {
        let name = generation
            .file_name()
            .expect("a generation has a name")
            .to_string_lossy();
        write_durably(&self.dir.join(CURRENT_FILE), format!("{name}\n").as_bytes())?;
        for (_, other) in self.generations()? {
            if other != generation {
                let _ = fs::remove_dir_all(other);
            }
        }
        Ok(())
    }

    /// Fill the empty generation folder `to` with the index files of `from`: hard links for
    /// tantivy's immutable segment files, copies of the files tantivy replaces, nothing of
    /// locks or the manifest.
    pub fn clone_generation(&self, from: &Path, to: &Path) -> Result<()> {
        for entry in fs::read_dir(from).map_err(Error::io(from))? {
            let entry = entry.map_err(Error::io(from))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // The new generation writes vectors of its own, if any.
            if name.ends_with(".lock") || name == MANIFEST_FILE || name == VECTORS_FILE {
                continue;
            }
            let target = to.join(&name);
            let source = entry.path();
            if name.ends_with(".json") || fs::hard_link(&source, &target).is_err() {
                fs::copy(&source, &target).map_err(Error::io(&target))?;
            }
        }
        Ok(())
    }

    fn generations(&self) -> Result<Vec<(u64, PathBuf)>> {
        let dir = &self.dir;
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

    fn not_an_index(&self, reason: &str) -> Error {
        Error::NotAnIndex {
            path: self.dir.clone(),
            reason: reason.to_owned(),
        }
    }
}

fn is_generation_name(name: &str) -> bool {
    name.strip_prefix(GENERATION_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Write `bytes` to `path` atomically: a temporary file, synced, renamed over `path`, and the
/// folder synced so the rename itself survives a crash.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
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
        let store = GenerationStore::new(&dir);
        assert_eq!(store.state().unwrap(), DirState::Empty);
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join(".gitignore"), "*\n").unwrap();
        assert_eq!(store.state().unwrap(), DirState::Empty);

        let lock = store.lock(|| {}).unwrap();
        let generation = store.create_generation(&lock).unwrap();
        assert_eq!(
            store.state().unwrap(),
            DirState::Empty,
            "an unpublished build"
        );
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        assert!(matches!(store.state(), Err(Error::NotAnIndex { .. })));
        fs::remove_file(dir.join("notes.txt")).unwrap();
        store.publish(&generation, &lock).unwrap();
        assert_eq!(store.state().unwrap(), DirState::Live(generation.clone()));

        let next = store.create_generation(&lock).unwrap();
        store.publish(&next, &lock).unwrap();
        assert_eq!(store.state().unwrap(), DirState::Live(next));
        assert!(!generation.exists());

        let file = tmp.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            GenerationStore::new(&file).state(),
            Err(Error::NotAnIndex { .. })
        ));
    }

    #[test]
    fn abandoned_generations_are_removed_and_the_live_one_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let store = GenerationStore::new(tmp.path());
        let lock = store.lock(|| {}).unwrap();
        let live = store.create_generation(&lock).unwrap();
        store.publish(&live, &lock).unwrap();
        let killed = store.create_generation(&lock).unwrap();
        fs::write(killed.join("half-written"), "x").unwrap();
        assert_eq!(store.remove_abandoned(&lock).unwrap(), 1);
        assert!(!killed.exists());
        assert_eq!(store.live().unwrap(), Some(live));
    }
}
