use super::*;

fn frame(mpeg1: bool, mono: bool, tag_at: Option<(usize, &[u8])>) -> Vec<u8> {
    let version = if mpeg1 { 0b11 } else { 0b10 };
    let mut f = vec![
        0xFF,
        0xE0 | (version << 3) | (0b01 << 1) | 1,
        0x90,
        if mono { 0xC0 } else { 0x00 },
    ];
    f.resize(400, 0);
    if let Some((offset, tag)) = tag_at {
        f[offset..offset + 4].copy_from_slice(tag);
    }
    f
}

#[test]
fn finds_xing_and_info_where_the_side_info_ends() {
    assert!(has_frame_count_header(&frame(
        true,
        true,
        Some((21, b"Xing"))
    )));
    assert!(has_frame_count_header(&frame(
        true,
        false,
        Some((36, b"Info"))
    )));
    assert!(has_frame_count_header(&frame(
        false,
        true,
        Some((13, b"Info"))
    )));
    assert!(has_frame_count_header(&frame(
        true,
        false,
        Some((36, b"VBRI"))
    )));
    assert!(!has_frame_count_header(&frame(true, true, None)));
    // A Xing string in the wrong place does not count.
    assert!(!has_frame_count_header(&frame(
        true,
        true,
        Some((40, b"Xing"))
    )));
}

#[test]
fn looks_past_id3v2_tags() {
    let mut bytes = b"ID3\x03\x00\x00\x00\x00\x00\x05abcde".to_vec();
    bytes.extend(frame(true, true, Some((21, b"Xing"))));
    assert_eq!(id3v2_len(&bytes), Some(15));
    assert!(has_frame_count_header(&bytes));
}

/// An MPEG-2 Layer III frame, 22.05 kHz mono, 32 kbit/s (104 bytes), silent body.
fn lsf_frame() -> Vec<u8> {
    let mut f = vec![0xFF, 0xF3, 0x40, 0xC4];
    f.resize(FrameHeader::parse(&f).unwrap().frame_len(), 0);
    f
}

fn scan_bytes(bytes: &[u8]) -> Option<Scan> {
    scan(std::io::Cursor::new(bytes), bytes.len() as u64).unwrap()
}

#[test]
fn reads_the_frame_length_of_every_version() {
    let mpeg1 = FrameHeader::parse(&[0xFF, 0xFB, 0x92, 0x00]).unwrap();
    assert_eq!(
        (mpeg1.sample_rate(), mpeg1.kbps(), mpeg1.frame_len()),
        (44_100, 128, 418)
    );
    let mpeg2 = FrameHeader::parse(&lsf_frame()).unwrap();
    assert_eq!(
        (mpeg2.version(), mpeg2.samples(), mpeg2.frame_len()),
        (2, 576, 104)
    );
    let mpeg25 = FrameHeader::parse(&[0xFF, 0xE3, 0x10, 0xC4]).unwrap();
    assert_eq!((mpeg25.version(), mpeg25.sample_rate()), (25, 11_025));
    // Free format, a bad bitrate, a reserved rate, layer II.
    for bad in [
        [0xFF, 0xFB, 0x02, 0],
        [0xFF, 0xFB, 0xF0, 0],
        [0xFF, 0xFB, 0x9C, 0],
        [0xFF, 0xFD, 0x90, 0],
    ] {
        assert_eq!(FrameHeader::parse(&bad), None, "{bad:x?}");
    }
}

#[test]
fn reads_the_lame_delay_and_padding() {
    let mut f = frame(true, true, Some((21, b"Info")));
    f[25..29].copy_from_slice(&15u32.to_be_bytes());
    f[29..33].copy_from_slice(&1000u32.to_be_bytes());
    let lame = 21 + 4 + 4 + 4 + 4 + 100 + 4;
    f[lame..lame + 9].copy_from_slice(b"LAME3.100");
    // Delay 576, padding 1,000: 0x240 and 0x3E8 in 12 bits each.
    f[lame + 21..lame + 24].copy_from_slice(&[0x24, 0x03, 0xE8]);
    let header = FrameHeader::parse(&f).unwrap();
    let info = info_header(&f, header).unwrap();
    assert_eq!(info.kind, InfoKind::Info);
    assert_eq!(info.frames, Some(1000));
    assert_eq!(info.trim, Some((576 + 529, 1000 - 529)));
}

#[test]
fn reads_a_vbri_header() {
    let mut f = frame(true, false, Some((36, b"VBRI")));
    f[46..50].copy_from_slice(&123_456u32.to_be_bytes());
    f[50..54].copy_from_slice(&789u32.to_be_bytes());
    let header = FrameHeader::parse(&f).unwrap();
    let info = info_header(&f, header).unwrap();
    assert_eq!(
        (info.kind, info.frames, info.bytes, info.trim),
        (InfoKind::Vbri, Some(789), Some(123_456), None)
    );
}

#[test]
fn steps_over_every_kind_of_trailing_tag() {
    let audio: Vec<u8> = (0..50).flat_map(|_| lsf_frame()).collect();
    let mut lyrics = b"LYRICSBEGININDxx".to_vec();
    lyrics.extend_from_slice(format!("{:06}", lyrics.len()).as_bytes());
    lyrics.extend_from_slice(b"LYRICS200");
    let mut id3_footer =
        b"ID3\x04\x00\x10\x00\x00\x00\x02xx3DI\x04\x00\x10\x00\x00\x00\x02".to_vec();
    id3_footer.truncate(22);
    let mut id3v1 = b"TAG".to_vec();
    id3v1.resize(128, 0xFF);
    let bytes = [audio.clone(), id3_footer, lyrics, id3v1].concat();
    let found = scan_bytes(&bytes).unwrap();
    assert_eq!((found.frames, found.trailing_junk), (50, 0));
    assert!(!found.cut_short);
    assert_eq!(found.stream_bytes, audio.len() as u64);
}

#[test]
fn notes_a_last_frame_cut_short() {
    let audio: Vec<u8> = (0..20).flat_map(|_| lsf_frame()).collect();
    let found = scan_bytes(&audio[..audio.len() - 30]).unwrap();
    assert_eq!(found.frames, 19);
    assert!(found.cut_short);
}

#[test]
fn gives_up_on_a_stream_damaged_everywhere() {
    // Frames separated by junk, more times than a scan resyncs.
    let mut bytes = Vec::new();
    for _ in 0..(MAX_RESYNCS + 10) {
        bytes.extend(lsf_frame());
        bytes.extend(lsf_frame());
        bytes.extend_from_slice(&[1, 2, 3]);
    }
    let found = scan_bytes(&bytes).unwrap();
    assert!(found.gave_up);
    assert_eq!(found.damaged, MAX_RESYNCS);
}

/// A reader that cannot seek and hands out a few bytes a call, as a pipe may.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.1 = self.1 % 7 + 1;
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn walks_a_reader_that_gives_a_few_bytes_at_a_time_as_it_walks_a_file() {
    let mut bytes = b"junk".to_vec();
    for i in 0..300 {
        bytes.extend(lsf_frame());
        if i % 50 == 7 {
            bytes.extend_from_slice(&[1, 2, 3]);
        }
    }
    bytes.extend(&lsf_frame()[..50]);
    let mut frames = Vec::new();
    let walked = walk(Trickle(&bytes, 0), 0..bytes.len() as u64, |f| {
        frames.push(f)
    })
    .unwrap()
    .unwrap();
    assert_eq!(Some(walked.clone()), scan_bytes(&bytes));
    assert_eq!((walked.frames, walked.damaged), (300, 6));
    assert_eq!((walked.leading_junk, walked.cut_short), (4, true));
    assert_eq!(frames.len(), 300);
    assert!(frames.iter().all(
        |f| f.end - f.start == 104 && FrameHeader::parse(&bytes[f.start as usize..]).is_some()
    ));
}

#[test]
fn reads_forward_across_blocks_and_gaps_without_seeking() {
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut window = Window::new(&data[..], 0);
    let block = BLOCK_LEN as u64;
    for (pos, n) in [
        (0, 4),
        (10, 1445),
        (block - 2, 4),
        (block + 100, 1445),
        (3 * block + 500, 4),
        (4 * block - 1445 * 100, 1445),
        (999_000, 1000),
    ] {
        let at = pos as usize;
        let got = window.get(pos, n).unwrap();
        assert_eq!(got, Some(&data[at..at + n]), "{pos}");
    }
    assert_eq!(window.get(999_998, 4).unwrap(), None);
}

#[test]
fn finds_no_frame_in_text() {
    assert_eq!(scan_bytes(&b"Ceci n'est pas un MP3. ".repeat(100)), None);
    assert_eq!(scan_bytes(b""), None);
    // A tag that claims more than the file holds.
    assert_eq!(scan_bytes(b"ID3\x03\x00\x00\x7f\x7f\x7f\x7f"), None);
}
