//! Stage 3: a recording → its [`AudioInfo`], counted from the stream's packets or frames.
//!
//! The only module that uses symphonia. Nothing is decoded: the exact duration is the sum of
//! the packets' durations less the encoder delay and padding the stream declares, so a VBR MP3
//! without a Xing header comes out exact. Where symphonia's count is off, the container is read
//! here: MP3s are walked frame by frame by [`crate::audio::mp3::scan`] (faster than symphonia's
//! packets, and it reports damage), and an MP4's edit list is applied with [`crate::audio::mp4`].
//! The file is opened again for those walks; it is only ever read.
//!
//! Every probe runs under `catch_unwind` (symphonia has panicked on crafted input), every loop
//! is bounded by the file's size, and a stream whose stated length disagrees with what it holds
//! is either rejected (cut short, damaged) or accepted with a warning: a wrong duration is
//! never passed on silently.

use std::io::{self, Cursor, ErrorKind, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatInfo, FormatOptions, FormatReader, Track, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::{MetadataOptions, MetadataRevision, StandardTag, StandardVisualKey};
use symphonia::core::units::TimeBase;

use crate::audio::mp3::Scan;
use crate::audio::mp4::Mp4File;
use crate::model::{AudioInfo, Codec, Container, FileLayout, Tags};

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
    /// Audio whose stream is damaged or cut short; the message says how.
    #[error("{0}")]
    Corrupt(String),
    /// The reader crashed on this input.
    #[error("the audio reader failed on this file (malformed input): {0}")]
    Crashed(String),
}

/// Packets in a row that carry neither bytes nor duration before the reader is given up on.
const MAX_IDLE_PACKETS: u64 = 10_000;

/// Files probed at once by [`probe_files`].
const MAX_THREADS: usize = 4;

/// How far into a file symphonia 0.6 looks for a format it knows (`ProbeOptions`).
const SYMPHONIA_PROBE_DEPTH: u64 = 1024 * 1024;

/// Chunks of a WAV file walked at most for its tags.
const MAX_CHUNKS: usize = 4096;

/// Largest tag chunk read (a tag with a large cover picture).
const MAX_TAG_CHUNK_LEN: u64 = 16 * 1024 * 1024;

/// Bytes at the end of an Ogg file searched for its last page.
const OGG_TAIL_LEN: u64 = 64 * 1024 + 282;

/// Probes a file on disk.
pub fn probe_file(path: &Path) -> Result<AudioInfo, ProbeError> {
    let size = crate::support::fs::open_file(path)?.metadata()?.len();
    probe_input(
        &Input::File(path.to_path_buf()),
        extension_of(path).as_deref(),
        size,
    )
}

/// Probes files on disk, several at once, in the order given.
///
/// Probing is bound by reading the files: a few threads keep the disk and the page cache busy
/// while one of them parses.
pub fn probe_files(paths: &[PathBuf]) -> Vec<Result<AudioInfo, ProbeError>> {
    let jobs = crate::support::parallel::default_jobs().clamp(1, MAX_THREADS);
    crate::support::parallel::map(jobs, paths.to_vec(), |path| probe_file(&path))
}

/// Probes bytes in memory (`extension` is a hint, e.g. `"mp3"`).
pub fn probe_bytes(bytes: Vec<u8>, extension: Option<&str>) -> Result<AudioInfo, ProbeError> {
    let size = bytes.len() as u64;
    let extension = extension.map(str::to_ascii_lowercase);
    probe_input(&Input::Bytes(bytes.into()), extension.as_deref(), size)
}

fn extension_of(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// What is probed: each reader (symphonia's, the MP3 walk, the MP4 box reader) opens its own.
enum Input {
    File(PathBuf),
    Bytes(Arc<[u8]>),
}

impl Input {
    fn open(&self) -> io::Result<Box<dyn MediaSource>> {
        Ok(match self {
            Input::File(path) => Box::new(crate::support::fs::open_file(path)?),
            Input::Bytes(bytes) => Box::new(Cursor::new(Arc::clone(bytes))),
        })
    }
}

/// The front cover embedded in a file's tags (ID3 `APIC`, MP4 `covr`, FLAC or Vorbis picture),
/// as the tags hold it: the first picture marked as the front cover, else the first marked
/// for no other use (ffmpeg marks the pictures it attaches "other"). A back cover or a
/// portrait is never taken. Only the container's header and tags are read, never its audio;
/// a picture larger than 16 MB is refused.
pub fn front_cover(path: &Path) -> Result<Option<Vec<u8>>, ProbeError> {
    let size = crate::support::fs::open_file(path)?.metadata()?.len();
    if size == 0 {
        return Err(ProbeError::Empty);
    }
    let input = Input::File(path.to_path_buf());
    let extension = extension_of(path);
    guarded(|| find_front_cover(&input, extension.as_deref(), size))
}

fn probe_input(input: &Input, extension: Option<&str>, size: u64) -> Result<AudioInfo, ProbeError> {
    if size == 0 {
        return Err(ProbeError::Empty);
    }
    guarded(|| count(input, extension, size))
}

/// Runs a read with symphonia, turning a panic into [`ProbeError::Crashed`].
fn guarded<T>(read: impl FnOnce() -> Result<T, ProbeError>) -> Result<T, ProbeError> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(ProbeError::Crashed(message))
    })
}

/// What counting the stream gave.
struct Counted {
    /// Playable frames: delay and padding removed.
    frames: u64,
    /// Bytes of audio packets.
    audio_bytes: u64,
}

/// Opens the container, then counts its frames the way that suits it.
fn count(input: &Input, extension: Option<&str>, size: u64) -> Result<AudioInfo, ProbeError> {
    let mut wave = Wave::open(input, size);
    if let Some(problem) = wave.as_mut().and_then(Wave::format_problem) {
        return Err(problem);
    }
    let mut format = open_format(input, extension)?;
    let container = container_of(format.format_info());
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| ProbeError::Unsupported("no audio track".into()))?
        .clone();
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        return Err(ProbeError::Unsupported("no audio codec parameters".into()));
    };
    let codec = codec_of(params.codec);
    let mut sample_rate = params
        .sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| ProbeError::Unsupported("the stream states no sample rate".into()))?;
    let mut channels = params.channels.as_ref().map_or(0, |c| c.count() as u32);
    let mut warnings = Vec::new();

    // The one walk over an MP3's frames, and the one read of an MP4's boxes: what counting
    // and, later, tagging the copy need.
    let mp3 = if container == Container::Mp3 {
        Some(crate::audio::mp3::xing::scan_indexed(input.open()?, size)?)
    } else {
        None
    };
    let mp4 = if container == Container::Mp4 {
        Some(Mp4File::read(&mut input.open()?, size)?)
    } else {
        None
    };
    let counted = match mp3.as_ref().and_then(|(scan, _, _)| scan.as_ref()) {
        Some(scan) => {
            sample_rate = scan.header.sample_rate();
            channels = scan.header.channels();
            count_mp3(scan, &track, &mut warnings)?
        }
        None => count_packets(
            format.as_mut(),
            &track,
            params,
            Stream {
                input,
                size,
                container: &container,
                codec: &codec,
                sample_rate,
                mp4: mp4.as_ref(),
            },
            &mut warnings,
        )?,
    };
    if counted.frames == 0 {
        return Err(ProbeError::Corrupt("the file holds no audio".into()));
    }
    if let Some(extension) = extension
        && !extension_fits(&container, extension)
    {
        warnings.push(format!(
            "the file holds {codec} audio in {} container, not what its `.{extension}` extension says",
            container_name(&container)
        ));
    }
    let extra = match wave.as_mut() {
        Some(wave) if container == Container::Wave => wave.tags(),
        _ => Vec::new(),
    };
    let tags = read_tags(format.as_mut(), extra);
    let bits_per_sample = bit_depth(&codec, params);
    let layout = match (mp3, mp4) {
        (Some((_, payload, frames)), _) => Some(FileLayout::Mp3 {
            payload,
            xing: frames.as_ref().and_then(crate::audio::mp3::xing::frame),
        }),
        (_, Some(mp4)) => Some(mp4.layout()),
        _ => None,
    };
    Ok(AudioInfo {
        container,
        codec,
        sample_rate,
        channels,
        bits_per_sample,
        frames: counted.frames,
        size,
        audio_bytes: counted.audio_bytes,
        tags,
        warnings,
        layout,
    })
}

fn open_format(
    input: &Input,
    extension: Option<&str>,
) -> Result<Box<dyn FormatReader>, ProbeError> {
    let stream = MediaSourceStream::new(input.open()?, Default::default());
    let mut hint = Hint::new();
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    symphonia::default::get_probe()
        .probe(
            &hint,
            stream,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| open_error(e, input))
}

/// What symphonia 0.6's probe says when no reader recognizes the file: the one refusal its
/// error variants do not tell from a recognized file that uses an unsupported feature.
const NO_FORMAT_READER: &str = "core (probe): no suitable format reader found";

/// Why symphonia could not open a file, by the variant of its error; where one variant covers
/// several causes, the file's own bytes tell them apart.
fn open_error(error: SymphoniaError, input: &Input) -> ProbeError {
    match error {
        SymphoniaError::IoError(io) if io.kind() != ErrorKind::UnexpectedEof => ProbeError::Io(io),
        SymphoniaError::IoError(_) => ProbeError::Corrupt(
            "the file ends before its structure does: it is truncated".into(),
        ),
        // The container was recognized, but its structure is broken or cut short.
        SymphoniaError::DecodeError(why) => {
            ProbeError::Corrupt(format!("the audio stream is damaged: {why}"))
        }
        // An MP4 whose index is missing: cut short, or never finished (a recorder that
        // stopped abruptly writes the index last).
        SymphoniaError::Unsupported(_) if mp4_without_moov(input) => ProbeError::Corrupt(
            "the MP4 file has no index (`moov` box): it is truncated, or its recording was never finished"
                .into(),
        ),
        // A text that happens to start with the letters "ID3" is not a tag of a version
        // symphonia does not know: it is not audio.
        SymphoniaError::Unsupported(_) if starts_with_id3_letters(input) && !starts_with_id3v2_header(input) => {
            ProbeError::Unsupported(format!(
                "{NONE_OF_OUR_FORMATS}; it starts with `ID3` but not with an ID3v2 tag"
            ))
        }
        SymphoniaError::Unsupported(why) if why == NO_FORMAT_READER => {
            ProbeError::Unsupported(NONE_OF_OUR_FORMATS.into())
        }
        // Another unsupported feature, a limit reached, a seek or a reset (and any variant a
        // later symphonia adds: its error is non-exhaustive).
        error => ProbeError::Unsupported(error.to_string()),
    }
}

/// Why a file whose bytes no reader recognizes is refused.
const NONE_OF_OUR_FORMATS: &str =
    "its bytes are in none of the formats cyclecast reads: MP3, MP4/M4A, FLAC, Ogg, WAV, AIFF";

/// Whether the file starts with what has the shape of an ID3v2 tag's header, of any version:
/// version and revision under 0xFF, none of the four flags no version defines, and a size in
/// the syncsafe form every version writes.
fn starts_with_id3v2_header(input: &Input) -> bool {
    let mut head = [0u8; 10];
    let read = input.open().and_then(|mut r| r.read_exact(&mut head));
    read.is_ok() && head[5] & 0x0F == 0 && crate::audio::mp3::id3v2_len(&head).is_some()
}

/// Whether the file starts with the letters `ID3`.
fn starts_with_id3_letters(input: &Input) -> bool {
    let mut head = [0u8; 3];
    let read = input.open().and_then(|mut r| r.read_exact(&mut head));
    read.is_ok() && &head == b"ID3"
}

/// Whether the file starts with an MP4 `ftyp` box but has no top-level `moov` box.
fn mp4_without_moov(input: &Input) -> bool {
    let mut head = [0u8; 8];
    let Ok(mut reader) = input.open() else {
        return false;
    };
    if reader.read_exact(&mut head).is_err() || &head[4..] != b"ftyp" {
        return false;
    }
    let Some(len) = reader.byte_len() else {
        return false;
    };
    crate::audio::mp4::boxes::top_level(&mut reader, len).is_ok_and(|found| found.moov.is_none())
}

/// An MP3's length from its frames ([`crate::audio::mp3::scan`]), checked against its Xing, Info or
/// VBRI header; the encoder delay and padding of its LAME header removed.
fn count_mp3(
    scan: &Scan,
    track: &Track,
    warnings: &mut Vec<String>,
) -> Result<Counted, ProbeError> {
    if scan.gave_up {
        return Err(ProbeError::Corrupt(format!(
            "the MP3 stream is damaged in more than {} places",
            crate::audio::mp3::MAX_RESYNCS
        )));
    }
    let rate = scan.header.sample_rate();
    let per_frame = u64::from(scan.header.samples());
    let trimmed = scan
        .info
        .and_then(|info| info.trim)
        .map_or(0, |(start, end)| u64::from(start) + u64::from(end));
    let frames = scan.samples().saturating_sub(trimmed);
    let seconds = |samples: u64| samples as f64 / f64::from(rate);
    let counted_s = seconds(frames);
    match scan.info.and_then(|info| Some((info, info.frames?))) {
        Some((info, stated)) if u64::from(stated).abs_diff(scan.frames) > 1 => {
            let stated_s = seconds((u64::from(stated) * per_frame).saturating_sub(trimmed));
            // A header that states more frames than the file holds: either the file was cut
            // (then its bytes are missing too), or the header is wrong. Encoders differ on
            // whether the byte count includes the tags before the first frame; a header without
            // one is taken at its word.
            let bytes_missing = info
                .bytes
                .is_none_or(|b| u64::from(b) > scan.stream_bytes + scan.first_frame);
            if u64::from(stated) > scan.frames && (scan.cut_short || bytes_missing) {
                return Err(ProbeError::Corrupt(format!(
                    "the file is truncated: its header states {stated_s:.3} s but only {counted_s:.3} s of audio are there"
                )));
            }
            warnings.push(format!(
                "the MP3 header states {stated_s:.3} s but the stream holds {counted_s:.3} s: players that trust the header show the wrong duration (the exact figure is used)"
            ));
        }
        Some(_) => {}
        None if !scan.constant_bitrate => {
            // symphonia, like browsers, estimates the length of an MP3 without a frame count
            // from the bitrate of its first frames: the average of the first 17 frames.
            if let Some(estimate) = track.num_frames
                && estimate.abs_diff(frames) > per_frame
            {
                warnings.push(format!(
                    "this VBR MP3 has no Xing header, so players guess its duration from the bitrate of its first frames, each its own way (the first 17 frames give {:.3} s); the stream holds {counted_s:.3} s, the figure used, and the published copy gains a Xing header that states it",
                    seconds(estimate)
                ));
            }
        }
        None => {}
    }
    if scan.cut_short {
        warnings.push(
            "the file ends in the middle of an MP3 frame: it may be truncated (the incomplete frame is not counted)"
                .into(),
        );
    }
    if scan.damaged > 0 {
        let at = seconds(scan.frames_before_damage.unwrap_or(0) * per_frame);
        warnings.push(format!(
            "the MP3 stream is damaged in {} place{}, the first at {at:.3} s: {} bytes that are not audio were skipped, as players skip them",
            scan.damaged,
            if scan.damaged == 1 { "" } else { "s" },
            scan.damaged_bytes
        ));
    }
    if scan.leading_junk > 0 && !scan.leading_zeros {
        warnings.push(format!(
            "the file starts with {} bytes that are not audio (skipped)",
            scan.leading_junk
        ));
    }
    if scan.trailing_junk > 0 {
        warnings.push(format!(
            "the file ends with {} bytes that are neither audio nor a tag (ignored)",
            scan.trailing_junk
        ));
    }
    Ok(Counted {
        frames,
        audio_bytes: scan.audio_bytes,
    })
}

/// What a packet count needs to know of the stream besides its track.
struct Stream<'a> {
    input: &'a Input,
    size: u64,
    container: &'a Container,
    codec: &'a Codec,
    sample_rate: u32,
    /// An MP4's boxes, read once.
    mp4: Option<&'a Mp4File>,
}

/// The length of any other stream: the sum of its packets' durations, then what the container
/// says to trim.
fn count_packets(
    format: &mut dyn FormatReader,
    track: &Track,
    params: &AudioCodecParameters,
    stream: Stream<'_>,
    warnings: &mut Vec<String>,
) -> Result<Counted, ProbeError> {
    let Stream {
        input,
        size,
        container,
        codec,
        sample_rate,
        mp4,
    } = stream;
    let channels = params.channels.as_ref().map_or(0, |c| c.count() as u64);
    // A PCM packet's stated duration is its nominal block, even when the file ends midway.
    let pcm_frame_bytes = matches!(codec, Codec::Pcm(_))
        .then(|| {
            params
                .bits_per_coded_sample
                .or(params.bits_per_sample)
                .map(|bits| u64::from(bits.div_ceil(8)) * channels)
        })
        .flatten()
        .filter(|&b| b > 0);
    // FLAC frames carry their position: a jump between two of them is audio that is lost.
    let check_gaps = *container == Container::Flac;
    let packets = sum_packets(format, track.id, pcm_frame_bytes, check_gaps, size)?;
    let to_frames = |ticks: u64| ticks_to_frames(ticks, track.time_base, sample_rate);
    let seconds = |frames: u64| frames as f64 / f64::from(sample_rate);
    if let Some(gap) = packets.gap {
        return Err(ProbeError::Corrupt(format!(
            "the audio stream is damaged in the middle: {:.3} s of audio cannot be read{}, from {:.3} s",
            seconds(to_frames(gap.missing)),
            if gap.places > 1 {
                format!(" in {} places", gap.places)
            } else {
                String::new()
            },
            seconds(to_frames(gap.at)),
        )));
    }
    if packets.reset {
        warnings.push(
            "the stream changes its parameters midway: only the first part is counted".into(),
        );
    }
    let raw = to_frames(packets.ticks);
    let before = warnings.len();
    if *container == Container::Ogg && !ogg_ends(input, size)? {
        warnings.push("the Ogg stream has no end-of-stream page: the file may be truncated".into());
    }
    if let Some(stated) = track.num_frames {
        check_stated_length(stated, raw, sample_rate, warnings)?;
    }
    if packets.ended_early && warnings.len() == before {
        warnings.push("the file ends in the middle of a packet: it may be truncated".into());
    }
    let frames = match (container, codec) {
        // Free-format MP3, which the frame walk leaves to symphonia.
        (Container::Mp3, _) => raw
            .saturating_sub(u64::from(track.delay.unwrap_or(0)))
            .saturating_sub(u64::from(track.padding.unwrap_or(0))),
        // The Ogg reader trims the end from the last granule position, but not Opus's
        // pre-skip (Vorbis's first-packet discard is trimmed already).
        (Container::Ogg, Codec::Opus) => raw.saturating_sub(u64::from(track.delay.unwrap_or(0))),
        (Container::Mp4, _) => match mp4
            .and_then(Mp4File::timing)
            .and_then(|timing| timing.playable(track.id, packets.ticks, sample_rate))
        {
            Some(ticks) => to_frames(ticks),
            None => raw,
        },
        _ => raw,
    };
    Ok(Counted {
        frames,
        audio_bytes: packets.bytes,
    })
}

/// Compares the length a header states with the one counted from the packets.
fn check_stated_length(
    stated: u64,
    counted: u64,
    sample_rate: u32,
    warnings: &mut Vec<String>,
) -> Result<(), ProbeError> {
    let seconds = |frames: u64| frames as f64 / f64::from(sample_rate);
    let (stated_s, counted_s) = (seconds(stated), seconds(counted));
    // One MP3 frame (1,152 samples) of slack: encoders round differently.
    if stated > counted + 1152 {
        Err(ProbeError::Corrupt(format!(
            "the file is truncated: its header states {stated_s:.3} s but only {counted_s:.3} s of audio are there"
        )))
    } else if stated > counted {
        warnings.push(format!(
            "the file ends {} samples before its header says: it may be cut short",
            stated - counted
        ));
        Ok(())
    } else if counted > stated + 1152 {
        warnings.push(format!(
            "the header states {stated_s:.3} s but the stream holds {counted_s:.3} s (the exact figure is used)"
        ));
        Ok(())
    } else {
        Ok(())
    }
}

/// Audio lost between two packets.
#[derive(Debug, Clone, Copy)]
struct Gap {
    /// Where the first loss starts, in ticks.
    at: u64,
    /// Ticks lost in all.
    missing: u64,
    /// How many separate losses.
    places: u32,
}

/// The sum of a track's packets.
#[derive(Debug, Default)]
struct Packets {
    /// Sum of their durations, in the track's time base.
    ticks: u64,
    /// Sum of their bytes.
    bytes: u64,
    /// Audio missing between packets, where positions are known.
    gap: Option<Gap>,
    /// The file ends in the middle of a packet.
    ended_early: bool,
    /// The stream changed its parameters; what follows is not counted.
    reset: bool,
}

/// Sums the duration and the bytes of every packet of the track.
fn sum_packets(
    format: &mut dyn FormatReader,
    track_id: u32,
    pcm_frame_bytes: Option<u64>,
    check_gaps: bool,
    size: u64,
) -> Result<Packets, ProbeError> {
    let mut sum = Packets::default();
    let (mut packets, mut all, mut idle) = (0u64, 0u64, 0u64);
    let mut next_pts: Option<i64> = None;
    // Every packet but an idle one consumes at least a byte of the file.
    let most = size.saturating_add(MAX_IDLE_PACKETS);
    loop {
        match format.next_packet() {
            Ok(Some(packet)) => {
                all += 1;
                if packet.data.is_empty() && packet.dur.get() == 0 {
                    idle += 1;
                } else {
                    idle = 0;
                }
                if idle > MAX_IDLE_PACKETS || all > most {
                    return Err(ProbeError::Corrupt(
                        "the audio reader makes no progress in this file: it is malformed".into(),
                    ));
                }
                if packet.track_id != track_id {
                    continue;
                }
                let ticks = match pcm_frame_bytes {
                    Some(frame) => packet.data.len() as u64 / frame,
                    None => packet.dur.get(),
                };
                if check_gaps {
                    let pts = packet.pts.get();
                    if let Some(expected) = next_pts
                        && pts > expected
                    {
                        let gap = sum.gap.get_or_insert(Gap {
                            at: u64::try_from(expected).unwrap_or(0),
                            missing: 0,
                            places: 0,
                        });
                        gap.missing = gap.missing.saturating_add(pts.abs_diff(expected));
                        gap.places += 1;
                    }
                    next_pts = Some(pts.saturating_add(i64::try_from(ticks).unwrap_or(i64::MAX)));
                }
                sum.ticks = sum.ticks.saturating_add(ticks);
                sum.bytes += packet.data.len() as u64;
                packets += 1;
            }
            Ok(None) => break,
            Err(SymphoniaError::IoError(e))
                if e.kind() == ErrorKind::UnexpectedEof && packets > 0 =>
            {
                sum.ended_early = true;
                break;
            }
            Err(SymphoniaError::ResetRequired) => {
                sum.reset = true;
                break;
            }
            Err(SymphoniaError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                return Err(ProbeError::Corrupt(
                    "the file ends before its first audio packet: it is truncated".into(),
                ));
            }
            Err(SymphoniaError::IoError(e)) => return Err(ProbeError::Io(e)),
            Err(SymphoniaError::Unsupported(what)) => {
                return Err(ProbeError::Unsupported(what.to_string()));
            }
            Err(e) if packets == 0 => {
                return Err(ProbeError::Corrupt(format!(
                    "the audio stream is damaged from its start (truncated?): {e}"
                )));
            }
            Err(e) => {
                return Err(ProbeError::Corrupt(format!(
                    "the audio stream is damaged after {packets} packets: {e}"
                )));
            }
        }
    }
    Ok(sum)
}

/// Ticks of a time base as frames at `sample_rate`.
fn ticks_to_frames(ticks: u64, time_base: Option<TimeBase>, sample_rate: u32) -> u64 {
    match time_base {
        Some(tb) if !(tb.numer.get() == 1 && tb.denom.get() == sample_rate) => {
            let denom = u128::from(tb.denom.get());
            let frames = (u128::from(ticks) * u128::from(tb.numer.get()) * u128::from(sample_rate)
                + denom / 2)
                / denom;
            u64::try_from(frames).unwrap_or(u64::MAX)
        }
        _ => ticks,
    }
}

/// Whether an Ogg file ends with a whole page marked end-of-stream.
fn ogg_ends(input: &Input, size: u64) -> Result<bool, ProbeError> {
    let from = size.saturating_sub(OGG_TAIL_LEN);
    let mut reader = input.open()?;
    reader.seek(SeekFrom::Start(from))?;
    let mut tail = Vec::new();
    reader.take(OGG_TAIL_LEN).read_to_end(&mut tail)?;
    Ok(ogg_tail_ends(&tail))
}

/// Whether the last Ogg page in `tail` (a file's last bytes) is whole and marked end-of-stream.
fn ogg_tail_ends(tail: &[u8]) -> bool {
    let Some(start) = tail.windows(5).rposition(|w| w == b"OggS\0") else {
        return false;
    };
    let page = &tail[start..];
    let Some(&segments) = page.get(26) else {
        return false;
    };
    let Some(lacing) = page.get(27..27 + usize::from(segments)) else {
        return false;
    };
    let len = 27 + usize::from(segments) + lacing.iter().map(|&l| usize::from(l)).sum::<usize>();
    page.len() >= len && page[5] & 0x04 != 0
}

/// Lossy codecs state a bit depth for their decoded output only: it says nothing of the file.
fn bit_depth(codec: &Codec, params: &AudioCodecParameters) -> Option<u32> {
    match codec {
        // The ALAC magic cookie ends with its 24-byte config: frame length (4), version (1),
        // bit depth (1), …
        Codec::Alac => params
            .extra_data
            .as_deref()
            .filter(|cookie| cookie.len() >= 24)
            .map(|cookie| u32::from(cookie[cookie.len() - 24 + 5]))
            .filter(|&bits| bits > 0)
            .or(params.bits_per_sample),
        Codec::Flac | Codec::Pcm(_) => params.bits_per_sample,
        _ => None,
    }
}

/// The container symphonia's reader reads: the one place its formats are named.
fn container_of(info: &FormatInfo) -> Container {
    use symphonia::core::formats::well_known::{
        FORMAT_ID_AIFF, FORMAT_ID_FLAC, FORMAT_ID_ISOMP4, FORMAT_ID_MP3, FORMAT_ID_OGG,
        FORMAT_ID_WAVE,
    };
    match info.format {
        FORMAT_ID_MP3 => Container::Mp3,
        FORMAT_ID_ISOMP4 => Container::Mp4,
        FORMAT_ID_OGG => Container::Ogg,
        FORMAT_ID_FLAC => Container::Flac,
        FORMAT_ID_WAVE => Container::Wave,
        FORMAT_ID_AIFF => Container::Aiff,
        _ => Container::Other(info.short_name.to_string()),
    }
}

/// The codec of a symphonia codec id: the one place its codecs are named. Others are named
/// the way `ffprobe` does where symphonia knows them.
fn codec_of(id: symphonia::core::codecs::audio::AudioCodecId) -> Codec {
    use symphonia::core::codecs::audio::well_known::{
        CODEC_ID_AAC, CODEC_ID_AC3, CODEC_ID_ALAC, CODEC_ID_EAC3, CODEC_ID_FLAC, CODEC_ID_MP1,
        CODEC_ID_MP2, CODEC_ID_MP3, CODEC_ID_OPUS, CODEC_ID_SPEEX, CODEC_ID_VORBIS,
    };
    match id {
        CODEC_ID_MP3 => return Codec::Mp3,
        CODEC_ID_AAC => return Codec::Aac,
        CODEC_ID_ALAC => return Codec::Alac,
        CODEC_ID_FLAC => return Codec::Flac,
        CODEC_ID_VORBIS => return Codec::Vorbis,
        CODEC_ID_OPUS => return Codec::Opus,
        _ => {}
    }
    // Codecs symphonia reads containers of but has no decoder for.
    let known = [
        (CODEC_ID_OPUS, "opus"),
        (CODEC_ID_SPEEX, "speex"),
        (CODEC_ID_MP1, "mp1"),
        (CODEC_ID_MP2, "mp2"),
        (CODEC_ID_AC3, "ac3"),
        (CODEC_ID_EAC3, "eac3"),
    ];
    let name = symphonia::default::get_codecs()
        .get_audio_decoder(id)
        .map(|d| d.codec.info.short_name.to_string())
        .or_else(|| {
            known
                .iter()
                .find(|(k, _)| *k == id)
                .map(|(_, name)| name.to_string())
        })
        .unwrap_or_else(|| format!("unknown ({id})"));
    Codec::from(name.as_str())
}

/// The extensions a container's files carry.
fn extension_fits(container: &Container, extension: &str) -> bool {
    let fitting: &[&str] = match container {
        Container::Mp3 => &["mp3", "mpga"],
        Container::Mp4 => &["m4a", "m4b", "mp4", "m4p", "m4r", "mov", "3gp", "aac"],
        Container::Ogg => &["ogg", "oga", "ogx", "opus", "spx"],
        Container::Flac => &["flac", "fla"],
        Container::Wave => &["wav", "wave", "bwf"],
        Container::Aiff => &["aif", "aiff", "aifc", "aifr"],
        Container::Other(_) => return true,
    };
    fitting.contains(&extension)
}

fn container_name(container: &Container) -> String {
    match container {
        Container::Mp3 => "an MP3".into(),
        Container::Mp4 => "an MP4".into(),
        Container::Ogg => "an Ogg".into(),
        Container::Flac => "a FLAC".into(),
        Container::Wave => "a WAV".into(),
        Container::Aiff => "an AIFF".into(),
        Container::Other(other) => format!("a {other}"),
    }
}

/// Reads the common tags from every metadata revision (leading ID3v2, trailing APE and ID3v1,
/// the container's own). The first revision that has a field gives it, in this order: ID3v2 and
/// the container's own tags, then APE, then ID3v1, whose fields are cut at 30 bytes.
fn read_tags(format: &mut dyn FormatReader, extra: Vec<MetadataRevision>) -> Tags {
    let rank = |revision: &MetadataRevision| match revision.info.short_name {
        "ape" | "apev1" | "apev2" => 1,
        "id3v1" => 2,
        _ => 0,
    };
    let mut found: Vec<(u8, Tags, DateRank)> = Vec::new();
    let mut metadata = format.metadata();
    loop {
        if let Some(revision) = metadata.current() {
            let (tags, date) = tags_of(revision);
            found.push((rank(revision), tags, date));
        }
        if metadata.pop().is_none() {
            break;
        }
    }
    for revision in &extra {
        let (tags, date) = tags_of(revision);
        found.push((rank(revision), tags, date));
    }
    // Stable: revisions keep their order within each rank.
    found.sort_by_key(|(rank, _, _)| *rank);
    let mut tags = Tags::default();
    let mut best_date = DateRank::None;
    for (_, found, date) in found {
        tags.title = tags.title.or(found.title);
        tags.artist = tags.artist.or(found.artist);
        tags.album = tags.album.or(found.album);
        tags.comment = tags.comment.or(found.comment);
        if found.date.is_some() && (tags.date.is_none() || date < best_date) {
            tags.date = found.date;
            best_date = date;
        }
        tags.has_picture |= found.has_picture;
    }
    tags
}

/// Finds the front cover among the pictures of every metadata revision, in the order
/// [`read_tags`] reads them.
fn find_front_cover(
    input: &Input,
    extension: Option<&str>,
    size: u64,
) -> Result<Option<Vec<u8>>, ProbeError> {
    let mut wave = Wave::open(input, size);
    if let Some(problem) = wave.as_mut().and_then(Wave::format_problem) {
        return Err(problem);
    }
    let mut format = open_format(input, extension)?;
    let extra = match wave.as_mut() {
        Some(wave) if container_of(format.format_info()) == Container::Wave => wave.tags(),
        _ => Vec::new(),
    };
    // The best picture so far: its rank (0 for a front cover), and its bytes or, when it is
    // too large to keep, its length.
    let mut best: Option<(u8, Result<Vec<u8>, usize>)> = None;
    let mut consider = |revision: &MetadataRevision| {
        let visuals = revision
            .media
            .visuals
            .iter()
            .chain(revision.per_track.iter().flat_map(|t| &t.metadata.visuals));
        for visual in visuals {
            let rank = match visual.usage {
                Some(StandardVisualKey::FrontCover) => 0,
                None | Some(StandardVisualKey::Other) => 1,
                Some(_) => continue,
            };
            if best.as_ref().is_none_or(|(best_rank, _)| rank < *best_rank) {
                let data = &visual.data;
                let kept = if data.len() as u64 > MAX_TAG_CHUNK_LEN {
                    Err(data.len())
                } else {
                    Ok(data.to_vec())
                };
                best = Some((rank, kept));
            }
        }
    };
    let mut metadata = format.metadata();
    loop {
        if let Some(revision) = metadata.current() {
            consider(revision);
        }
        if metadata.pop().is_none() {
            break;
        }
    }
    extra.iter().for_each(&mut consider);
    match best {
        None => Ok(None),
        Some((_, Ok(bytes))) => Ok(Some(bytes)),
        Some((_, Err(len))) => Err(ProbeError::Unsupported(format!(
            "the picture takes {} MB: pictures over {} MB are not read",
            len.div_ceil(1024 * 1024),
            MAX_TAG_CHUNK_LEN / (1024 * 1024)
        ))),
    }
}

/// A RIFF WAVE file's chunks, read here for what symphonia 0.6.1 gets wrong.
struct Wave {
    reader: Box<dyn MediaSource>,
    size: u64,
    /// Each chunk: its id, where its body starts, its length.
    chunks: Vec<([u8; 4], u64, u64)>,
}

impl Wave {
    /// The chunks of `input`, if symphonia would read it as a RIFF WAVE file: after the ID3v2
    /// tags it skips, at the start or, when the start is no stream symphonia knows, anywhere
    /// in the first megabyte it searches. The walk stops at the first chunk that does not fit
    /// in the file, or after [`MAX_CHUNKS`].
    fn open(input: &Input, size: u64) -> Option<Wave> {
        let mut reader = input.open().ok()?;
        let start = crate::audio::mp3::leading_tags_end(&mut reader, size).ok()?;
        let mut wave = Wave {
            reader,
            size,
            chunks: Vec::new(),
        };
        let is_wave = |h: &[u8]| matches!(&h[..4], b"RIFF" | b"RF64") && &h[8..12] == b"WAVE";
        let head = wave.read(start, 12)?;
        let riff = if is_wave(&head) {
            start
        } else if crate::audio::mp3::FrameHeader::parse(&head).is_some()
            || matches!(&head[..4], b"fLaC" | b"OggS" | b"FORM")
            || &head[4..8] == b"ftyp"
        {
            return None;
        } else {
            let window = wave.read(start, (size - start).min(SYMPHONIA_PROBE_DEPTH + 12))?;
            let at = window.windows(12).position(is_wave)?;
            start + at as u64
        };
        let mut pos = riff + 12;
        for _ in 0..MAX_CHUNKS {
            let Some(header) = wave.read(pos, 8) else {
                break;
            };
            let id: [u8; 4] = header[..4].try_into().expect("4 bytes");
            let len = u64::from(u32::from_le_bytes(header[4..].try_into().expect("4 bytes")));
            wave.chunks.push((id, pos + 8, len));
            pos += 8 + len + (len & 1);
        }
        Some(wave)
    }

    /// `len` bytes at `pos`, when the file has them and they are few enough to be a header
    /// or a tag.
    fn read(&mut self, pos: u64, len: u64) -> Option<Vec<u8>> {
        if pos.checked_add(len)? > self.size || len > MAX_TAG_CHUNK_LEN {
            return None;
        }
        self.reader.seek(SeekFrom::Start(pos)).ok()?;
        let mut bytes = vec![0; usize::try_from(len).ok()?];
        self.reader.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }

    /// The body of the first chunk named `id`.
    fn chunk(&mut self, id: &[u8; 4]) -> Option<Vec<u8>> {
        let &(_, pos, len) = self.chunks.iter().find(|(i, _, _)| i == id)?;
        self.read(pos, len)
    }

    /// Why symphonia must not read this file, if it must not. Its WAV reader multiplies and
    /// shifts the header's figures without checking them: 4,097 channels, or a channel mask
    /// with reserved bits, made symphonia 0.6.1 panic in a debug build (overflow) and make up
    /// figures in a release one. No recording has more than 32 channels or 64-bit samples.
    fn format_problem(&mut self) -> Option<ProbeError> {
        let fmt = self.chunk(b"fmt ")?;
        let le16 = |at: usize| Some(u16::from_le_bytes(fmt.get(at..at + 2)?.try_into().ok()?));
        let le32 = |at: usize| Some(u32::from_le_bytes(fmt.get(at..at + 4)?.try_into().ok()?));
        let (tag, channels, bits) = (le16(0)?, le16(2)?, le16(14)?);
        // WAVE_FORMAT_EXTENSIBLE: bits 0 to 17 of the mask are the defined speaker positions.
        let mask = if tag == 0xFFFE { le32(20) } else { None };
        let impossible = channels > 32 || bits > 64 || mask.is_some_and(|m| m >> 18 != 0);
        impossible.then(|| {
            ProbeError::Corrupt(format!(
                "the WAV header states an impossible format ({channels} channels of {bits} bits{})",
                mask.map(|m| format!(", channel mask {m:#x}"))
                    .unwrap_or_default()
            ))
        })
    }

    /// Tags symphonia leaves out of a WAV: its `LIST/INFO` chunk (the reader reads it, then
    /// drops it) and its `id3 ` chunk (where `tag` and many editors write). Damage here only
    /// loses tags.
    fn tags(&mut self) -> Vec<MetadataRevision> {
        use symphonia::core::meta::well_known::METADATA_ID_WAVE;
        use symphonia::core::meta::{MetadataBuilder, MetadataInfo};
        use symphonia::default::meta::embedded::riff::{
            parse_riff_info_chunk, read_riff_id3_chunk,
        };

        let info = MetadataInfo {
            metadata: METADATA_ID_WAVE,
            short_name: "riff",
            long_name: "RIFF INFO",
        };
        let mut revisions = Vec::new();
        for (id, pos, len) in self.chunks.clone() {
            match &id {
                b"LIST" => {
                    let Some(list) = self.read(pos, len).filter(|l| l.starts_with(b"INFO")) else {
                        continue;
                    };
                    let mut builder = MetadataBuilder::new(info);
                    let mut rest = &list[4..];
                    while rest.len() >= 8 {
                        let key: [u8; 4] = rest[..4].try_into().expect("4 bytes");
                        let n =
                            u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes")) as usize;
                        let Some(value) = rest.get(8..8 + n) else {
                            break;
                        };
                        let value = value.split(|&b| b == 0).next().unwrap_or_default();
                        // A key that is not ASCII ends the list, as it ends symphonia's reading.
                        if parse_riff_info_chunk(key, value, &mut builder).is_err() {
                            break;
                        }
                        rest = rest.get(8 + n + (n & 1)..).unwrap_or_default();
                    }
                    revisions.push(builder.build());
                }
                b"id3 " | b"ID3 " => {
                    if let Some(tag) = self.read(pos, len) {
                        let mut side_data = Vec::new();
                        let mut bytes = symphonia::core::io::BufReader::new(&tag);
                        if let Ok(revision) = read_riff_id3_chunk(&mut bytes, &mut side_data) {
                            revisions.push(revision);
                        }
                    }
                }
                _ => {}
            }
        }
        revisions
    }
}

/// How complete a date is: a full date beats a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DateRank {
    Recording,
    Release,
    RecordingYear,
    ReleaseYear,
    None,
}

fn tags_of(revision: &MetadataRevision) -> (Tags, DateRank) {
    let mut tags = Tags::default();
    let mut date_rank = DateRank::None;
    let all = revision
        .media
        .tags
        .iter()
        .chain(revision.per_track.iter().flat_map(|t| &t.metadata.tags));
    // ID3v2.3 splits a date in two: `TYER` (the year) and `TDAT` (`DDMM`).
    let mut day_month = None;
    // Vorbis comments (as ffmpeg writes them) and MP4 keep a comment as a description.
    let mut description = None;
    for tag in all {
        let text = |v: &str| Some(v.trim().to_string()).filter(|s| !s.is_empty());
        if tag.raw.key == "TDAT" {
            day_month = Some(tag.raw.value.to_string())
                .filter(|v| v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()));
            continue;
        }
        let (slot, value) = match &tag.std {
            // ffmpeg writes a comment as a user text frame named `comment`.
            None if tag.raw.key == "TXXX" && has_sub_field(tag, "comment") => {
                (&mut tags.comment, text(&tag.raw.value.to_string()))
            }
            Some(StandardTag::TrackTitle(v)) => (&mut tags.title, text(v)),
            Some(StandardTag::Artist(v)) => (&mut tags.artist, text(v)),
            Some(StandardTag::Album(v)) => (&mut tags.album, text(v)),
            Some(StandardTag::Comment(v)) if !is_itunes_data(tag) => (&mut tags.comment, text(v)),
            Some(StandardTag::Description(v)) => (&mut description, text(v)),
            Some(
                date @ (StandardTag::RecordingDate(_)
                | StandardTag::ReleaseDate(_)
                | StandardTag::RecordingYear(_)
                | StandardTag::ReleaseYear(_)),
            ) => {
                let (rank, value) = match date {
                    StandardTag::RecordingDate(v) => (DateRank::Recording, text(v)),
                    StandardTag::ReleaseDate(v) => (DateRank::Release, text(v)),
                    StandardTag::RecordingYear(y) => (DateRank::RecordingYear, Some(y.to_string())),
                    StandardTag::ReleaseYear(y) => (DateRank::ReleaseYear, Some(y.to_string())),
                    _ => unreachable!("matched above"),
                };
                if value.is_some() && rank < date_rank {
                    tags.date = value;
                    date_rank = rank;
                }
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = value;
        }
    }
    tags.comment = tags.comment.or(description);
    if let (Some(ddmm), Some(year), DateRank::RecordingYear | DateRank::ReleaseYear) =
        (day_month, &tags.date, date_rank)
    {
        tags.date = Some(format!("{year}-{}-{}", &ddmm[2..], &ddmm[..2]));
        date_rank = DateRank::Recording;
    }
    tags.has_picture = !revision.media.visuals.is_empty()
        || revision
            .per_track
            .iter()
            .any(|t| !t.metadata.visuals.is_empty());
    (tags, date_rank)
}

/// Whether one of a tag's sub-fields (an ID3 frame's description) is `value`, in any case.
fn has_sub_field(tag: &symphonia::core::meta::Tag, value: &str) -> bool {
    tag.raw
        .sub_fields
        .iter()
        .flatten()
        .any(|f| f.value.to_string().eq_ignore_ascii_case(value))
}

/// iTunes keeps its normalization and gapless data in ID3 comments (`iTunNORM`, `iTunSMPB`).
fn is_itunes_data(tag: &symphonia::core::meta::Tag) -> bool {
    tag.raw
        .sub_fields
        .iter()
        .flatten()
        .any(|f| f.value.to_string().starts_with("iTun"))
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
        let found = include_bytes!("../../tests/fixtures/fuzz/probe-wav-4097-channels.bin");
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
        let found = include_bytes!("../../tests/fixtures/fuzz/probe-wav-56829-channels.bin");
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
        let found = include_bytes!("../../tests/fixtures/fuzz/probe-wav-behind-id3.bin");
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
}
