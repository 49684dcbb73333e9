//! The journal of a transcription under way, beside its draft (`NN-id.vtt.journal`): a
//! header naming the master's version, the model and the language, then one line per
//! finished window with its words. A run interrupted at any moment resumes after the last
//! whole line; a journal of another master, model or language is started over.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rustix::fs::{FlockOperation, flock};
use serde::{Deserialize, Serialize};

use super::cues::Word;
use crate::project::sources::Stamp;

/// What a journal's windows were made from: resuming with anything else would mix two
/// transcriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The master's version.
    pub master: Stamp,
    /// The model's identity (its `model.bin` size and hash, or path).
    pub model: String,
    /// The language transcribed.
    pub language: String,
}

/// One finished window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// The sample (at 16 kHz) where the window ended.
    end: u64,
    /// The words heard in it.
    words: Vec<Word>,
}

/// An open journal, appended to as windows are finished.
pub struct Journal {
    path: PathBuf,
    file: File,
}

/// What an earlier run of the same transcription had finished.
#[derive(Debug, Default)]
pub struct Resumed {
    /// Its words.
    pub words: Vec<Word>,
    /// The sample (at 16 kHz) where its last finished window ended; 0 when nothing was.
    pub end: u64,
}

impl Journal {
    /// The journal of the draft at `draft`.
    pub fn path_of(draft: &Path) -> PathBuf {
        let mut name = draft.file_name().unwrap_or_default().to_os_string();
        name.push(".journal");
        draft.with_file_name(name)
    }

    /// Opens the journal at `path`, locked for this run: what an earlier run with the same
    /// `header` finished, or, when there is none or it was of something else, a new journal.
    pub fn open(path: &Path, header: &Header) -> Result<(Journal, Resumed)> {
        let context = || format!("cannot write the journal `{}`", path.display());
        let mut file = open_or_create(path).with_context(context)?;
        // Held until the journal is removed or the run ends: two runs on one session would
        // each lose the other's windows.
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
            bail!(
                "another `cyclecast transcribe` is working on this session (`{}` is locked)",
                path.display()
            );
        }
        let resumed = match read(path, header) {
            Some(resumed) => resumed,
            None => {
                let line = serde_json::to_string(header)?;
                file.set_len(0)
                    .and_then(|()| writeln!(file, "{line}"))
                    .and_then(|()| file.sync_data())
                    .with_context(context)?;
                Resumed::default()
            }
        };
        // A line cut short by a kill is left behind: each entry starts on a line of its own.
        let journal = Journal {
            path: path.to_path_buf(),
            file,
        };
        Ok((journal, resumed))
    }

    /// Records a finished window: it ended at sample `end` and held `words`.
    pub fn append(&mut self, end: u64, words: &[Word]) -> Result<()> {
        let line = serde_json::to_string(&Entry {
            end,
            words: words.to_vec(),
        })?;
        writeln!(self.file, "\n{line}")
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("cannot write the journal `{}`", self.path.display()))
    }

    /// Removes the journal left at `path` by a run killed after it wrote its draft, unless
    /// a run still holds it.
    pub fn discard_stale(path: &Path) {
        let Ok(file) = crate::support::fs::open_regular(path) else {
            return;
        };
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_ok() {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Removes the journal once its draft is written.
    pub fn remove(self) -> Result<()> {
        std::fs::remove_file(&self.path)
            .with_context(|| format!("cannot remove `{}`", self.path.display()))
    }
}

/// What the journal at `path` holds, when it is one of `header`'s; whole lines only.
fn read(path: &Path, header: &Header) -> Option<Resumed> {
    let file = crate::support::fs::open_regular(path).ok()?;
    // Bytes, not text: a line cut short by a kill may end inside a character.
    let mut lines = BufReader::new(file).split(b'\n');
    let first: Header = serde_json::from_slice(&lines.next()?.ok()?).ok()?;
    if &first != header {
        return None;
    }
    let mut resumed = Resumed::default();
    for line in lines {
        let Ok(line) = line else { break };
        // A blank line separates entries; a line cut short by a kill does not parse.
        let Ok(entry) = serde_json::from_slice::<Entry>(&line) else {
            continue;
        };
        if entry.end > resumed.end {
            resumed.end = entry.end;
            resumed.words.extend(entry.words);
        }
    }
    Some(resumed)
}

/// Opens `path` to append, made if missing, never through a symbolic link.
fn open_or_create(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(crate::support::fs::no_follow_flags())
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(model: &str) -> Header {
        Header {
            master: Stamp {
                size: 10,
                modified_ns: 1,
                changed_ns: 2,
            },
            model: model.into(),
            language: "fr".into(),
        }
    }

    fn word(start_ms: u64, text: &str) -> Word {
        Word {
            start_ms,
            end_ms: start_ms + 100,
            text: text.into(),
        }
    }

    #[test]
    fn resumes_after_the_last_whole_entry_and_starts_over_for_another_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = Journal::path_of(&dir.path().join("01-a.vtt"));
        assert_eq!(path.file_name().unwrap(), "01-a.vtt.journal");
        let (mut journal, resumed) = Journal::open(&path, &header("base")).unwrap();
        assert_eq!((resumed.end, resumed.words.len()), (0, 0));
        journal.append(480_000, &[word(0, "Bonjour")]).unwrap();
        journal.append(900_000, &[word(31_000, "à")]).unwrap();
        drop(journal);
        // A kill in the middle of the third entry, inside an accented character.
        let mut file = open_or_create(&path).unwrap();
        file.write_all(
            b"\n{\"end\":1300000,\"words\":[{\"start_ms\":0,\"end_ms\":1,\"text\":\"\xc3",
        )
        .unwrap();
        drop(file);
        let (mut journal, resumed) = Journal::open(&path, &header("base")).unwrap();
        assert_eq!(resumed.end, 900_000);
        assert_eq!(resumed.words, [word(0, "Bonjour"), word(31_000, "à")]);
        journal.append(1_300_000, &[word(60_000, "tous")]).unwrap();
        drop(journal);
        let (_, resumed) = Journal::open(&path, &header("base")).unwrap();
        assert_eq!((resumed.end, resumed.words.len()), (1_300_000, 3));
        let (journal, resumed) = Journal::open(&path, &header("small")).unwrap();
        let error = Journal::open(&path, &header("small")).err().unwrap();
        assert!(
            error.to_string().contains("another `cyclecast transcribe`"),
            "{error}"
        );
        Journal::discard_stale(&path);
        assert!(path.exists(), "a journal in use is not stale");
        assert_eq!((resumed.end, resumed.words.len()), (0, 0));
        journal.remove().unwrap();
        assert!(!path.exists());
        let (journal, _) = Journal::open(&path, &header("small")).unwrap();
        drop(journal);
        Journal::discard_stale(&path);
        assert!(!path.exists(), "a journal nobody holds is stale");
    }
}
