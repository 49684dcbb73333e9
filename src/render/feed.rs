//! Rendering (pure): the cycle and its episodes → `feed.xml`, RSS 2.0 with the iTunes,
//! Podcasting 2.0 and Podlove Simple Chapters namespaces.
//!
//! Written with the rss crate, whose writer escapes every text and attribute, so no text from
//! the config or the tags can break the XML. Items come newest first; nothing depends on the
//! clock: the channel's dates are those of its newest episode, and the live sessions' status
//! is an input ([`FeedLinks::live`]).

use std::collections::BTreeMap;

use rss::extension::itunes::{
    ITunesCategory, ITunesChannelExtension, ITunesItemExtension, ITunesOwner,
};
use rss::extension::{Extension, ExtensionMap};
use rss::{Channel, Enclosure, Guid, Image, Item};
use url::Url;

use crate::model::layout::{self, absolute};
use crate::model::live::LiveState;
use crate::model::media;
use crate::model::time;
use crate::model::{Cycle, Episode, MediaFile, ShowType};

use crate::model::time::itunes_duration;

const PODCAST_NS: &str = "https://podcastindex.org/namespace/1.0";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const PSC_NS: &str = "http://podlove.org/simple-chapters";

/// What the feed links to besides the episodes.
#[derive(Debug, Clone, Copy)]
pub struct FeedLinks<'a> {
    /// URL of the published cover image, if any.
    pub cover: Option<&'a Url>,
    /// The sessions followed live and not yet published, where each stands at the moment of
    /// publishing: one `podcast:liveItem` each.
    pub live: &'a [LiveState],
}

/// One page of the listeners' feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPage {
    /// Its path under `feed/`: `feed.xml`, or an archive page `feed-N.xml`.
    pub file: String,
    /// The XML.
    pub xml: String,
}

/// Renders the listeners' feed. `episodes` may come in any order.
///
/// Up to [`Podcast::feed_page_size`](crate::model::Podcast) episodes, it is `feed.xml` alone.
/// Past that, it is paged as RFC 5005 says: `feed.xml` holds the newest episodes and
/// `atom:link rel="next"` leads through archive pages to the oldest (`previous` back, `first`
/// and `last`), which gPodder and AntennaPod follow. The archive pages are cut from the oldest
/// episode, `feed-1.xml` first, each holding exactly that many: a new episode changes
/// `feed.xml` alone (and, once `feed.xml` is full, starts the next archive page), so a client
/// reading a fresh `feed.xml` beside cached archive pages never misses an episode. Every page
/// is a whole channel; how often the cycle meets, its trailer and its live sessions are
/// announced on `feed.xml`.
pub fn render(cycle: &Cycle, episodes: &[Episode], links: FeedLinks<'_>) -> Vec<FeedPage> {
    let mut sorted: Vec<&Episode> = episodes.iter().collect();
    // Newest first; the session number breaks ties so the order never depends on input order.
    sorted.sort_by(|a, b| {
        b.published
            .cmp(&a.published)
            .then(b.session.number.cmp(&a.session.number))
    });
    let size = cycle.podcast.feed_page_size.max(1);
    let archives = sorted.len().saturating_sub(1) / size;
    let (newest, older) = sorted.split_at(sorted.len() - archives * size);
    // In the order `next` follows them: `feed.xml`, then each archive page, newest first.
    let pages: Vec<&[&Episode]> = std::iter::once(newest).chain(older.chunks(size)).collect();
    let count = pages.len();
    pages
        .iter()
        .enumerate()
        .map(|(position, items)| {
            let paging = Paging { position, count };
            let mut channel = channel(cycle, items, links, &paging);
            if position == 0 {
                announce(&mut channel, cycle, &sorted, links);
            }
            FeedPage {
                file: paging.file(position),
                xml: to_xml(&channel),
            }
        })
        .collect()
}

/// Where a page stands in the chain `next` follows: 0 for `feed.xml`, then the archive pages
/// from the newest.
struct Paging {
    position: usize,
    count: usize,
}

impl Paging {
    /// The file of the page at `position`: `feed.xml`, then `feed-N.xml`, `feed-1.xml` the
    /// oldest.
    fn file(&self, position: usize) -> String {
        match position {
            0 => layout::FEED_FILE.to_string(),
            _ => layout::feed_archive_file(self.count - position),
        }
    }

    /// Its `atom:link`s: `self`, and when the feed is paged, `first`, `last`, `previous`
    /// (newer) and `next` (older).
    fn links(&self, cycle: &Cycle) -> Vec<Extension> {
        let url = |position| absolute(cycle, &self.file(position));
        let mut links = vec![self_link(&url(self.position))];
        if self.count == 1 {
            return links;
        }
        let mut related = vec![("first", 0), ("last", self.count - 1)];
        if self.position > 0 {
            related.push(("previous", self.position - 1));
        }
        if self.position + 1 < self.count {
            related.push(("next", self.position + 1));
        }
        for (rel, position) in related {
            links.push(element(
                "atom:link",
                None,
                &[
                    ("href", url(position).as_str()),
                    ("rel", rel),
                    ("type", "application/rss+xml"),
                ],
            ));
        }
        links
    }
}

/// A page's channel: the podcast and these items, newest first.
fn channel(cycle: &Cycle, items: &[&Episode], links: FeedLinks<'_>, paging: &Paging) -> Channel {
    let podcast = &cycle.podcast;
    let newest = items.first().map(|e| e.published.to_rfc2822());
    let mut channel = Channel {
        title: podcast.title.clone(),
        link: podcast.base_url.to_string(),
        description: podcast.description.clone(),
        language: Some(podcast.lang.tag.clone()),
        copyright: podcast.copyright.clone(),
        generator: Some("cyclecast".to_string()),
        pub_date: newest.clone(),
        last_build_date: newest,
        items: items.iter().map(|e| item(cycle, e)).collect(),
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
    channel.itunes_ext = Some(channel_itunes(cycle, links));
    channel.extensions = channel_extensions(cycle);
    for link in paging.links(cycle) {
        add(&mut channel.extensions, link);
    }
    channel.namespaces = BTreeMap::from([
        ("atom".to_string(), ATOM_NS.to_string()),
        ("podcast".to_string(), PODCAST_NS.to_string()),
        ("psc".to_string(), PSC_NS.to_string()),
    ]);
    channel
}

/// What only `feed.xml` announces: how often the cycle meets, its trailer and the sessions to
/// follow live (all of which change with new sessions, which archive pages must not).
fn announce(channel: &mut Channel, cycle: &Cycle, newest_first: &[&Episode], links: FeedLinks<'_>) {
    if let Some(frequency) = update_frequency(cycle) {
        add(&mut channel.extensions, frequency);
    }
    if let Some(trailer) = trailer(cycle, newest_first) {
        add(&mut channel.extensions, trailer);
    }
    for state in links.live {
        if let Some(item) = live_item(cycle, state) {
            add(&mut channel.extensions, item);
        }
    }
}

fn channel_itunes(cycle: &Cycle, links: FeedLinks<'_>) -> ITunesChannelExtension {
    let podcast = &cycle.podcast;
    ITunesChannelExtension {
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
        summary: Some(podcast.description.clone()),
        r#type: Some(
            match podcast.show_type {
                ShowType::Episodic => "episodic",
                ShowType::Serial => "serial",
            }
            .to_string(),
        ),
        ..ITunesChannelExtension::default()
    }
}

fn channel_extensions(cycle: &Cycle) -> ExtensionMap {
    let podcast = &cycle.podcast;
    let mut map = ExtensionMap::new();
    for hub in &podcast.hubs {
        add(
            &mut map,
            element("atom:link", None, &[("href", hub.as_str()), ("rel", "hub")]),
        );
    }
    add(
        &mut map,
        element("podcast:guid", Some(&podcast.guid.to_string()), &[]),
    );
    let locked = if podcast.locked { "yes" } else { "no" };
    add(
        &mut map,
        element(
            "podcast:locked",
            Some(locked),
            &[("owner", &podcast.owner.email)],
        ),
    );
    if let Some(place) = &cycle.place {
        let geo = place.geo.map(|(lat, lon)| format!("geo:{lat},{lon}"));
        let mut attrs = Vec::new();
        if let Some(geo) = &geo {
            attrs.push(("geo", geo.as_str()));
        }
        if let Some(osm) = &place.osm {
            attrs.push(("osm", osm.as_str()));
        }
        add(
            &mut map,
            element("podcast:location", Some(&place.name), &attrs),
        );
    }
    if let Some(license) = &podcast.license {
        let url = license.url.as_ref().map(ToString::to_string);
        let attrs: Vec<(&str, &str)> = url.iter().map(|u| ("url", u.as_str())).collect();
        add(
            &mut map,
            element("podcast:license", Some(&license.name), &attrs),
        );
    }
    for funding in &podcast.funding {
        add(
            &mut map,
            element(
                "podcast:funding",
                Some(&funding.title),
                &[("url", funding.url.as_str())],
            ),
        );
    }
    for txt in &podcast.txt {
        let attrs: Vec<(&str, &str)> = txt
            .purpose
            .iter()
            .map(|p| ("purpose", p.as_str()))
            .collect();
        add(&mut map, element("podcast:txt", Some(&txt.text), &attrs));
    }
    add(&mut map, element("podcast:medium", Some("podcast"), &[]));
    if !podcast.podroll.is_empty() {
        add(&mut map, podroll(podcast));
    }
    map
}

/// `podcast:updateFrequency`: how often the sessions meet, from their dates, starting at the
/// first; `complete` once every session is published (none is still announced). `None` for a
/// single session still announced: nothing to say yet.
fn update_frequency(cycle: &Cycle) -> Option<Extension> {
    use crate::render::frequency::{Frequency, complete_words};
    let lang = &cycle.podcast.lang;
    let dates: Vec<_> = cycle.sessions.iter().map(|s| s.date).collect();
    let complete = cycle.sessions.iter().all(|s| s.recording.is_some());
    let frequency = Frequency::of(&dates);
    let first = cycle
        .sessions
        .iter()
        .min_by_key(|s| (s.date, s.time))
        .map(|s| crate::episode::session_start(s, cycle.podcast.time_zone).to_rfc3339());
    let words = match (&frequency, complete) {
        (Some(frequency), _) => frequency.words(lang),
        (None, true) => complete_words(lang).to_string(),
        (None, false) => return None,
    };
    let rrule = frequency.map(|f| f.rrule());
    let mut attrs = Vec::new();
    if complete {
        attrs.push(("complete", "true"));
    }
    if let (Some(rrule), Some(first)) = (&rrule, &first) {
        attrs.push(("dtstart", first.as_str()));
        attrs.push(("rrule", rrule.as_str()));
    }
    Some(element("podcast:updateFrequency", Some(&words), &attrs))
}

/// `podcast:trailer`: the episode of the trailer session, when the cycle has one (the newest).
fn trailer(cycle: &Cycle, newest_first: &[&Episode]) -> Option<Extension> {
    let episode = newest_first
        .iter()
        .find(|e| e.session.episode_type == crate::model::EpisodeType::Trailer)?;
    let pubdate = episode.published.to_rfc2822();
    let url = episode.url.to_string();
    let length = episode.length.to_string();
    let season = cycle.podcast.season.number.to_string();
    Some(element(
        "podcast:trailer",
        Some(&episode.session.title),
        &[
            ("pubdate", pubdate.as_str()),
            ("url", url.as_str()),
            ("length", length.as_str()),
            ("type", episode.mime),
            ("season", season.as_str()),
        ],
    ))
}

/// `podcast:liveItem`: a session to follow live, with its stream as the enclosure (when it has
/// one) and, as the specification requires, a `podcast:contentLink`: the page to follow it
/// on, else the session's own page, whose player plays the stream. Its GUID is the episode's
/// to come, suffixed: the episode that replaces it is a new item, never a changed one.
fn live_item(cycle: &Cycle, state: &LiveState) -> Option<Extension> {
    let session = cycle.sessions.iter().find(|s| s.number == state.session)?;
    let live = session.live.as_ref()?;
    let page = layout::session_url(cycle, session);
    let text = |name: &str, value: &str| element(name, Some(value), &[]);
    let guid = format!(
        "{}-live",
        crate::project::guid::episode_guid_of(cycle.podcast.guid, session)
    );
    // No <link>: feedparser, which does not know liveItem, would take it for the channel's;
    // the contentLink leads to the page.
    let mut children = vec![
        text("title", &session.title),
        text("description", &session.description),
        element("guid", Some(&guid), &[("isPermaLink", "false")]),
        element(
            "podcast:contentLink",
            Some(crate::render::labels::labels(&cycle.podcast.lang).follow_live),
            &[("href", live.page.as_ref().unwrap_or(&page).as_str())],
        ),
    ];
    if let Some(stream) = &live.stream {
        // A stream has no length: 0, as RSS writes an unknown one.
        children.push(element(
            "enclosure",
            None,
            &[
                ("url", stream.url.as_str()),
                ("type", stream.mime.as_str()),
                ("length", "0"),
            ],
        ));
    }
    let (start, end) = (state.start.to_rfc3339(), state.end.to_rfc3339());
    let mut item = element(
        "podcast:liveItem",
        None,
        &[
            ("status", state.status.as_str()),
            ("start", start.as_str()),
            ("end", end.as_str()),
        ],
    );
    for child in children {
        item.children
            .entry(child.name.clone())
            .or_default()
            .push(child);
    }
    Some(item)
}

/// `podcast:podroll`: the podcasts the cycle recommends, each by its feed's GUID and address.
fn podroll(podcast: &crate::model::Podcast) -> Extension {
    let items = podcast
        .podroll
        .iter()
        .map(|remote| {
            let guid = remote.feed_guid.to_string();
            element(
                "podcast:remoteItem",
                None,
                &[
                    ("feedGuid", guid.as_str()),
                    ("feedUrl", remote.feed_url.as_str()),
                ],
            )
        })
        .collect();
    let mut parent = element("podcast:podroll", None, &[]);
    parent.children.insert("remoteItem".to_string(), items);
    parent
}

/// Seconds for a Podcasting 2.0 attribute: whole, or with the milliseconds it has.
fn seconds_attr(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{:.3}", ms as f64 / 1000.0)
            .trim_end_matches('0')
            .to_string()
    }
}

fn item(cycle: &Cycle, episode: &Episode) -> Item {
    let session = &episode.session;
    let podcast = &cycle.podcast;
    let notes = crate::render::page::render_show_notes(cycle, episode);
    let season = podcast.season.number.to_string();
    Item {
        title: Some(session.title.clone()),
        link: Some(layout::session_url(cycle, session).to_string()),
        // Written once: apps read HTML show notes from <description> as they would from
        // content:encoded, and a copy in both doubled the feed's size.
        description: Some(notes),
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
            season: Some(season),
            episode_type: Some(session.episode_type.as_str().to_string()),
            explicit: Some(podcast.explicit.to_string()),
            image: episode
                .image_file
                .as_ref()
                .map(|f| absolute(cycle, f).to_string()),
            ..ITunesItemExtension::default()
        }),
        extensions: item_extensions(cycle, episode),
        ..Item::default()
    }
}

fn item_extensions(cycle: &Cycle, episode: &Episode) -> ExtensionMap {
    let session = &episode.session;
    let mut map = ExtensionMap::new();
    add(&mut map, element("itunes:title", Some(&session.title), &[]));
    let season = cycle.podcast.season.number.to_string();
    add(
        &mut map,
        element(
            "podcast:season",
            Some(&season),
            &[("name", &cycle.podcast.season.name)],
        ),
    );
    add(
        &mut map,
        element("podcast:episode", Some(&session.number.to_string()), &[]),
    );
    for speaker in &session.speakers {
        let (role, group) = speaker.role.taxonomy();
        let href = speaker.url.as_ref().map(ToString::to_string);
        let img = speaker.img.as_ref().map(ToString::to_string);
        let mut attrs = vec![("role", role), ("group", group)];
        attrs.extend(href.iter().map(|h| ("href", h.as_str())));
        attrs.extend(img.iter().map(|i| ("img", i.as_str())));
        add(
            &mut map,
            element("podcast:person", Some(&speaker.name), &attrs),
        );
    }
    if let Some(files) = &episode.transcript_files {
        let lang = &cycle.podcast.lang.tag;
        // JSON first, then WebVTT, then SubRip: the order apps such as AntennaPod prefer.
        // The timed text formats are captions; the JSON is a transcript apps show.
        let formats = [
            (&files.json, media::TRANSCRIPT_JSON, None),
            (&files.vtt, media::WEBVTT, Some("captions")),
            (&files.srt, media::SUBRIP, Some("captions")),
        ];
        for (file, mime, rel) in formats {
            let url = absolute(cycle, file);
            let mut attrs = vec![
                ("url", url.as_str()),
                ("type", mime),
                ("language", lang.as_str()),
            ];
            attrs.extend(rel.map(|rel| ("rel", rel)));
            add(&mut map, element("podcast:transcript", None, &attrs));
        }
    }
    if let Some(file) = &episode.chapters_file {
        let url = absolute(cycle, file);
        add(
            &mut map,
            element(
                "podcast:chapters",
                None,
                &[("url", url.as_str()), ("type", media::CHAPTERS)],
            ),
        );
    }
    if !session.chapters.is_empty() {
        add(&mut map, podlove_chapters(episode));
    }
    for soundbite in &session.soundbites {
        let start = seconds_attr(soundbite.start_ms);
        let duration = seconds_attr(soundbite.duration_ms);
        add(
            &mut map,
            element(
                "podcast:soundbite",
                soundbite.title.as_deref(),
                &[
                    ("startTime", start.as_str()),
                    ("duration", duration.as_str()),
                ],
            ),
        );
    }
    if let Some(post) = &session.discussion {
        add(
            &mut map,
            element(
                "podcast:socialInteract",
                None,
                &[("uri", post.as_str()), ("protocol", "activitypub")],
            ),
        );
    }
    for alternate in alternates(cycle, episode) {
        add(&mut map, alternate);
    }
    map
}

/// The episode's renditions as `podcast:alternateEnclosure`, each with its digest: the
/// enclosure itself (the default), the light file, the radio edits.
fn alternates(cycle: &Cycle, episode: &Episode) -> Vec<Extension> {
    let labels = crate::render::labels::labels(&cycle.podcast.lang);
    let enclosure = MediaFile {
        file: episode.file.clone(),
        mime: episode.mime,
        length: episode.length,
        audio: episode.audio.clone(),
        integrity: episode.integrity.clone(),
    };
    let mut alternates = vec![alternate_enclosure(
        cycle,
        &enclosure,
        labels.standard_version,
        true,
    )];
    if let Some(light) = &episode.light {
        alternates.push(alternate_enclosure(
            cycle,
            light,
            labels.light_version,
            false,
        ));
    }
    for edit in &episode.renditions {
        let file = edit.mp3.as_ref().unwrap_or(&edit.lossless);
        alternates.push(alternate_enclosure(cycle, file, &edit.title, false));
    }
    alternates
}

/// `podcast:alternateEnclosure`: a file of the episode, with its source and digest.
pub(crate) fn alternate_enclosure(
    cycle: &Cycle,
    file: &MediaFile,
    title: &str,
    default: bool,
) -> Extension {
    let url = absolute(cycle, &file.file);
    let length = file.length.to_string();
    let bitrate = file.audio.bitrate().to_string();
    let mut attrs = vec![
        ("type", file.mime),
        ("length", length.as_str()),
        ("bitrate", bitrate.as_str()),
        ("title", title),
        ("lang", cycle.podcast.lang.tag.as_str()),
    ];
    if default {
        attrs.push(("default", "true"));
    }
    let mut parent = element("podcast:alternateEnclosure", None, &attrs);
    let source = element("podcast:source", None, &[("uri", url.as_str())]);
    parent.children.insert("source".to_string(), vec![source]);
    if !file.integrity.is_empty() {
        let integrity = element(
            "podcast:integrity",
            None,
            &[("type", "sri"), ("value", file.integrity.as_str())],
        );
        parent
            .children
            .insert("integrity".to_string(), vec![integrity]);
    }
    parent
}

/// Podlove Simple Chapters, for the apps that do not read the JSON chapters.
fn podlove_chapters(episode: &Episode) -> Extension {
    let chapters = episode
        .session
        .chapters
        .iter()
        .map(|c| {
            let start = time::timestamp(c.start_ms, '.');
            let href = c.url.as_ref().map(ToString::to_string);
            let mut attrs = vec![("start", start.as_str()), ("title", c.title.as_str())];
            attrs.extend(href.iter().map(|h| ("href", h.as_str())));
            element("psc:chapter", None, &attrs)
        })
        .collect();
    let mut parent = element("psc:chapters", None, &[("version", "1.2")]);
    parent.children.insert("chapter".to_string(), chapters);
    parent
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

/// Files an element under its prefix and local name, as the rss crate's map expects.
fn add(map: &mut ExtensionMap, extension: Extension) {
    let (prefix, local) = extension
        .name
        .split_once(':')
        .expect("every extension element has a prefix");
    let (prefix, local) = (prefix.to_string(), local.to_string());
    map.entry(prefix)
        .or_default()
        .entry(local)
        .or_default()
        .push(extension);
}

/// Renders the radio partners' feed, `radio.xml`, which broadcast automation (LibreTime,
/// Rivendell) subscribes to: one item per session with its broadcast files (the episode's
/// title and GUID, the WAV or FLAC as its enclosure, the MP3 as its alternate), then one per
/// rebroadcast's radio edit. `None` when the config asks for no broadcast files.
pub fn render_radio(cycle: &Cycle, episodes: &[Episode]) -> Option<String> {
    let podcast = &cycle.podcast;
    let labels = crate::render::labels::labels(&podcast.lang);
    let mut sorted: Vec<&Episode> = episodes.iter().collect();
    sorted.sort_by(|a, b| {
        b.published
            .cmp(&a.published)
            .then(b.session.number.cmp(&a.session.number))
    });
    let mut items = Vec::new();
    for episode in &sorted {
        if let Some(radio) = &episode.radio {
            let title = episode.session.title.clone();
            items.push(radio_item(
                cycle,
                episode,
                title,
                episode.guid.clone(),
                &radio.lossless,
                Some(&radio.mp3),
            ));
        }
        for (index, edit) in episode.renditions.iter().enumerate() {
            let title = format!("{} — {}", edit.title, episode.session.title);
            let suffix = if index == 0 {
                String::new()
            } else {
                format!("-{}", index + 1)
            };
            let guid = format!("{}-edit{suffix}", episode.guid);
            items.push(radio_item(
                cycle,
                episode,
                title,
                guid,
                &edit.lossless,
                edit.mp3.as_ref(),
            ));
        }
    }
    cycle.renditions.radio.as_ref()?;
    let newest = sorted.first().map(|e| e.published.to_rfc2822());
    let mut channel = Channel {
        title: format!("{} — {}", podcast.title, labels.radio_partners),
        link: podcast.base_url.to_string(),
        description: podcast.description.clone(),
        language: Some(podcast.lang.tag.clone()),
        copyright: podcast.copyright.clone(),
        generator: Some("cyclecast".to_string()),
        pub_date: newest.clone(),
        last_build_date: newest,
        items,
        ..Channel::default()
    };
    let mut map = ExtensionMap::new();
    add(
        &mut map,
        self_link(&absolute(cycle, layout::RADIO_FEED_FILE)),
    );
    channel.extensions = map;
    channel.itunes_ext = Some(ITunesChannelExtension {
        author: Some(podcast.author.clone()),
        ..ITunesChannelExtension::default()
    });
    channel.namespaces = BTreeMap::from([
        ("atom".to_string(), ATOM_NS.to_string()),
        ("podcast".to_string(), PODCAST_NS.to_string()),
    ]);
    Some(to_xml(&channel))
}

/// One broadcast file of `radio.xml`, with its MP3 as the alternate.
fn radio_item(
    cycle: &Cycle,
    episode: &Episode,
    title: String,
    guid: String,
    lossless: &MediaFile,
    mp3: Option<&MediaFile>,
) -> Item {
    let labels = crate::render::labels::labels(&cycle.podcast.lang);
    let mut map = ExtensionMap::new();
    if let Some(mp3) = mp3 {
        add(
            &mut map,
            alternate_enclosure(cycle, mp3, labels.broadcast_mp3, false),
        );
    }
    Item {
        title: Some(title),
        link: Some(layout::session_url(cycle, &episode.session).to_string()),
        description: Some(episode.session.description.clone()),
        enclosure: Some(Enclosure {
            url: absolute(cycle, &lossless.file).to_string(),
            length: lossless.length.to_string(),
            mime_type: lossless.mime.to_string(),
        }),
        guid: Some(Guid {
            value: guid,
            permalink: false,
        }),
        pub_date: Some(episode.published.to_rfc2822()),
        itunes_ext: Some(ITunesItemExtension {
            duration: Some(itunes_duration(lossless.audio.duration_secs())),
            ..ITunesItemExtension::default()
        }),
        extensions: map,
        ..Item::default()
    }
}

/// A feed's `atom:link rel="self"`, which validators and some apps ask for.
fn self_link(feed: &Url) -> Extension {
    element(
        "atom:link",
        None,
        &[
            ("href", feed.as_str()),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    )
}

/// The channel as XML text, ending with a line break.
fn to_xml(channel: &Channel) -> String {
    let bytes = channel
        .write_to(Vec::new())
        .expect("writing XML into memory cannot fail");
    let mut xml = String::from_utf8(bytes).expect("the rss writer emits UTF-8");
    xml.push('\n');
    xml
}
