//! Unit tests of `init` and `session add`: ids, numbers, appended text, templates.

use super::ids::{MAX_ID_LEN, unique_id};
use super::*;

fn session(id: &str, number: u32) -> NewSession {
    NewSession {
        id: id.to_string(),
        number,
        date: NaiveDate::from_ymd_opt(2023, 4, 13),
        time: NaiveTime::from_hms_opt(19, 0, 0),
        title: Some("Le « titre » de la rencontre".to_string()),
        recording: Some("recordings/06-mon-sujet.mp3".to_string()),
        description: Some("Un paragraphe.".to_string()),
    }
}

fn parse_config(text: &str) -> Result<crate::project::config::Config, Vec<Problem>> {
    crate::project::config::parse(text, "config.toml", Path::new("/project"))
}

#[test]
fn folds_accents_and_punctuation_into_an_id() {
    assert_eq!(
        session_id_from_title("Dématérialisation et cabinets de conseil"),
        "dematerialisation-et-cabinets-de-conseil"
    );
    assert_eq!(
        session_id_from_title("  Œuvres, cœurs & æther — ça « marche » !  "),
        "oeuvres-coeurs-aether-ca-marche"
    );
    assert_eq!(session_id_from_title("« … »"), "");
}

// Issue 10: `l'`, `d'`, `qu'`… are no words of the id.
#[test]
fn drops_french_elisions_with_either_apostrophe() {
    assert_eq!(session_id_from_title("L’État, 2023"), "etat-2023");
    assert_eq!(
        session_id_from_title("L'algorithmisation du contrôle CAF"),
        "algorithmisation-du-controle-caf"
    );
    assert_eq!(
        session_id_from_title("Qu’est-ce qu'on n'attend d'elle ? J'écoute, c'est m'sieur"),
        "est-ce-on-attend-elle-ecoute-est-sieur"
    );
    // An apostrophe that ends no elision stays a word break.
    assert_eq!(
        session_id_from_title("Aujourd'hui, l'open data"),
        "aujourd-hui-open-data"
    );
}

// Issue 10: "L'intelligence artificielle dans les services publics" was cut to
// `l-intelligence-artificielle-dans-les`.
#[test]
fn shortens_a_long_id_to_its_meaningful_words() {
    let id = session_id_from_title("L'intelligence artificielle dans les services publics");
    assert_eq!(id, "intelligence-artificielle-services");
    let id = session_id_from_title(
        "Les conséquences de la numérisation sur le travail social et administratif",
    );
    assert_eq!(id, "consequences-numerisation-travail-social");
    assert!(id.len() <= MAX_ID_LEN);
    let id = session_id_from_title("The future of work and the state of the unions in 2024");
    assert_eq!(id, "future-work-state-unions-2024");
    let one_word = session_id_from_title(&"a".repeat(60));
    assert_eq!(one_word.len(), MAX_ID_LEN);
}

#[test]
fn keeps_function_words_when_nothing_else_is_left() {
    assert_eq!(
        session_id_from_title("De la, de le, de les, de des, de du et ou en dans sur pour"),
        "de-la-de-le-de-les-de-des-de-du-et-ou-en"
    );
}

#[test]
fn numbers_after_the_highest_session() {
    assert_eq!(next_number([]), 1);
    assert_eq!(next_number([1, 5, 3]), 6);
    assert_eq!(next_number([-4]), 1);
}

#[test]
fn suffixes_an_id_already_used() {
    assert_eq!(unique_id("sujet", &["autre"]), "sujet");
    assert_eq!(unique_id("sujet", &["sujet", "sujet-2"]), "sujet-3");
}

#[test]
fn appends_a_table_and_keeps_every_byte_before_it() {
    let text = "# un commentaire\n[podcast]\nlanguage = \"fr\"   # aligné\n";
    let after = append_session(text, &session("mon-sujet", 6));
    assert!(after.starts_with(text));
    let rule = "─".repeat(HEADING_WIDTH - "# ─── Rencontre #6 ".chars().count());
    assert_eq!(
        after[text.len()..],
        format!(
            "\n# ─── Rencontre #6 {rule}\n\
         [[sessions]]\n\
         id = \"mon-sujet\"\n\
         number = 6\n\
         date = \"2023-04-13\"\n\
         time = \"19:00\"\n\
         title = \"Le « titre » de la rencontre\"\n\
         recording = \"recordings/06-mon-sujet.mp3\"\n\
         description = \"\"\"\nUn paragraphe.\n\"\"\"\n"
        )
    );
}

#[test]
fn leaves_out_the_keys_the_recording_tags_give() {
    let mut new = session("mon-sujet", 6);
    (new.title, new.date, new.description, new.time) = (None, None, None, None);
    let after = append_session("", &new);
    assert!(
        after.ends_with(
            "[[sessions]]\nid = \"mon-sujet\"\nnumber = 6\nrecording = \"recordings/06-mon-sujet.mp3\"\n"
        ),
        "{after}"
    );
}

#[test]
fn heads_the_table_in_the_cycles_language_and_mends_a_missing_line_break() {
    let text = "[podcast]\nlanguage = \"en-GB\"";
    let after = append_session(text, &session("s", 12));
    assert!(after.starts_with("[podcast]\nlanguage = \"en-GB\"\n\n# ─── Session #12 ─"));
    let crlf = "[podcast]\r\nlanguage = \"fr\"\r\n";
    let after = append_session(crlf, &session("s", 1));
    assert!(!after.replace("\r\n", "").contains('\n'), "{after:?}");
}

#[test]
fn escapes_a_title_with_quotes_and_backslashes() {
    let mut new = session("s", 1);
    new.title = Some(r#"Un "titre" \ avec ''' tout"#.to_string());
    let after = append_session("", &new);
    let parsed: DocumentMut = after.parse().unwrap();
    assert_eq!(
        parsed["sessions"][0]["title"].as_str(),
        new.title.as_deref()
    );
}

#[test]
fn renders_templates_that_pass_the_config_rules() {
    for language in [Language::French, Language::English] {
        let url = Url::parse("https://example.net/podcast/").unwrap();
        let text = render_config(language, Some("Un \"cycle\" & d'autres"), Some(&url));
        let config = parse_config(&text).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(config.cycle.podcast.title, "Un \"cycle\" & d'autres");
        assert_eq!(config.cycle.podcast.base_url, url);
        assert!(config.cycle.sessions.is_empty());
    }
}

#[test]
fn keeps_the_templates_comments_as_written() {
    for language in [Language::French, Language::English] {
        let template = config_template(language);
        let text = render_config(language, None, None);
        assert_eq!(text, template);
    }
}

// Issue 5: `init`'s defaults passed `check` silently.
#[test]
fn marks_every_value_the_templates_invent_as_a_placeholder() {
    // Chosen by `--lang`, or defaults that are right as they are.
    let defaults = ["language", "time_zone", "id3_version"];
    let marked = |text: &str| {
        crate::project::config::PLACEHOLDER_MARKS
            .iter()
            .any(|m| text.contains(m))
    };
    for language in [Language::French, Language::English] {
        let text = config_template(language);
        let table: toml::Table = text.parse().unwrap();
        let mut strings = Vec::new();
        let mut tables = vec![&table];
        while let Some(table) = tables.pop() {
            for (key, value) in table {
                match value {
                    toml::Value::Table(inner) => tables.push(inner),
                    toml::Value::String(s) if !defaults.contains(&key.as_str()) => {
                        strings.push((key, s));
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(strings.len(), 7, "{strings:?}");
        for (key, value) in strings {
            // A value that must stay a valid address carries its mark in a comment.
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{key} = \"{value}\"")));
            assert!(
                marked(value) || line.is_some_and(marked),
                "{language:?}: `{key} = {value:?}` is invented but not marked"
            );
        }
        let table: toml::Table = text.parse().unwrap();
        let podcast = &table["podcast"];
        assert_eq!(podcast["title"].as_str(), Some(placeholder_title(language)));
        assert_eq!(podcast["base_url"].as_str(), Some(PLACEHOLDER_BASE_URL));
    }
}

#[test]
fn a_given_title_and_address_replace_their_placeholders() {
    let url = Url::parse("https://cycle.example.fr/podcast/").unwrap();
    for language in [Language::French, Language::English] {
        let text = render_config(language, Some("Le cycle"), Some(&url));
        let line = |key: &str| {
            text.lines()
                .find(|l| l.starts_with(key))
                .unwrap_or_else(|| panic!("{text}"))
                .to_string()
        };
        assert_eq!(line("title = "), "title = \"Le cycle\"");
        assert_eq!(
            line("base_url = "),
            "base_url = \"https://cycle.example.fr/podcast/\""
        );
    }
}

#[test]
fn an_appended_session_passes_the_config_rules() {
    let text = render_config(Language::French, Some("Cycle"), None);
    let mut new = session("mon-sujet", 1);
    new.recording = None;
    let config = parse_config(&append_session(&text, &new)).unwrap();
    let added = &config.cycle.sessions[0];
    assert_eq!((added.id.as_str(), added.number), ("mon-sujet", 1));
    assert_eq!(added.description, "Un paragraphe.");
}

#[test]
fn reads_the_sessions_already_there() {
    let text = "[[sessions]]\nid = \"a\"\nnumber = 3\nrecording = \"recordings/a.mp3\"\n\n[[sessions]]\nid = \"b\"\nnumber = 7\n";
    let found = existing_sessions(text, "config.toml").unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].id, Some(("a".to_string(), 2)));
    assert_eq!(found[1].number, Some((7, 8)));
    assert_eq!(
        found[0].recording,
        Some(("recordings/a.mp3".to_string(), 4))
    );
}

#[test]
fn refuses_sessions_written_inline_and_text_that_is_not_toml() {
    let inline = existing_sessions("sessions = []\n", "config.toml").unwrap_err();
    assert!(inline.to_string().starts_with("config.toml:1:"), "{inline}");
    assert!(
        inline
            .to_string()
            .contains("not written as `[[sessions]]` tables")
    );
    let broken = existing_sessions("a = 1\n[podcast\n", "config.toml").unwrap_err();
    assert!(broken.to_string().starts_with("config.toml:2:"), "{broken}");
}

#[test]
fn reads_dates_and_times_in_one_shape_only() {
    assert_eq!(
        parse_date("2023-04-13"),
        Ok(NaiveDate::from_ymd_opt(2023, 4, 13).unwrap())
    );
    assert!(parse_date("2023-4-13").is_err());
    // Issue 11: years no output can write.
    assert_eq!(
        parse_date("0000-01-01"),
        Err("`0000-01-01` is out of range: a date must be in the years 1900 to 9999".into())
    );
    assert!(
        parse_date("2023-02-30")
            .unwrap_err()
            .contains("expected YYYY-MM-DD")
    );
    assert_eq!(
        parse_time("19:00"),
        Ok(NaiveTime::from_hms_opt(19, 0, 0).unwrap())
    );
    assert!(parse_time("7pm").unwrap_err().contains("expected HH:MM"));
    assert!(parse_time("9:00").is_err());
}
