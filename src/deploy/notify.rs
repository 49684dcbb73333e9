//! Telling the apps a deploy changed the feed: a WebSub `hub.mode=publish` POST to each hub,
//! and the Podcast Index's `pubnotify`, as `[deploy] notify` names them.
//!
//! Never for a feed whose address is on this machine or a private network: no hub or index
//! could fetch it, and telling them would leak a private address. The rule is on the feed's
//! address only: a hub may itself be on a private network (a collective's own hub, or a
//! test's). Each notification has a timeout; a failure is a warning, never a failed deploy.

use std::net::IpAddr;
use std::time::Duration;

use url::{Host, Url};

use crate::project::config::Notify;

/// The Podcast Index's notification endpoint, which needs no key.
const PODCAST_INDEX: &str = "https://api.podcastindex.org/api/1.0/hub/pubnotify";

/// How long one notification may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// What came of notifying one target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// The hub's URL, or the Podcast Index's endpoint.
    pub target: String,
    /// `None` when it accepted, else why not (one line, printable).
    pub warning: Option<String>,
}

/// Why a feed at `feed` is never announced, when it is not: its host is this machine or a
/// private network.
pub fn private_reason(feed: &Url) -> Option<String> {
    let private = match feed.host() {
        Some(Host::Domain(domain)) => {
            // Names no public resolver answers: this machine, mDNS, home networks (RFC 8375)
            // and the private-use `.internal`.
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            domain == "localhost"
                || [".localhost", ".local", ".home.arpa", ".internal"]
                    .iter()
                    .any(|suffix| domain.ends_with(suffix))
        }
        Some(Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
        None => true,
    };
    private.then(|| {
        format!(
            "not notifying anyone: the feed `{}` is on this machine or a private network, where no hub can read it",
            crate::model::text::printable(feed.as_str())
        )
    })
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(ip) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// The address the published feed `feed.xml` in `source` states for itself (its
/// `atom:link rel="self"`): what was published, whatever `--base-url` it was published for.
pub fn feed_url(source: &std::path::Path) -> anyhow::Result<Url> {
    let path = source.join(crate::model::layout::FEED_FILE);
    let bytes = crate::support::fs::read_regular(&path, crate::support::fs::TEXT_LIMIT)?;
    let channel = rss::Channel::read_from(&bytes[..])
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
    channel
        .extensions()
        .get("atom")
        .and_then(|atom| atom.get("link"))
        .into_iter()
        .flatten()
        .filter(|link| link.attrs().get("rel").map(String::as_str) == Some("self"))
        .find_map(|link| Url::parse(link.attrs().get("href")?).ok())
        .ok_or_else(|| anyhow::anyhow!("`{}` states no address of its own", path.display()))
}

/// Notifies each of `targets` that the feed at `feed` changed, one after the other; never
/// fails.
pub fn announce(feed: &Url, targets: &[Notify]) -> Vec<Outcome> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(notify(feed, targets)),
        Err(e) => targets
            .iter()
            .map(|t| Outcome {
                target: describe(t),
                warning: Some(format!("cannot notify: {e}")),
            })
            .collect(),
    }
}

async fn notify(feed: &Url, targets: &[Notify]) -> Vec<Outcome> {
    crate::online::client::install_tls();
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!("cyclecast/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            return targets
                .iter()
                .map(|t| Outcome {
                    target: describe(t),
                    warning: Some(format!("cannot notify: {e}")),
                })
                .collect();
        }
    };
    let mut outcomes = Vec::new();
    for target in targets {
        let request = match target {
            Notify::Hub(hub) => client
                .post(hub.clone())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("hub.mode", "publish")
                        .append_pair("hub.url", feed.as_str())
                        .finish(),
                ),
            Notify::PodcastIndex => {
                let mut url = Url::parse(PODCAST_INDEX).expect("a valid URL");
                url.query_pairs_mut().append_pair("url", feed.as_str());
                client.get(url)
            }
        };
        let warning = match request.send().await {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => Some(format!("answered {}", response.status())),
            // The message names the target already; the URL in the error could hold a password.
            Err(e) => Some(one_line(&e.without_url())),
        };
        outcomes.push(Outcome {
            target: describe(target),
            warning,
        });
    }
    outcomes
}

/// A target as messages name it: a hub's URL without any user or password it holds.
fn describe(target: &Notify) -> String {
    let text = match target {
        Notify::Hub(hub) => {
            let mut shown = hub.clone();
            let _ = shown.set_password(None);
            let _ = shown.set_username("");
            shown.to_string()
        }
        Notify::PodcastIndex => PODCAST_INDEX.to_string(),
    };
    crate::model::text::printable(&text).into_owned()
}

/// An error and its causes on one printable line.
fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::model::text::printable(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_announces_a_feed_on_a_private_address() {
        for feed in [
            "http://127.0.0.1:9000/feed.xml",
            "http://localhost/feed.xml",
            "http://localhost./feed.xml",
            "http://podcast.home.arpa/feed.xml",
            "http://nas.internal/feed.xml",
            "http://192.168.1.4/feed.xml",
            "http://10.0.0.1/feed.xml",
            "http://[::1]/feed.xml",
            "http://[fd00::1]/feed.xml",
        ] {
            assert!(
                private_reason(&Url::parse(feed).unwrap()).is_some(),
                "{feed}"
            );
        }
        let public = Url::parse("https://podcast.example.org/feed.xml").unwrap();
        assert_eq!(private_reason(&public), None);
    }
}
