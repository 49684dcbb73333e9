//! Stage 6 (pure): the cycle and its episodes → `feed.xml`, RSS 2.0 with the iTunes and
//! Podcasting 2.0 namespaces.
//!
//! Written with the rss crate, whose writer escapes every text and attribute, so no text from
//! the config or the tags can break the XML. Items come newest first; nothing depends on the
//! clock: the channel's dates are those of its newest episode.

use std::collections::BTreeMap;

use rss::extension::itunes::{
    ITunesCategory, ITunesChannelExtension, ITunesItemExtension, ITunesOwner,
};
use rss::extension::{Extension, ExtensionMap};
use rss::{Channel, Enclosure, Guid, Image, Item};

use crate::episode::FEED_FILE;
use crate::model::{Cycle, Episode};

const PODCAST_NS: &str = "https://podcastindex.org/namespace/1.0";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// What the feed links to besides the episodes.
#[derive(Debug, Clone, Copy)]
pub struct FeedLinks<'a> {
    /// URL of the published cover image, if any.
    pub cover: Option<&'a url::Url>,
}

/// Renders the listeners' feed. `episodes` may come in any order.
pub fn render(cycle: &Cycle, episodes: &[Episode], links: FeedLinks<'_>) -> String {
    let podcast = &cycle.podcast;
    let feed_url = podcast
        .base_url
        .join(FEED_FILE)
        .expect("a file name joins any base URL");
    let mut sorted: Vec<&Episode> = episodes.iter().collect();
    // Newest first; the session number breaks ties so the order never depends on input order.
    sorted.sort_by(|a, b| {
        b.published
            .cmp(&a.published)
            .then(b.session.number.cmp(&a.session.number))
    });
    let newest = sorted.first().map(|e| e.published.to_rfc2822());

    let mut channel = Channel {
        title: podcast.title.clone(),
        link: podcast.base_url.to_string(),
        description: podcast.description.clone(),
        language: Some(podcast.lang.tag.clone()),
        copyright: podcast.copyright.clone(),
        generator: Some("cyclecast".to_string()),
        pub_date: newest.clone(),
        last_build_date: newest,
        items: sorted.iter().map(|e| item(cycle, e)).collect(),
        ..Channel::default()
    };
    if let Some(cover) = links.cover {
        channel.image = Some(Image {
            url: cover.to_string(),
            title: podcast.title.clone(),
            link: podcast.base_url.to_string(),
            ..Image::default()
        });
    }
    channel.itunes_ext = Some(ITunesChannelExtension {
        author: Some(podcast.author.clone()),
        image: links.cover.map(ToString::to_string),
        explicit: Some(podcast.explicit.to_string()),
        owner: Some(ITunesOwner {
            name: Some(podcast.owner.name.clone()),
            email: Some(podcast.owner.email.clone()),
        }),
        categories: podcast
            .categories
            .iter()
            .map(|c| ITunesCategory {
                text: c.name.clone(),
                subcategory: c.sub.as_ref().map(|s| {
                    Box::new(ITunesCategory {
                        text: s.clone(),
                        subcategory: None,
                    })
                }),
            })
            .collect(),
        subtitle: podcast.subtitle.clone(),
        r#type: Some("episodic".to_string()),
        ..ITunesChannelExtension::default()
    });
    let mut extensions = ExtensionMap::new();
    add(
        &mut extensions,
        "atom",
        element(
            "atom:link",
            None,
            &[
                ("href", feed_url.as_str()),
                ("rel", "self"),
                ("type", "application/rss+xml"),
            ],
        ),
    );
    add(
        &mut extensions,
        "podcast",
        element("podcast:guid", Some(&podcast.guid.to_string()), &[]),
    );
    channel.extensions = extensions;
    channel.namespaces = BTreeMap::from([
        ("atom".to_string(), ATOM_NS.to_string()),
        ("podcast".to_string(), PODCAST_NS.to_string()),
    ]);
    let bytes = channel
        .write_to(Vec::new())
        .expect("writing XML into memory cannot fail");
    let mut xml = String::from_utf8(bytes).expect("the rss writer emits UTF-8");
    xml.push('\n');
    xml
}

fn item(cycle: &Cycle, episode: &Episode) -> Item {
    let session = &episode.session;
    let notes = crate::page::render_show_notes(cycle, episode);
    let mut extensions = ExtensionMap::new();
    for speaker in &session.speakers {
        let href = speaker.url.as_ref().map(ToString::to_string);
        let mut attrs = vec![("role", "guest"), ("group", "cast")];
        if let Some(href) = &href {
            attrs.push(("href", href.as_str()));
        }
        add(
            &mut extensions,
            "podcast",
            element("podcast:person", Some(&speaker.name), &attrs),
        );
    }
    Item {
        title: Some(session.title.clone()),
        link: Some(crate::page::session_url(cycle, session).to_string()),
        description: Some(notes.clone()),
        content: Some(notes),
        enclosure: Some(Enclosure {
            url: episode.url.to_string(),
            length: episode.length.to_string(),
            mime_type: episode.mime.to_string(),
        }),
        guid: Some(Guid {
            value: episode.guid.clone(),
            permalink: false,
        }),
        pub_date: Some(episode.published.to_rfc2822()),
        itunes_ext: Some(ITunesItemExtension {
            duration: Some(itunes_duration(episode.audio.duration_secs())),
            episode: Some(session.number.to_string()),
            episode_type: Some(session.episode_type.as_str().to_string()),
            explicit: Some(cycle.podcast.explicit.to_string()),
            ..ITunesItemExtension::default()
        }),
        extensions,
        ..Item::default()
    }
}

/// `H:MM:SS`, rounded to the nearest second.
pub fn itunes_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

fn element(name: &str, value: Option<&str>, attrs: &[(&str, &str)]) -> Extension {
    Extension {
        name: name.to_string(),
        value: value.map(str::to_string),
        attrs: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        children: BTreeMap::new(),
    }
}

fn add(map: &mut ExtensionMap, prefix: &str, extension: Extension) {
    let local = extension
        .name
        .split_once(':')
        .map_or(extension.name.as_str(), |(_, l)| l)
        .to_string();
    map.entry(prefix.to_string())
        .or_default()
        .entry(local)
        .or_default()
        .push(extension);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_durations_as_hours_minutes_seconds() {
        assert_eq!(itunes_duration(59.6), "0:01:00");
        assert_eq!(itunes_duration(3725.2), "1:02:05");
    }
}
