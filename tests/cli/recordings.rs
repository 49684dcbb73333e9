//! The recordings: never touched, and published as tagged copies whose audio is the same bits.

use std::fs;

use id3::TagLike;
use id3::frame::PictureType;

use crate::durations::probed_seconds;
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
pub fn mp3_payload(bytes: &[u8]) -> &[u8] {
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
pub fn after_first_id3v2(bytes: &[u8]) -> &[u8] {
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

/// The length of the Layer III frame whose header starts `bytes`, from the specification.
fn layer3_frame_len(bytes: &[u8]) -> usize {
    let mpeg1 = (bytes[1] >> 3) & 0b11 == 0b11;
    assert_eq!((bytes[1] >> 1) & 0b11, 0b01, "a Layer III header");
    let kbps = if mpeg1 {
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ]
    } else {
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
    }[usize::from(bytes[2] >> 4)];
    let rate = [44_100, 48_000, 32_000][usize::from((bytes[2] >> 2) & 0b11)]
        >> match (bytes[1] >> 3) & 0b11 {
            0b11 => 0,
            0b10 => 1,
            _ => 2,
        };
    let coefficient = if mpeg1 { 144 } else { 72 };
    coefficient * kbps * 1000 / rate + usize::from((bytes[2] >> 1) & 1)
}

/// The `Xing` or `Info` id in the frame that starts `bytes`, if it holds one.
pub fn xing_id(bytes: &[u8]) -> Option<&[u8]> {
    let mpeg1 = (bytes[1] >> 3) & 0b11 == 0b11;
    let mono = bytes[3] >> 6 == 0b11;
    let side_info = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let id = bytes.get(4 + side_info..8 + side_info)?;
    (id == b"Xing" || id == b"Info").then_some(id)
}

/// A published MP3's audio: after cyclecast's ID3v2 tag and, when the recording had none,
/// the Xing (or Info) frame cyclecast made for it. Returns the audio and that frame.
pub fn published_audio<'a>(copy: &'a [u8], recording: &[u8]) -> (&'a [u8], Option<&'a [u8]>) {
    let after_tag = after_first_id3v2(copy);
    if xing_id(mp3_payload(recording)).is_some() {
        return (after_tag, None);
    }
    let frame = layer3_frame_len(after_tag);
    (&after_tag[frame..], Some(&after_tag[..frame]))
}

#[test]
fn tags_each_published_mp3_and_keeps_its_audio_bit_identical() {
    let project = Project::copy();
    project.publish_masters_as_they_are();
    project.publish();
    let cycle = project.cycle();
    let cover = fs::read(source_root().join("cover.jpg")).unwrap();
    let mut tagged = 0;
    let mut gained_xing = Vec::new();
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
        // The session's own page (`sessions/NN-id.html`) or its anchor on the cycle's page.
        let anchor = session.stem();
        assert!(
            tag.extended_links().any(|l| l.link.contains(&anchor)),
            "{shown}: no WXXX link to the session `{anchor}`: {:?}",
            tag.extended_links().collect::<Vec<_>>()
        );

        let original = fs::read(project.path(recording)).unwrap();
        let copy = fs::read(&published).unwrap();
        let audio = mp3_payload(&original);
        assert!(audio.len() > 100_000, "{recording}: payload too small");
        let (published_audio, xing) = published_audio(&copy, &original);
        assert_eq!(
            blake3::hash(published_audio),
            blake3::hash(audio),
            "{shown}: the audio after the tag differs from {recording}'s ({} vs {} bytes)",
            published_audio.len(),
            audio.len()
        );
        if let Some(frame) = xing {
            gained_xing.push((session.number, xing_id(frame).map(<[u8]>::to_vec)));
        }
        tagged += 1;
    }
    // Sessions 1, 3 and 5: session 2's master is a WAV (issue #13), 4's an M4A.
    assert_eq!(tagged, 3);
    // Session 3's VBR stand-in has no Xing header and 5's CBR one no Info header (issue #4):
    // their copies gain one, the others keep the one lame wrote.
    assert_eq!(
        gained_xing,
        [(3, Some(b"Xing".to_vec())), (5, Some(b"Info".to_vec()))]
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

/// A Lyrics3 v2 block holding `fields` (three-letter id, text), as old taggers append it.
fn lyrics3v2(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut block = b"LYRICSBEGIN".to_vec();
    for (id, text) in fields {
        block.extend(format!("{id}{:05}{text}", text.len()).as_bytes());
    }
    let size = block.len();
    block.extend(format!("{size:06}LYRICS200").as_bytes());
    block
}

/// An ID3v1 tag extended by the 227-byte `TAG+` block before it, fields padded with zeros.
fn extended_id3v1(title: &str, artist: &str) -> Vec<u8> {
    let field = |text: &str, len: usize| {
        let mut bytes = text.as_bytes().to_vec();
        bytes.resize(len, 0);
        bytes
    };
    let extended = [
        b"TAG+".to_vec(),
        field(title, 60),
        field(artist, 60),
        field("", 60),
        vec![0],
        field("Speech", 30),
        field("000:00", 6),
        field("000:33", 6),
    ]
    .concat();
    let id3v1 = [
        b"TAG".to_vec(),
        field(title, 30),
        field(artist, 30),
        field("", 30),
        field("2022", 4),
        field("", 30),
        vec![101],
    ]
    .concat();
    assert_eq!((extended.len(), id3v1.len()), (227, 128));
    [extended, id3v1].concat()
}

#[test]
fn leaves_lyrics3_and_extended_id3v1_tags_out_of_the_published_audio() {
    // Session 3's stand-in ends with its audio and has no Xing header: its copy gains one,
    // which must index the same frames the copy keeps.
    let project = Project::copy();
    project.publish_masters_as_they_are();
    let session = project.cycle().session(3).stem();
    let recording = format!("recordings/{session}.mp3");
    let original = fs::read(project.path(&recording)).unwrap();
    let audio = mp3_payload(&original);
    assert_eq!(
        audio.len(),
        original.len(),
        "the stand-in should carry no tag"
    );
    let probed = || probed_seconds(&project, std::slice::from_ref(&recording))[&recording];
    let duration = probed();

    let title = "Algorithmisation du contr\u{f4}le";
    let retagged = [
        original.clone(),
        lyrics3v2(&[
            ("IND", "00"),
            ("LYR", "[00:01]Bonsoir TAG+ LYRICS200"),
            ("ETT", title),
        ]),
        extended_id3v1(title, "Changer de cap"),
    ]
    .concat();
    fs::write(project.path(&recording), &retagged).unwrap();
    project.publish();

    let copy = fs::read(project.feed().join(format!("episodes/{session}.mp3"))).unwrap();
    let (published, xing) = published_audio(&copy, &retagged);
    assert!(xing.is_some(), "the copy should gain a Xing header");
    assert_eq!(
        blake3::hash(published),
        blake3::hash(audio),
        "the copy's audio differs from the recording's ({} vs {} bytes)",
        published.len(),
        audio.len()
    );
    assert_eq!(
        probed(),
        duration,
        "the appended tags change the recording's probed duration"
    );
}
