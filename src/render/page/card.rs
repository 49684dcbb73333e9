//! The link preview each page announces (Open Graph, read by Mastodon, chat apps and
//! Facebook; Twitter-card, read by X): what a session's link shows once pasted, a card with
//! its title, summary, artwork and recording.

use serde::Serialize;

use super::text::summary;
use super::types::PageInputs;
use crate::model::layout::{session_url, transcript_url};
use crate::model::{Cycle, Episode, Session};
use crate::render::labels::labels;

/// About as much as a card shows of a description (Mastodon cuts at about 200 characters, X
/// at 200, Facebook at 300).
const DESCRIPTION_CHARS: usize = 300;

/// What a page says of itself to link previews.
#[derive(Serialize)]
pub(super) struct CardView {
    /// The page's canonical address.
    url: String,
    /// `website` for the cycle's page, `article` for a session's.
    kind: &'static str,
    /// The podcast's title.
    site_name: String,
    title: String,
    description: String,
    /// `fr_BE` for `fr-BE`; none for a tag without a region, which names no locale.
    locale: Option<String>,
    /// The session's own artwork, else the podcast's cover.
    image: Option<CardImage>,
    /// The session's recording, for a card that plays it.
    audio: Option<CardAudio>,
}

#[derive(Serialize)]
struct CardImage {
    url: String,
    mime: &'static str,
    width: u32,
    height: u32,
    alt: String,
}

#[derive(Serialize)]
struct CardAudio {
    url: String,
    mime: &'static str,
}

impl CardView {
    /// The cycle's page: its title, subtitle (else the description's start) and cover.
    pub(super) fn cycle(cycle: &Cycle, inputs: &PageInputs) -> Self {
        let podcast = &cycle.podcast;
        CardView {
            url: podcast.base_url.to_string(),
            kind: "website",
            site_name: podcast.title.clone(),
            title: podcast.title.clone(),
            description: podcast
                .subtitle
                .clone()
                .unwrap_or_else(|| summary(&podcast.description, DESCRIPTION_CHARS)),
            locale: locale(&podcast.lang.tag),
            image: cover(cycle, inputs),
            audio: None,
        }
    }

    /// A session's page: its title, description's start, artwork and recording.
    pub(super) fn session(
        cycle: &Cycle,
        session: &Session,
        episode: Option<&Episode>,
        inputs: &PageInputs,
    ) -> Self {
        let description = match summary(&session.description, DESCRIPTION_CHARS) {
            text if text.is_empty() => Self::cycle(cycle, inputs).description,
            text => text,
        };
        CardView {
            url: session_url(cycle, session).to_string(),
            kind: "article",
            site_name: cycle.podcast.title.clone(),
            title: session.title.clone(),
            description,
            locale: locale(&cycle.podcast.lang.tag),
            image: episode
                .and_then(|e| episode_image(cycle, session, e, inputs))
                .or_else(|| cover(cycle, inputs)),
            audio: episode.map(|e| CardAudio {
                url: e.url.to_string(),
                mime: e.mime,
            }),
        }
    }

    /// A session's transcript page: the session's card at the page's own address.
    pub(super) fn transcript(
        cycle: &Cycle,
        session: &Session,
        episode: Option<&Episode>,
        inputs: &PageInputs,
    ) -> Self {
        let session_card = Self::session(cycle, session, episode, inputs);
        CardView {
            url: transcript_url(cycle, session).to_string(),
            title: format!(
                "{} – {}",
                labels(&cycle.podcast.lang).transcript,
                session.title
            ),
            ..session_card
        }
    }
}

/// The podcast's cover, when it is published and its size known.
fn cover(cycle: &Cycle, inputs: &PageInputs) -> Option<CardImage> {
    let l = labels(&cycle.podcast.lang);
    let alt = format!(
        "{} {}{}{}",
        l.cover_alt, l.open_quote, cycle.podcast.title, l.close_quote
    );
    card_image(cycle, inputs.cover.as_deref()?, alt, inputs)
}

/// The episode's own artwork, when it has one.
fn episode_image(
    cycle: &Cycle,
    session: &Session,
    episode: &Episode,
    inputs: &PageInputs,
) -> Option<CardImage> {
    let l = labels(&cycle.podcast.lang);
    let alt = format!(
        "{} {}{}{}",
        l.episode_image_alt, l.open_quote, session.title, l.close_quote
    );
    card_image(cycle, episode.image_file.as_deref()?, alt, inputs)
}

/// An image under `feed/` as a card shows it; none when its size is unknown, since a card
/// without one is drawn only once the image is fetched, if at all.
fn card_image(cycle: &Cycle, file: &str, alt: String, inputs: &PageInputs) -> Option<CardImage> {
    let info = inputs.images.get(file)?;
    Some(CardImage {
        url: cycle.podcast.base_url.join(file).ok()?.to_string(),
        mime: info.format.mime(),
        width: info.width,
        height: info.height,
        alt,
    })
}

/// The Open Graph locale of a language tag with a region: `fr-BE` → `fr_BE`.
fn locale(tag: &str) -> Option<String> {
    let mut parts = tag.split('-');
    let language = parts.next()?;
    let region = parts.find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))?;
    Some(format!(
        "{}_{}",
        language.to_ascii_lowercase(),
        region.to_ascii_uppercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::locale;

    #[test]
    fn a_locale_needs_a_region() {
        assert_eq!(locale("fr-be").as_deref(), Some("fr_BE"));
        assert_eq!(locale("en-Latn-GB").as_deref(), Some("en_GB"));
        assert_eq!(locale("fr"), None);
    }
}
