use super::*;

/// A mono 16-bit PCM WAV of `frames` samples at `rate`.
fn wav(rate: u32, frames: u32) -> Vec<u8> {
    let data_len = frames * 2;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&rate.wrapping_mul(2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend((0..frames).flat_map(|i| ((i % 64) as i16 * 100).to_le_bytes()));
    out
}

/// An MPEG-1 Layer III frame, 44.1 kHz mono, at `kbps` (a silent body: never decoded).
fn mp3_frame(kbps_index: u8) -> Vec<u8> {
    let header = [0xFF, 0xFB, kbps_index << 4, 0xC0];
    let len = crate::audio::mp3::FrameHeader::parse(&header)
        .unwrap()
        .frame_len();
    let mut frame = header.to_vec();
    frame.resize(len, 0);
    frame
}

/// `count` frames alternating between two bitrates (VBR, no Xing header).
fn vbr_mp3(count: usize) -> Vec<u8> {
    (0..count)
        .flat_map(|i| mp3_frame(if i % 3 == 0 { 9 } else { 5 }))
        .collect()
}

/// A Xing frame stating `frames` frames and `bytes` bytes.
fn xing_frame(frames: u32, bytes: u32) -> Vec<u8> {
    let mut frame = mp3_frame(9);
    frame[21..25].copy_from_slice(b"Xing");
    frame[25..29].copy_from_slice(&3u32.to_be_bytes());
    frame[29..33].copy_from_slice(&frames.to_be_bytes());
    frame[33..37].copy_from_slice(&bytes.to_be_bytes());
    frame
}

fn random_bytes(len: usize, mut x: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn a_sample_rate_no_audio_has_is_refused_naming_it() {
    for rate in [1, 3_999, 768_001, 4_000_000, u32::MAX] {
        let error = probe_bytes(wav(rate, 8000), Some("wav"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&format!("a sample rate of {rate} Hz")),
            "{rate}: {error}"
        );
    }
    for rate in [4_000, 6_000, 8_000, 705_600, 768_000] {
        assert!(probe_bytes(wav(rate, 8000), Some("wav")).is_ok(), "{rate}");
    }
}

#[test]
fn a_wav_whose_recorder_never_wrote_its_lengths_is_refused_saying_so() {
    // The data chunk's length at byte 40, the RIFF chunk's at byte 4.
    let with = |data_len: u32, riff_len: Option<u32>| {
        let mut bytes = wav(8000, 8000);
        bytes[40..44].copy_from_slice(&data_len.to_le_bytes());
        if let Some(riff_len) = riff_len {
            bytes[4..8].copy_from_slice(&riff_len.to_le_bytes());
        }
        probe_bytes(bytes, Some("wav"))
    };
    let error = with(0, None).unwrap_err().to_string();
    assert!(
        error.contains("its data chunk states no audio (0 bytes) where 16000 bytes follow")
            && error.contains("cut off"),
        "{error}"
    );
    for data_len in [u32::MAX, 20_000] {
        let error = with(data_len, None).unwrap_err().to_string();
        assert!(
            error.contains(&format!(
                "its data chunk states {data_len} bytes, more than its RIFF chunk of 16036 bytes holds"
            )) && error.contains("cut off"),
            "{data_len}: {error}"
        );
    }
    // Both lengths unknown, as a stream written to a pipe: read to the end.
    let streamed = with(u32::MAX, Some(u32::MAX)).unwrap();
    assert_eq!(streamed.frames, 8000);
}

#[test]
fn counts_the_exact_duration_of_a_wav() {
    let info = probe_bytes(wav(8000, 12_345), Some("wav")).unwrap();
    assert_eq!(info.frames, 12_345);
    assert_eq!(info.sample_rate, 8000);
    assert_eq!(info.channels, 1);
    assert_eq!(info.codec, Codec::Pcm("pcm_s16le".into()));
    assert_eq!(info.bits_per_sample, Some(16));
    assert!((info.duration_secs() - 1.543_125).abs() < 1e-9);
    assert_eq!(info.bitrate(), 128_000);
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
}

#[test]
fn rejects_an_empty_file() {
    assert!(matches!(
        probe_bytes(Vec::new(), Some("mp3")),
        Err(ProbeError::Empty)
    ));
}

#[test]
fn rejects_text_posing_as_audio() {
    let text = b"Ceci n'est pas un enregistrement.\n".repeat(100);
    let err = probe_bytes(text, Some("wav")).unwrap_err();
    assert!(matches!(err, ProbeError::Unsupported(_)), "{err:?}");
}

// Issue #10: text that starts with the letters "ID3" was called an unsupported ID3v2
// version; a tag header of an unknown version still is one.
#[test]
fn tells_text_that_starts_with_id3_from_a_tag_of_an_unknown_version() {
    let text = b"ID3 is a tag format; these are my notes.\n".repeat(20);
    let err = probe_bytes(text, Some("mp3")).unwrap_err().to_string();
    assert!(err.contains("none of the formats cyclecast reads"), "{err}");
    assert!(err.contains("not with an ID3v2 tag"), "{err}");
    let mut future = b"ID3\x05\x00\x00\x00\x00\x00\x10".to_vec();
    future.extend(random_bytes(400, 7));
    let err = probe_bytes(future, Some("mp3")).unwrap_err().to_string();
    assert!(!err.contains("not with an ID3v2 tag"), "{err}");
}

#[test]
fn rejects_random_bytes_named_mp3() {
    // A fixed pseudo-random sequence (xorshift), so the test is repeatable.
    let bytes = random_bytes(20_000, 0x2545_f491_4f6c_dd1d);
    assert!(probe_bytes(bytes, Some("mp3")).is_err());
}

#[test]
fn rejects_a_wav_shorter_than_its_header_states() {
    let mut bytes = wav(8000, 8000);
    bytes.truncate(44 + 4000);
    let err = probe_bytes(bytes, Some("wav")).unwrap_err();
    assert!(
        err.to_string()
            .contains("truncated: its header states 1.000 s but only 0.250 s"),
        "{err}"
    );
}

#[test]
fn accepts_a_wav_cut_within_one_frame_of_its_header() {
    let mut bytes = wav(8000, 8000);
    bytes.truncate(44 + 16_000 - 200);
    let info = probe_bytes(bytes, Some("wav")).unwrap();
    assert_eq!(info.frames, 7900);
    assert!(
        info.warnings[0].contains("100 samples before"),
        "{:?}",
        info.warnings
    );
}

#[test]
fn counts_every_frame_of_a_vbr_mp3_without_a_header() {
    let info = probe_bytes(vbr_mp3(300), Some("mp3")).unwrap();
    assert_eq!(info.container, Container::Mp3);
    assert_eq!((info.sample_rate, info.channels), (44_100, 1));
    assert_eq!(info.frames, 300 * 1152);
    assert_eq!(info.bits_per_sample, None);
    assert!(
        info.warnings.iter().any(|w| w.contains("no Xing header")),
        "{:?}",
        info.warnings
    );
}

#[test]
fn skips_tags_and_junk_around_mp3_frames() {
    let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x0a".to_vec();
    bytes.extend_from_slice(&[0; 10]);
    bytes.extend(random_bytes(700, 7).iter().map(|b| b & 0x7F));
    bytes.extend(vbr_mp3(100));
    bytes.extend(random_bytes(900, 9).iter().map(|b| b & 0x7F));
    bytes.extend(vbr_mp3(100));
    // An APEv2 tag (footer only, one empty item), then ID3v1.
    let mut ape = b"APETAGEX".to_vec();
    ape.extend_from_slice(&2000u32.to_le_bytes());
    ape.extend_from_slice(&(32u32 + 10).to_le_bytes());
    ape.extend_from_slice(&1u32.to_le_bytes());
    ape.extend_from_slice(&0u32.to_le_bytes());
    ape.extend_from_slice(&[0; 8]);
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, b'A', 0]);
    bytes.extend(ape);
    let mut id3v1 = b"TAG".to_vec();
    id3v1.resize(128, b' ');
    bytes.extend(id3v1);
    let info = probe_bytes(bytes, Some("mp3")).unwrap();
    assert_eq!(info.frames, 200 * 1152);
    let warnings = info.warnings.join("\n");
    assert!(
        warnings.contains("starts with 700 bytes that are not audio"),
        "{warnings}"
    );
    assert!(
        warnings.contains("damaged in 1 place, the first at 2.612 s: 900 bytes"),
        "{warnings}"
    );
    assert!(!warnings.contains("neither audio nor a tag"), "{warnings}");
}

#[test]
fn rejects_an_mp3_cut_short_of_what_its_xing_header_states() {
    let audio = vbr_mp3(200);
    let mut bytes = xing_frame(200, (417 + audio.len()) as u32);
    bytes.extend_from_slice(&audio[..audio.len() / 2 + 100]);
    let err = probe_bytes(bytes, Some("mp3")).unwrap_err();
    assert!(matches!(err, ProbeError::Corrupt(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("truncated: its header states 5.224 s"),
        "{err}"
    );
}

#[test]
fn warns_when_an_mp3_header_lies_about_its_length() {
    let audio = vbr_mp3(200);
    let bytes_stated = (417 + audio.len()) as u32;
    for stated in [50, 800] {
        let mut bytes = xing_frame(stated, bytes_stated);
        bytes.extend_from_slice(&audio);
        let info = probe_bytes(bytes, Some("mp3")).unwrap();
        assert_eq!(info.frames, 200 * 1152);
        assert!(
            info.warnings[0].contains("players that trust the header"),
            "{:?}",
            info.warnings
        );
    }
}

#[test]
fn warns_when_an_extension_names_another_format() {
    let info = probe_bytes(wav(8000, 800), Some("mp3")).unwrap();
    assert_eq!(info.container, Container::Wave);
    assert!(
        info.warnings[0].contains("in a WAV container, not what its `.mp3` extension says"),
        "{:?}",
        info.warnings
    );
}

#[test]
fn finds_the_end_of_an_ogg_stream_in_its_last_page() {
    let page = |flags: u8, body: usize| {
        let mut p = b"OggS\0".to_vec();
        p.push(flags);
        p.resize(26, 0);
        p.push(1);
        p.push(body as u8);
        p.resize(28 + body, 7);
        p
    };
    assert!(ogg_tail_ends(&[page(0, 10), page(4, 20)].concat()));
    assert!(!ogg_tail_ends(&[page(4, 10), page(0, 20)].concat()));
    let cut = [page(0, 10), page(4, 20)].concat();
    assert!(!ogg_tail_ends(&cut[..cut.len() - 1]));
    assert!(!ogg_tail_ends(b"not ogg"));
}

// Issue #4: found by the `probe` fuzz target (crash-d4fca02a…): a WAVE_FORMAT_EXTENSIBLE
// header of 4,097 channels made symphonia 0.6.1 shift left by more than 31 bits
// (`fix_wave_channel_mask`), a panic in a debug build.
#[test]
fn rejects_a_wav_of_4097_channels_found_by_fuzzing() {
    let mut bytes = wav(44_100, 100);
    // Make the fmt chunk WAVE_FORMAT_EXTENSIBLE (40 bytes) with 4,097 channels.
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&0xFFFEu16.to_le_bytes());
    fmt.extend_from_slice(&4097u16.to_le_bytes());
    fmt.extend_from_slice(&44_100u32.to_le_bytes());
    fmt.extend_from_slice(&(44_100u32 * 2).to_le_bytes());
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&22u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&3u32.to_le_bytes());
    fmt.extend_from_slice(&[
        1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
    ]);
    bytes.splice(20..36, fmt);
    bytes[16..20].copy_from_slice(&40u32.to_le_bytes());
    let riff = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff.to_le_bytes());
    let err = probe_bytes(bytes, Some("wav")).unwrap_err();
    assert!(
        err.to_string()
            .contains("impossible format (4097 channels of 16 bits, channel mask 0x3)"),
        "{err}"
    );
    // And the very bytes the fuzzer found (after its hint byte).
    let found = include_bytes!("../../../tests/fixtures/fuzz/probe-wav-4097-channels.bin");
    let err = probe_bytes(found[1..].to_vec(), Some("wav")).unwrap_err();
    assert!(!matches!(err, ProbeError::Crashed(_)), "{err}");
}

// Issue #4: found by the `probe` fuzz target (crash-a56a704e…): a plain PCM header of
// 56,829 channels overflowed symphonia 0.6.1's block-align check (`read_pcm_fmt`), a
// panic in a debug build.
#[test]
fn rejects_a_wav_of_56829_channels_found_by_fuzzing() {
    let mut bytes = wav(44_100, 100);
    bytes[22..24].copy_from_slice(&56_829u16.to_le_bytes());
    let err = probe_bytes(bytes, Some("wav")).unwrap_err();
    assert!(
        err.to_string()
            .contains("impossible format (56829 channels of 16 bits)"),
        "{err}"
    );
    let found = include_bytes!("../../../tests/fixtures/fuzz/probe-wav-56829-channels.bin");
    let err = probe_bytes(found[1..].to_vec(), Some("wav")).unwrap_err();
    assert!(!matches!(err, ProbeError::Crashed(_)), "{err}");
}

// Issue #4: found by the `probe` fuzz target (crash-afbe95d2…): the same overflow in a WAV
// behind an ID3v2 tag and 534 bytes of junk, which symphonia skips to find the WAV.
#[test]
fn rejects_a_wav_of_too_many_channels_behind_an_id3_tag_found_by_fuzzing() {
    let mut bytes = b"ID3\x03\x00\x00\x00\x00\x00\x05abcde".to_vec();
    let mut wave = wav(44_100, 100);
    wave[22..24].copy_from_slice(&40_000u16.to_le_bytes());
    bytes.extend(wave);
    let err = probe_bytes(bytes, None).unwrap_err();
    assert!(
        err.to_string()
            .contains("impossible format (40000 channels"),
        "{err}"
    );
    let found = include_bytes!("../../../tests/fixtures/fuzz/probe-wav-behind-id3.bin");
    let err = probe_bytes(found[1..].to_vec(), Some("mp3")).unwrap_err();
    assert!(!matches!(err, ProbeError::Crashed(_)), "{err}");
}

#[test]
fn accepts_an_extensible_wav_with_a_mask_to_fix() {
    // Two channels, no speaker positions: symphonia fills the mask in.
    let mut bytes = wav(8000, 800);
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&0xFFFEu16.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&8000u32.to_le_bytes());
    fmt.extend_from_slice(&16_000u32.to_le_bytes());
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&22u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&0u32.to_le_bytes());
    fmt.extend_from_slice(&[
        1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
    ]);
    bytes.splice(20..36, fmt);
    bytes[16..20].copy_from_slice(&40u32.to_le_bytes());
    let riff = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff.to_le_bytes());
    let info = probe_bytes(bytes, Some("wav")).unwrap();
    assert_eq!((info.channels, info.frames), (1, 800));
}

/// An MP3 behind an ID3v2.3 tag holding one `APIC` frame per `(picture type, data)`.
fn mp3_with_pictures(pictures: &[(u8, &[u8])]) -> Vec<u8> {
    let mut frames = Vec::new();
    for (kind, data) in pictures {
        let mut body = b"\0image/jpeg\0".to_vec();
        body.push(*kind);
        body.push(0);
        body.extend_from_slice(data);
        frames.extend_from_slice(b"APIC");
        frames.extend_from_slice(&(body.len() as u32).to_be_bytes());
        frames.extend_from_slice(&[0, 0]);
        frames.extend(body);
    }
    let len = frames.len() as u32;
    let syncsafe = [len >> 21, len >> 14, len >> 7, len].map(|b| (b & 0x7F) as u8);
    let mut bytes = b"ID3\x03\x00\x00".to_vec();
    bytes.extend_from_slice(&syncsafe);
    bytes.extend(frames);
    bytes.extend(vbr_mp3(50));
    bytes
}

#[test]
fn takes_the_front_cover_and_never_a_back_cover() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.mp3");
    let cover = |pictures: &[(u8, &[u8])]| {
        std::fs::write(&path, mp3_with_pictures(pictures)).unwrap();
        front_cover(&path).unwrap()
    };
    // ID3 picture types: 0 other, 3 front cover, 4 back cover.
    assert_eq!(
        cover(&[(0, b"other"), (3, b"front")]),
        Some(b"front".to_vec())
    );
    assert_eq!(
        cover(&[(4, b"back"), (0, b"other")]),
        Some(b"other".to_vec())
    );
    assert_eq!(cover(&[(4, b"back")]), None);
    assert_eq!(cover(&[]), None);
}

#[test]
fn converts_ticks_of_another_time_base_to_frames() {
    let tb = |n: u32, d: u32| {
        Some(TimeBase::new(
            std::num::NonZero::new(n).unwrap(),
            std::num::NonZero::new(d).unwrap(),
        ))
    };
    assert_eq!(ticks_to_frames(44_100, tb(1, 44_100), 44_100), 44_100);
    assert_eq!(ticks_to_frames(1000, tb(1, 1000), 48_000), 48_000);
    assert_eq!(ticks_to_frames(90_000, tb(1, 90_000), 44_100), 44_100);
    assert_eq!(ticks_to_frames(7, None, 44_100), 7);
}

#[test]
fn carries_what_tagging_needs_from_its_one_walk() {
    // A VBR MP3 without a Xing header: the Xing frame its copy gains, as tag's own walk
    // would make it.
    let bytes = vbr_mp3(300);
    let len = bytes.len() as u64;
    let info = probe_bytes(bytes.clone(), Some("mp3")).unwrap();
    let walked = crate::audio::mp3::xing::scan_file(&mut std::io::Cursor::new(&bytes), 0..len)
        .unwrap()
        .unwrap();
    let xing = crate::audio::mp3::xing::frame(&walked);
    assert!(xing.is_some());
    assert_eq!(
        info.layout,
        Some(FileLayout::Mp3 {
            payload: 0..len,
            xing
        })
    );
    // One that states its frame count gains none.
    let mut bytes = xing_frame(300, 0);
    bytes.extend(vbr_mp3(300));
    let len = bytes.len() as u64;
    let info = probe_bytes(bytes, Some("mp3")).unwrap();
    assert_eq!(
        info.layout,
        Some(FileLayout::Mp3 {
            payload: 0..len,
            xing: None
        })
    );
}
