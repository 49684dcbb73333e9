//! Hints for config errors: what the organizer most likely meant, or what a value should look
//! like. Pure functions of the written text; each returns `None` when it has nothing better to
//! say than the error message itself.

use std::path::Path;

use chrono::NaiveDate;
use serde::de::{DeserializeOwned, Visitor};

use super::raw::{
    RawChapter, RawConfig, RawCredit, RawDeploy, RawDrawing, RawLicense, RawLightRendition,
    RawLink, RawLive, RawOrganization, RawOwner, RawPage, RawPlace, RawPodcast,
    RawPodcastRendition, RawRadioRendition, RawRebroadcast, RawRemotePodcast, RawRenditions,
    RawReport, RawSession, RawSoundbite, RawSpeaker, RawTxt, Segment,
};
use crate::model::problem::closest;

/// `did you mean `key`?` for an unknown key close to one its table accepts.
pub(super) fn unknown_key(path: &[Segment]) -> Option<String> {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        })
        .collect();
    let (written, table) = keys.split_last()?;
    closest(written, table_keys(table).iter().copied()).map(|key| format!("did you mean `{key}`?"))
}

/// The keys the table at `path` (keys only, array indexes left out) accepts.
fn table_keys(path: &[&str]) -> &'static [&'static str] {
    match path {
        [] => keys_of::<RawConfig>(),
        ["podcast"] => keys_of::<RawPodcast>(),
        ["podcast", "owner"] => keys_of::<RawOwner>(),
        ["podcast", "license"] => keys_of::<RawLicense>(),
        ["podcast", "txt"] => keys_of::<RawTxt>(),
        ["podcast", "podroll"] => keys_of::<RawRemotePodcast>(),
        ["podcast", "funding"] | ["sessions", "links"] => keys_of::<RawLink>(),
        ["organizer"] | ["partners"] => keys_of::<RawOrganization>(),
        ["place"] => keys_of::<RawPlace>(),
        ["credits"] => keys_of::<RawCredit>(),
        ["page"] => keys_of::<RawPage>(),
        ["deploy"] => keys_of::<RawDeploy>(),
        ["renditions"] => keys_of::<RawRenditions>(),
        ["renditions", "podcast"] => keys_of::<RawPodcastRendition>(),
        ["renditions", "radio"] => keys_of::<RawRadioRendition>(),
        ["renditions", "light"] => keys_of::<RawLightRendition>(),
        ["sessions"] => keys_of::<RawSession>(),
        ["sessions", "speakers"] => keys_of::<RawSpeaker>(),
        ["sessions", "rebroadcasts"] => keys_of::<RawRebroadcast>(),
        ["sessions", "reports"] => keys_of::<RawReport>(),
        ["sessions", "drawings"] => keys_of::<RawDrawing>(),
        ["sessions", "chapters"] => keys_of::<RawChapter>(),
        ["sessions", "soundbites"] => keys_of::<RawSoundbite>(),
        ["sessions", "live"] => keys_of::<RawLive>(),
        _ => &[],
    }
}

/// The keys a `Raw*` struct accepts, renames applied, as its derived `Deserialize` declares
/// them: read from the structs themselves, so a list cannot drift from them.
fn keys_of<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut keys: &'static [&'static str] = &[];
    // Always an error: the deserializer stops as soon as it has seen the field names.
    let _ = T::deserialize(FieldNames(&mut keys));
    keys
}

/// A deserializer that only records the field names a struct asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// `write it in quotes` when TOML could not read the value of a `key = value` line, at
/// `offset`, because it is text written bare: `slot = 58:00` (TOML takes it for a time of
/// day), `title = Bonjour`. Given only when the config, with that value quoted, reads past
/// that line: never for a number or a boolean written wrong (`loudness = -16,5`,
/// `enabled = yes`), which quotes would not mend, nor inside a multi-line string.
pub(super) fn bare_text(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |at| at + 1);
    let end = text[start..].find('\n').map_or(text.len(), |at| start + at);
    let line = text[start..end].trim_end_matches('\r');
    let (key, written) = line.split_once('=')?;
    let key = key.trim();
    // A comment starts at a `#` after a blank.
    let value = written
        .char_indices()
        .find(|&(at, c)| c == '#' && at > 0 && written[..at].ends_with([' ', '\t']))
        .map_or(written, |(at, _)| &written[..at])
        .trim();
    let is_key = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !is_key || value.is_empty() || value.starts_with(['"', '\'', '[', '{']) {
        return None;
    }
    // A literal string keeps backslashes as they are written.
    let quoted = match (value.contains(['\\', '"']), value.contains('\'')) {
        (false, _) => format!("\"{value}\""),
        (true, false) => format!("'{value}'"),
        (true, true) => return None,
    };
    let mended = format!("{}{key} = {quoted}{}", &text[..start], &text[end..]);
    let error_line = |e: &toml::de::Error| {
        e.span()
            .is_some_and(|span| (start..=end).contains(&span.start))
    };
    let reads = match toml::from_str::<RawConfig>(&mended) {
        Ok(_) => true,
        Err(e) => !error_line(&e),
    };
    reads.then(|| format!("text is written in quotes: {key} = {quoted}"))
}

/// Why a text is not a `YYYY-MM-DD` date, or how to write it.
pub(crate) fn date(written: &str) -> String {
    let written = written.trim();
    let numbers = |separator: char| -> Option<Vec<u32>> {
        let parts: Vec<&str> = written.split(separator).collect();
        let all_digits = parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        (parts.len() == 3 && all_digits)
            .then(|| parts.iter().map(|p| p.parse().ok()).collect())
            .flatten()
    };
    let year_first = numbers('-').filter(|n| n[0] >= 1000);
    if let Some([year, month, day]) = year_first.as_deref() {
        let year = i32::try_from(*year).unwrap_or(i32::MAX);
        if !(1..=12).contains(month) {
            return format!(
                "there is no month {month}: the month comes between the year and the day"
            );
        }
        let last_day = (28..=31)
            .rev()
            .find(|d| NaiveDate::from_ymd_opt(year, *month, *d).is_some());
        if let Some(last) = last_day.filter(|last| *day == 0 || day > last) {
            let name = NaiveDate::from_ymd_opt(year, *month, 1)
                .map_or(String::new(), |d| d.format("%B %Y").to_string());
            return format!("{name} has {last} days, not {day}");
        }
    }
    let day_first = ['/', '.', '-']
        .into_iter()
        .filter_map(numbers)
        .find(|n| n[2] >= 1000 && n[0] <= 31);
    if let Some([day, month, year]) = day_first.as_deref()
        && let Some(date) = i32::try_from(*year)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, *month, *day))
    {
        return format!("did you mean `{date}`? dates are written year first (YYYY-MM-DD)");
    }
    "expected a date like 2022-11-17 (YYYY-MM-DD)".to_string()
}

/// How to write a time as `HH:MM`: from `7pm`, `19h30`, `19.30` or `19:00:00` when it can.
pub(crate) fn time(written: &str) -> String {
    let compact: String = written
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let (clock, add) = match compact.strip_suffix("pm").or(compact.strip_suffix("p.m.")) {
        Some(clock) => (clock.to_string(), 12),
        None => (
            compact
                .strip_suffix("am")
                .or(compact.strip_suffix("a.m."))
                .unwrap_or(&compact)
                .to_string(),
            0,
        ),
    };
    let mut parts = clock.split([':', 'h', '.']);
    let hour = parts.next().and_then(|h| digits(h, false));
    let minute = parts.next().map_or(Some(0), |m| digits(m, true));
    let seconds_only = parts.all(|s| digits(s, true).is_some());
    match (hour, minute) {
        (Some(hour), Some(minute)) if seconds_only => {
            let hour = if add == 12 && hour < 12 {
                hour + 12
            } else if add == 0 && compact.ends_with("am") && hour == 12 {
                0
            } else {
                hour
            };
            if hour < 24 && minute < 60 {
                format!("did you mean `{hour:02}:{minute:02}`?")
            } else {
                "hours go from 00 to 23 and minutes from 00 to 59, e.g. 19:00".to_string()
            }
        }
        _ => "expected HH:MM, e.g. 19:00".to_string(),
    }
}

/// The number written with one or two digits; an empty text counts as 0 when `empty_is_zero`.
fn digits(text: &str, empty_is_zero: bool) -> Option<u32> {
    match text.len() {
        0 if empty_is_zero => Some(0),
        1 | 2 if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        _ => None,
    }
}

/// What is wrong with a web address, in words.
pub(super) fn url(written: &str) -> Option<String> {
    let written = written.trim();
    let hint = match url::Url::parse(written) {
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let looks_like_a_host = written.contains('.')
                && !written.contains("//")
                && !written.contains(char::is_whitespace);
            let with_scheme = format!("https://{written}");
            if looks_like_a_host && super::values::parse_web_url(&with_scheme).is_ok() {
                format!("did you mean `{with_scheme}`? a link starts with https:// or http://")
            } else {
                "a link starts with https:// or http://, e.g. https://example.org/".to_string()
            }
        }
        Err(url::ParseError::InvalidPort) => {
            "the port after the host's `:` must be a number up to 65535".to_string()
        }
        Err(url::ParseError::EmptyHost) => {
            "write the host after `//`, e.g. https://example.org/".to_string()
        }
        Err(
            url::ParseError::InvalidDomainCharacter
            | url::ParseError::IdnaError
            | url::ParseError::InvalidIpv4Address
            | url::ParseError::InvalidIpv6Address,
        ) => "the host name holds a character no host name can have (a space?)".to_string(),
        Err(_) => return None,
        Ok(url) if !matches!(url.scheme(), "http" | "https") => format!(
            "`{}:` links cannot be opened from a podcast app or a page: use an https:// address",
            url.scheme()
        ),
        Ok(_) => "write the host after `https://`, e.g. https://example.org/".to_string(),
    };
    Some(hint)
}

/// Language names organizers write instead of a tag, with the tag.
const LANGUAGE_NAMES: &[(&str, &str)] = &[
    ("français", "fr"),
    ("francais", "fr"),
    ("french", "fr"),
    ("anglais", "en"),
    ("english", "en"),
    ("néerlandais", "nl"),
    ("dutch", "nl"),
    ("nederlands", "nl"),
    ("allemand", "de"),
    ("german", "de"),
    ("deutsch", "de"),
    ("espagnol", "es"),
    ("spanish", "es"),
    ("español", "es"),
    ("italien", "it"),
    ("italian", "it"),
    ("italiano", "it"),
    ("portugais", "pt"),
    ("portuguese", "pt"),
    ("português", "pt"),
    ("polonais", "pl"),
    ("polish", "pl"),
    ("polski", "pl"),
];

/// The tag meant by a language name (`français`) or by a tag written with `_` (`fr_FR`).
/// `accepted` says which tags can be used where the language is written.
pub(super) fn language(written: &str, accepted: impl Fn(&str) -> bool) -> Option<String> {
    let written = written.trim();
    let dashed = written.replace('_', "-");
    let lower = written.to_lowercase();
    let meant = LANGUAGE_NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, tag)| (*tag).to_string())
        .or_else(|| (dashed != written).then_some(dashed))?;
    accepted(&meant).then(|| format!("did you mean `{meant}`?"))
}

/// The IANA time zone meant by a misspelled one, or by a city alone (`Paris`).
pub(super) fn time_zone(written: &str) -> Option<String> {
    let written = written.trim().replace(' ', "_");
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let city = format!("/{}", written.to_lowercase());
    names()
        .find(|name| name.eq_ignore_ascii_case(&written))
        .or_else(|| names().find(|name| name.to_lowercase().ends_with(&city)))
        .or_else(|| closest(&written, names()))
        .map(|name| format!("did you mean `{name}`?"))
}

/// What Apple lists near a category it does not: a close name, or the subcategories it has.
pub(super) fn category(name: &str, sub: Option<&str>) -> Option<String> {
    let categories = crate::model::rules::APPLE_CATEGORIES;
    let Some((listed, subs)) = categories.iter().find(|(n, _)| *n == name) else {
        if let Some((parent, _)) = categories.iter().find(|(_, subs)| subs.contains(&name)) {
            return Some(format!(
                "`{name}` is a subcategory of `{parent}`: write `{parent} > {name}`"
            ));
        }
        let spelled_out = |n: &str| n.to_lowercase().replace('&', "and");
        let meant = categories
            .iter()
            .map(|(n, _)| *n)
            .find(|n| spelled_out(n) == spelled_out(name))
            .or_else(|| closest(name, categories.iter().map(|(n, _)| *n)))?;
        return Some(format!("did you mean `{meant}`?"));
    };
    if subs.is_empty() {
        return Some(format!(
            "`{listed}` has no subcategories: write `{listed}` alone"
        ));
    }
    let meant = sub.and_then(|s| closest(s, subs.iter().copied()));
    Some(match meant {
        Some(s) => format!("did you mean `{listed} > {s}`?"),
        None => format!(
            "`{listed}` lists {}",
            subs.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// The file of the same folder whose name is close to a missing file's, written as the
/// organizer wrote the missing one.
pub(super) fn missing_file(path: &Path, written: &str) -> Option<String> {
    let written_name = path.file_name()?.to_str()?;
    let mut names: Vec<String> = std::fs::read_dir(path.parent()?)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    // Sorted, so that of two equally close names the same one is always suggested.
    names.sort();
    let name = closest(written_name, names.iter().map(String::as_str))?;
    let folder = written.rsplit_once('/').map_or("", |(folder, _)| folder);
    let meant = if folder.is_empty() {
        name.to_string()
    } else {
        format!("{folder}/{name}")
    };
    Some(format!("did you mean `{meant}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &[&str]) -> Option<String> {
        let path: Vec<Segment> = path
            .iter()
            .map(|k| match k.parse() {
                Ok(i) => Segment::Index(i),
                Err(_) => Segment::Key((*k).to_string()),
            })
            .collect();
        unknown_key(&path)
    }

    #[test]
    fn reads_the_keys_from_the_raw_structs() {
        let session = keys_of::<RawSession>();
        for k in ["id", "number", "date", "time", "title", "chapters", "image"] {
            assert!(session.contains(&k), "{k} in {session:?}");
        }
        // Renamed fields are listed as written in the file.
        assert!(keys_of::<RawPodcast>().contains(&"type"));
        assert!(!keys_of::<RawPodcast>().contains(&"show_type"));
    }

    #[test]
    fn every_table_of_the_config_has_its_keys() {
        let tables: &[&[&str]] = &[
            &[],
            &["podcast"],
            &["podcast", "owner"],
            &["podcast", "license"],
            &["podcast", "txt"],
            &["podcast", "podroll"],
            &["podcast", "funding"],
            &["organizer"],
            &["partners"],
            &["place"],
            &["credits"],
            &["page"],
            &["deploy"],
            &["renditions"],
            &["renditions", "podcast"],
            &["renditions", "radio"],
            &["renditions", "light"],
            &["sessions"],
            &["sessions", "speakers"],
            &["sessions", "rebroadcasts"],
            &["sessions", "reports"],
            &["sessions", "drawings"],
            &["sessions", "links"],
            &["sessions", "chapters"],
            &["sessions", "soundbites"],
            &["sessions", "live"],
        ];
        for table in tables {
            assert!(!table_keys(table).is_empty(), "{table:?}");
        }
        // Each table of the top level and of a session is among them.
        for top in keys_of::<RawConfig>() {
            assert!(tables.contains(&&[*top][..]), "[{top}] has no keys listed");
        }
    }

    #[test]
    fn suggests_the_nearest_key_of_the_same_table() {
        assert_eq!(
            key(&["sessions", "2", "titel"]).as_deref(),
            Some("did you mean `title`?")
        );
        assert_eq!(
            key(&["podcast", "timezone"]).as_deref(),
            Some("did you mean `time_zone`?")
        );
        assert_eq!(
            key(&["sessions", "0", "speakers", "1", "affilation"]).as_deref(),
            Some("did you mean `affiliation`?")
        );
        assert_eq!(
            key(&["pdocast"]).as_deref(),
            Some("did you mean `podcast`?")
        );
        assert_eq!(key(&["sessions", "0", "colour"]), None);
    }

    #[test]
    fn explains_a_date_that_does_not_exist_or_is_written_day_first() {
        assert_eq!(date("2022-11-31"), "November 2022 has 30 days, not 31");
        assert_eq!(date("2023-02-29"), "February 2023 has 28 days, not 29");
        assert!(date("2022-13-01").starts_with("there is no month 13"));
        assert_eq!(
            date("17/11/2022"),
            "did you mean `2022-11-17`? dates are written year first (YYYY-MM-DD)"
        );
        assert_eq!(
            date("demain"),
            "expected a date like 2022-11-17 (YYYY-MM-DD)"
        );
        assert_eq!(
            date("2022-11-17 "),
            "expected a date like 2022-11-17 (YYYY-MM-DD)"
        );
    }

    #[test]
    fn rewrites_a_time_as_hh_mm() {
        assert_eq!(time("7pm"), "did you mean `19:00`?");
        assert_eq!(time("7:30 PM"), "did you mean `19:30`?");
        assert_eq!(time("12am"), "did you mean `00:00`?");
        assert_eq!(time("19h"), "did you mean `19:00`?");
        assert_eq!(time("19 h 30"), "did you mean `19:30`?");
        assert_eq!(time("19:00:00"), "did you mean `19:00`?");
        assert!(time("25:00").starts_with("hours go from 00 to 23"));
        assert_eq!(time("le soir"), "expected HH:MM, e.g. 19:00");
    }

    #[test]
    fn says_why_a_url_is_refused() {
        assert_eq!(
            url("laquadrature.net").as_deref(),
            Some("did you mean `https://laquadrature.net`? a link starts with https:// or http://")
        );
        assert!(
            url("mailto:a@b.org")
                .unwrap()
                .starts_with("`mailto:` links")
        );
        assert!(url("https://example.org:99999/").unwrap().contains("port"));
        assert!(url("https://exa mple.org/").unwrap().contains("host name"));
    }

    #[test]
    fn suggests_language_tags_and_time_zones() {
        let any = |_: &str| true;
        assert_eq!(
            language("français", any).as_deref(),
            Some("did you mean `fr`?")
        );
        assert_eq!(
            language("en_GB", any).as_deref(),
            Some("did you mean `en-GB`?")
        );
        assert_eq!(language("klingon", any), None);
        assert_eq!(language("Deutsch", |t| t == "fr"), None);
        assert_eq!(
            time_zone("Europe/paris").as_deref(),
            Some("did you mean `Europe/Paris`?")
        );
        assert_eq!(
            time_zone("Paris").as_deref(),
            Some("did you mean `Europe/Paris`?")
        );
        assert_eq!(
            time_zone("Europe/Pari").as_deref(),
            Some("did you mean `Europe/Paris`?")
        );
        assert_eq!(time_zone("Mars/Olympus"), None);
    }

    #[test]
    fn suggests_apple_categories() {
        assert_eq!(
            category("society and culture", None).as_deref(),
            Some("did you mean `Society & Culture`?")
        );
        assert_eq!(
            category("Tehcnology", None).as_deref(),
            Some("did you mean `Technology`?")
        );
        assert_eq!(
            category("News", Some("Politcs")).as_deref(),
            Some("did you mean `News > Politics`?")
        );
        assert!(
            category("Science", Some("Weather"))
                .unwrap()
                .contains("`Astronomy`")
        );
        assert_eq!(
            category("Politics", None).as_deref(),
            Some("`Politics` is a subcategory of `News`: write `News > Politics`")
        );
        assert_eq!(category("Weather", None), None);
    }
}
