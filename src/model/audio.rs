//! A recording's figures as `probe` counts them, and the tags read from it.

use crate::model::format::{Codec, Container, FileLayout, Trim};
use crate::model::media;

/// A recording's figures, as counted by `probe`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AudioInfo {
    /// Container format, e.g. `mp3`, `isomp4`.
    pub container: Container,
    /// Codec, e.g. `mp3`, `aac`.
    pub codec: Codec,
    /// Samples per second.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u32,
    /// Bits per sample, for formats that have a bit depth.
    pub bits_per_sample: Option<u32>,
    /// Exact number of audio frames (samples per channel), encoder delay and padding removed.
    pub frames: u64,
    /// Size of the file in bytes.
    pub size: u64,
    /// Bytes of audio packets.
    pub audio_bytes: u64,
    /// Tags found in the file.
    pub tags: Tags,
    /// Remarks about the file that do not stop it from being published.
    pub warnings: Vec<String>,
    /// Where its audio and metadata lie, for tagging its copy (absent from an older cache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<FileLayout>,
}

impl AudioInfo {
    /// The published file's extension and MIME type for this container and codec; `None`
    /// when they cannot be published as a podcast episode.
    pub fn published_format(&self) -> Option<(&'static str, &'static str)> {
        let extension = match (&self.container, &self.codec) {
            (_, Codec::Mp3) => "mp3",
            (Container::Mp4, Codec::Aac | Codec::Alac) => "m4a",
            (Container::Ogg, Codec::Opus) => "opus",
            (Container::Ogg, _) => "ogg",
            (Container::Flac, _) => "flac",
            (Container::Wave, _) => "wav",
            (Container::Aiff, _) => "aiff",
            _ => return None,
        };
        Some((extension, media::by_extension(extension)?))
    }

    /// What a decoder hands out of an MP4's audio track, when its boxes state it.
    pub fn trim(&self) -> Option<Trim> {
        match &self.layout {
            Some(FileLayout::Mp4 { trim, .. }) => *trim,
            _ => None,
        }
    }

    /// Exact duration in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate)
    }

    /// Average bitrate of the audio packets, in bits per second.
    pub fn bitrate(&self) -> u64 {
        if self.frames == 0 {
            return 0;
        }
        (self.audio_bytes as u128 * 8 * u128::from(self.sample_rate) / u128::from(self.frames))
            as u64
    }
}

/// Tags read from a recording.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tags {
    /// Title.
    pub title: Option<String>,
    /// Artist.
    pub artist: Option<String>,
    /// Album.
    pub album: Option<String>,
    /// Recording or release date, as written.
    pub date: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Whether the file carries a picture.
    pub has_picture: bool,
}
