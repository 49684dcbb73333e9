//! Unit tests of the config: parsing, validation, hints and placements of problems.

use super::values::inside_project;
use super::*;
use crate::model::Id3Version;
use chrono::{NaiveDate, NaiveTime};

#[test]
fn knows_the_domains_reserved_for_examples() {
    for reserved in [
        "example.org",
        "EXAMPLE.com",
        "podcasts.example.net",
        "example.org.",
        "site.example",
    ] {
        assert!(is_example_domain(reserved), "{reserved}");
    }
    for real in [
        "mouton-numerique.org",
        "example.fr",
        "myexample.org",
        "example.org.fr",
    ] {
        assert!(!is_example_domain(real), "{real}");
    }
}

const MINIMAL: &str = r#"
[podcast]
title = "Cycle"
description = "Un cycle."
language = "fr"
base_url = "https://example.org/cycle"
time_zone = "Europe/Paris"
author = "Org"
[podcast.owner]
name = "Org"
email = "org@example.org"

[organizer]
name = "Org"

[[sessions]]
id = "premiere"
number = 1
date = "2022-10-25"
time = "19:00"
title = "Première"
description = "La première."
"#;

fn parse_str(text: &str) -> Result<Config, Vec<Problem>> {
    parse(text, "config.toml", Path::new("/project"))
}

/// The first line of each problem: where and what.
fn messages(text: &str) -> Vec<String> {
    parse_str(text)
        .unwrap_err()
        .iter()
        .map(Problem::headline)
        .collect()
}

#[test]
fn parses_a_minimal_cycle() {
    let config = parse_str(MINIMAL).unwrap();
    let cycle = &config.cycle;
    assert_eq!(
        cycle.podcast.base_url.as_str(),
        "https://example.org/cycle/"
    );
    assert_eq!(cycle.sessions[0].stem(), "01-premiere");
    assert_eq!(cycle.sessions[0].time, NaiveTime::from_hms_opt(19, 0, 0));
    assert_eq!(cycle.podcast.time_zone, chrono_tz::Europe::Paris);
}

#[test]
fn rejects_unknown_config_fields_with_their_line_all_at_once() {
    let text = MINIMAL.replace("author = \"Org\"", "author = \"Org\"\nauthour = \"x\"")
        + "colour = \"red\"\n";
    let found = messages(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(
        found[0],
        "config.toml:9:1: error: unknown key `podcast.authour`"
    );
    assert!(
        found[1].contains("unknown key `sessions[0].colour`"),
        "{found:?}"
    );
}

#[test]
fn reports_every_semantic_error_together() {
    let text = MINIMAL
        .replace("2022-10-25", "2022-13-40")
        .replace("\"19:00\"", "\"7pm\"")
        .replace("https://example.org/cycle", "javascript:alert(1)")
        .replace("org@example.org", "nobody");
    let found = messages(&text);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        found
            .iter()
            .any(|m| m
                .contains(":6:12: error: `javascript:alert(1)` must be an http or https URL")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.contains("`2022-13-40` is not a date"))
    );
    assert!(found.iter().any(|m| m.contains("`7pm` is not a time")));
    assert!(
        found
            .iter()
            .any(|m| m.contains("`nobody` is not an email address"))
    );
}

#[test]
fn rejects_duplicate_session_ids_and_numbers() {
    let second = &MINIMAL[MINIMAL.find("[[sessions]]").unwrap()..];
    let found = messages(&format!("{MINIMAL}{second}"));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("session id `premiere` is already used on line 17"),
        "{found:?}"
    );
    assert!(
        found[1].contains("session number 1 is already used on line 18"),
        "{found:?}"
    );
}

#[test]
fn rejects_paths_leaving_the_project() {
    let text = MINIMAL.replace(
        "description = \"La première.\"",
        "description = \"x\"\nrecording = \"../secret.mp3\"",
    );
    let found = messages(&text);
    assert!(
        found[0].contains("path `../secret.mp3` must stay inside the project folder"),
        "{found:?}"
    );
    let text = MINIMAL.replace(
        "description = \"La première.\"",
        "description = \"x\"\nrecording = \"/etc/passwd\"",
    );
    assert!(messages(&text)[0].contains("must stay inside the project folder"));
    assert_eq!(
        inside_project("recordings/../recordings/a.mp3").unwrap(),
        PathBuf::from("recordings/a.mp3")
    );
}

#[test]
fn keeps_the_line_of_a_syntax_error() {
    let found = messages("[podcast]\ntitle = \"unterminated\n");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("config.toml:2:"), "{found:?}");
}

#[test]
fn reports_a_missing_required_key() {
    let found = messages(&MINIMAL.replace("title = \"Cycle\"\n", ""));
    assert!(found[0].contains("missing field `title`"), "{found:?}");
}

#[test]
fn allows_a_session_with_a_date_alone() {
    let config = parse_str(&MINIMAL.replace("time = \"19:00\"\n", "")).unwrap();
    assert_eq!(config.cycle.sessions[0].time, None);
}

#[test]
fn rejects_ids_that_are_not_slugs() {
    let found = messages(&MINIMAL.replace("\"premiere\"", "\"Première rencontre\""));
    assert!(
        found[0].contains("must be lowercase ASCII letters"),
        "{found:?}"
    );
}

#[test]
fn chooses_id3v2_3_unless_the_config_asks_for_2_4() {
    let version = |text: &str| parse_str(text).unwrap().cycle.podcast.id3_version;
    assert_eq!(version(MINIMAL), Id3Version::V23);
    let asking = |v: &str| {
        MINIMAL.replace(
            "author = \"Org\"",
            &format!("author = \"Org\"\nid3_version = \"{v}\""),
        )
    };
    assert_eq!(version(&asking("2.4")), Id3Version::V24);
    assert_eq!(version(&asking("2.3")), Id3Version::V23);
    assert_eq!(
        messages(&asking("2.2")),
        ["config.toml:9:15: error: unknown ID3 version `2.2`: expected \"2.3\" or \"2.4\""]
    );
}

#[test]
fn reads_the_page_theme_folder_and_passage_languages() {
    let text = format!(
        "{MINIMAL}\n[[sessions.speakers]]\nname = \"A\"\naffiliation = \"Polish Academy of Sciences\"\nlang = \"en\"\n\n[[sessions.links]]\ntitle = \"Platform\"\nurl = \"https://example.org/\"\nlang = \"nl\"\n\n[page]\ntheme = \"theme\"\n"
    );
    let config = parse_str(&text).unwrap();
    let theme = config.theme.expect("a theme");
    assert_eq!(theme.path, PathBuf::from("/project/theme"));
    assert_eq!(theme.position.0, text.lines().count());
    let session = &config.cycle.sessions[0];
    assert_eq!(session.speakers[0].lang.as_deref(), Some("en"));
    assert_eq!(session.links[0].lang.as_deref(), Some("nl"));
}

#[test]
fn rejects_a_malformed_language_tag_and_a_theme_outside_the_project() {
    let text = format!(
        "{MINIMAL}\n[[sessions.speakers]]\nname = \"A\"\nlang = \"en_GB\"\n\n[page]\ntheme = \"../theme\"\n"
    );
    let found = messages(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("`en_GB` is not a language tag"),
        "{found:?}"
    );
    assert!(
        found[1].contains("path `../theme` must stay inside the project folder"),
        "{found:?}"
    );
}

#[test]
fn derives_the_podcast_guid_from_the_feed_url() {
    let a = parse_str(MINIMAL).unwrap().cycle.podcast.guid;
    let b = parse_str(&MINIMAL.replace("example.org/cycle", "example.org/other"))
        .unwrap()
        .cycle
        .podcast
        .guid;
    assert_ne!(a, b);
    assert_eq!(a, parse_str(MINIMAL).unwrap().cycle.podcast.guid);
}

#[test]
fn underlines_the_whole_value_or_key_and_hints_at_the_fix() {
    let text = MINIMAL.replace("title = \"Première\"", "titel = \"Première\"");
    let problems = parse_str(&text).unwrap_err();
    let key = problems
        .iter()
        .find(|p| p.message.contains("titel"))
        .expect("the misspelled key");
    let excerpt = key.excerpt.as_ref().expect("an excerpt");
    assert_eq!(excerpt.line, "titel = \"Première\"");
    assert_eq!((excerpt.start, excerpt.width), (0, 5));
    assert_eq!(key.hint.as_deref(), Some("did you mean `title`?"));
    let date = parse_str(&MINIMAL.replace("2022-10-25", "2022-11-31")).unwrap_err();
    let excerpt = date[0].excerpt.as_ref().expect("an excerpt");
    assert_eq!((excerpt.start, excerpt.width), (7, 12));
    assert_eq!(
        date[0].hint.as_deref(),
        Some("November 2022 has 30 days, not 31")
    );
}

#[test]
fn a_value_toml_cannot_read_as_written_is_hinted_in_quotes() {
    let slot = parse_str(&format!("{MINIMAL}\n[renditions.radio]\nslot = 58:00\n")).unwrap_err();
    assert_eq!(
        slot[0].hint.as_deref(),
        Some("text is written in quotes: slot = \"58:00\""),
        "{slot:?}"
    );
    let title =
        parse_str(&MINIMAL.replace("title = \"Cycle\"", "title = Cycle # the name")).unwrap_err();
    assert_eq!(
        title[0].hint.as_deref(),
        Some("text is written in quotes: title = \"Cycle\""),
        "{title:?}"
    );
    // A backslash is kept as it is written, in a literal string.
    let path =
        parse_str(&MINIMAL.replace("title = \"Cycle\"", "title = C:\\x\t# done")).unwrap_err();
    assert_eq!(
        path[0].hint.as_deref(),
        Some("text is written in quotes: title = 'C:\\x'"),
        "{path:?}"
    );
    // Numbers and booleans written wrong are not text: quotes would not mend them.
    for (table, key, wrong) in [
        ("podcast", "loudness", "-16.5.1"),
        ("podcast", "loudness", "-16,5"),
        ("podcast", "loudness", "-16 LUFS"),
        ("light", "enabled", "yes"),
    ] {
        let problems = parse_str(&format!(
            "{MINIMAL}\n[renditions.{table}]\n{key} = {wrong}\n"
        ))
        .unwrap_err();
        assert_eq!(problems[0].hint, None, "{key} = {wrong}: {problems:?}");
    }
}

// Issue 11: `date = 2023-04-13`, unquoted, said "invalid type: map, expected a string".
#[test]
fn accepts_native_toml_dates_and_times() {
    let text = MINIMAL
        .replace("\"2022-10-25\"", "2022-10-25")
        .replace("\"19:00\"", "19:30:00")
        + "[[sessions.rebroadcasts]]\nshow = \"S\"\nstation = \"R\"\naired = 2022-11-02\nurl = \"https://radio.example/s\"\n";
    let config = parse_str(&text).unwrap_or_else(|p| panic!("{p:?}"));
    let session = &config.cycle.sessions[0];
    assert_eq!(session.date, NaiveDate::from_ymd_opt(2022, 10, 25).unwrap());
    assert!(session.date_written);
    assert_eq!(session.time, NaiveTime::from_hms_opt(19, 30, 0));
    assert_eq!(
        session.rebroadcasts[0].aired,
        NaiveDate::from_ymd_opt(2022, 11, 2)
    );
    // TOML 1.1 lets a time leave out its seconds.
    let short = MINIMAL.replace("\"19:00\"", "19:00");
    let config = parse_str(&short).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(
        config.cycle.sessions[0].time,
        NaiveTime::from_hms_opt(19, 0, 0)
    );
}

#[test]
fn refuses_a_native_date_and_time_where_a_date_or_a_time_alone_is_expected() {
    let line =
        |text: &str, needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let text = MINIMAL
        .replace("\"2022-10-25\"", "2022-10-25T19:00:00+02:00")
        .replace("\"19:00\"", "19:00:30");
    let found = messages(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    let (date, time) = (line(&text, "date ="), line(&text, "time ="));
    assert_eq!(
        found[0],
        format!(
            "config.toml:{date}:8: error: `2022-10-25T19:00:00+02:00` is not a date: write the day alone (YYYY-MM-DD, e.g. 2022-10-25) and the start in `time`"
        )
    );
    assert_eq!(
        found[1],
        format!(
            "config.toml:{time}:8: error: `19:00:30` is not a time: expected HH:MM, e.g. 19:00"
        )
    );
    let swapped = MINIMAL
        .replace("\"2022-10-25\"", "19:00:00")
        .replace("\"19:00\"", "2022-10-25");
    let found = messages(&swapped);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].ends_with("error: `19:00:00` is not a date: write the day alone (YYYY-MM-DD, e.g. 2022-10-25) and the start in `time`"), "{found:?}");
    assert!(
        found[1].ends_with("error: `2022-10-25` is not a time: expected HH:MM, e.g. 19:00"),
        "{found:?}"
    );
    let problems = parse_str(&text).unwrap_err();
    assert_eq!(problems[1].hint.as_deref(), Some("did you mean `19:00`?"));
}

#[test]
fn asks_for_a_chapter_start_in_quotes_rather_than_a_time_of_day() {
    let text = MINIMAL.to_string() + "[[sessions.chapters]]\nstart = 00:00:00\ntitle = \"Début\"\n";
    let found = messages(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with("error: a chapter start is written in quotes, e.g. \"12:30\": unquoted, `00:00:00` is a time of day"),
        "{found:?}"
    );
}

#[test]
fn finds_the_end_of_the_token_an_offset_starts() {
    fn span(text: &str) -> &str {
        &text[token_span(text, 0)]
    }
    assert_eq!(span("\"a \\\" b\" # c"), "\"a \\\" b\"");
    assert_eq!(span("'a\\' b"), "'a\\'");
    assert_eq!(span("key = 1"), "key");
    assert_eq!(span("\"\"\"\nx\"\"\" y"), "\"\"\"\nx\"\"\"");
    assert_eq!(span("\"open\nx"), "\"open");
    assert_eq!(span(""), "");
    let text = "a = 1\nbé = \"x\"\n";
    assert_eq!(offset_of(text, (2, 6)), text.find('"').unwrap());
}

// Issue 11: a control character in a text was written into feed.xml, which no client
// could parse then.
#[test]
fn refuses_control_characters_written_or_escaped_at_their_position() {
    let raw = MINIMAL.replace("title = \"Cycle\"", "title = \"Cy\u{b}cle\"");
    assert_eq!(
        messages(&raw),
        [
            "config.toml:3:12: error: U+000B (vertical tab) is not allowed in a text: feeds (XML 1.0) and terminals cannot carry control characters"
        ]
    );
    let c1 = MINIMAL.replace("name = \"Org\"\n\n", "name = \"O\u{85}rg\"\n\n");
    let found = messages(&c1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("config.toml:14:10: error: U+0085 (next line)"),
        "{found:?}"
    );
    for (escape, named) in [
        ("\\u0000", "U+0000 (null)"),
        ("\\b", "U+0008 (backspace)"),
        ("\\e", "U+001B (escape)"),
        ("\\x7F", "U+007F (delete)"),
        ("\\U0000FFFF", "U+FFFF (noncharacter)"),
    ] {
        let text = MINIMAL.replace("La première.", &format!("La \\\\ {escape}première."));
        let found = messages(&text);
        assert_eq!(found.len(), 1, "{escape}: {found:?}");
        assert!(
            found[0].starts_with(&format!("config.toml:22:22: error: {named} is not allowed")),
            "{escape}: {found:?}"
        );
    }
    assert!(parse_str(&MINIMAL.replace("La première.", "La\\tpremière.\\n")).is_ok());
}

// Issue 11: `+10000-01-01` passed and then panicked in publish (no RFC 2822 form);
// `0000-01-01` gave a pubDate no reader accepts.
#[test]
fn refuses_dates_outside_the_years_every_output_can_write() {
    for written in [
        "\"+10000-01-01\"",
        "\"-0001-01-01\"",
        "\"0000-01-01\"",
        "\"1899-12-31\"",
        "0000-01-01",
        "1899-12-31",
    ] {
        let text = MINIMAL.replace("\"2022-10-25\"", written)
            + "[[sessions.rebroadcasts]]\nshow = \"S\"\nstation = \"R\"\naired = "
            + written
            + "\nurl = \"https://radio.example/s\"\n";
        let found = messages(&text);
        assert_eq!(found.len(), 2, "{written}: {found:?}");
        let shown = written.trim_matches('"');
        assert_eq!(
            found[0],
            format!(
                "config.toml:19:8: error: `{shown}` is out of range: a date must be in the years 1900 to 9999"
            )
        );
        assert!(
            found[1].starts_with("config.toml:26:9: error: `"),
            "{found:?}"
        );
    }
    for fine in ["1900-01-01", "9999-12-31"] {
        assert!(
            parse_str(&MINIMAL.replace("2022-10-25", fine)).is_ok(),
            "{fine}"
        );
    }
}

// Issue 11: a chapter start too large for a u64 overflowed (a panic in a debug build).
#[test]
fn refuses_a_chapter_start_too_large_to_hold() {
    assert_eq!(parse_timestamp("18446744073709551:00:00"), None);
    assert_eq!(parse_timestamp("99999999999999999999"), None);
    assert_eq!(parse_timestamp("1:02:03.5"), Some(3_723_500));
    let text = MINIMAL.to_string()
        + "[[sessions.chapters]]\nstart = \"0:00\"\ntitle = \"A\"\n[[sessions.chapters]]\nstart = \"18446744073709551:00:00\"\ntitle = \"B\"\n";
    let found = messages(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("is not a chapter start"), "{found:?}");
}

// Issue 11: episode titles and descriptions had no limit (1 MB accepted) while the
// podcast description was capped at 4,000 bytes.
#[test]
fn applies_the_directories_length_limits_to_every_episode_text_at_its_value() {
    let long = |n: usize| "é".repeat(n);
    let text = MINIMAL
        .replace(
            "title = \"Première\"",
            &format!("title = \"{}\"", long(256)),
        )
        .replace("La première.", &long(2001))
        + &format!(
            "[[sessions.speakers]]\nname = \"{}\"\n[[sessions.chapters]]\nstart = \"0:00\"\ntitle = \"{}\"\n[[sessions.links]]\ntitle = \"{}\"\nurl = \"https://example.org/\"\n[[sessions.reports]]\ntitle = \"{}\"\nurl = \"https://example.org/r\"\n",
            long(129),
            long(256),
            long(256),
            long(256)
        );
    let found = messages(&text);
    let expected = [
        "config.toml:21:9: error: this text is 256 characters long: podcast directories accept at most 255",
        "config.toml:22:15: error: this text is 4,002 bytes long: podcast directories accept at most 4,000",
        "config.toml:24:8: error: this text is 129 characters long: podcast directories accept at most 128",
        "config.toml:27:9: error: this text is 256 characters long: podcast directories accept at most 255",
        "config.toml:29:9: error: this text is 256 characters long: podcast directories accept at most 255",
        "config.toml:32:9: error: this text is 256 characters long: podcast directories accept at most 255",
    ];
    assert_eq!(found, expected);
    let fine = MINIMAL
        .replace(
            "title = \"Première\"",
            &format!("title = \"{}\"", long(255)),
        )
        .replace("La première.", &long(2000));
    assert!(parse_str(&fine).is_ok());
}

// Issue 11: `check` accepted two sessions naming the same recording, which `session add`
// refused.
#[test]
fn refuses_a_recording_named_by_two_sessions_at_the_second() {
    let text = MINIMAL.replace(
        "description = \"La première.\"",
        "description = \"x\"\nrecording = \"recordings/a.mp3\"",
    ) + "\n[[sessions]]\nid = \"seconde\"\nnumber = 2\nrecording = \"recordings/./a.mp3\"\n";
    assert_eq!(
        messages(&text),
        [
            "config.toml:28:13: error: `recordings/./a.mp3` is already the recording of the session on line 23"
        ]
    );
}

#[test]
fn renditions_default_when_left_out() {
    let config = parse_str(MINIMAL).unwrap();
    assert_eq!(
        config.cycle.renditions,
        crate::model::rendition::RenditionSettings::default()
    );
}

#[test]
fn reads_every_rendition_key() {
    use crate::model::rendition::LosslessFormat;
    let text = MINIMAL.to_string()
        + "[renditions.podcast]\nloudness = -18.5\ntrue_peak = -2\nbitrate = 96\nstereo_bitrate = 160\n"
        + "[renditions.radio]\nloudness = -24\nformat = \"flac\"\nbitrate = 192\nslot = \"1:28:30\"\n"
        + "[renditions.light]\nbitrate = 24\n";
    let renditions = parse_str(&text).unwrap().cycle.renditions;
    assert_eq!(renditions.podcast.target.integrated_lufs, -18.5);
    assert_eq!(renditions.podcast.target.true_peak_dbtp, -2.0);
    assert_eq!(
        (renditions.podcast.mono_kbps, renditions.podcast.stereo_kbps),
        (96, 160)
    );
    let radio = renditions.radio.unwrap();
    assert_eq!(radio.target.integrated_lufs, -24.0);
    assert_eq!(radio.target.true_peak_dbtp, -1.0);
    assert_eq!(radio.format, LosslessFormat::Flac);
    assert_eq!(radio.mp3_kbps, 192);
    assert_eq!(radio.slot_secs, Some(5310));
    assert_eq!(renditions.light.unwrap().kbps, 24);
}

#[test]
fn disabled_renditions_are_none() {
    let text = MINIMAL.to_string()
        + "[renditions.radio]\nenabled = false\n[renditions.light]\nenabled = false\n";
    let renditions = parse_str(&text).unwrap().cycle.renditions;
    assert_eq!(renditions.radio, None);
    assert_eq!(renditions.light, None);
}

#[test]
fn refuses_rendition_values_out_of_bounds_at_their_line() {
    for (table, key, value, expected) in [
        (
            "podcast",
            "loudness",
            "-40",
            "the loudness must be from -30 to -10 LUFS, not -40",
        ),
        (
            "podcast",
            "loudness",
            "-9",
            "the loudness must be from -30 to -10 LUFS, not -9",
        ),
        (
            "podcast",
            "true_peak",
            "0.5",
            "the true peak must be from -9 to 0 dBTP, not 0.5",
        ),
        (
            "podcast",
            "true_peak",
            "-10",
            "the true peak must be from -9 to 0 dBTP, not -10",
        ),
        (
            "podcast",
            "bitrate",
            "160",
            "160 kbit/s is not a bitrate of this file: expected one of 32, 40, 48, 56, 64, 80, 96, 112, 128",
        ),
        ("podcast", "bitrate", "65", "65 kbit/s"),
        ("podcast", "stereo_bitrate", "48", "48 kbit/s"),
        (
            "radio",
            "loudness",
            "-31",
            "the loudness must be from -30 to -10 LUFS",
        ),
        (
            "radio",
            "bitrate",
            "112",
            "expected one of 128, 160, 192, 224, 256, 320",
        ),
        (
            "radio",
            "format",
            "\"mp3\"",
            "unknown radio format `mp3`: expected \"wav\" or \"flac\"",
        ),
        ("radio", "slot", "\"58\"", "`58` is not a broadcast slot"),
        (
            "radio",
            "slot",
            "\"0:00\"",
            "`0:00` is not a broadcast slot",
        ),
        (
            "light",
            "bitrate",
            "64",
            "expected one of 16, 24, 32, 40, 48",
        ),
        ("light", "bitrate", "-32", "-32 kbit/s"),
    ] {
        let text = format!("{MINIMAL}\n[renditions.{table}]\n{key} = {value}\n");
        let line = text.lines().count();
        let found = messages(&text);
        assert_eq!(found.len(), 1, "{key} = {value}: {found:?}");
        assert!(
            found[0].starts_with(&format!("config.toml:{line}:")) && found[0].contains(expected),
            "{key} = {value}: {found:?}"
        );
    }
}

#[test]
fn accepts_rendition_bounds() {
    for (table, key, value) in [
        ("podcast", "loudness", "-30"),
        ("podcast", "loudness", "-10"),
        ("podcast", "true_peak", "-9"),
        ("podcast", "true_peak", "0"),
        ("podcast", "bitrate", "32"),
        ("podcast", "bitrate", "128"),
        ("podcast", "stereo_bitrate", "64"),
        ("podcast", "stereo_bitrate", "320"),
        ("radio", "bitrate", "128"),
        ("radio", "bitrate", "320"),
        ("radio", "slot", "\"58:00\""),
        ("light", "bitrate", "16"),
        ("light", "bitrate", "48"),
    ] {
        let text = format!("{MINIMAL}\n[renditions.{table}]\n{key} = {value}\n");
        assert!(parse_str(&text).is_ok(), "{key} = {value}");
    }
}

#[test]
fn names_a_misspelled_rendition_key() {
    let text = MINIMAL.to_string() + "[renditions.podcast]\nloudnes = -16\n[renditions.radoi]\n";
    let found = parse_str(&text).unwrap_err();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0]
            .headline()
            .contains("unknown key `renditions.podcast.loudnes`")
    );
    assert_eq!(found[0].hint.as_deref(), Some("did you mean `loudness`?"));
    assert!(
        found[1]
            .headline()
            .contains("unknown key `renditions.radoi`")
    );
    assert_eq!(found[1].hint.as_deref(), Some("did you mean `radio`?"));
}

#[test]
fn reads_a_rebroadcast_slot() {
    let text = MINIMAL.to_string()
        + "[[sessions.rebroadcasts]]\nshow = \"S\"\nstation = \"R\"\nurl = \"https://radio.example/s\"\nslot = \"28:30\"\n";
    let config = parse_str(&text).unwrap();
    assert_eq!(
        config.cycle.sessions[0].rebroadcasts[0].slot_secs,
        Some(1710)
    );
    let wrong = text.replace("\"28:30\"", "\"soon\"");
    assert!(messages(&wrong)[0].contains("`soon` is not a broadcast slot"));
}

#[test]
fn reads_the_deploy_table_and_names_its_hubs_in_the_podcast() {
    let config = parse_str(&format!(
        "{MINIMAL}\n[deploy]\nto = \"s3://podcasts/cycle\"\nendpoint = \"http://127.0.0.1:9000\"\nnotify = [\"https://hub.example.org/\", \"podcastindex\"]\n"
    ))
    .unwrap();
    assert_eq!(config.deploy.to.as_deref(), Some("s3://podcasts/cycle"));
    assert_eq!(
        config.deploy.endpoint.as_ref().map(url::Url::as_str),
        Some("http://127.0.0.1:9000/")
    );
    let hub = url::Url::parse("https://hub.example.org/").unwrap();
    assert_eq!(
        config.deploy.notify,
        vec![super::Notify::Hub(hub.clone()), super::Notify::PodcastIndex]
    );
    assert_eq!(config.cycle.podcast.hubs, vec![hub]);
    let wrong = messages(&format!(
        "{MINIMAL}\n[deploy]\nnotify = [\"not a hub\"]\ntoo = 1\n"
    ));
    assert_eq!(wrong.len(), 2, "{wrong:?}");
}
