//! What a recording is made of, as the stages name it: its container and its codec, told by
//! `probe` (which maps symphonia's identifiers to these in one place) and matched by `tag`,
//! `episode` and the rest without knowing symphonia; and the format of an image (cover art).
//!
//! Each prints (and is stored in the cache) under the short name symphonia gives it, e.g.
//! `isomp4`, `pcm_s16le`: the names `probe` has always printed.

use std::fmt;

/// A recording's container format.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Container {
    /// MPEG audio (`mp3`).
    Mp3,
    /// ISO base media: MP4, M4A (`isomp4`).
    Mp4,
    /// Ogg (`ogg`).
    Ogg,
    /// Native FLAC (`flac`).
    Flac,
    /// RIFF WAVE (`wave`).
    Wave,
    /// AIFF (`aiff`).
    Aiff,
    /// Any other, by its short name.
    Other(String),
}

impl Container {
    /// The short name, e.g. `isomp4`.
    pub fn as_str(&self) -> &str {
        match self {
            Container::Mp3 => "mp3",
            Container::Mp4 => "isomp4",
            Container::Ogg => "ogg",
            Container::Flac => "flac",
            Container::Wave => "wave",
            Container::Aiff => "aiff",
            Container::Other(name) => name,
        }
    }
}

impl From<&str> for Container {
    /// The container of this short name.
    fn from(name: &str) -> Container {
        match name {
            "mp3" => Container::Mp3,
            "isomp4" => Container::Mp4,
            "ogg" => Container::Ogg,
            "flac" => Container::Flac,
            "wave" => Container::Wave,
            "aiff" => Container::Aiff,
            other => Container::Other(other.to_string()),
        }
    }
}

/// A recording's audio codec.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Codec {
    /// MPEG-1/2 Layer III (`mp3`).
    Mp3,
    /// AAC (`aac`).
    Aac,
    /// Apple Lossless (`alac`).
    Alac,
    /// FLAC (`flac`).
    Flac,
    /// Vorbis (`vorbis`).
    Vorbis,
    /// Opus (`opus`).
    Opus,
    /// Uncompressed PCM, by its short name, e.g. `pcm_s16le`.
    Pcm(String),
    /// Any other, by its short name (e.g. `mp2`, `ac3`, `unknown (…)`).
    Other(String),
}

impl Codec {
    /// Whether it is floating-point PCM (`pcm_f32le`, `pcm_f64be`…), whose samples may lie
    /// beyond full scale without clipping.
    pub fn is_float_pcm(&self) -> bool {
        matches!(self, Codec::Pcm(name) if name.starts_with("pcm_f"))
    }

    /// The short name, e.g. `aac`, `pcm_s16le`.
    pub fn as_str(&self) -> &str {
        match self {
            Codec::Mp3 => "mp3",
            Codec::Aac => "aac",
            Codec::Alac => "alac",
            Codec::Flac => "flac",
            Codec::Vorbis => "vorbis",
            Codec::Opus => "opus",
            Codec::Pcm(name) | Codec::Other(name) => name,
        }
    }
}

impl From<&str> for Codec {
    /// The codec of this short name.
    fn from(name: &str) -> Codec {
        match name {
            "mp3" => Codec::Mp3,
            "aac" => Codec::Aac,
            "alac" => Codec::Alac,
            "flac" => Codec::Flac,
            "vorbis" => Codec::Vorbis,
            "opus" => Codec::Opus,
            pcm if pcm.starts_with("pcm") => Codec::Pcm(pcm.to_string()),
            other => Codec::Other(other.to_string()),
        }
    }
}

/// An image's format as its content says (see `audio::artwork`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
}

impl ImageFormat {
    /// Its MIME type, from the one table ([`crate::model::media`]).
    pub fn mime(self) -> &'static str {
        crate::model::media::by_extension(self.extension())
            .expect("the MIME table types every image format's extension (tested)")
    }

    /// The extension it is published with: `jpg` or `png`.
    pub fn extension(self) -> &'static str {
        self.extensions()[0]
    }

    /// The file extensions that name it.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            ImageFormat::Jpeg => &["jpg", "jpeg"],
            ImageFormat::Png => &["png"],
        }
    }
}

/// Where a recording's audio and metadata lie, as `probe` found them: what tagging its copy
/// needs, so that `tag` walks the file no second time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FileLayout {
    /// An MP3.
    Mp3 {
        /// Its audio: what lies between its leading ID3v2 tags and its trailing tags.
        payload: std::ops::Range<u64>,
        /// The Xing frame its copy gains, when its first frame states no frame count.
        #[serde(with = "hex_bytes")]
        xing: Option<Vec<u8>>,
    },
    /// An MP4.
    Mp4 {
        /// Where its `moov` box lies, when it is the file's only one, every top-level box
        /// fits in the file, and it is small enough to rebuild.
        moov: Option<std::ops::Range<u64>>,
        /// Why its copy would be published without tags, if it would.
        untaggable: Option<Untaggable>,
        /// What a decoder hands out of its audio track, when its boxes state it (absent from
        /// an older cache).
        #[serde(default)]
        trim: Option<Trim>,
    },
}

/// The frames of an MP4's audio track that are played, as its `moov` states them (an
/// edit list or `iTunSMPB`): symphonia's AAC decoder ignores both, so the decoder drops
/// `skip` frames of priming and hands out `frames` after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Trim {
    /// Frames of encoder priming at the start, not played.
    pub skip: u64,
    /// Frames played after them.
    pub frames: u64,
}

/// Why an MP4's copy is published as it is, without tags: its top-level boxes do not suit a
/// rebuild, or its `moov` box cannot be rebuilt (`audio::mp4::moov::rebuild` says which).
/// Displayed as the warning `load` gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum Untaggable {
    /// The top-level boxes cannot be walked, or there is not exactly one `moov` box of a
    /// size to rebuild.
    #[error("its boxes cannot be walked (cut short, several `moov` boxes, or a `moov` over 64 MB)")]
    Unwalkable,
    /// A fragmented MP4 (`mvex`): its fragments hold offsets of their own.
    #[error("a fragmented MP4 is published as it is")]
    Fragmented,
    /// The box structure does not add up: where.
    #[error("the MP4 structure is malformed: {0}")]
    Malformed(std::borrow::Cow<'static, str>),
    /// A moved offset no longer fits its 32-bit field, or the box its size field.
    #[error("the MP4 file is too large to rewrite its 32-bit offsets")]
    TooLarge,
}

/// Bytes as a hex string in the cache (a Xing frame takes up to 1,441).
mod hex_bytes {
    use std::fmt::Write;

    pub fn serialize<S: serde::Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let hex = bytes.as_ref().map(|bytes| {
            bytes.iter().fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            })
        });
        serde::Serialize::serialize(&hex, serializer)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let hex: Option<String> = serde::Deserialize::deserialize(deserializer)?;
        hex.map(|hex| {
            (0..hex.len())
                .step_by(2)
                .map(|i| {
                    hex.get(i..i + 2)
                        .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                        .ok_or_else(|| serde::de::Error::custom("not hex"))
                })
                .collect()
        })
        .transpose()
    }
}

/// Display, serde as the short name: the cache and `probe --json` keep today's strings.
macro_rules! by_short_name {
    ($type:ty) => {
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = String::deserialize(deserializer)?;
                Ok(<$type>::from(name.as_str()))
            }
        }
    };
}

by_short_name!(Container);
by_short_name!(Codec);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_round_trip() {
        for name in ["mp3", "isomp4", "ogg", "flac", "wave", "aiff", "caf"] {
            assert_eq!(Container::from(name).as_str(), name);
        }
        for name in [
            "mp3",
            "aac",
            "alac",
            "flac",
            "vorbis",
            "opus",
            "pcm_s16le",
            "mp2",
            "unknown (0x1)",
        ] {
            assert_eq!(Codec::from(name).as_str(), name);
        }
        assert_eq!(Codec::from("pcm_f32le"), Codec::Pcm("pcm_f32le".into()));
    }

    #[test]
    fn serialized_as_short_names() {
        let json =
            serde_json::to_string(&(Container::Mp4, Codec::Pcm("pcm_s24le".into()))).unwrap();
        assert_eq!(json, r#"["isomp4","pcm_s24le"]"#);
        let back: (Container, Codec) = serde_json::from_str(&json).unwrap();
        assert_eq!(back, (Container::Mp4, Codec::Pcm("pcm_s24le".into())));
        let layout = FileLayout::Mp3 {
            payload: 10..20,
            xing: Some(vec![0xFF, 0x0A, 0]),
        };
        let json = serde_json::to_string(&layout).unwrap();
        assert_eq!(
            json,
            r#"{"Mp3":{"payload":{"start":10,"end":20},"xing":"ff0a00"}}"#
        );
        assert_eq!(serde_json::from_str::<FileLayout>(&json).unwrap(), layout);
    }

    #[test]
    fn types_each_image_format_from_the_one_table() {
        assert_eq!(ImageFormat::Jpeg.mime(), "image/jpeg");
        assert_eq!(ImageFormat::Png.mime(), "image/png");
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            for extension in format.extensions() {
                assert_eq!(
                    crate::model::media::by_extension(extension),
                    Some(format.mime())
                );
            }
        }
    }

    #[test]
    fn says_why_an_mp4_is_untaggable_as_it_always_did() {
        assert_eq!(
            Untaggable::Unwalkable.to_string(),
            "its boxes cannot be walked (cut short, several `moov` boxes, or a `moov` over 64 MB)"
        );
        assert_eq!(
            Untaggable::Malformed("a chunk lies inside moov".into()).to_string(),
            "the MP4 structure is malformed: a chunk lies inside moov"
        );
        let layout = FileLayout::Mp4 {
            moov: None,
            untaggable: Some(Untaggable::Malformed("no moov header".into())),
            trim: Some(Trim {
                skip: 2112,
                frames: 441_000,
            }),
        };
        let json = serde_json::to_string(&layout).unwrap();
        assert_eq!(serde_json::from_str::<FileLayout>(&json).unwrap(), layout);
    }
}
