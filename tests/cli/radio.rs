//! A radio rebroadcast whose edit the station shared: published beside the episode, linked
//! from the session's page and offered to apps as `podcast:alternateEnclosure` (issue #3).

use crate::harness::{Project, attribute, elements, items};

/// A copy of the project whose second session's rebroadcast names `recordings/02-radio.mp3`.
fn with_radio_edit(content: Option<&[u8]>) -> (Project, String) {
    let project = Project::copy();
    let cycle = project.cycle();
    let session = &cycle.sessions[1];
    let recording = session.recording.clone().unwrap();
    let bytes = match content {
        Some(bytes) => bytes.to_vec(),
        None => std::fs::read(project.path(&recording)).unwrap(),
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
    let published = project.feed().join(format!("radio/{stem}.mp3"));
    let source = std::fs::read(project.path("recordings/02-radio.mp3")).unwrap();
    assert_eq!(
        std::fs::read(&published).unwrap(),
        source,
        "the radio edit is published as it is"
    );

    let xml = project.feed_text("feed.xml");
    let item = items(&xml)
        .into_iter()
        .find(|i| i.contains(&format!("episodes/{stem}.")))
        .unwrap();
    let alternates = elements(item, "podcast:alternateEnclosure");
    assert_eq!(alternates.len(), 1, "{item}");
    let alternate = alternates[0];
    assert_eq!(attribute(alternate, "type").as_deref(), Some("audio/mpeg"));
    assert_eq!(
        attribute(alternate, "length"),
        Some(source.len().to_string())
    );
    assert_eq!(
        attribute(alternate, "title").as_deref(),
        Some("L'Actualité des luttes")
    );
    let source_element = elements(alternate, "podcast:source");
    let uri = attribute(source_element[0], "uri").unwrap();
    assert_eq!(uri, format!("{}radio/{stem}.mp3", project.cycle().base_url));
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
        page.contains(&format!("src=\"../radio/{stem}.mp3\"")),
        "the session page plays the radio edit"
    );
    // The other sessions have no rendition.
    assert_eq!(xml.matches("<podcast:alternateEnclosure").count(), 1);
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
