//! Probing, for the load stage: a recording → its [`AudioInfo`], counted from the stream's packets
//! or frames.
//!
//! The one place symphonia's readers are opened: [`crate::audio::decode`] opens a master with
//! the same code (`open_file_track`), with the same refusals. Nothing is decoded here: the exact duration is the sum of
//! the packets' durations less the encoder delay and padding the stream declares, so a VBR MP3
//! without a Xing header comes out exact. Where symphonia's count is off, the container is read
//! here: MP3s are walked frame by frame by [`crate::audio::mp3::walk`] (faster than symphonia's
//! packets, and it reports damage), and an MP4's edit list is applied with [`crate::audio::mp4`].
//! The file is opened again for those walks; it is only ever read. They are the only ones:
//! what tagging the copy needs (an MP3's audio range and the Xing frame it gains, an M4A's
//! `moov` range and whether it can be rebuilt) comes out of them as [`AudioInfo::layout`].
//!
//! Every probe runs under `catch_unwind` (symphonia has panicked on crafted input), every loop
//! is bounded by the file's size, and a stream whose stated length disagrees with what it holds
//! is either rejected (cut short, damaged) or accepted with a warning: a wrong duration is
//! never passed on silently.
//!
//! Holds `input` (what is probed, and [`ProbeError`]), `wave` (RIFF WAVE chunks) and `tags`
//! (the common tags); may use [`crate::audio::mp3`], [`crate::audio::mp4`], [`crate::model`]
//! and [`crate::support`].

use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatInfo, FormatOptions, FormatReader, Track, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::{MetadataOptions, MetadataRevision, StandardVisualKey};
use symphonia::core::units::TimeBase;

use crate::audio::mp3::Scan;
use crate::audio::mp4::Mp4File;
use crate::model::{AudioInfo, Codec, Container, FileLayout};

mod input;
mod tags;
mod wave;

use input::Input;
pub use input::ProbeError;
use tags::read_tags;
use wave::MAX_TAG_CHUNK_LEN;
use wave::Wave;

/// Packets in a row that carry neither bytes nor duration before the reader is given up on.
const MAX_IDLE_PACKETS: u64 = 10_000;

/// Files probed at once by [`probe_files`].
const MAX_THREADS: usize = 4;

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
pub(crate) fn guarded<T>(read: impl FnOnce() -> Result<T, ProbeError>) -> Result<T, ProbeError> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(ProbeError::Crashed(message))
    })
}

/// The sample rates cyclecast takes, in Hz: from a dictation recorder's to eight times 96 kHz.
/// Outside, a header is damaged or forged (a rate of 1 Hz would make one hour of a WAV's
/// samples last 40 years), and the loudness meter refuses it.
const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 4_000..=768_000;

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
    let Opened {
        mut format,
        container,
        track,
        params,
        codec,
    } = open_track(input, extension)?;
    let params = &params;
    let mut sample_rate = params
        .sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| ProbeError::Unsupported("the stream states no sample rate".into()))?;
    if !SAMPLE_RATES.contains(&sample_rate) {
        return Err(ProbeError::Unsupported(format!(
            "its header states a sample rate of {sample_rate} Hz, which no recorder writes: cyclecast takes {} to {} Hz",
            SAMPLE_RATES.start(),
            SAMPLE_RATES.end()
        )));
    }
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
        (_, Some(mp4)) => Some(mp4.layout(track.id, track.num_frames.unwrap_or(0), sample_rate)),
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

/// A file opened by symphonia: its reader, and the audio track it plays by default.
pub(crate) struct Opened {
    /// The container's reader, at the start of its packets.
    pub format: Box<dyn FormatReader>,
    /// The container, as cyclecast names it.
    pub container: Container,
    /// The default audio track.
    pub track: Track,
    /// The track's codec parameters.
    pub params: AudioCodecParameters,
    /// The track's codec, as cyclecast names it.
    pub codec: Codec,
}

/// Opens a file on disk with symphonia, for [`crate::audio::decode`]: the one way a container
/// is opened, refused for the same reasons as [`probe_file`] refuses it. Every read is of
/// `file`, already open, whatever becomes of `path` (which gives only its extension). Call it
/// under [`guarded`] (symphonia has panicked on crafted input).
pub(crate) fn open_file_track(file: std::fs::File, path: &Path) -> Result<Opened, ProbeError> {
    let size = file.metadata()?.len();
    if size == 0 {
        return Err(ProbeError::Empty);
    }
    let input = Input::Opened(std::sync::Arc::new(file));
    let mut wave = Wave::open(&input, size);
    if let Some(problem) = wave.as_mut().and_then(Wave::format_problem) {
        return Err(problem);
    }
    open_track(&input, extension_of(path).as_deref())
}

/// Opens the container and finds its default audio track.
fn open_track(input: &Input, extension: Option<&str>) -> Result<Opened, ProbeError> {
    let format = open_format(input, extension)?;
    let container = container_of(format.format_info());
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| ProbeError::Unsupported("no audio track".into()))?
        .clone();
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        return Err(ProbeError::Unsupported("no audio codec parameters".into()));
    };
    let params = params.clone();
    let codec = codec_of(params.codec);
    Ok(Opened {
        format,
        container,
        track,
        params,
        codec,
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

#[cfg(test)]
mod tests;
