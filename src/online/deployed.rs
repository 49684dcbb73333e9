//! `check --online=deployed`: the copy of `feed/` at `base_url`, checked as podcast apps
//! will use it.
//!
//! Its `feed.xml`, and each archive page a paged feed leads to, must be the local one, byte
//! for byte; each enclosure the local pages name
//! must answer `200` with the `Content-Length` and `Content-Type` the feed states,
//! `Accept-Ranges: bytes`, and a `206` with the right `Content-Range` to a range request, as
//! apps ask when they resume a download or seek. Each mismatch is one line.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, HeaderMap, RANGE,
};
use url::Url;

use super::client::{describe_error, describe_status};
use crate::model::text::printable;

/// An enclosure the local feed names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enclosure {
    /// Its address.
    pub url: Url,
    /// Its length in bytes, as the feed states it.
    pub length: u64,
    /// Its MIME type, as the feed states it.
    pub mime: String,
}

/// The local feed: each of its pages with its bytes, and the enclosures they name.
#[derive(Debug, Clone)]
pub struct LocalFeed {
    /// `feed.xml`, then each archive page its `next` links lead to: file name and bytes.
    pub pages: Vec<(String, Vec<u8>)>,
    /// Their enclosures, in the pages' order.
    pub enclosures: Vec<Enclosure>,
}

/// Reads the published `feed.xml` in `feed_dir`, and the archive pages its `next` links lead
/// to (each `feed-N.xml` beside it, once).
pub fn load_local_feed(feed_dir: &Path) -> Result<LocalFeed> {
    let mut pages = Vec::new();
    let mut enclosures = Vec::new();
    let mut next = Some(crate::model::layout::FEED_FILE.to_string());
    while let Some(file) = next.take() {
        let path = feed_dir.join(&file);
        let bytes = crate::support::fs::read_regular(&path, crate::support::fs::TEXT_LIMIT)
            .context(
                "the deployed copy is compared with the local feed: `cyclecast publish` first",
            )?;
        let channel = rss::Channel::read_from(&bytes[..])
            .with_context(|| format!("`{}` is not an RSS feed", path.display()))?;
        enclosures.extend(page_enclosures(&channel, &path)?);
        pages.push((file, bytes));
        next = next_page(&channel).filter(|n| !pages.iter().any(|(f, _)| f == n));
    }
    Ok(LocalFeed { pages, enclosures })
}

/// The archive page a page's `atom:link rel="next"` names, when it is one cyclecast writes
/// beside `feed.xml` (`feed-N.xml`).
fn next_page(channel: &rss::Channel) -> Option<String> {
    let links = channel.extensions().get("atom")?.get("link")?;
    let href = links
        .iter()
        .find(|l| l.attrs().get("rel").map(String::as_str) == Some("next"))?
        .attrs()
        .get("href")?;
    let file = href.rsplit('/').next()?;
    let number = file.strip_prefix("feed-")?.strip_suffix(".xml")?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then(|| file.to_string())
}

/// The enclosures a page names, in its order.
fn page_enclosures(channel: &rss::Channel, path: &Path) -> Result<Vec<Enclosure>> {
    channel
        .items()
        .iter()
        .filter_map(|item| item.enclosure())
        .map(|e| {
            Ok(Enclosure {
                url: Url::parse(e.url()).with_context(|| {
                    format!("`{}` names an enclosure that is not a URL", path.display())
                })?,
                length: e.length().parse().with_context(|| {
                    format!(
                        "`{}` states an enclosure length that is not a number",
                        path.display()
                    )
                })?,
                mime: e.mime_type().to_string(),
            })
        })
        .collect()
}

/// Every mismatch between the copy deployed at `base_url` and `local`, one line each; none
/// when the deployed copy is right.
pub async fn check_deployed(
    client: &reqwest::Client,
    base_url: &Url,
    local: &LocalFeed,
    timeout: Duration,
    jobs: usize,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (file, bytes) in &local.pages {
        let url = base_url
            .join(file)
            .expect("a page's name is a relative URL");
        problems.extend(check_feed(client, &url, file, bytes, timeout).await);
    }
    let run_limit = timeout * 4 * (local.enclosures.len() as u32 + 1);
    let checked = super::pool::run_all(local.enclosures.clone(), jobs, run_limit, {
        let client = client.clone();
        move |enclosure| check_enclosure(client.clone(), enclosure, timeout)
    })
    .await;
    for (enclosure, result) in local.enclosures.iter().zip(checked) {
        match result {
            Some(lines) => problems.extend(lines),
            None => problems.push(format!("`{}`: not checked in time", shown(&enclosure.url))),
        }
    }
    problems
}

fn shown(url: &Url) -> String {
    printable(url.as_str()).into_owned()
}

/// The line for an answer that is not the file: 403 says the files are not public.
fn refused(url: &Url, status: StatusCode) -> String {
    if status == StatusCode::FORBIDDEN {
        format!(
            "`{}` answers 403 Forbidden: the deployed files are not public (see the README for the bucket policy that lets everyone read them)",
            shown(url)
        )
    } else {
        format!(
            "`{}` answers {}, not 200 OK",
            shown(url),
            describe_status(status)
        )
    }
}

/// A deployed page of the feed (`file`): there, and the local one byte for byte.
async fn check_feed(
    client: &reqwest::Client,
    url: &Url,
    file: &str,
    local: &[u8],
    timeout: Duration,
) -> Vec<String> {
    let response = match client.get(url.clone()).timeout(timeout).send().await {
        Ok(response) => response,
        Err(e) => return vec![format!("`{}`: {}", shown(url), describe_error(&e, timeout))],
    };
    if response.status() == StatusCode::NOT_FOUND {
        return vec![format!(
            "`{}` answers 404 Not Found: nothing is deployed there, or the store does not serve it to the public (`cyclecast deploy`; on Garage, `garage bucket website --allow BUCKET`, whose files answer 404 until then)",
            shown(url)
        )];
    }
    if response.status() != StatusCode::OK {
        return vec![refused(url, response.status())];
    }
    match response.bytes().await {
        Ok(bytes) if bytes.as_ref() == local => Vec::new(),
        Ok(_) => vec![format!(
            "`{}` differs from the local {file}: the deployed copy is not the one published (deploy it again)",
            shown(url)
        )],
        Err(e) => vec![format!("`{}`: {}", shown(url), describe_error(&e, timeout))],
    }
}

/// One enclosure as apps fetch it: a `HEAD` for its headers, then a two-byte range.
async fn check_enclosure(
    client: reqwest::Client,
    enclosure: Enclosure,
    timeout: Duration,
) -> Vec<String> {
    let url = &enclosure.url;
    let head = match client.head(url.clone()).timeout(timeout).send().await {
        Ok(response) => response,
        Err(e) => return vec![format!("`{}`: {}", shown(url), describe_error(&e, timeout))],
    };
    if head.status() != StatusCode::OK {
        return vec![refused(url, head.status())];
    }
    let mut problems = header_problems(url, head.headers(), &enclosure);
    let range = client
        .get(url.clone())
        .header(RANGE, "bytes=0-1")
        .timeout(timeout)
        .send()
        .await;
    problems.extend(match range {
        Ok(response) => range_problem(url, &response, enclosure.length),
        Err(e) => Some(format!(
            "`{}`: a range request failed: {}",
            shown(url),
            describe_error(&e, timeout)
        )),
    });
    problems
}

/// What the headers of the `HEAD` answer get wrong.
fn header_problems(url: &Url, headers: &HeaderMap, enclosure: &Enclosure) -> Vec<String> {
    let header = |name| {
        headers
            .get(name)
            .map(|v| printable(&String::from_utf8_lossy(v.as_bytes())).into_owned())
    };
    let mut problems = Vec::new();
    let length = header(CONTENT_LENGTH);
    if length.as_deref() != Some(enclosure.length.to_string().as_str()) {
        problems.push(format!(
            "`{}`: Content-Length is {}, the feed says {}",
            shown(url),
            length.unwrap_or_else(|| "missing".into()),
            enclosure.length
        ));
    }
    let mime = header(CONTENT_TYPE);
    let essence = mime
        .as_deref()
        .map(|m| m.split(';').next().unwrap_or_default().trim());
    if essence != Some(enclosure.mime.as_str()) {
        problems.push(format!(
            "`{}`: Content-Type is {}, the feed says {}",
            shown(url),
            mime.unwrap_or_else(|| "missing".into()),
            printable(&enclosure.mime)
        ));
    }
    if header(ACCEPT_RANGES).as_deref() != Some("bytes") {
        problems.push(format!(
            "`{}`: no `Accept-Ranges: bytes`: apps cannot resume a download or seek",
            shown(url)
        ));
    }
    problems
}

/// What the answer to `Range: bytes=0-1` gets wrong: it must be a 206 of those two bytes.
fn range_problem(url: &Url, response: &reqwest::Response, length: u64) -> Option<String> {
    let expected = format!("bytes 0-1/{length}");
    let range = response
        .headers()
        .get(CONTENT_RANGE)
        .map(|v| printable(&String::from_utf8_lossy(v.as_bytes())).into_owned());
    if response.status() != StatusCode::PARTIAL_CONTENT {
        Some(format!(
            "`{}`: a range request is answered {}, not 206 Partial Content: apps cannot resume a download or seek",
            shown(url),
            describe_status(response.status())
        ))
    } else if range.as_deref() != Some(expected.as_str()) {
        Some(format!(
            "`{}`: a range request is answered with Content-Range {}, expected {expected}",
            shown(url),
            range.unwrap_or_else(|| "missing".into())
        ))
    } else {
        None
    }
}
