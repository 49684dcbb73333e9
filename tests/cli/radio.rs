//! A radio rebroadcast whose edit the station shared: made into the broadcast renditions
//! (issue #13), published beside the episode, linked from the session's page, offered to apps
//! as `podcast:alternateEnclosure` (issue #3) and listed in `radio.xml`.

use crate::harness::{Project, attribute, elements, items};

/// A copy of the project whose second session's rebroadcast names `recordings/02-radio.mp3`.
fn with_radio_edit(content: Option<&[u8]>) -> (Project, String) {
    let project = Project::copy();
    let cycle = project.cycle();
    let session = &cycle.sessions[1];
    // An MP3 of the cycle (session 2's own recording is a WAV master).
    let mp3 = cycle.sessions[2].recording.clone().unwrap();
    let bytes = match content {
        Some(bytes) => bytes.to_vec(),
        None => std::fs::read(project.path(&mp3)).unwrap(),
    };
    std::fs::write(project.path("recordings/02-radio.mp3"), bytes).unwrap();
    let config = project.config();
    let at = config
        .find("[[sessions.rebroadcasts]]")
        .expect("the cycle has a rebroadcast");
    let note = at
        + config[at..]
            .find("\nnote = ")
            .expect("the rebroadcast has a note")
        + 1;
    let end = note + config[note..].find('\n').unwrap() + 1;
    project.write_config(&format!(
        "{}file = \"recordings/02-radio.mp3\"\n{}",
        &config[..end],
        &config[end..]
    ));
    (project, session.stem())
}

#[test]
fn publishes_the_radio_edit_as_an_alternate_enclosure_and_on_the_session_page() {
    let (project, stem) = with_radio_edit(None);
    project.publish();
    // The edit goes through the broadcast rendition: a 48 kHz 16-bit WAV and an MP3.
    let wav = std::fs::read(project.feed().join(format!("radio/{stem}-edit.wav"))).unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    let fmt = wav
        .windows(4)
        .position(|w| w == b"fmt ")
        .expect("a fmt chunk");
    let rate = u32::from_le_bytes(wav[fmt + 12..fmt + 16].try_into().unwrap());
    let bits = u16::from_le_bytes(wav[fmt + 22..fmt + 24].try_into().unwrap());
    assert_eq!((rate, bits), (48_000, 16));
    let mp3 = project.feed().join(format!("radio/{stem}-edit.mp3"));
    let mp3_len = std::fs::metadata(&mp3).unwrap().len();

    let xml = project.feed_text("feed.xml");
    let item = items(&xml)
        .into_iter()
        .find(|i| i.contains(&format!("episodes/{stem}.")))
        .unwrap();
    let alternates = elements(item, "podcast:alternateEnclosure");
    let edit = alternates
        .iter()
        .find(|a| attribute(a, "title").as_deref() == Some("L'Actualité des luttes"))
        .unwrap_or_else(|| panic!("no alternate for the radio edit in {item}"));
    assert_eq!(attribute(edit, "type").as_deref(), Some("audio/mpeg"));
    assert_eq!(attribute(edit, "length"), Some(mp3_len.to_string()));
    let source_element = elements(edit, "podcast:source");
    let uri = attribute(source_element[0], "uri").unwrap();
    assert_eq!(
        uri,
        format!("{}radio/{stem}-edit.mp3", project.cycle().base_url)
    );
    let integrity = elements(edit, "podcast:integrity");
    assert!(
        attribute(integrity[0], "value").is_some_and(|v| v.starts_with("sha384-")),
        "{edit}"
    );
    assert_eq!(
        feed_rs::parser::parse(xml.as_bytes())
            .unwrap()
            .entries
            .len(),
        5,
        "the feed still parses"
    );

    let page = project.feed_text(&format!("sessions/{stem}.html"));
    assert!(
        page.contains(&format!("src=\"../radio/{stem}-edit.mp3\"")),
        "the session page plays the radio edit"
    );
    // The radio partners' feed lists the edit beside the session's own broadcast files.
    let radio = project.feed_text("radio.xml");
    let edit_item = items(&radio)
        .into_iter()
        .find(|i| i.contains(&format!("radio/{stem}-edit.wav")))
        .expect("an item for the radio edit in radio.xml");
    assert!(edit_item.contains("-edit</guid>"), "{edit_item}");
    assert!(
        radio.contains(&format!("radio/{stem}.wav")),
        "the session's own broadcast file is listed too"
    );
}

#[test]
fn refuses_a_radio_edit_that_is_not_audio() {
    let (project, _) = with_radio_edit(Some(b"pas du son\n".repeat(50).as_slice()));
    let run = project.run(&["check"]).failure(1);
    assert!(
        run.error_lines()
            .iter()
            .any(|l| l.starts_with("recordings/02-radio.mp3: error:")),
        "{run}"
    );
}
