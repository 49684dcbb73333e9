//! Tagging that is safe (issue #4, item 4): the ID3v2 version the config asks for, MP4
//! metadata atoms in M4A copies, audio that stays bit for bit what was recorded, re-tagging
//! that changes nothing, and a recording's own tags (a 2 MB picture, private frames) left out
//! on purpose.
//!
//! The M4A tags are read and written by Python's mutagen (the venv `scripts/test` makes); the
//! MP4 boxes and the MP3 frames are walked here from the specifications, independently of
//! cyclecast; ffmpeg lists the audio packets.

use std::fs;
use std::path::Path;
use std::process::Command;

use id3::TagLike;
use id3::frame::PictureType;
use serde_json::Value;

use crate::directories::python;
use crate::harness::{Project, source_root, tool};
use crate::recordings::{mp3_payload, published_audio};

/// Session 4's recording is the cycle's M4A.
const M4A_SESSION: u32 = 4;

/// Runs tests/python/mp4_tags.py.
fn mp4_tags(args: &[&str]) -> Vec<u8> {
    let output = Command::new(python())
        .arg(source_root().join("tests/python/mp4_tags.py"))
        .args(args)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "mp4_tags.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The MP4 metadata items of a file, as mutagen reads them.
fn mp4_items(path: &Path) -> serde_json::Map<String, Value> {
    let path = path.to_str().expect("a UTF-8 path");
    let read: Value = serde_json::from_slice(&mp4_tags(&["read", path])).expect("JSON");
    read[path].as_object().expect("an object of items").clone()
}

/// The boxes in `bytes`: type and content range (header excluded).
fn boxes(bytes: &[u8]) -> Vec<([u8; 4], std::ops::Range<usize>)> {
    let mut found = Vec::new();
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = bytes[at + 4..at + 8].try_into().unwrap();
        let (header, len) = match size {
            0 => (8, bytes.len() - at),
            1 => (
                16,
                u64::from_be_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize,
            ),
            n => (8, n),
        };
        found.push((kind, at + header..at + len));
        at += len;
    }
    found
}

/// The content of the one box of this type among `bytes`' boxes.
fn child<'a>(bytes: &'a [u8], kind: &[u8; 4]) -> &'a [u8] {
    let found: Vec<_> = boxes(bytes)
        .into_iter()
        .filter(|(k, _)| k == kind)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one `{}` box",
        String::from_utf8_lossy(kind)
    );
    &bytes[found[0].1.clone()]
}

/// What an M4A's audio is made of: the sample data, each track's sample tables but its
/// chunk offsets, and the chunk offsets less the position of `mdat`'s content.
struct Samples {
    mdat: blake3::Hash,
    tables: Vec<(String, Vec<u8>)>,
    chunks_in_mdat: Vec<u64>,
}

fn samples(file: &[u8]) -> Samples {
    let mdat = boxes(file)
        .into_iter()
        .find(|(k, _)| k == b"mdat")
        .expect("an mdat box")
        .1;
    let moov = child(file, b"moov");
    let mut tables = Vec::new();
    let mut chunks_in_mdat = Vec::new();
    for (kind, range) in boxes(moov) {
        if &kind != b"trak" {
            continue;
        }
        let stbl = child(child(child(&moov[range], b"mdia"), b"minf"), b"stbl");
        for (kind, range) in boxes(stbl) {
            let content = &stbl[range];
            if &kind == b"stco" {
                let count = u32::from_be_bytes(content[4..8].try_into().unwrap()) as usize;
                chunks_in_mdat.extend((0..count).map(|i| {
                    let at = 8 + 4 * i;
                    u64::from(u32::from_be_bytes(content[at..at + 4].try_into().unwrap()))
                        - mdat.start as u64
                }));
            } else {
                assert_ne!(&kind, b"co64", "the stand-in uses 32-bit offsets");
                tables.push((
                    String::from_utf8_lossy(&kind).into_owned(),
                    content.to_vec(),
                ));
            }
        }
    }
    Samples {
        mdat: blake3::hash(&file[mdat]),
        tables,
        chunks_in_mdat,
    }
}

/// Each audio packet as ffmpeg's demuxer sees it: timestamps, duration, size and MD5.
fn packets(path: &Path) -> String {
    let file = path.to_str().expect("a UTF-8 path");
    let listing = tool(
        "ffmpeg",
        &[
            "-v", "error", "-i", file, "-map", "0:a:0", "-c", "copy", "-f", "framemd5", "-",
        ],
    );
    let listing = String::from_utf8(listing).expect("text");
    // Drop the comment lines, which name the input.
    let lines: Vec<&str> = listing.lines().filter(|l| !l.starts_with('#')).collect();
    lines.join("\n")
}

/// The chapters of a file, as ffprobe reads them (`-show_chapters`, JSON).
fn probed_chapters(path: &Path) -> Value {
    let path = path.to_str().expect("a UTF-8 path");
    let shown = tool(
        "ffprobe",
        &["-v", "error", "-show_chapters", "-of", "json", path],
    );
    serde_json::from_slice(&shown).expect("ffprobe prints JSON")
}

/// Asserts that an M4A copy holds exactly the recording's audio.
#[track_caller]
fn assert_same_m4a_audio(recording: &Path, copy: &Path) {
    let (before, after) = (
        samples(&fs::read(recording).unwrap()),
        samples(&fs::read(copy).unwrap()),
    );
    assert_eq!(before.mdat, after.mdat, "the mdat sample data changed");
    assert_eq!(before.tables, after.tables, "a sample table changed");
    assert!(!before.chunks_in_mdat.is_empty());
    assert_eq!(
        before.chunks_in_mdat, after.chunks_in_mdat,
        "the chunk offsets no longer point at the same samples"
    );
    let listed = packets(recording);
    assert!(
        listed.lines().count() > 1000,
        "ffmpeg lists too few packets"
    );
    assert!(listed == packets(copy), "ffmpeg reads other packets");
}

#[test]
fn writes_mp4_metadata_into_the_m4a_copy_and_keeps_its_samples() {
    if !crate::oracle::require(&["ffmpeg", "ffprobe", crate::oracle::PYTHON]) {
        return;
    }
    let project = Project::copy();
    project.publish_masters_as_they_are();
    project.publish();
    let cycle = project.cycle();
    let session = cycle.session(M4A_SESSION);
    let recording = project.path(session.recording.as_ref().unwrap());
    let copy = project
        .feed()
        .join(format!("episodes/{}.m4a", session.stem()));

    let items = mp4_items(&copy);
    let text = |key: &str| items[key][0].as_str().unwrap_or_default().to_string();
    assert_eq!(text("\u{a9}nam"), session.title);
    assert_eq!(text("\u{a9}ART"), session.speakers.join(", "));
    assert_eq!(text("\u{a9}alb"), cycle.title);
    assert_eq!(text("aART"), "Le Mouton Numérique");
    assert_eq!(items["trkn"], serde_json::json!([[M4A_SESSION, 0]]));
    assert_eq!(text("\u{a9}day"), "2023-02-02");
    assert_eq!(text("\u{a9}gen"), "Podcast");
    assert_eq!(text("\u{a9}cmt"), session.description);
    assert!(text("cprt").starts_with("© 2022-2023"));
    let cover = fs::read(source_root().join("cover.jpg")).unwrap();
    assert_eq!(items["covr"].as_array().unwrap().len(), 1);
    assert_eq!(items["covr"][0]["format"], 13, "a JPEG cover");
    assert!(items["covr"][0]["hex"].as_str().unwrap() == hex(&cover));

    // The chapters, as Nero's chpl list: mutagen and ffmpeg (ffplay's demuxer) read the
    // config's (issue 15, part 3).
    let expected = [
        (0.0, "Présentation de la rencontre"),
        (10.535, "Les intervenant·es"),
        (18.199, "Le propos de la rencontre"),
    ];
    let read: Vec<(f64, String)> = items["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["start"].as_f64().unwrap(),
                c["title"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(read.len(), expected.len(), "mutagen: {read:?}");
    for ((start, title), (want_start, want_title)) in read.iter().zip(expected) {
        assert!((start - want_start).abs() < 0.001, "mutagen: {read:?}");
        assert_eq!(title, want_title);
    }
    let probed = probed_chapters(&copy);
    let chapters = probed["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), expected.len(), "ffprobe: {probed}");
    for (chapter, (want_start, want_title)) in chapters.iter().zip(expected) {
        let start: f64 = chapter["start_time"].as_str().unwrap().parse().unwrap();
        assert!((start - want_start).abs() < 0.001, "ffprobe: {probed}");
        assert_eq!(chapter["tags"]["title"], want_title, "ffprobe: {probed}");
    }

    assert_same_m4a_audio(&recording, &copy);
    let feed = project.feed_text("feed.xml");
    assert!(
        feed.contains(&format!(
            "length=\"{}\"",
            fs::metadata(&copy).unwrap().len()
        )),
        "the feed states the copy's exact length"
    );
}

// A recording that carries chapters of its own as a QuickTime chapter track (ffmpeg writes
// one into any M4A with chapters): the copy drops it, so that no player shows stale chapters
// beside the config's (issue 15, part 3).
#[test]
fn an_m4a_copy_drops_the_recordings_own_chapter_track() {
    if !crate::oracle::require(&["ffmpeg", "ffprobe", crate::oracle::PYTHON]) {
        return;
    }
    let project = Project::copy();
    project.publish_masters_as_they_are();
    let cycle = project.cycle();
    let session = cycle.session(M4A_SESSION);
    let recording = project.path(session.recording.as_ref().unwrap());
    let chapters = project.path("old-chapters.txt");
    fs::write(
        &chapters,
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=20000\ntitle=OLD-A\n\
         [CHAPTER]\nTIMEBASE=1/1000\nSTART=20000\nEND=30000\ntitle=OLD-B\n",
    )
    .unwrap();
    let with_track = project.path("with-chapter-track.m4a");
    crate::harness::tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-i",
            recording.to_str().unwrap(),
            "-i",
            chapters.to_str().unwrap(),
            "-map",
            "0:a",
            "-map_chapters",
            "1",
            "-c",
            "copy",
            "-f",
            "ipod",
            with_track.to_str().unwrap(),
        ],
    );
    fs::rename(&with_track, &recording).unwrap();
    let streams = |path: &Path| {
        String::from_utf8(crate::harness::tool(
            "ffprobe",
            &[
                "-v",
                "error",
                "-show_entries",
                "stream=codec_type",
                "-of",
                "csv=p=0",
                path.to_str().unwrap(),
            ],
        ))
        .unwrap()
    };
    assert_eq!(
        streams(&recording).trim(),
        "audio\ndata",
        "the recording has a chapter track"
    );
    project.publish();

    let copy = project
        .feed()
        .join(format!("episodes/{}.m4a", session.stem()));
    // (The cover shows as a video stream, an attached picture.)
    assert!(
        !streams(&copy).contains("data"),
        "the chapter track is gone"
    );
    let probed = probed_chapters(&copy);
    let titles: Vec<&str> = probed["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tags"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Présentation de la rencontre",
            "Les intervenant·es",
            "Le propos de la rencontre"
        ]
    );
    // The audio is the recording's, packet for packet; the chapter track's samples stay in
    // mdat, unreferenced.
    let (before, after) = (
        samples(&fs::read(&recording).unwrap()),
        samples(&fs::read(&copy).unwrap()),
    );
    assert_eq!(before.mdat, after.mdat, "the mdat sample data changed");
    assert!(
        packets(&recording) == packets(&copy),
        "ffmpeg reads other packets"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn retagging_a_published_copy_gives_the_same_bytes() {
    let project = Project::copy();
    project.publish_masters_as_they_are();
    project.publish();
    let cycle = project.cycle();
    // Session 1 has lame's Info header, 3 gained a Xing frame, 4 is the M4A.
    let again = [1u32, 3, M4A_SESSION];
    fs::create_dir(project.path("republished")).unwrap();
    for number in again {
        let session = cycle.session(number);
        let recording = session.recording.as_ref().unwrap();
        let name = Path::new(recording).file_name().unwrap().to_str().unwrap();
        fs::copy(
            project.feed().join("episodes").join(name),
            project.path("republished").join(name),
        )
        .unwrap();
        // The transcript beside the recording goes along, so that only the audio moves.
        let transcript = Path::new(recording).with_extension("vtt");
        fs::copy(
            project.path(transcript.to_str().unwrap()),
            project
                .path("republished")
                .join(transcript.file_name().unwrap()),
        )
        .unwrap();
        project.replace_in_config(
            &format!("recording = \"{recording}\""),
            &format!("recording = \"republished/{name}\""),
        );
    }
    project.run(&["publish", "--out", "again"]).success();
    for number in again {
        let session = cycle.session(number);
        let name = Path::new(session.recording.as_ref().unwrap())
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let first = fs::read(project.feed().join("episodes").join(&name)).unwrap();
        let second = fs::read(project.path("again/episodes").join(&name)).unwrap();
        assert_eq!(first.len(), second.len(), "{name}: the sizes differ");
        assert!(first == second, "{name}: re-tagging changed the bytes");
    }
    assert_eq!(
        project.feed_text("feed.xml"),
        crate::harness::read_text(&project.path("again/feed.xml")),
        "the feed changed (lengths, durations)"
    );
}

#[test]
fn leaves_out_the_recordings_own_pictures_and_private_frames() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = Project::copy();
    project.publish_masters_as_they_are();
    let cycle = project.cycle();
    let big = 2 * 1024 * 1024;

    // A recorder's ID3v2.3 tag: a 2 MB picture and a private frame, on session 1's MP3.
    let mp3 = project.path(cycle.session(1).recording.as_ref().unwrap());
    let mut theirs = id3::Tag::new();
    theirs.set_title("Titre laissé par l'enregistreur");
    theirs.add_frame(id3::frame::Picture {
        mime_type: "image/jpeg".into(),
        picture_type: PictureType::CoverFront,
        description: "photo de la salle".into(),
        data: (0..big).map(|i| (i * 7 % 251) as u8).collect(),
    });
    theirs.add_frame(id3::frame::Private {
        owner_identifier: "com.example.recorder".into(),
        private_data: b"ZOOM-H5-0042".to_vec(),
    });
    theirs.write_to_path(&mp3, id3::Version::Id3v23).unwrap();
    // And its MP4 counterpart on session 4's M4A: a 2 MB cover and a freeform item.
    let m4a = project.path(cycle.session(M4A_SESSION).recording.as_ref().unwrap());
    mp4_tags(&["write", m4a.to_str().unwrap(), &big.to_string()]);
    assert!(fs::metadata(&mp3).unwrap().len() > big as u64);
    assert!(fs::metadata(&m4a).unwrap().len() > big as u64);

    project.publish();
    let cover = fs::read(source_root().join("cover.jpg")).unwrap();

    let copy = project
        .feed()
        .join(format!("episodes/{}.mp3", cycle.session(1).stem()));
    let tag = id3::Tag::read_from_path(&copy).unwrap();
    assert_eq!(tag.title(), Some(cycle.session(1).title.as_str()));
    let pictures: Vec<_> = tag.pictures().collect();
    assert_eq!(pictures.len(), 1, "only the podcast's cover");
    assert!(pictures[0].data == cover);
    assert!(tag.get("PRIV").is_none(), "the private frame leaked");
    assert!(fs::metadata(&copy).unwrap().len() < 1024 * 1024);
    let (recorded, copied) = (fs::read(&mp3).unwrap(), fs::read(&copy).unwrap());
    let (audio, xing) = published_audio(&copied, &recorded);
    assert!(xing.is_none(), "session 1 keeps lame's Info header");
    assert_eq!(blake3::hash(audio), blake3::hash(mp3_payload(&recorded)));

    let copy = project.feed().join(format!(
        "episodes/{}.m4a",
        cycle.session(M4A_SESSION).stem()
    ));
    let items = mp4_items(&copy);
    assert!(
        items.keys().all(|k| !k.starts_with("----")),
        "the freeform item leaked: {:?}",
        items.keys()
    );
    assert_eq!(
        items["\u{a9}nam"][0].as_str(),
        Some(cycle.session(M4A_SESSION).title.as_str())
    );
    assert_eq!(items["covr"].as_array().unwrap().len(), 1);
    assert!(items["covr"][0]["hex"].as_str().unwrap() == hex(&cover));
    assert!(fs::metadata(&copy).unwrap().len() < 1024 * 1024);
    assert_same_m4a_audio(&m4a, &copy);
}

#[test]
fn writes_the_id3v2_version_the_config_asks_for() {
    let project = Project::copy();
    let cycle = project.cycle();
    let copy = project
        .feed()
        .join(format!("episodes/{}.mp3", cycle.session(2).stem()));
    project.publish();
    assert_eq!(
        fs::read(&copy).unwrap()[..4],
        *b"ID3\x03",
        "v2.3 by default"
    );
    project.replace_in_config("id3_version = \"2.3\"", "id3_version = \"2.4\"");
    project.publish();
    assert_eq!(fs::read(&copy).unwrap()[..4], *b"ID3\x04");
    let tag = id3::Tag::read_from_path(&copy).unwrap();
    assert_eq!(tag.version(), id3::Version::Id3v24);
    assert_eq!(tag.title(), Some(cycle.session(2).title.as_str()));
    assert_eq!(tag.date_recorded().map(|d| d.year), Some(2022));

    project.replace_in_config("id3_version = \"2.4\"", "id3_version = \"v4\"");
    let run = project.run(&["publish"]).failure(2);
    let (line, column) = crate::harness::position(&project.config(), "\"v4\"");
    assert!(
        run.single_error().starts_with(&format!(
            "config.toml:{line}:{column}: error: unknown ID3 version `v4`"
        )),
        "{run}"
    );
}

#[test]
fn warns_that_a_fragmented_m4a_is_published_without_tags() {
    if !crate::oracle::require(&["ffmpeg"]) {
        return;
    }
    let project = Project::copy();
    project.publish_masters_as_they_are();
    let cycle = project.cycle();
    let session = cycle.session(M4A_SESSION);
    let recording = project.path(session.recording.as_ref().unwrap());
    let fragmented = project.path("recordings/fragmented.m4a");
    crate::harness::tool(
        "ffmpeg",
        &[
            "-nostdin",
            "-loglevel",
            "error",
            "-i",
            recording.to_str().unwrap(),
            "-c",
            "copy",
            "-movflags",
            "frag_keyframe+empty_moov",
            fragmented.to_str().unwrap(),
        ],
    );
    fs::rename(&fragmented, &recording).unwrap();

    let check = project.run(&["check"]).success();
    let warning = check
        .stderr
        .lines()
        .find(|l| l.contains(": warning: its copy will be published without tags"))
        .unwrap_or_else(|| panic!("no warning about the untagged copy\n{check}"));
    assert!(warning.contains("fragmented"), "{warning}");
    assert!(
        warning.starts_with(session.recording.as_deref().unwrap()),
        "{warning}"
    );

    let run = project.publish();
    assert!(run.stderr.contains("published without tags"), "{run}");
    let copy = project
        .feed()
        .join(format!("episodes/{}.m4a", session.stem()));
    assert_eq!(fs::read(&copy).unwrap(), fs::read(&recording).unwrap());
}
