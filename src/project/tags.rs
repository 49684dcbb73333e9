//! What a recorded session takes from its recording's tags when the config leaves it out: the
//! date, the title, the description (from the comment) and the speakers (from the artist).
//! Shared by the load stage and `session add`, which writes them into the config.

use crate::model::problem::Problem;
use crate::model::rules;
use crate::model::{AudioInfo, Recording, Session};
use crate::project::config::Config;
use crate::project::paths::display_path;

/// What the config leaves out of a recorded session comes from its recording's tags: the
/// date, the title, the description (from the comment) and the speakers (from the artist).
/// A date, title or description found nowhere is an error at the session's `id`.
pub fn fill_from_tags(
    config: &mut Config,
    probed: &[(Recording, AudioInfo)],
    config_file: &str,
    problems: &mut Vec<Problem>,
) {
    for (recording, audio) in probed {
        let shown = display_path(&config.root, &recording.path);
        let Some(session) = config
            .cycle
            .sessions
            .iter_mut()
            .find(|s| s.number == recording.session)
        else {
            continue;
        };
        let tags = &audio.tags;
        let missing = |session: &Session, key: &str, tag: &str| Problem {
            position: Some(session.position),
            ..Problem::error(
                config_file,
                format!(
                    "session `{}` has no `{key}`, and `{shown}` has no {tag} tag to take it from",
                    session.id
                ),
            )
        };
        if !session.date_written {
            match tags.date.as_deref().and_then(full_date) {
                Some(date) => {
                    session.date = date;
                    session.date_written = true;
                }
                None => problems.push(missing(session, "date", "full date (YYYY-MM-DD)")),
            }
        }
        if session.title.is_empty() {
            match from_tag(&tags.title, ("title", rules::TITLE), &shown, problems) {
                Some(title) => session.title = title,
                None => problems.push(missing(session, "title", "title")),
            }
        }
        if session.description.is_empty() {
            match from_tag(
                &tags.comment,
                ("comment", rules::DESCRIPTION),
                &shown,
                problems,
            ) {
                Some(comment) => session.description = comment,
                None => problems.push(missing(session, "description", "comment")),
            }
        }
        if session.speakers.is_empty()
            && let Some(artist) = from_tag(&tags.artist, ("artist", rules::TXT), &shown, problems)
        {
            session.speakers = speakers_named(&artist);
            for speaker in &session.speakers {
                if let Some(why) = rules::NAME.excess(&speaker.name) {
                    problems.push(Problem::error(&shown, format!("its artist tag: {why}")));
                }
            }
        }
    }
}

/// A tag's text as a session takes it: trimmed, unless empty, without what a feed cannot
/// carry (a tag is written by whatever tagged the file), with a warning naming the recording
/// when something was left out.
fn from_tag(
    tag: &Option<String>,
    (name, limit): (&str, crate::model::rules::Limit),
    shown: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let (text, removed) = crate::model::text::clean(&filled(tag)?);
    if !removed.is_empty() {
        let named: Vec<String> = removed
            .iter()
            .map(|&c| crate::model::text::describe(c))
            .collect();
        problems.push(Problem::warning(
            shown,
            format!(
                "its {name} tag holds {}, which a feed cannot carry: left out",
                named.join(", ")
            ),
        ));
    }
    let text = filled(&Some(text))?;
    if let Some(why) = limit.excess(&text) {
        problems.push(Problem::error(shown, format!("its {name} tag: {why}")));
    }
    Some(text)
}

/// The day a date tag names, when it names one every output can write (see
/// [`crate::project::config::YEARS`]): `2023-02-02`, or the start of `2023-02-02T19:00:00` (a year
/// alone is not a day).
pub fn full_date(tag: &str) -> Option<chrono::NaiveDate> {
    let day = tag.trim().get(..10)?;
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .filter(|day| crate::project::config::is_writable_date(*day))
}

/// A tag's text, trimmed, unless empty.
pub fn filled(tag: &Option<String>) -> Option<String> {
    tag.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The speakers an artist tag names: `A, B & C` (also `;` and `/`) is three people.
fn speakers_named(artist: &str) -> Vec<crate::model::Speaker> {
    artist
        .split([',', ';', '&', '/'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| crate::model::Speaker {
            name: name.to_string(),
            affiliation: None,
            url: None,
            role: crate::model::Role::Speaker,
            img: None,
            lang: None,
        })
        .collect()
}
