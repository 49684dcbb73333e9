use super::*;
use std::io::Cursor;

fn id3v2(body: usize) -> Vec<u8> {
    let mut tag = b"ID3\x03\x00\x00".to_vec();
    let size = body as u32;
    tag.extend([
        (size >> 21) as u8 & 0x7f,
        (size >> 14) as u8 & 0x7f,
        (size >> 7) as u8 & 0x7f,
        size as u8 & 0x7f,
    ]);
    tag.extend(std::iter::repeat_n(0u8, body));
    tag
}

#[test]
fn appends_the_shared_cover_frame_to_a_tag_id3_readers_accept() {
    let cover = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/cover.jpg")).unwrap();
    let art = Artwork::from_bytes(cover.clone()).unwrap();
    for version in [Version::Id3v23, Version::Id3v24] {
        let mut tag = Tag::new();
        tag.set_title("Une rencontre");
        let mut bytes = encode(&tag, version).unwrap();
        let picture = art.id3_frame(version).unwrap();
        assert!(
            Arc::ptr_eq(&picture, &art.id3_frame(version).unwrap()),
            "encoded once"
        );
        grow_tag(&mut bytes, picture.len()).unwrap();
        bytes.extend_from_slice(&picture);
        let read = Tag::read_from2(Cursor::new(&bytes)).unwrap();
        assert_eq!(read.version(), version);
        assert_eq!(read.title(), Some("Une rencontre"));
        let pictures: Vec<_> = read.pictures().collect();
        assert_eq!(pictures.len(), 1);
        assert_eq!(pictures[0].data, cover);
        assert_eq!(pictures[0].picture_type, PictureType::CoverFront);
    }
}

#[test]
fn refuses_to_grow_a_tag_past_what_its_header_can_state() {
    let mut bytes = encode(&Tag::new(), Version::Id3v24).unwrap();
    assert!(grow_tag(&mut bytes, 1 << 28).is_err());
    assert!(grow_tag(&mut [0u8; 4], 1).is_err(), "not a tag");
}

/// Stands for the audio: 0xFF bytes, which no trailing tag starts or ends with.
fn audio() -> Vec<u8> {
    vec![0xFFu8; 1000]
}

/// An ID3v1 tag.
fn id3v1() -> Vec<u8> {
    let mut tag = b"TAG".to_vec();
    tag.resize(128, b' ');
    tag
}

/// The `TAG+` block that extends an ID3v1 tag.
fn id3v1_extended() -> Vec<u8> {
    let mut block = b"TAG+".to_vec();
    block.resize(227, b' ');
    block
}

/// An APEv2 tag with a header: 32-byte header, 20 bytes of items, 32-byte footer. Both say
/// the tag has a header (bit 31); bit 29 tells the header from the footer.
fn ape() -> Vec<u8> {
    let half = |header: bool| {
        let mut block = b"APETAGEX".to_vec();
        block.extend(2000u32.to_le_bytes());
        block.extend(52u32.to_le_bytes());
        block.extend(1u32.to_le_bytes());
        block.extend((1u32 << 31 | if header { 1 << 29 } else { 0 }).to_le_bytes());
        block.extend([0u8; 8]);
        block
    };
    [half(true), vec![b'x'; 20], half(false)].concat()
}

/// An appended ID3v2.4 tag: header, 15 bytes of frames, `3DI` footer.
fn appended_id3v2() -> Vec<u8> {
    let mut tag = b"ID3\x04\x00\x10\x00\x00\x00\x0f".to_vec();
    tag.extend([0u8; 15]);
    tag.extend(b"3DI\x04\x00\x10\x00\x00\x00\x0f");
    tag
}

/// A Lyrics3 v1 block.
fn lyrics3v1() -> Vec<u8> {
    b"LYRICSBEGIN[00:01]Bonsoir \xE0 toutes et \xE0 tous\r\nLYRICSEND".to_vec()
}

/// A Lyrics3 v2 block whose footer states `size`; the true size when `None`.
fn lyrics3v2(size: Option<usize>) -> Vec<u8> {
    let mut block = b"LYRICSBEGININD0000210LYR00012Bonsoir TAG!".to_vec();
    let size = size.unwrap_or(block.len());
    block.extend(format!("{size:06}LYRICS200").as_bytes());
    block
}

/// The bytes of `file` that `payload_range` takes for its audio.
fn payload_of(file: &[u8]) -> &[u8] {
    let range = payload_range(&mut Cursor::new(file)).unwrap();
    &file[range.start as usize..range.end as usize]
}

#[test]
fn finds_the_audio_between_the_tags() {
    let audio = audio();
    let mut file = id3v2(300);
    file.extend(id3v2(20));
    file.extend(&audio);
    file.extend(id3v1());
    let range = payload_range(&mut Cursor::new(&file)).unwrap();
    assert_eq!(range, 340..1340);
    assert_eq!(&file[range.start as usize..range.end as usize], &audio[..]);
}

#[test]
fn leaves_out_ape_and_appended_id3v2_tags_before_id3v1() {
    let file = [id3v2(30), audio(), ape(), appended_id3v2(), id3v1()].concat();
    assert_eq!(payload_of(&file), audio());
}

#[test]
fn leaves_out_an_id3v1_tag_extended_by_tag_plus() {
    let file = [id3v2(30), audio(), id3v1_extended(), id3v1()].concat();
    assert_eq!(payload_of(&file), audio());
}

#[test]
fn leaves_out_a_lyrics3v1_block_before_id3v1() {
    let file = [id3v2(30), audio(), lyrics3v1(), id3v1()].concat();
    assert_eq!(payload_of(&file), audio());
    // Lyrics3 v1 states no size: only an ID3v1 tag after it tells it from audio.
    let unended = [audio(), lyrics3v1()].concat();
    assert_eq!(payload_of(&unended), unended);
}

#[test]
fn leaves_out_a_lyrics3v2_block_before_id3v1_or_ape() {
    for file in [
        [id3v2(30), audio(), lyrics3v2(None), id3v1()].concat(),
        [id3v2(30), audio(), lyrics3v2(None), ape()].concat(),
        [id3v2(30), audio(), lyrics3v2(None), ape(), id3v1()].concat(),
    ] {
        assert_eq!(payload_of(&file), audio());
    }
}

#[test]
fn leaves_out_every_trailing_tag_stacked() {
    let stacks = [
        [audio(), lyrics3v2(None), ape(), id3v1()].concat(),
        [audio(), id3v1_extended(), id3v1()].concat(),
        [
            audio(),
            appended_id3v2(),
            lyrics3v2(None),
            ape(),
            lyrics3v1(),
            id3v1_extended(),
            id3v1(),
        ]
        .concat(),
        [
            audio(),
            ape(),
            appended_id3v2(),
            lyrics3v2(None),
            id3v1_extended(),
            id3v1(),
        ]
        .concat(),
    ];
    for (i, stack) in stacks.into_iter().enumerate() {
        let file = [id3v2(30), stack].concat();
        assert_eq!(payload_of(&file), audio(), "stack {i}");
    }
}

#[test]
fn keeps_the_audio_a_trailing_tag_with_a_lying_size_would_cut() {
    let audio = [vec![0x55; 600], b"LYRICSBEGIN".to_vec(), vec![0x55; 389]].concat();
    let lyrics3v2_footer = |size: u32| format!("{size:06}LYRICS200").into_bytes();
    let ape_footer = |size: u32| {
        let mut footer = b"APETAGEX".to_vec();
        footer.extend(2000u32.to_le_bytes());
        footer.extend(size.to_le_bytes());
        footer.resize(32, 0);
        footer
    };
    // Each ends the audio, before an ID3v1 tag, and must stay in it: sizes that reach back
    // into the leading ID3v2 tag or past the file's start, one that lands on no
    // `LYRICSBEGIN`, and a Lyrics3 v1 end whose `LYRICSBEGIN` is more than 5,100 bytes away.
    let far_lyrics = [b"LYRICSBEGIN".to_vec(), vec![0x55; 5101]].concat();
    for (case, audio) in [
        (
            "lyrics3v2 into the leading tag",
            [audio.clone(), lyrics3v2_footer(1020)].concat(),
        ),
        (
            "lyrics3v2 past the start",
            [audio.clone(), lyrics3v2_footer(999_999)].concat(),
        ),
        (
            "lyrics3v2 on no LYRICSBEGIN",
            [audio.clone(), lyrics3v2_footer(500)].concat(),
        ),
        (
            "ape into the leading tag",
            [audio.clone(), ape_footer(1040)].concat(),
        ),
        (
            "ape past the start",
            [audio.clone(), ape_footer(u32::MAX)].concat(),
        ),
        (
            "lyrics3v1 too long",
            [far_lyrics, b"LYRICSEND".to_vec()].concat(),
        ),
    ] {
        let file = [id3v2(30), audio.clone(), id3v1()].concat();
        assert_eq!(payload_of(&file), audio, "{case}");
    }
}

#[test]
fn finds_the_one_moov_box_of_an_mp4() {
    let boxed = |kind: &[u8; 4], len: u32| {
        let mut b = len.to_be_bytes().to_vec();
        b.extend(kind);
        b.resize(len as usize, 0);
        b
    };
    let file = [boxed(b"ftyp", 24), boxed(b"moov", 100), boxed(b"mdat", 500)].concat();
    let layout = mp4_layout(&mut Cursor::new(&file), file.len() as u64).unwrap();
    let Some(Layout::Mp4 { len, moov, bytes }) = layout else {
        panic!("no layout: {layout:?}");
    };
    assert_eq!((len, moov.clone()), (624, 24..124));
    assert_eq!(bytes, file[24..124]);
    // Cut short, or with two `moov` boxes: published as it is.
    assert_eq!(
        mp4_layout(&mut Cursor::new(&file[..600]), 600).unwrap(),
        None
    );
    let twice = [file.clone(), boxed(b"moov", 8)].concat();
    assert_eq!(
        mp4_layout(&mut Cursor::new(&twice), twice.len() as u64).unwrap(),
        None
    );
}

#[test]
fn keeps_a_file_without_tags_whole() {
    let file = vec![0xFFu8, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(payload_range(&mut Cursor::new(&file)).unwrap(), 0..12);
}

#[test]
fn ignores_a_tag_header_that_claims_more_than_the_file() {
    let mut file = id3v2(0);
    file[9] = 0x7f;
    file.extend([0xFF; 20]);
    assert_eq!(payload_range(&mut Cursor::new(&file)).unwrap(), 0..30);
}

// Issue 11: a NUL in a title split the ID3v2.4 frame into two values.
#[test]
fn never_writes_a_nul_or_a_control_character_into_a_frame_or_an_item() {
    let text = "[podcast]\ntitle = \"C\"\ndescription = \"D\"\nlanguage = \"fr\"\nbase_url = \"https://example.org/c/\"\ntime_zone = \"Europe/Paris\"\nauthor = \"A\"\n[podcast.owner]\nname = \"A\"\nemail = \"a@example.org\"\n[organizer]\nname = \"A\"\n[[sessions]]\nid = \"s\"\nnumber = 1\ndate = \"2022-10-25\"\ntitle = \"T\"\ndescription = \"D\"\n";
    let mut cycle = crate::project::config::parse(text, "config.toml", std::path::Path::new("/p"))
        .unwrap()
        .cycle;
    // What the config and the tags can no longer bring, as a later stage might.
    cycle.sessions[0].title = "Une\0rencontre\u{1b}".to_string();
    cycle.sessions[0].description = "Un\0résumé".to_string();
    let page = Url::parse("https://example.org/c/s.html").unwrap();
    let context = TagContext {
        cycle: &cycle,
        artwork: None,
        page: &page,
    };
    let session = &cycle.sessions[0];
    let tag = build_tag(context, session);
    let bytes = encode(&tag, Version::Id3v24).unwrap();
    let read = Tag::read_from2(Cursor::new(&bytes)).unwrap();
    assert_eq!(read.title(), Some("Unerencontre"));
    assert_eq!(read.comments().next().unwrap().text, "Unrésumé");
    for item in mp4_items(context, session) {
        if let Value::Text(text) = item.value {
            assert!(!text.contains(['\0', '\u{1b}']), "{text:?}");
        }
    }
}

#[test]
fn takes_the_layout_probe_found_without_walking_the_file_again() {
    let audio = |container: Container, layout: FileLayout| AudioInfo {
        container,
        codec: crate::model::Codec::Mp3,
        sample_rate: 44_100,
        channels: 1,
        bits_per_sample: None,
        frames: 1152,
        size: 16,
        audio_bytes: 10,
        tags: Default::default(),
        warnings: Vec::new(),
        layout: Some(layout),
    };
    // Bytes no walk would take for an MP3: only what probe found is used.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recording.mp3");
    std::fs::write(&path, [0x55u8; 16]).unwrap();
    let found = FileLayout::Mp3 {
        payload: 3..13,
        xing: Some(vec![0xFF, 0xFB, 0x50, 0xC4]),
    };
    let layout = read_layout(&path, &audio(Container::Mp3, found)).unwrap();
    assert_eq!(
        layout,
        Layout::Mp3 {
            payload: 3..13,
            xing: Some(vec![0xFF, 0xFB, 0x50, 0xC4]),
        }
    );
    // Whether an M4A's copy can carry tags is known without opening it.
    let missing = dir.path().join("missing.m4a");
    let found = FileLayout::Mp4 {
        moov: None,
        untaggable: Some(crate::model::Untaggable::Fragmented),
        trim: None,
    };
    assert_eq!(
        untaggable(&missing, &audio(Container::Mp4, found))
            .unwrap()
            .map(|why| why.to_string()),
        Some("a fragmented MP4 is published as it is".into())
    );
}

// ─── WAV copies ───────────────────────────────────────────────────────────────────────────

fn wave_cycle() -> Cycle {
    let text = "[podcast]\ntitle = \"Cycle été\"\ndescription = \"D\"\nlanguage = \"fr\"\nbase_url = \"https://example.org/c/\"\ntime_zone = \"Europe/Paris\"\nauthor = \"A\"\n[podcast.owner]\nname = \"A\"\nemail = \"a@example.org\"\n[organizer]\nname = \"A\"\n[[sessions]]\nid = \"s\"\nnumber = 1\ndate = \"2022-10-25\"\ntitle = \"Une rencontre à Noël\"\ndescription = \"Un résumé\"\n[[sessions.speakers]]\nname = \"Zoé Lefèvre\"\n";
    crate::project::config::parse(text, "config.toml", Path::new("/p"))
        .unwrap()
        .cycle
}

/// A PCM WAV: `fmt ` (plain or extensible), a `LIST` chunk of its own, then `data_len` bytes
/// of samples (odd for a 24-bit mono file of an odd number of frames).
fn pcm_wav(bits: u16, channels: u16, frames: usize, extensible: bool) -> Vec<u8> {
    let block = channels * bits / 8;
    let mut fmt = Vec::new();
    fmt.extend((if extensible { 0xFFFEu16 } else { 1u16 }).to_le_bytes());
    fmt.extend(channels.to_le_bytes());
    fmt.extend(48_000u32.to_le_bytes());
    fmt.extend((48_000 * u32::from(block)).to_le_bytes());
    fmt.extend(block.to_le_bytes());
    fmt.extend(bits.to_le_bytes());
    if extensible {
        fmt.extend(22u16.to_le_bytes());
        fmt.extend(bits.to_le_bytes());
        fmt.extend(0u32.to_le_bytes());
        fmt.extend(1u16.to_le_bytes());
        fmt.extend(b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71");
    }
    let data: Vec<u8> = (0..frames * usize::from(block))
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let mut body = b"WAVE".to_vec();
    body.extend(wave::chunk(b"fmt ", &fmt));
    body.extend(wave::info_list(&[(b"INAM", "old title")]));
    body.extend(wave::chunk(b"data", &data));
    wave::chunk(b"RIFF", &body)
}

struct TaggedWave {
    source: Vec<u8>,
    copy: Vec<u8>,
    plan: TagPlan,
    dir: tempfile::TempDir,
}

fn tag_wave(source: Vec<u8>, artwork: Option<&Artwork>) -> TaggedWave {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.wav");
    std::fs::write(&path, &source).unwrap();
    let audio = crate::audio::probe::probe_file(&path).unwrap();
    let cycle = wave_cycle();
    let page = Url::parse("https://example.org/c/s.html").unwrap();
    let context = TagContext {
        cycle: &cycle,
        artwork,
        page: &page,
    };
    let metadata = metadata(context, &cycle.sessions[0], &audio).unwrap();
    let layout = read_layout(&path, &audio).unwrap();
    let plan = plan(&metadata, Recorded { path, layout });
    let mut copy = Vec::new();
    apply(&plan, &mut copy).unwrap();
    TaggedWave {
        source,
        copy,
        plan,
        dir,
    }
}

#[test]
fn tags_a_pcm_wav_with_info_and_id3_chunks_around_its_samples() {
    let cover = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/cover.jpg")).unwrap();
    let art = Artwork::from_bytes(cover).unwrap();
    for (bits, channels, frames, extensible, artwork) in [
        (16, 2, 4_801, false, None),
        (24, 1, 4_801, false, Some(&art)),
        (24, 2, 1_000, true, None),
        (16, 1, 3, false, Some(&art)),
    ] {
        let case = format!("{bits}-bit, {channels} channel(s), extensible {extensible}");
        let tagged = tag_wave(pcm_wav(bits, channels, frames, extensible), artwork);
        assert!(matches!(tagged.plan, TagPlan::Wave { .. }), "{case}");
        assert_eq!(tagged.plan.output_len(), tagged.copy.len() as u64, "{case}");

        let source = wave::pcm_wave(&mut Cursor::new(&tagged.source), tagged.source.len() as u64)
            .unwrap()
            .unwrap();
        let copy = wave::pcm_wave(&mut Cursor::new(&tagged.copy), tagged.copy.len() as u64)
            .unwrap()
            .unwrap();
        assert_eq!(copy.fmt, source.fmt, "{case}");
        let samples =
            |bytes: &[u8], r: Range<u64>| bytes[r.start as usize..r.end as usize].to_vec();
        assert_eq!(
            samples(&tagged.copy, copy.data),
            samples(&tagged.source, source.data),
            "{case}"
        );
        let riff = u32::from_le_bytes(tagged.copy[4..8].try_into().unwrap());
        assert_eq!(riff as usize, tagged.copy.len() - 8, "{case}");

        let probed = crate::audio::probe::probe_bytes(tagged.copy.clone(), Some("wav")).unwrap();
        assert_eq!(probed.frames, frames as u64, "{case}");
        assert_eq!(probed.bits_per_sample, Some(u32::from(bits)), "{case}");
        assert_eq!(
            probed.tags.title.as_deref(),
            Some("Une rencontre à Noël"),
            "{case}"
        );

        // The `id3 ` chunk holds the tag the MP3 copy gets.
        let at = tagged.copy.windows(4).position(|w| w == b"id3 ").unwrap();
        let tag = Tag::read_from2(Cursor::new(&tagged.copy[at + 8..])).unwrap();
        assert_eq!(tag.title(), Some("Une rencontre à Noël"));
        assert_eq!(tag.artist(), Some("Zoé Lefèvre"));
        assert_eq!(tag.pictures().count(), usize::from(artwork.is_some()));
        assert!(!tagged.copy.windows(9).any(|w| w == b"old title"), "{case}");
        mutagen_reads(&tagged);
    }
}

/// mutagen's WAVE reader finds the `id3 ` chunk, when the tests' Python venv is there.
fn mutagen_reads(tagged: &TaggedWave) {
    let python = std::env::var_os("CYCLECAST_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python")
        });
    if !python.exists() {
        return;
    }
    let path = tagged.dir.path().join("copy.wav");
    std::fs::write(&path, &tagged.copy).unwrap();
    let script = "import sys; from mutagen.wave import WAVE; w = WAVE(sys.argv[1]); \
                  print(w.tags['TIT2'].text[0]); print(w.tags['TPE1'].text[0]); print(w.info.length)";
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.get(..2),
        Some(&["Une rencontre à Noël", "Zoé Lefèvre"][..]),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn publishes_other_wavs_as_they_are() {
    // 8-bit, 32-bit float, and a file cut inside its samples.
    let mut float = pcm_wav(32, 1, 100, false);
    float[20] = 3;
    let mut cut = pcm_wav(16, 2, 100, false);
    cut.truncate(cut.len() - 10);
    for source in [pcm_wav(8, 1, 100, false), float] {
        let tagged = tag_wave(source, None);
        assert!(matches!(tagged.plan, TagPlan::Copy { .. }));
        assert_eq!(tagged.copy, tagged.source);
    }
    assert_eq!(
        wave::pcm_wave(&mut Cursor::new(&cut), cut.len() as u64).unwrap(),
        None
    );
}

#[test]
fn writes_info_fields_nul_terminated_and_padded_to_even() {
    let list = wave::info_list(&[(b"INAM", "abc"), (b"IART", ""), (b"ISFT", "cyclecast")]);
    assert_eq!(&list[..4], b"LIST");
    assert_eq!(
        u32::from_le_bytes(list[4..8].try_into().unwrap()) as usize,
        list.len() - 8
    );
    assert_eq!(&list[8..12], b"INFO");
    assert_eq!(&list[12..24], b"INAM\x04\x00\x00\x00abc\0");
    assert_eq!(&list[24..32], b"ISFT\x0a\x00\x00\x00");
    assert_eq!(&list[32..], b"cyclecast\0");
}
