//! The recordings: never touched, and published as tagged copies whose audio is the same bits.

use std::fs;

use id3::TagLike;
use id3::frame::PictureType;

use crate::harness::{Project, assert_same_files, mtimes, snapshot, source_root};

#[test]
fn never_modifies_a_recording_whether_publish_succeeds_or_fails() {
    let project = Project::copy();
    let recordings = project.path("recordings");
    let bytes = snapshot(&recordings);
    let times = mtimes(&recordings);
    assert!(bytes.len() >= 5, "{:?}", bytes.keys());
    let hashes = |files: &std::collections::BTreeMap<String, Vec<u8>>| {
        files
            .iter()
            .map(|(k, v)| (k.clone(), blake3::hash(v)))
            .collect::<Vec<_>>()
    };
    let unchanged = |when: &str| {
        let now = snapshot(&recordings);
        assert_eq!(hashes(&now), hashes(&bytes), "recordings/ {when}");
        assert_same_files(&bytes, &now, &format!("recordings/ {when}"));
        assert_eq!(mtimes(&recordings), times, "recordings' mtimes {when}");
    };

    project.publish();
    unchanged("after a publish");
    project.publish();
    unchanged("after a second publish");

    // Fails in validation.
    project.replace_in_config("date = \"2022-10-25\"", "date = \"2022-10-32\"");
    project.run(&["publish"]).failure(2);
    unchanged("after a publish refused for a bad date");
    project.replace_in_config("date = \"2022-10-32\"", "date = \"2022-10-25\"");

    // Fails after validation, when it comes to writing.
    fs::create_dir(project.path("elsewhere")).unwrap();
    fs::write(project.path("elsewhere/thesis.odt"), "precious").unwrap();
    project.run(&["publish", "--out", "elsewhere"]).failure(2);
    unchanged("after a publish refused at commit");
}

/// The audio of an MP3: what lies between its leading ID3v2 tags and a trailing ID3v1 tag.
/// Written here from the specification, independently of cyclecast.
fn mp3_payload(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    while bytes.len() >= start + 10 && &bytes[start..start + 3] == b"ID3" {
        let header = &bytes[start..start + 10];
        let size = header[6..10]
            .iter()
            .fold(0usize, |acc, &b| (acc << 7) | usize::from(b & 0x7f));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        start += 10 + size + footer;
    }
    let mut end = bytes.len();
    if end >= start + 128 && &bytes[end - 128..end - 125] == b"TAG" {
        end -= 128;
    }
    &bytes[start..end]
}

/// Only the first ID3v2 tag of a published copy is cyclecast's: anything after it is audio.
fn after_first_id3v2(bytes: &[u8]) -> &[u8] {
    assert_eq!(
        &bytes[..3],
        b"ID3",
        "a published MP3 starts with an ID3v2 tag"
    );
    let size = bytes[6..10]
        .iter()
        .fold(0usize, |acc, &b| (acc << 7) | usize::from(b & 0x7f));
    let footer = if bytes[5] & 0x10 != 0 { 10 } else { 0 };
    &bytes[10 + size + footer..]
}

#[test]
fn tags_each_published_mp3_and_keeps_its_audio_bit_identical() {
    let project = Project::copy();
    project.publish();
    let cycle = project.cycle();
    let cover = fs::read(source_root().join("cover.jpg")).unwrap();
    let mut tagged = 0;
    for session in &cycle.sessions {
        let recording = session
            .recording
            .as_ref()
            .expect("every session is recorded");
        if !recording.ends_with(".mp3") {
            continue;
        }
        let published = project
            .feed()
            .join(format!("episodes/{}.mp3", session.stem()));
        let shown = published.display().to_string();
        let tag = id3::Tag::read_from_path(&published)
            .unwrap_or_else(|e| panic!("{shown}: no readable ID3v2 tag: {e}"));
        assert_eq!(tag.title(), Some(session.title.as_str()), "{shown}: title");
        assert_eq!(
            tag.artist(),
            Some(session.speakers.join(", ").as_str()),
            "{shown}: artist"
        );
        assert_eq!(tag.album(), Some(cycle.title.as_str()), "{shown}: album");
        assert_eq!(tag.track(), Some(session.number), "{shown}: track");
        assert_eq!(tag.genre(), Some("Podcast"), "{shown}: genre");
        assert!(
            tag.comments().any(|c| c.text == session.description),
            "{shown}: no comment holds the description"
        );
        assert!(
            tag.pictures()
                .any(|p| p.picture_type == PictureType::CoverFront && p.data == cover),
            "{shown}: no front cover equal to cover.jpg"
        );
        let anchor = format!("#{}", session.stem());
        assert!(
            tag.extended_links().any(|l| l.link.contains(&anchor)),
            "{shown}: no WXXX link to `{anchor}`: {:?}",
            tag.extended_links().collect::<Vec<_>>()
        );

        let original = fs::read(project.path(recording)).unwrap();
        let copy = fs::read(&published).unwrap();
        let audio = mp3_payload(&original);
        assert!(audio.len() > 100_000, "{recording}: payload too small");
        assert!(
            after_first_id3v2(&copy) == audio,
            "{shown}: the audio after the tag differs from {recording}'s ({} vs {} bytes)",
            after_first_id3v2(&copy).len(),
            audio.len()
        );
        tagged += 1;
    }
    assert_eq!(tagged, 4);
}

#[test]
fn publishes_the_m4a_recording_byte_for_byte() {
    let project = Project::copy();
    project.publish();
    let session = project.cycle().session(4).stem();
    let original = fs::read(project.path(&format!("recordings/{session}.m4a"))).unwrap();
    let copy = fs::read(project.feed().join(format!("episodes/{session}.m4a"))).unwrap();
    assert!(
        copy == original,
        "the published .m4a differs from the recording"
    );
}

#[test]
fn strips_the_recordings_own_tags_from_the_published_copy() {
    // Session 5's stand-in carries lame's ID3v2.3 tag and an ID3v1 tag: neither may remain.
    let project = Project::copy();
    project.publish();
    let session = project.cycle().session(5).stem();
    let original = fs::read(project.path(&format!("recordings/{session}.mp3"))).unwrap();
    assert_eq!(
        &original[..3],
        b"ID3",
        "the stand-in should carry an ID3v2 tag"
    );
    assert_eq!(
        &original[original.len() - 128..original.len() - 125],
        b"TAG",
        "the stand-in should carry an ID3v1 tag"
    );
    let copy = fs::read(project.feed().join(format!("episodes/{session}.mp3"))).unwrap();
    let audio = after_first_id3v2(&copy);
    assert_ne!(
        &audio[..3],
        b"ID3",
        "a second ID3v2 tag follows cyclecast's"
    );
    assert_ne!(
        &copy[copy.len() - 128..copy.len() - 125],
        b"TAG",
        "the old ID3v1 tag is still at the end"
    );
    let tag =
        id3::Tag::read_from_path(project.feed().join(format!("episodes/{session}.mp3"))).unwrap();
    assert!(
        tag.get("TSSE").is_none() && tag.get("TLEN").is_none(),
        "frames of the recording's tag leaked into the copy's"
    );
}
