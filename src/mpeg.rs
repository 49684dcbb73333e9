//! Byte-level facts about MP3 files that neither symphonia nor id3 exposes: where an ID3v2
//! tag ends, and whether the first frame carries a Xing, Info or VBRI header (the frame count
//! players trust for the duration). Pure functions on bytes.

/// Size of the ID3v2 tag (header, body and footer) that `bytes` starts with, if it does.
pub fn id3v2_len(bytes: &[u8]) -> Option<u64> {
    let header = bytes.get(..10)?;
    let syncsafe = header[6..10].iter().all(|b| b & 0x80 == 0);
    if &header[..3] != b"ID3" || header[3] == 0xFF || header[4] == 0xFF || !syncsafe {
        return None;
    }
    let body = header[6..10]
        .iter()
        .fold(0u64, |acc, &b| (acc << 7) | u64::from(b));
    let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + body + footer)
}

/// Whether the first MPEG audio frame in `head` (the file's first bytes) carries a Xing,
/// Info or VBRI header.
pub fn has_frame_count_header(head: &[u8]) -> bool {
    let mut start = 0usize;
    while let Some(len) = head.get(start..).and_then(id3v2_len) {
        start += usize::try_from(len).unwrap_or(usize::MAX);
    }
    let Some(head) = head.get(start..) else {
        return false;
    };
    let Some(frame) =
        (0..head.len().saturating_sub(4)).find(|&i| is_layer3_header(&head[i..i + 4]))
    else {
        return false;
    };
    let mpeg1 = (head[frame + 1] >> 3) & 0b11 == 0b11;
    let mono = head[frame + 3] >> 6 == 0b11;
    let side_info = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let at = |offset: usize, tag: &[u8]| head.get(frame + offset..frame + offset + 4) == Some(tag);
    at(4 + side_info, b"Xing") || at(4 + side_info, b"Info") || at(36, b"VBRI")
}

fn is_layer3_header(b: &[u8]) -> bool {
    b[0] == 0xFF
        && b[1] & 0xE0 == 0xE0
        && (b[1] >> 3) & 0b11 != 0b01 // reserved version
        && (b[1] >> 1) & 0b11 == 0b01 // layer III
        && b[2] >> 4 != 0b1111 // bad bitrate
        && (b[2] >> 2) & 0b11 != 0b11 // reserved sample rate
}

#[cfg(test)]
mod tests {
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
}
