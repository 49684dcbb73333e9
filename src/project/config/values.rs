//! Rules on single values the config, the lock and `session add` share: slugs, web
//! addresses, timestamps, writable dates, paths inside the project, example domains.

use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;
use url::Url;

/// Whether `domain` is reserved for documentation and examples (RFC 2606, RFC 6761):
/// `example.org`, `example.com`, `example.net`, their subdomains and the `.example` top-level
/// domain.
pub fn is_example_domain(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    ["example.org", "example.com", "example.net", "example"]
        .iter()
        .any(|reserved| domain == *reserved || domain.ends_with(&format!(".{reserved}")))
}

/// The years every output can write a date of: RFC 2822 (the feed's `pubDate`) wants four
/// digits, and readers of iCalendar and ID3 misread the years before 1900.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Whether `day` is in [`YEARS`]: a day from the config, a tag or an option.
pub fn is_writable_date(day: NaiveDate) -> bool {
    YEARS.contains(&chrono::Datelike::year(&day))
}

/// The rule `check` and `session add` share: a recording is the recording of one session
/// (its published file, its tags and its GUID pin are the episode's). Two paths as written
/// name the same recording when they have the same key (`recordings/./a.mp3` is
/// `recordings/a.mp3`); `None` for a path that leaves the project.
pub fn recording_key(written: &str) -> Option<PathBuf> {
    inside_project(written).ok()
}

/// The error at a session naming a recording that the session on `first_line` names.
pub fn recording_taken(written: &str, first_line: usize) -> String {
    format!("`{written}` is already the recording of the session on line {first_line}")
}

/// Whether `id` is a slug: `[a-z0-9]+(-[a-z0-9]+)*`.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Parses an absolute `http` or `https` URL with a host.
pub fn parse_web_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{text}` must be an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    Ok(url)
}

pub(super) fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Checks, without touching the disk, that a written path is relative and never climbs
/// out of the project folder.
pub(super) fn inside_project(written: &str) -> Result<PathBuf, String> {
    let path = Path::new(written);
    let mut depth = 0usize;
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => {
                depth += 1;
                clean.push(part);
            }
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => {
                depth -= 1;
                clean.pop();
            }
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "path `{written}` must stay inside the project folder (write it relative to config.toml)"
                ));
            }
        }
    }
    if depth == 0 {
        return Err(format!("path `{written}` names no file"));
    }
    Ok(clean)
}
