//! `cyclecast fetch URL --session ID`: a recording downloaded over HTTP into the project.
//!
//! The download goes to a partial file in `.cyclecast/fetch/`, named after the URL, so that a
//! run after an interruption resumes it with a `Range` request. Once whole, it is probed (a
//! file cyclecast cannot read is refused and removed), then placed in `recordings/` under a
//! new name (a hard link: an existing file is never replaced), and the session's `recording`
//! in `config.toml` is pointed at it, every other byte of the config kept.

use std::fs::File;
use std::io::{Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, RANGE};
use url::Url;

use super::client::{self, Redirects};
use crate::model::AudioInfo;
use crate::model::text::printable;
use crate::support::progress::Progress;

/// The longest a download waits for its next bytes before it gives up (and can be resumed).
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a recording is placed, relative to the project folder.
const RECORDINGS: &str = "recordings";

/// What `fetch` is asked to do.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The project's config file.
    pub config: PathBuf,
    /// Where the recording is.
    pub url: Url,
    /// The session whose recording it is.
    pub session: String,
    /// Its file name in `recordings/` [default: the URL's last segment].
    pub name: Option<String>,
}

/// What `fetch` placed.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The new file in `recordings/`.
    pub path: PathBuf,
    /// Its path as `config.toml` now names it, e.g. `recordings/06-x.mp3`.
    pub written: String,
    /// Its BLAKE3 hash, hex.
    pub blake3: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The bytes an earlier, interrupted run had already downloaded.
    pub resumed_from: u64,
    /// Its figures, as probed.
    pub audio: AudioInfo,
}

/// Downloads `options.url`, probes it, places it in `recordings/` and points the session at
/// it. Refuses before downloading anything when the session is unknown or the name is taken.
pub fn fetch(options: &FetchOptions, progress: &Progress) -> Result<Fetched> {
    let root = project_root(&options.config)?;
    let name = match &options.name {
        Some(name) => checked_name(name)?,
        None => name_from_url(&options.url)?,
    };
    let written = format!("{RECORDINGS}/{name}");
    // The config must take the edit before anything is downloaded.
    let config_text = crate::support::fs::read_to_string(&options.config)?;
    let config_file = options.config.display().to_string();
    crate::project::scaffold::set_recording(
        &config_text,
        &config_file,
        &options.session,
        &written,
    )?;
    let target = root.join(RECORDINGS).join(&name);
    refuse_existing(&target, &written)?;

    let partial = partial_path(&root, &options.url, &name)?;
    let resumed_from = client::runtime()?.block_on(download(&options.url, &partial, progress))?;
    let audio = match crate::audio::probe::probe_file(&partial) {
        Ok(audio) => audio,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            bail!(
                "`{}` is not a recording cyclecast can read ({e}): nothing placed in {RECORDINGS}/",
                printable(options.url.as_str())
            );
        }
    };
    crate::support::fs::create_real_dir(&root.join(RECORDINGS))?;
    place(&partial, &target, &written)?;
    let (blake3, bytes) = crate::support::fs::hash_file(&target)?;
    crate::project::scaffold::point_recording(&options.config, &options.session, &written)?;
    Ok(Fetched {
        path: target,
        written,
        blake3,
        bytes,
        resumed_from,
        audio,
    })
}

/// The project folder: the folder holding the config, as a real path.
fn project_root(config: &Path) -> Result<PathBuf> {
    let root = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    root.canonicalize().with_context(|| {
        format!(
            "cannot resolve the project folder of `{}`",
            config.display()
        )
    })
}

/// The file name the URL's last path segment gives, percent-decoded.
fn name_from_url(url: &Url) -> Result<String> {
    let segment = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    checked_name(&decoded).map_err(|e| {
        anyhow::anyhow!(
            "cannot name the recording after `{}`: {e:#}\n  = hint: `--name FILE` names it",
            printable(url.as_str())
        )
    })
}

/// `name` when it can name a new file of `recordings/`: one plain file name with an
/// extension (the probe reads the format from it), no control or hidden-file character.
fn checked_name(name: &str) -> Result<String> {
    let problem = if name.is_empty() {
        Some("the name is empty".to_string())
    } else if name.contains('/') || name.starts_with('.') {
        Some("the name must be a plain file name, not starting with `.`".to_string())
    } else if name.len() > 200 {
        Some("the name is longer than 200 bytes".to_string())
    } else if Path::new(name).extension().is_none_or(|e| e.is_empty()) {
        Some("the name has no extension (`.mp3`, `.m4a`, `.wav`…)".to_string())
    } else {
        crate::model::text::forbidden_problem(name).map(|why| format!("the name's {why}"))
    };
    match problem {
        Some(problem) => bail!("`{}`: {problem}", printable(name)),
        None => Ok(name.to_string()),
    }
}

/// Refuses a name already taken in `recordings/` (by a file, a folder or a link).
fn refuse_existing(target: &Path, written: &str) -> Result<()> {
    if target.symlink_metadata().is_ok() {
        bail!(
            "`{}` already exists: fetch never replaces a recording, nothing downloaded\n  = hint: `--name FILE` gives the new recording another name",
            printable(written)
        );
    }
    Ok(())
}

/// The partial download of `url`, in `.cyclecast/fetch/`: named after the URL, so that only
/// a run for the same URL resumes it, and ending with the recording's name, whose extension
/// the probe reads.
fn partial_path(root: &Path, url: &Url, name: &str) -> Result<PathBuf> {
    let cache = root.join(".cyclecast");
    crate::support::fs::create_real_dir(&cache)?;
    let folder = cache.join("fetch");
    crate::support::fs::create_real_dir(&folder)?;
    let key = blake3::hash(url.as_str().as_bytes()).to_hex();
    Ok(folder.join(format!("{}-{name}", &key[..16])))
}

/// Opens the partial file for appending, creating it if missing: a regular file, never
/// through a symbolic link.
fn open_partial(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(crate::support::fs::no_follow_flags())
        .open(path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    if !file.metadata()?.is_file() {
        bail!("`{}` is not a regular file", path.display());
    }
    Ok(file)
}

/// Downloads `url` into `partial`, resuming from the bytes already there when the server
/// allows it; returns how many were there. An interrupted download keeps what it got.
async fn download(url: &Url, partial: &Path, progress: &Progress) -> Result<u64> {
    let shown = printable(url.as_str()).into_owned();
    let mut file = open_partial(partial)?;
    let had = file.metadata()?.len();
    let client = client::client(READ_TIMEOUT, Redirects::Follow)?;
    let mut request = client.get(url.clone());
    if had > 0 {
        request = request.header(RANGE, format!("bytes={had}-"));
    }
    let mut response = request.send().await.map_err(|e| {
        anyhow::anyhow!(
            "cannot download `{shown}`: {}",
            client::describe_error(&e, READ_TIMEOUT)
        )
    })?;
    let status = response.status();
    let start = match status {
        StatusCode::PARTIAL_CONTENT if had > 0 => resumed_start(&response, had, &shown)?,
        StatusCode::RANGE_NOT_SATISFIABLE if had > 0 && complete_size(&response) == Some(had) => {
            return Ok(had);
        }
        StatusCode::OK => 0,
        StatusCode::FORBIDDEN => bail!(
            "cannot download `{shown}`: the server answered 403 Forbidden (is the file public, the link still valid?)"
        ),
        _ => bail!(
            "cannot download `{shown}`: the server answered {}",
            client::describe_status(status)
        ),
    };
    // A server that ignores the range sends the whole file again: start over.
    file.set_len(start)
        .and_then(|()| file.seek(SeekFrom::Start(start)).map(drop))
        .with_context(|| format!("failed to write `{}`", partial.display()))?;
    let total = response.content_length().map(|rest| start + rest);
    progress.stage("fetching", 1, total.unwrap_or(0));
    let task = progress.file("fetching", &shown, total.unwrap_or(0));
    task.advance(start);
    let mut got = start;
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                file.sync_all().ok();
                bail!(
                    "download of `{shown}` interrupted after {} of {}: {}\n  = hint: run the same command again to resume it",
                    crate::support::progress::human_size(got),
                    total.map_or("?".to_string(), crate::support::progress::human_size),
                    client::describe_error(&e, READ_TIMEOUT)
                );
            }
        };
        file.write_all(&chunk)
            .with_context(|| format!("failed to write `{}`", partial.display()))?;
        got += chunk.len() as u64;
        task.advance(chunk.len() as u64);
    }
    file.sync_all()
        .with_context(|| format!("failed to write `{}`", partial.display()))?;
    drop(task);
    progress.finish();
    Ok(if start > 0 { had } else { 0 })
}

/// Where a 206 answer to `Range: bytes=HAD-` starts: it must be at `had`.
fn resumed_start(response: &reqwest::Response, had: u64, shown: &str) -> Result<u64> {
    let range = response
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let start = range
        .strip_prefix("bytes ")
        .and_then(|r| r.split('-').next())
        .and_then(|s| s.parse::<u64>().ok());
    if start != Some(had) {
        bail!(
            "cannot resume `{shown}`: asked for the bytes from {had}, the server sent `{}`",
            printable(range)
        );
    }
    Ok(had)
}

/// The size a 416 answer gives in `Content-Range: bytes */SIZE`.
fn complete_size(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get(CONTENT_RANGE)?
        .to_str()
        .ok()?
        .strip_prefix("bytes */")?
        .parse()
        .ok()
}

/// Places the probed download at `target` without ever replacing a file: a hard link, which
/// fails when the name is taken, then the partial name removed.
fn place(partial: &Path, target: &Path, written: &str) -> Result<()> {
    if let Err(e) = std::fs::hard_link(partial, target) {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return refuse_existing(target, written);
        }
        return Err(e)
            .with_context(|| format!("failed to place the recording at `{}`", target.display()));
    }
    std::fs::remove_file(partial)
        .with_context(|| format!("failed to remove `{}`", partial.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_recording_after_the_url_s_last_segment() {
        let url = Url::parse("http://127.0.0.1:1/up/06-s%C3%A9ance.mp3?x=1").unwrap();
        assert_eq!(name_from_url(&url).unwrap(), "06-séance.mp3");
    }

    #[test]
    fn refuses_a_name_without_extension_or_hidden_or_with_control_characters() {
        assert!(name_from_url(&Url::parse("http://127.0.0.1:1/").unwrap()).is_err());
        assert!(checked_name("recording").is_err());
        assert!(checked_name(".hidden.mp3").is_err());
        assert!(checked_name("a\u{1b}[2J.mp3").is_err());
        assert!(checked_name("a%2F..%2Fb.mp3").is_ok());
        let url = Url::parse("http://127.0.0.1:1/a%2F..%2Fb.mp3").unwrap();
        assert!(name_from_url(&url).is_err());
    }
}
