//! Stage 3: a recording → its [`AudioInfo`], counted from the stream's packets.
//!
//! The only module that uses symphonia. The file is streamed packet by packet and never
//! decoded: the exact duration is the sum of the packets' durations less the encoder delay and
//! padding the stream declares, so a VBR MP3 without a Xing header comes out exact. Symphonia
//! has panicked on crafted input in the past, so each probe runs under `catch_unwind`.

use std::fs::File;
use std::io::{Cursor, ErrorKind};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::{MetadataOptions, StandardTag};

use crate::model::{AudioInfo, Tags};

/// Why a file could not be probed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The file has no bytes.
    #[error("the file is empty")]
    Empty,
    /// Not a format cyclecast reads, or not audio at all.
    #[error("not a supported audio file ({0})")]
    Unsupported(String),
    /// Audio whose stream is damaged.
    #[error("the audio stream is damaged: {0}")]
    Corrupt(String),
    /// The reader crashed on this input.
    #[error("the audio reader failed on this file (malformed input): {0}")]
    Crashed(String),
}

/// Probes a file on disk.
pub fn probe_file(path: &Path) -> Result<AudioInfo, ProbeError> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    probe_source(Box::new(file), extension.as_deref(), size)
}

/// Probes bytes in memory (`extension` is a hint, e.g. `"mp3"`).
pub fn probe_bytes(bytes: Vec<u8>, extension: Option<&str>) -> Result<AudioInfo, ProbeError> {
    let size = bytes.len() as u64;
    probe_source(Box::new(Cursor::new(bytes)), extension, size)
}

fn probe_source(
    source: Box<dyn MediaSource>,
    extension: Option<&str>,
    size: u64,
) -> Result<AudioInfo, ProbeError> {
    if size == 0 {
        return Err(ProbeError::Empty);
    }
    catch_unwind(AssertUnwindSafe(|| count(source, extension, size))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(ProbeError::Crashed(message))
    })
}

/// Opens the container, then walks its packets.
fn count(
    source: Box<dyn MediaSource>,
    extension: Option<&str>,
    size: u64,
) -> Result<AudioInfo, ProbeError> {
    let stream = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            stream,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymphoniaError::IoError(io) if io.kind() != ErrorKind::UnexpectedEof => {
                ProbeError::Io(io)
            }
            other => ProbeError::Unsupported(other.to_string()),
        })?;
    let container = format.format_info().short_name.to_string();
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| ProbeError::Unsupported("no audio track".into()))?
        .clone();
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        return Err(ProbeError::Unsupported("no audio codec parameters".into()));
    };
    let codec = codec_name(params.codec);
    let sample_rate = params
        .sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| ProbeError::Unsupported("the stream states no sample rate".into()))?;
    let channels = params.channels.as_ref().map_or(0, |c| c.count() as u32);

    // A PCM packet's stated duration is its nominal block, even when the file ends midway.
    let pcm_frame_bytes = codec
        .starts_with("pcm_")
        .then(|| {
            params
                .bits_per_coded_sample
                .or(params.bits_per_sample)
                .map(|bits| u64::from(bits.div_ceil(8)) * u64::from(channels))
        })
        .flatten()
        .filter(|&b| b > 0);
    let mut warnings = Vec::new();
    let (packet_frames, audio_bytes) =
        sum_packets(format.as_mut(), track.id, pcm_frame_bytes, &mut warnings)?;
    let trimmed = u64::from(track.delay.unwrap_or(0)) + u64::from(track.padding.unwrap_or(0));
    let frames = packet_frames.saturating_sub(trimmed);
    if frames == 0 {
        return Err(ProbeError::Corrupt("no audio packets".into()));
    }
    if let Some(stated) = track.num_frames {
        // One MP3 frame (1,152 samples) of slack: encoders round differently.
        if stated.abs_diff(frames) > 1152 {
            warnings.push(format!(
                "players that trust the header would show {:.3} s, but the stream holds {:.3} s (the exact figure is used)",
                stated as f64 / f64::from(sample_rate),
                frames as f64 / f64::from(sample_rate)
            ));
        }
    }
    let tags = read_tags(format.as_mut());
    let bits_per_sample = params.bits_per_sample.filter(|_| has_bit_depth(&codec));
    Ok(AudioInfo {
        container,
        codec,
        sample_rate,
        channels,
        bits_per_sample,
        frames,
        size,
        audio_bytes,
        tags,
        warnings,
    })
}

/// Sums the duration (in frames) and the bytes of every packet of the track.
fn sum_packets(
    format: &mut dyn FormatReader,
    track_id: u32,
    pcm_frame_bytes: Option<u64>,
    warnings: &mut Vec<String>,
) -> Result<(u64, u64), ProbeError> {
    let (mut frames, mut bytes, mut packets) = (0u64, 0u64, 0u64);
    loop {
        match format.next_packet() {
            Ok(Some(packet)) => {
                if packet.track_id == track_id {
                    frames += match pcm_frame_bytes {
                        Some(size) => packet.data.len() as u64 / size,
                        None => packet.dur.get(),
                    };
                    bytes += packet.data.len() as u64;
                    packets += 1;
                }
            }
            Ok(None) => break,
            Err(SymphoniaError::IoError(e))
                if e.kind() == ErrorKind::UnexpectedEof && packets > 0 =>
            {
                warnings
                    .push("the file ends in the middle of a packet: it may be truncated".into());
                break;
            }
            Err(SymphoniaError::ResetRequired) => {
                warnings.push(
                    "the stream changes its parameters midway: only the first part is counted"
                        .into(),
                );
                break;
            }
            Err(e) if packets == 0 => return Err(ProbeError::Unsupported(e.to_string())),
            Err(e) => return Err(ProbeError::Corrupt(format!("after {packets} packets: {e}"))),
        }
    }
    Ok((frames, bytes))
}

/// Lossy codecs state a bit depth for their decoded output only: it says nothing of the file.
fn has_bit_depth(codec: &str) -> bool {
    codec.starts_with("pcm") || matches!(codec, "flac" | "alac")
}

/// Names a codec the way `ffprobe` does where symphonia knows it.
fn codec_name(id: symphonia::core::codecs::audio::AudioCodecId) -> String {
    symphonia::default::get_codecs()
        .get_audio_decoder(id)
        .map_or_else(
            || format!("unknown ({id})"),
            |d| d.codec.info.short_name.to_string(),
        )
}

/// Reads the common tags from the latest metadata revision.
fn read_tags(format: &mut dyn FormatReader) -> Tags {
    let mut tags = Tags::default();
    let mut metadata = format.metadata();
    let Some(revision) = metadata.skip_to_latest() else {
        return tags;
    };
    for tag in &revision.media.tags {
        let slot = match &tag.std {
            Some(StandardTag::TrackTitle(v)) => (&mut tags.title, v),
            Some(StandardTag::Artist(v)) => (&mut tags.artist, v),
            Some(StandardTag::Album(v)) => (&mut tags.album, v),
            Some(StandardTag::RecordingDate(v) | StandardTag::ReleaseDate(v)) => {
                (&mut tags.date, v)
            }
            Some(StandardTag::Comment(v)) => (&mut tags.comment, v),
            _ => continue,
        };
        if slot.0.is_none() && !slot.1.trim().is_empty() {
            *slot.0 = Some(slot.1.trim().to_string());
        }
    }
    tags.has_picture = !revision.media.visuals.is_empty();
    tags
}

#[cfg(test)]
mod tests {
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
        out.extend_from_slice(&(rate * 2).to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out.extend((0..frames).flat_map(|i| ((i % 64) as i16 * 100).to_le_bytes()));
        out
    }

    #[test]
    fn counts_the_exact_duration_of_a_wav() {
        let info = probe_bytes(wav(8000, 12_345), Some("wav")).unwrap();
        assert_eq!(info.frames, 12_345);
        assert_eq!(info.sample_rate, 8000);
        assert_eq!(info.channels, 1);
        assert_eq!(info.codec, "pcm_s16le");
        assert!((info.duration_secs() - 1.543_125).abs() < 1e-9);
        assert_eq!(info.bitrate(), 128_000);
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

    #[test]
    fn rejects_random_bytes_named_mp3() {
        // A fixed pseudo-random sequence (xorshift), so the test is repeatable.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let bytes: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert!(probe_bytes(bytes, Some("mp3")).is_err());
    }

    #[test]
    fn reports_a_truncated_wav_with_its_true_length() {
        let mut bytes = wav(8000, 8000);
        bytes.truncate(44 + 4000);
        let info = probe_bytes(bytes, Some("wav")).unwrap();
        assert_eq!(info.frames, 2000);
        assert!(
            info.warnings
                .iter()
                .any(|w| w.contains("would show 1.000 s, but the stream holds 0.250 s")),
            "{:?}",
            info.warnings
        );
    }
}
