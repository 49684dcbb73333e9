//! `check --online=links`: every external link of the project, fetched to see whether it
//! still leads somewhere.
//!
//! The links come from the loaded project (the config's every web address) and the reports
//! as rendered (their `href`s): nothing is read again. Each is asked with `HEAD`, then with a
//! one-byte `GET` (`Range: bytes=0-0`) when `HEAD` is refused, as some servers and CDNs do;
//! redirects are followed by hand, so the first one is reported; a network failure or a 5xx
//! is retried once after a pause. Requests run a bounded number at a time, each with its
//! own time limit, and the whole run has one too: a link check never hangs.

use std::time::Duration;

use reqwest::header::{LOCATION, RANGE};
use serde::Serialize;
use url::Url;

use super::client::{describe_error, describe_status};
use crate::model::Cycle;

/// A web address the project links to, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    /// The address.
    pub url: Url,
    /// Where it is found, e.g. `session 3 (speaker)`; several places for a shared address.
    pub found: Vec<String>,
}

/// What a link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LinkStatus {
    /// It answers 2xx.
    Ok,
    /// It redirects (`first` is the first redirect's status) and ends at `to`, which works.
    Moved {
        /// The first redirect's status, e.g. `301 Moved Permanently`.
        first: String,
        /// Where it ends.
        to: String,
    },
    /// It does not lead to a page: an error status, no answer, a redirect loop.
    Broken {
        /// Why, in words: `404 Not Found`, `no answer within 10 s`…
        reason: String,
    },
}

/// One link's result.
#[derive(Debug, Clone, Serialize)]
pub struct LinkReport {
    /// The address.
    pub url: String,
    /// Where the project links to it.
    pub found: Vec<String>,
    /// What it leads to.
    #[serde(flatten)]
    pub status: LinkStatus,
}

/// How links are checked.
#[derive(Debug, Clone, Copy)]
pub struct LinkOptions {
    /// How many requests run at once.
    pub jobs: usize,
    /// The time limit of each request.
    pub timeout: Duration,
    /// The time limit of the whole run: links not done by then are reported broken.
    pub run_limit: Duration,
}

/// The pause before a failed request is tried again.
const BACK_OFF: Duration = Duration::from_millis(500);

/// The most redirects followed from one link.
const MAX_REDIRECTS: usize = 10;

/// Every external link of the cycle and of the rendered reports (`(path, html)`), each
/// address once with every place it is found, in the order first found. Addresses under
/// `base_url` are the feed's own, and left to `check --online=deployed`. A live session's
/// stream and page count only until it ends (a stream answers only while it plays, and
/// often 404 before): not for a published session, nor after `now`.
pub fn external_links(
    cycle: &Cycle,
    reports: &[(std::path::PathBuf, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<ExternalLink> {
    let mut links: Vec<ExternalLink> = Vec::new();
    let mut add = |url: &Url, found: String| {
        if !matches!(url.scheme(), "http" | "https")
            || url.as_str().starts_with(cycle.podcast.base_url.as_str())
        {
            return;
        }
        match links.iter_mut().find(|l| l.url == *url) {
            Some(link) if !link.found.contains(&found) => link.found.push(found),
            Some(_) => {}
            None => links.push(ExternalLink {
                url: url.clone(),
                found: vec![found],
            }),
        }
    };
    let podcast = &cycle.podcast;
    for url in podcast.license.iter().filter_map(|l| l.url.as_ref()) {
        add(url, "podcast (license)".into());
    }
    for link in &podcast.funding {
        add(&link.url, "podcast (funding)".into());
    }
    for remote in &podcast.podroll {
        add(&remote.feed_url, "podcast (podroll)".into());
    }
    for url in cycle.organizer.url.iter() {
        add(url, "organizer".into());
    }
    for partner in &cycle.partners {
        for url in partner.url.iter() {
            add(url, "partners".into());
        }
    }
    for url in cycle.place.iter().filter_map(|p| p.url.as_ref()) {
        add(url, "place".into());
    }
    for credit in &cycle.credits {
        for url in credit.url.iter() {
            add(url, "credits".into());
        }
    }
    for session in &cycle.sessions {
        let at = |what: &str| format!("session {} ({what})", session.number);
        for speaker in &session.speakers {
            for url in speaker.url.iter().chain(speaker.img.iter()) {
                add(url, at("speakers"));
            }
        }
        for rebroadcast in &session.rebroadcasts {
            add(&rebroadcast.url, at("rebroadcast"));
        }
        for report in &session.reports {
            if let crate::model::Source::Url(url) = &report.source {
                add(url, at("report"));
            }
        }
        for drawing in &session.drawings {
            if let crate::model::Source::Url(url) = &drawing.source {
                add(url, at("drawing"));
            }
        }
        for link in &session.links {
            add(&link.url, at("links"));
        }
        for url in session.chapters.iter().filter_map(|c| c.url.as_ref()) {
            add(url, at("chapters"));
        }
        for url in session.discussion.iter() {
            add(url, at("discussion"));
        }
        let live = session.live.as_ref().filter(|live| {
            let start = crate::episode::session_start(session, cycle.podcast.time_zone);
            session.recording.is_none()
                && now < start + chrono::Duration::minutes(live.minutes.into())
        });
        if let Some(live) = live {
            for url in live.page.iter() {
                add(url, at("live page"));
            }
            for stream in live.stream.iter() {
                add(&stream.url, at("live stream"));
            }
        }
    }
    for (path, html) in reports {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        for url in hrefs(html) {
            add(&url, format!("report `{name}`"));
        }
    }
    links
}

/// The absolute `href` addresses of rendered HTML (the renderer writes each in double quotes,
/// `&` as `&amp;`).
fn hrefs(html: &str) -> Vec<Url> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter_map(|href| Url::parse(&href.replace("&amp;", "&")).ok())
        .collect()
}

/// Checks every link, `options.jobs` at a time; the reports come in the order of `links`.
pub async fn check_links(
    client: &reqwest::Client,
    links: &[ExternalLink],
    options: LinkOptions,
) -> Vec<LinkReport> {
    let statuses = super::pool::run_all(
        links.iter().map(|l| l.url.clone()).collect(),
        options.jobs,
        options.run_limit,
        {
            let client = client.clone();
            move |url| check_link(client.clone(), url, options.timeout)
        },
    )
    .await;
    links
        .iter()
        .zip(statuses)
        .map(|(link, status)| LinkReport {
            url: crate::model::text::printable(link.url.as_str()).into_owned(),
            found: link.found.clone(),
            status: status.unwrap_or_else(|| LinkStatus::Broken {
                reason: format!(
                    "not checked within the run's limit of {} s",
                    options.run_limit.as_secs()
                ),
            }),
        })
        .collect()
}

/// One link's status: tried again once after [`BACK_OFF`] when the first try failed for a
/// reason that may pass (no answer, a 5xx).
async fn check_link(client: reqwest::Client, url: Url, timeout: Duration) -> LinkStatus {
    let first = follow(&client, &url, timeout).await;
    if !first.may_pass {
        return first.status;
    }
    tokio::time::sleep(BACK_OFF).await;
    follow(&client, &url, timeout).await.status
}

/// A try's result, and whether trying again may change it.
struct Try {
    status: LinkStatus,
    may_pass: bool,
}

/// Follows `url`'s redirects, by hand so that the first one can be reported.
async fn follow(client: &reqwest::Client, url: &Url, timeout: Duration) -> Try {
    let broken = |reason: String, may_pass: bool| Try {
        status: LinkStatus::Broken { reason },
        may_pass,
    };
    let mut current = url.clone();
    let mut first_redirect = None;
    for _ in 0..=MAX_REDIRECTS {
        let response = match ask(client, &current, timeout).await {
            Ok(response) => response,
            Err(e) => return broken(describe_error(&e, timeout), true),
        };
        let status = response.status();
        if status.is_redirection() {
            let Some(next) = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| current.join(l).ok())
            else {
                return broken(
                    format!("{} without a valid Location", describe_status(status)),
                    false,
                );
            };
            first_redirect.get_or_insert_with(|| describe_status(status));
            current = next;
            continue;
        }
        if !status.is_success() {
            return broken(describe_status(status), status.is_server_error());
        }
        return Try {
            status: match first_redirect {
                Some(first) => LinkStatus::Moved {
                    first,
                    to: crate::model::text::printable(current.as_str()).into_owned(),
                },
                None => LinkStatus::Ok,
            },
            may_pass: false,
        };
    }
    broken(format!("more than {MAX_REDIRECTS} redirects"), false)
}

/// One request: `HEAD`, then a one-byte `GET` when `HEAD` is answered with an error.
async fn ask(
    client: &reqwest::Client,
    url: &Url,
    timeout: Duration,
) -> Result<reqwest::Response, reqwest::Error> {
    let head = client.head(url.clone()).timeout(timeout).send().await?;
    if head.status().is_success() || head.status().is_redirection() {
        return Ok(head);
    }
    client
        .get(url.clone())
        .header(RANGE, "bytes=0-0")
        .timeout(timeout)
        .send()
        .await
}

/// How many links the reports say are broken and moved.
pub fn counts(reports: &[LinkReport]) -> (usize, usize) {
    let broken = reports
        .iter()
        .filter(|r| matches!(r.status, LinkStatus::Broken { .. }))
        .count();
    let moved = reports
        .iter()
        .filter(|r| matches!(r.status, LinkStatus::Moved { .. }))
        .count();
    (broken, moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_absolute_hrefs_of_rendered_html() {
        let html =
            r#"<p><a href="https://a.example/x?a=1&amp;b=2">a</a> <a href="/local">b</a></p>"#;
        let found: Vec<String> = hrefs(html).iter().map(|u| u.to_string()).collect();
        assert_eq!(found, ["https://a.example/x?a=1&b=2"]);
    }
}
