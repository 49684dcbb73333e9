//! Cover art: what an image file really is, read from its bytes, and the rules podcast
//! directories set for it (JPEG or PNG, RGB, no alpha, square, 1400 to 3000 pixels).
//! Pure functions on bytes: only the headers are parsed, nothing is decoded.

use crate::model::ImageFormat;

/// How an image stores colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorModel {
    /// Red, green and blue (JPEG YCbCr counts as RGB).
    Rgb,
    /// RGB with an alpha channel.
    RgbAlpha,
    /// Shades of grey.
    Gray,
    /// Printing inks.
    Cmyk,
}

/// What the header of an image says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// JPEG or PNG.
    pub format: ImageFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Colour model.
    pub color: ColorModel,
}

/// Reads the header of a JPEG or PNG image; `None` for anything else or a broken header.
pub fn inspect(bytes: &[u8]) -> Option<ImageInfo> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        inspect_png(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        inspect_jpeg(bytes)
    } else {
        None
    }
}

fn inspect_png(bytes: &[u8]) -> Option<ImageInfo> {
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let be32 = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (width, height) = (be32(16)?, be32(20)?);
    let color = match bytes.get(25)? {
        0 => ColorModel::Gray,
        4 => ColorModel::Gray,
        6 => ColorModel::RgbAlpha,
        // Truecolour, or a palette: a palette with a transparency chunk has alpha.
        2 | 3 if has_png_chunk(bytes, b"tRNS") => ColorModel::RgbAlpha,
        2 | 3 => ColorModel::Rgb,
        _ => return None,
    };
    Some(ImageInfo {
        format: ImageFormat::Png,
        width,
        height,
        color,
    })
}

fn has_png_chunk(bytes: &[u8], wanted: &[u8; 4]) -> bool {
    let mut at = 8usize;
    while let Some(header) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        if kind == wanted {
            return true;
        }
        if kind == b"IDAT" || kind == b"IEND" {
            return false;
        }
        at = at.saturating_add(12).saturating_add(len);
    }
    false
}

fn inspect_jpeg(bytes: &[u8]) -> Option<ImageInfo> {
    let mut at = 2usize;
    let mut adobe_transform = None;
    loop {
        // Markers may be padded with extra 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at + 1)?;
        if bytes[at] != 0xFF {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let segment = bytes.get(at + 4..at + 2 + len)?;
        match marker {
            // APP14 "Adobe": its transform flag tells YCCK (CMYK) apart.
            0xEE if segment.starts_with(b"Adobe") => adobe_transform = segment.get(11).copied(),
            // Start of frame, any kind but the DHT/JPG/DAC markers in that range.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = u32::from(u16::from_be_bytes([*segment.get(1)?, *segment.get(2)?]));
                let width = u32::from(u16::from_be_bytes([*segment.get(3)?, *segment.get(4)?]));
                let color = match (segment.get(5)?, adobe_transform) {
                    (1, _) => ColorModel::Gray,
                    (3, _) => ColorModel::Rgb,
                    (4, _) => ColorModel::Cmyk,
                    _ => return None,
                };
                return Some(ImageInfo {
                    format: ImageFormat::Jpeg,
                    width,
                    height,
                    color,
                });
            }
            0xDA | 0xD9 => return None,
            _ => {}
        }
        at += 2 + len;
    }
}

/// Checks an image against the directories' cover rules; returns what is wrong, if anything.
/// `extension` is the file's extension, which must match its content.
pub fn cover_problems(bytes: &[u8], extension: &str) -> Vec<String> {
    let Some(info) = inspect(bytes) else {
        return vec!["the image must be a JPEG or PNG file".to_string()];
    };
    let mut problems = Vec::new();
    if !info
        .format
        .extensions()
        .contains(&extension.to_ascii_lowercase().as_str())
    {
        problems.push(format!(
            "the file is named `.{extension}` but holds a {} image",
            if info.format == ImageFormat::Jpeg {
                "JPEG"
            } else {
                "PNG"
            }
        ));
    }
    match info.color {
        ColorModel::Rgb => {}
        ColorModel::RgbAlpha => {
            problems.push("the image has an alpha channel: directories want plain RGB".into())
        }
        ColorModel::Gray => problems.push("the image is greyscale: directories want RGB".into()),
        ColorModel::Cmyk => problems.push("the image is CMYK: directories want RGB".into()),
    }
    if info.width != info.height {
        problems.push(format!(
            "the image is {}×{} pixels: it must be square",
            info.width, info.height
        ));
    }
    if !(1400..=3000).contains(&info.width.max(info.height)) || info.width.min(info.height) < 1400 {
        problems.push(format!(
            "the image is {}×{} pixels: directories want 1400×1400 to 3000×3000",
            info.width, info.height
        ));
    }
    problems
}

/// The weight from which link previews leave an image out: Mastodon keeps a preview card's
/// image only under 2 MB (`PreviewCard::LIMIT`), X under 5 MB. Their pixel rules (at least 200 pixels a side,
/// at most 4096) hold for every image that meets the directories' rules.
pub const CARD_BYTES: usize = 2 * 1024 * 1024;

/// Why link previews would leave out an image (only its weight can be wrong once it meets the
/// directories' rules), if they would.
pub fn card_problem(bytes: &[u8]) -> Option<String> {
    (bytes.len() >= CARD_BYTES).then(|| {
        format!(
            "the image weighs {:.1} MB: link previews (Mastodon) leave out an image of 2 MB or more; \
             a JPEG at quality 85 is usually well under",
            bytes.len() as f64 / 1e6
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, color_type: u8) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        b.extend(width.to_be_bytes());
        b.extend(height.to_be_bytes());
        b.extend([8, color_type, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    fn jpeg(width: u16, height: u16, components: u8) -> Vec<u8> {
        let mut b = vec![
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 8,
        ];
        b.extend(height.to_be_bytes());
        b.extend(width.to_be_bytes());
        b.extend([components, 1, 0x11, 0]);
        b
    }

    #[test]
    fn reads_image_headers() {
        let info = inspect(&jpeg(1400, 1400, 3)).unwrap();
        assert_eq!(
            (info.format, info.width, info.height, info.color),
            (ImageFormat::Jpeg, 1400, 1400, ColorModel::Rgb)
        );
        assert_eq!(
            inspect(&png(3000, 3000, 6)).unwrap().color,
            ColorModel::RgbAlpha
        );
        assert!(inspect(b"GIF89a").is_none());
    }

    #[test]
    fn accepts_a_square_rgb_cover() {
        assert!(cover_problems(&jpeg(1400, 1400, 3), "jpg").is_empty());
        assert!(cover_problems(&png(3000, 3000, 2), "png").is_empty());
    }

    #[test]
    fn names_every_cover_problem() {
        let problems = cover_problems(&jpeg(1000, 800, 4), "png");
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("named `.png` but holds a JPEG"));
        assert!(problems[1].contains("CMYK"));
        assert!(problems[2].contains("must be square"));
        assert!(problems[3].contains("1400×1400 to 3000×3000"));
        assert!(cover_problems(&png(1400, 1400, 6), "png")[0].contains("alpha"));
        assert!(cover_problems(&png(3200, 3200, 2), "png")[0].contains("3000×3000"));
    }

    #[test]
    fn reads_the_real_cover() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/cover.jpg")).unwrap();
        assert_eq!(
            inspect(&bytes).map(|i| (i.width, i.height, i.color)),
            Some((1400, 1400, ColorModel::Rgb))
        );
    }
}
