//! Every format cyclecast reads, and every kind of broken file (issue #4), through
//! `cyclecast probe --json`.
//!
//! The corpus is made at test time by real encoders (ffmpeg, lame, sox, flac, opusenc:
//! `scripts/test` installs them) from sources of an exact number of samples, so the truth is
//! known from the generation: a source of N samples encoded by an encoder that states its delay
//! and padding (LAME and ffmpeg headers, MP4 edit lists, Opus pre-skip, Ogg granule positions)
//! lasts N samples. Where a file states nothing (an MP3 made without its header), the truth is
//! what a full decode by ffmpeg gives. Every lossy file is also decoded by ffmpeg, which must
//! agree within one codec frame. All files are probed in one run of the binary, which must not
//! panic. The corpus (12 MB, most of it the WAV sources) takes a few seconds to make.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::tool;

const BIN: &str = env!("CARGO_BIN_EXE_cyclecast");

/// The encoders and decoders that make and check the corpus (tests/cli/oracle.rs).
const CORPUS_TOOLS: &[&str] = &["ffmpeg", "ffprobe", "lame", "sox", "flac", "opusenc"];

/// Samples per channel of the sources: three seconds and one sample, so that no encoder's
/// block size divides them.
const N44: u64 = 132_301;
const N48: u64 = 144_001;
const N22: u64 = 66_151;
const N11: u64 = 33_077;

/// What the test knows of a file's duration.
#[derive(Debug, Clone, Copy)]
enum Truth {
    /// Exactly this many samples per channel.
    Exact(u64),
    /// What a full ffmpeg decode gives (the file states no delay and padding); it must lie
    /// within `slack` samples of the source's length.
    Decoded { source: u64, slack: u64 },
    /// This many samples, give or take `slack` (a resampling encoder rounds).
    About(u64, u64),
    /// A file cut in the middle of a frame: ffmpeg decodes that last frame, probe leaves it
    /// out; otherwise as [`Truth::Decoded`].
    Cut { source: u64, slack: u64, frame: u64 },
}

/// A file of the corpus that is not broken, and what probe must say of it.
struct Good {
    file: &'static str,
    container: &'static str,
    codec: &'static str,
    rate: u64,
    channels: u64,
    bits: Option<u64>,
    truth: Truth,
    /// Samples per codec frame: how far a full ffmpeg decode may be (lossy codecs only).
    frame: Option<u64>,
}

const fn good(
    file: &'static str,
    (container, codec): (&'static str, &'static str),
    (rate, channels, bits): (u64, u64, Option<u64>),
    truth: Truth,
    frame: Option<u64>,
) -> Good {
    Good {
        file,
        container,
        codec,
        rate,
        channels,
        bits,
        truth,
        frame,
    }
}

const MP3: (&str, &str) = ("mp3", "mp3");
const M4A_AAC: (&str, &str) = ("isomp4", "aac");
const M4A_ALAC: (&str, &str) = ("isomp4", "alac");
const FLAC: (&str, &str) = ("flac", "flac");
const VORBIS: (&str, &str) = ("ogg", "vorbis");
const OPUS: (&str, &str) = ("ogg", "opus");
const L3: Option<u64> = Some(1152);
const L3_LSF: Option<u64> = Some(576);

/// Every good file: MP3 of the three MPEG versions with and without their header and with every
/// kind of tag, AAC and ALAC in MP4, FLAC, Vorbis, Opus, WAV and AIFF of every sample format.
#[rustfmt::skip]
const GOOD: &[Good] = &[
    good("mp3-cbr-info.mp3", MP3, (44_100, 2, None), Truth::Exact(N44), L3),
    good("mp3-vbr-xing.mp3", MP3, (44_100, 2, None), Truth::Exact(N44), L3),
    good("mp3-vbr-no-header.mp3", MP3, (44_100, 2, None), Truth::Decoded { source: N44, slack: 2 * 1152 }, L3),
    good("mp3-mpeg2-vbr.mp3", MP3, (22_050, 1, None), Truth::Exact(N22), L3_LSF),
    good("mp3-mpeg2-cbr-no-header.mp3", MP3, (22_050, 1, None), Truth::Decoded { source: N22, slack: 4 * 576 }, L3_LSF),
    good("mp3-mpeg25-vbr.mp3", MP3, (11_025, 1, None), Truth::Exact(N11), L3_LSF),
    good("mp3-mpeg25-cbr-no-header.mp3", MP3, (11_025, 1, None), Truth::Decoded { source: N11, slack: 4 * 576 }, L3_LSF),
    good("mp3-id3v22.mp3", MP3, (44_100, 2, None), Truth::Exact(N44), L3),
    good("mp3-id3v23.mp3", MP3, (44_100, 2, None), Truth::Exact(N44), L3),
    good("mp3-id3v24.mp3", MP3, (44_100, 2, None), Truth::Exact(N44), L3),
    good("mp3-id3v1.mp3", MP3, (44_100, 2, None), Truth::Exact(N44), L3),
    good("mp3-ape.mp3", MP3, (44_100, 2, None), Truth::Exact(N44), L3),
    good("mp3-every-tag.mp3", MP3, (44_100, 2, None), Truth::Exact(N44), L3),
    good("aac.m4a", M4A_AAC, (44_100, 2, None), Truth::Exact(N44), Some(1024)),
    good("alac-16.m4a", M4A_ALAC, (44_100, 2, Some(16)), Truth::Exact(N44), None),
    good("alac-24.m4a", M4A_ALAC, (44_100, 2, Some(24)), Truth::Exact(N44), None),
    good("flac-16.flac", FLAC, (44_100, 2, Some(16)), Truth::Exact(N44), None),
    good("flac-24.flac", FLAC, (44_100, 2, Some(24)), Truth::Exact(N44), None),
    good("vorbis.ogg", VORBIS, (44_100, 2, None), Truth::Exact(N44), Some(1024)),
    good("opus-48k.opus", OPUS, (48_000, 2, None), Truth::Exact(N48), Some(960)),
    // opusenc resamples 44.1 kHz to 48 kHz and states the length it resampled to.
    good("opus-44k.opus", OPUS, (48_000, 2, None), Truth::About(N44 * 48_000 / 44_100, 2), Some(960)),
    good("wav-s16.wav", ("wave", "pcm_s16le"), (44_100, 2, Some(16)), Truth::Exact(N44), None),
    good("wav-s16-3ch-extensible.wav", ("wave", "pcm_s16le"), (44_100, 3, Some(16)), Truth::Exact(N44), None),
    good("wav-s24-extensible.wav", ("wave", "pcm_s24le"), (44_100, 2, Some(24)), Truth::Exact(N44), None),
    good("wav-s32.wav", ("wave", "pcm_s32le"), (44_100, 2, Some(32)), Truth::Exact(N44), None),
    good("wav-f32.wav", ("wave", "pcm_f32le"), (44_100, 2, Some(32)), Truth::Exact(N44), None),
    good("wav-tagged.wav", ("wave", "pcm_s16le"), (44_100, 2, Some(16)), Truth::Exact(N44), None),
    good("aiff-s16.aiff", ("aiff", "pcm_s16be"), (44_100, 2, Some(16)), Truth::Exact(N44), None),
    good("aiff-s24.aiff", ("aiff", "pcm_s24be"), (44_100, 2, Some(24)), Truth::Exact(N44), None),
];

/// The good files probe has a remark about.
const EXPECTED_WARNINGS: &[(&str, &str)] = &[(
    "mp3-vbr-no-header.mp3",
    "this VBR MP3 has no Xing header, so players guess its duration",
)];

/// The tags every tagged file of the corpus carries (ID3v1 and APE files have their own).
const TITLE: &str = "Dématérialiser pour mieux régner";
const ARTIST: &str = "Le Mouton Numérique";
const ALBUM: &str = "Cycle de rencontres";
const DATE: &str = "2023-03-09";
const COMMENT: &str = "Rencontre n°4 & <débat>";

/// A broken file (or one whose extension lies), and what probe must say of it.
struct Broken {
    file: &'static str,
    /// Rejected with an error containing this, or accepted.
    error: Option<&'static str>,
    /// Accepted with a warning containing this.
    warning: Option<&'static str>,
    /// The duration an accepted file is given.
    truth: Option<Truth>,
}

const fn rejected(file: &'static str, error: &'static str) -> Broken {
    Broken {
        file,
        error: Some(error),
        warning: None,
        truth: None,
    }
}

const fn accepted(file: &'static str, warning: &'static str, truth: Truth) -> Broken {
    Broken {
        file,
        error: None,
        warning: Some(warning),
        truth: Some(truth),
    }
}

#[rustfmt::skip]
const BROKEN: &[Broken] = &[
    rejected("empty.mp3", "the file is empty"),
    rejected("random-bytes.mp3", "not a supported audio file"),
    rejected("text.wav", "not a supported audio file"),
    rejected("truncated-xing.mp3", "the file is truncated: its header states 3.000 s but only"),
    accepted("truncated-no-header.mp3", "the file ends in the middle of an MP3 frame: it may be truncated",
        Truth::Cut { source: N44 * 55 / 100, slack: N44 / 8, frame: 1152 }),
    rejected("damaged-middle.flac", "the audio stream is damaged in the middle"),
    rejected("truncated.flac", "the file is truncated: its header states 3.000 s"),
    rejected("truncated.wav", "the file is truncated: its header states 3.000 s"),
    rejected("truncated.m4a", "the MP4 file has no index (`moov` box): it is truncated"),
    accepted("truncated.ogg", "the Ogg stream has no end-of-stream page: the file may be truncated",
        Truth::Decoded { source: N44 / 2, slack: N44 / 2 }),
    accepted("header-lies-longer.mp3", "the MP3 header states 9.", Truth::Exact(N44)),
    accepted("header-lies-shorter.mp3", "the MP3 header states 0.", Truth::Exact(N44)),
    accepted("junk-before.mp3", "the file starts with 3000 bytes that are not audio", Truth::Exact(N44)),
    accepted("junk-middle.mp3", "the MP3 stream is damaged in 1 place", Truth::Exact(N44)),
    accepted("m4a-named.mp3", "in an MP4 container, not what its `.mp3` extension says", Truth::Exact(N44)),
    accepted("wav-named.mp3", "in a WAV container, not what its `.mp3` extension says", Truth::Exact(N44)),
    accepted("flac-named.ogg", "in a FLAC container, not what its `.ogg` extension says", Truth::Exact(N44)),
    accepted("mp3-named.wav", "in an MP3 container, not what its `.wav` extension says", Truth::Exact(N44)),
];

/// The corpus, made once per test run in cargo's temporary folder for integration tests.
fn corpus() -> &'static Path {
    static MADE: OnceLock<PathBuf> = OnceLock::new();
    MADE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("formats-corpus");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        make_corpus(&dir);
        dir
    })
}

/// `cyclecast probe --json` on the whole corpus, once: file name → its JSON object.
fn probed() -> &'static BTreeMap<String, Value> {
    static PROBED: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    PROBED.get_or_init(|| {
        let dir = corpus();
        let files: Vec<&str> = GOOD
            .iter()
            .map(|g| g.file)
            .chain(BROKEN.iter().map(|b| b.file))
            .collect();
        let (code, stdout, stderr) = probe(dir, &["--json"], &files);
        assert!(!stderr.contains("panicked"), "probe panicked:\n{stderr}");
        assert_eq!(
            code,
            Some(1),
            "some files are rejected: exit status 1\n{stderr}"
        );
        let lines: Vec<Value> = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("probe --json printed invalid JSON: {e}\n{stdout}"));
        assert_eq!(lines.len(), files.len(), "one object per file");
        lines
            .into_iter()
            .map(|line| (line["path"].as_str().unwrap().to_string(), line))
            .collect()
    })
}

/// Runs `cyclecast probe ARGS FILES…` in `dir`: exit status, stdout, stderr.
fn probe(dir: &Path, args: &[&str], files: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(BIN)
        .arg("probe")
        .args(args)
        .args(files)
        .current_dir(dir)
        .output()
        .expect("run the cyclecast binary");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().expect("a UTF-8 path").to_string()
}

/// Samples per channel that ffmpeg decodes from a file.
fn decoded_samples(file: &Path) -> u64 {
    let pcm = tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            file.to_str().unwrap(),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-",
        ],
    );
    pcm.len() as u64 / 2
}

/// The number of samples probe must give, given the truth.
#[track_caller]
fn check_duration(file: &str, probed: u64, truth: Truth) {
    match truth {
        Truth::Exact(n) => assert_eq!(probed, n, "{file}: probe counts {probed}, the truth is {n}"),
        Truth::About(n, slack) => assert!(
            probed.abs_diff(n) <= slack,
            "{file}: probe counts {probed}, the truth is {n} ± {slack}"
        ),
        Truth::Decoded { source, slack } => {
            let decoded = decoded_samples(&corpus().join(file));
            assert_eq!(
                probed, decoded,
                "{file}: probe counts {probed}, ffmpeg decodes {decoded}"
            );
            assert!(
                decoded.abs_diff(source) <= slack,
                "{file}: ffmpeg decodes {decoded}, the source had {source}"
            );
        }
        Truth::Cut {
            source,
            slack,
            frame,
        } => {
            let decoded = decoded_samples(&corpus().join(file));
            assert_eq!(
                probed + frame,
                decoded,
                "{file}: probe counts {probed}, ffmpeg decodes {decoded}"
            );
            assert!(
                decoded.abs_diff(source) <= slack,
                "{file}: {decoded} vs {source}"
            );
        }
    }
}

#[test]
fn reads_every_format_with_exact_figures() {
    if !crate::oracle::require(CORPUS_TOOLS) {
        return;
    }
    let probed = probed();
    for good in GOOD {
        let file = good.file;
        let line = &probed[file];
        assert!(line["error"].is_null(), "{file}: {line}");
        match EXPECTED_WARNINGS.iter().find(|(f, _)| *f == file) {
            Some((_, warning)) => assert!(
                line["warnings"].to_string().contains(warning),
                "{file}: {line}"
            ),
            None => assert_eq!(line["warnings"], serde_json::json!([]), "{file}: {line}"),
        }
        assert_eq!(line["container"], good.container, "{file}: {line}");
        assert_eq!(line["codec"], good.codec, "{file}: {line}");
        assert_eq!(line["sample_rate"], good.rate, "{file}: {line}");
        assert_eq!(line["channels"], good.channels, "{file}: {line}");
        assert_eq!(
            line["bits_per_sample"].as_u64(),
            good.bits,
            "{file}: {line}"
        );
        let size = fs::metadata(corpus().join(file)).unwrap().len();
        assert_eq!(line["size"], size, "{file}: {line}");
        let frames = line["frames"].as_u64().unwrap();
        check_duration(file, frames, good.truth);
        let seconds = line["duration_seconds"].as_f64().unwrap();
        assert!(
            (seconds - frames as f64 / good.rate as f64).abs() < 1e-6,
            "{file}: {line}"
        );
        // The average bitrate: exact for PCM, else below the whole file's and above half of it.
        let bitrate = line["bitrate"].as_u64().unwrap();
        match good
            .bits
            .filter(|_| good.container == "wave" || good.container == "aiff")
        {
            Some(bits) => assert_eq!(bitrate, good.rate * good.channels * bits, "{file}"),
            None => {
                let whole = size as f64 * 8.0 / seconds;
                assert!(
                    (bitrate as f64) <= whole * 1.01 && (bitrate as f64) >= whole * 0.5,
                    "{file}: bitrate {bitrate}, the whole file {whole:.0}"
                );
            }
        }
    }
}

#[test]
fn agrees_with_a_full_ffmpeg_decode_within_one_frame() {
    if !crate::oracle::require(CORPUS_TOOLS) {
        return;
    }
    let probed = probed();
    for good in GOOD {
        let Some(frame) = good.frame else {
            continue;
        };
        let frames = probed[good.file]["frames"].as_u64().unwrap();
        let decoded = decoded_samples(&corpus().join(good.file));
        let decoded = decoded * good.rate / crate::harness::sample_rate(&corpus().join(good.file));
        assert!(
            frames.abs_diff(decoded) <= frame,
            "{}: probe counts {frames}, ffmpeg decodes {decoded}",
            good.file
        );
    }
}

#[test]
fn reads_the_tags_of_every_format() {
    if !crate::oracle::require(CORPUS_TOOLS) {
        return;
    }
    let probed = probed();
    let full = [
        "mp3-id3v23.mp3",
        "mp3-id3v24.mp3",
        "mp3-every-tag.mp3",
        "aac.m4a",
        "flac-16.flac",
        "vorbis.ogg",
        "opus-48k.opus",
    ];
    for file in full {
        let tags = &probed[file]["tags"];
        assert_eq!(tags["title"], TITLE, "{file}: {tags}");
        assert_eq!(tags["artist"], ARTIST, "{file}: {tags}");
        assert_eq!(tags["album"], ALBUM, "{file}: {tags}");
        assert_eq!(tags["date"], DATE, "{file}: {tags}");
        assert_eq!(tags["comment"], COMMENT, "{file}: {tags}");
    }
    for file in [
        "mp3-id3v22.mp3",
        "mp3-id3v23.mp3",
        "mp3-id3v24.mp3",
        "aac.m4a",
        "flac-16.flac",
        "opus-48k.opus",
    ] {
        assert_eq!(probed[file]["tags"]["has_picture"], true, "{file}");
    }
    for file in ["mp3-vbr-xing.mp3", "vorbis.ogg", "wav-s16.wav"] {
        assert_eq!(probed[file]["tags"]["has_picture"], false, "{file}");
    }
    let v22 = &probed["mp3-id3v22.mp3"]["tags"];
    assert_eq!(v22["title"], "Titre ID3v2.2", "{v22}");
    assert_eq!(v22["artist"], ARTIST, "{v22}");
    assert_eq!(v22["date"], "2021", "{v22}");
    // ID3v1 holds 30 bytes of Latin-1 per field and a year.
    let v1 = &probed["mp3-id3v1.mp3"]["tags"];
    assert_eq!(v1["title"], "Titre ID3v1", "{v1}");
    assert_eq!(v1["artist"], "Artiste ID3v1", "{v1}");
    assert_eq!(v1["date"], "2022", "{v1}");
    assert_eq!(v1["comment"], "Commentaire ID3v1", "{v1}");
    let ape = &probed["mp3-ape.mp3"]["tags"];
    assert_eq!(ape["title"], "Titre APE", "{ape}");
    assert_eq!(ape["artist"], ARTIST, "{ape}");
    assert_eq!(ape["comment"], "Commentaire APE", "{ape}");
    // ID3v2 wins over APE and ID3v1 in a file that has all three.
    assert_eq!(probed["mp3-every-tag.mp3"]["tags"]["title"], TITLE);
    // A WAV's INFO list and its `id3 ` chunk.
    let wav = &probed["wav-tagged.wav"]["tags"];
    assert_eq!(wav["title"], TITLE, "{wav}");
    assert_eq!(wav["artist"], ARTIST, "{wav}");
    assert_eq!(wav["album"], ALBUM, "{wav}");
    assert_eq!(wav["has_picture"], true, "{wav}");
}

#[test]
fn classifies_every_broken_file() {
    if !crate::oracle::require(CORPUS_TOOLS) {
        return;
    }
    let probed = probed();
    for broken in BROKEN {
        let file = broken.file;
        let line = &probed[file];
        match broken.error {
            Some(error) => {
                let message = line["error"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{file} is accepted: {line}"));
                assert!(message.contains(error), "{file}: {line}");
                assert!(
                    !message.contains("malformed input"),
                    "{file} crashed the reader: {line}"
                );
                assert!(line["duration_seconds"].is_null(), "{file}: {line}");
            }
            None => {
                assert!(line["error"].is_null(), "{file} is rejected: {line}");
                let warnings = line["warnings"].to_string();
                let warning = broken.warning.expect("an accepted file has a warning");
                assert!(warnings.contains(warning), "{file}: {line}");
                let truth = broken.truth.expect("an accepted file has a duration");
                check_duration(file, line["frames"].as_u64().unwrap(), truth);
            }
        }
    }
}

#[test]
fn prints_the_documented_json_fields_and_exits_1_when_a_file_is_rejected() {
    if !crate::oracle::require(CORPUS_TOOLS) {
        return;
    }
    let dir = corpus();
    let (code, stdout, stderr) = probe(dir, &["--json"], &["flac-16.flac", "text.wav"]);
    assert_eq!(code, Some(1), "{stderr}");
    let lines: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let fields = [
        "path",
        "container",
        "codec",
        "sample_rate",
        "channels",
        "bits_per_sample",
        "duration_seconds",
        "bitrate",
        "size",
        "tags",
        "error",
        "warnings",
    ];
    for line in &lines {
        for field in fields {
            assert!(line.get(field).is_some(), "no `{field}` in {line}");
        }
    }
    assert_eq!(lines[0]["path"], "flac-16.flac");
    assert!(lines[0]["error"].is_null());
    assert_eq!(lines[1]["path"], "text.wav");
    assert!(lines[1]["error"].is_string());
    assert_eq!(lines[1]["warnings"], serde_json::json!([]));
    assert!(lines[1]["container"].is_null());

    let (code, _, stderr) = probe(dir, &["--json"], &["flac-16.flac", "vorbis.ogg"]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn prints_one_block_per_file() {
    if !crate::oracle::require(CORPUS_TOOLS) {
        return;
    }
    let (code, stdout, _) = probe(
        corpus(),
        &[],
        &["mp3-id3v24.mp3", "empty.mp3", "junk-middle.mp3"],
    );
    assert_eq!(code, Some(1));
    let heads: Vec<&str> = stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        heads,
        ["mp3-id3v24.mp3", "empty.mp3", "junk-middle.mp3"],
        "{stdout}"
    );
    assert!(
        stdout.contains("\nempty.mp3\n  error: the file is empty\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  duration        3.000 s (132301 frames)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  title           {TITLE}\n")),
        "{stdout}"
    );
    assert!(stdout.contains("junk-middle.mp3\n"), "{stdout}");
    assert!(
        stdout.contains("  warning: the MP3 stream is damaged in 1 place"),
        "{stdout}"
    );
}

/// A 3-hour MP3 (one 10-second VBR stream without header repeated 1,080 times, 40 MB) is
/// counted to the frame, well within a few seconds even in a debug build.
#[test]
fn counts_a_three_hour_mp3_exactly_and_fast() {
    if !crate::oracle::require(CORPUS_TOOLS) {
        return;
    }
    let dir = corpus();
    let piece = fs::read(dir.join("ten-seconds-no-header.mp3")).unwrap();
    let piece_samples = decoded_samples(&dir.join("ten-seconds-no-header.mp3"));
    let long = dir.join("three-hours.mp3");
    let mut bytes = Vec::with_capacity(piece.len() * 1080);
    for _ in 0..1080 {
        bytes.extend_from_slice(&piece);
    }
    fs::write(&long, bytes).unwrap();
    let started = Instant::now();
    // Counting, not decoding: the loudness of three hours is another matter.
    let (code, stdout, stderr) = probe(dir, &["--json", "--no-loudness"], &["three-hours.mp3"]);
    let took = started.elapsed();
    fs::remove_file(&long).unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        lines[0]["frames"].as_u64(),
        Some(1080 * piece_samples),
        "{stdout}"
    );
    // Each piece holds its encoder's delay and padding: about 0.08 s.
    let hours = lines[0]["duration_seconds"].as_f64().unwrap() / 3600.0;
    assert!((3.0..3.03).contains(&hours), "{stdout}");
    assert!(
        took < Duration::from_secs(20),
        "probing 3 hours of MP3 took {took:?}"
    );
}

// ─── Making the corpus ───────────────────────────────────────────────────────────────────

/// A source of exactly `samples` samples per channel: pink noise (so that VBR encoders vary
/// their bitrate) in 16-bit PCM.
fn source(dir: &Path, name: &str, rate: u32, channels: u32, samples: u64) {
    tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            &format!("anoisesrc=c=pink:r={rate}:a=0.2:seed=3"),
            "-af",
            &format!("atrim=end_sample={samples}"),
            "-ac",
            &channels.to_string(),
            "-c:a",
            "pcm_s16le",
            &path(dir, name),
        ],
    );
}

fn ffmpeg(args: &[&str]) {
    let mut all = vec!["-v", "error", "-y"];
    all.extend_from_slice(args);
    tool("ffmpeg", &all);
}

fn lame(args: &[&str]) {
    let mut all = vec!["--quiet"];
    all.extend_from_slice(args);
    tool("lame", &all);
}

/// The metadata options ffmpeg takes for the common tags.
fn ffmpeg_tags() -> Vec<String> {
    [
        ("title", TITLE),
        ("artist", ARTIST),
        ("album", ALBUM),
        ("date", DATE),
        ("comment", COMMENT),
    ]
    .iter()
    .flat_map(|(k, v)| ["-metadata".to_string(), format!("{k}={v}")])
    .collect()
}

/// A fixed pseudo-random sequence (xorshift), so that the corpus is the same on every run.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// An ID3v2.2 tag (three-letter frame ids, as iTunes once wrote them) with a cover.
fn id3v22_tag(cover: &[u8]) -> Vec<u8> {
    let frame = |id: &[u8; 3], body: &[u8]| {
        let mut out = id.to_vec();
        out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        out.extend_from_slice(body);
        out
    };
    // Encoding 0: Latin-1 (ID3v2.2 knows no UTF-8).
    let text = |s: &str| {
        let latin1 = s
            .chars()
            .map(|c| u8::try_from(u32::from(c)).expect("Latin-1"));
        std::iter::once(0u8).chain(latin1).collect::<Vec<u8>>()
    };
    let mut frames = Vec::new();
    frames.extend(frame(b"TT2", &text("Titre ID3v2.2")));
    frames.extend(frame(b"TP1", &text(ARTIST)));
    frames.extend(frame(b"TAL", &text(ALBUM)));
    frames.extend(frame(b"TYE", &text("2021")));
    frames.extend(frame(
        b"PIC",
        &[&[0u8][..], b"JPG", &[3, 0], cover].concat(),
    ));
    let size = frames.len() as u32;
    let syncsafe = [
        ((size >> 21) & 0x7F) as u8,
        ((size >> 14) & 0x7F) as u8,
        ((size >> 7) & 0x7F) as u8,
        (size & 0x7F) as u8,
    ];
    [&b"ID3\x02\x00\x00"[..], &syncsafe, &frames].concat()
}

/// An APEv2 tag with a header and a footer.
fn ape_tag(items: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (key, value) in items {
        body.extend_from_slice(&(value.len() as u32).to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(key.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
    }
    let block = |flags: u32| {
        let mut out = b"APETAGEX".to_vec();
        out.extend_from_slice(&2000u32.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32 + 32).to_le_bytes());
        out.extend_from_slice(&(items.len() as u32).to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out
    };
    [block(0xA000_0000), body.clone(), block(0x8000_0000)].concat()
}

/// Where the ID3v2 tag a file starts with ends.
fn id3v2_len(bytes: &[u8]) -> usize {
    assert_eq!(&bytes[..3], b"ID3");
    let size = bytes[6..10]
        .iter()
        .fold(0usize, |acc, &b| (acc << 7) | usize::from(b));
    10 + size
}

/// The offset of the `Xing` or `Info` tag in a LAME file's first frame.
fn xing_offset(bytes: &[u8]) -> usize {
    bytes
        .windows(4)
        .position(|w| w == b"Xing" || w == b"Info")
        .expect("a Xing or Info tag")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).unwrap();
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    fs::read(dir.join(name)).unwrap()
}

fn make_corpus(dir: &Path) {
    let p = |name: &str| path(dir, name);
    source(dir, "s44.wav", 44_100, 2, N44);
    source(dir, "s48.wav", 48_000, 2, N48);
    source(dir, "s22.wav", 22_050, 1, N22);
    source(dir, "s11.wav", 11_025, 1, N11);
    source(dir, "s10s.wav", 22_050, 1, 220_500);
    ffmpeg(&["-i", &p("s44.wav"), "-c:a", "pcm_s24le", &p("s44-24.wav")]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=32x32",
        "-frames:v",
        "1",
        &p("cover.jpg"),
    ]);
    let tags = ffmpeg_tags();
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();

    // MP3: MPEG-1, 2 and 2.5 Layer III, CBR and VBR, with and without the Xing/LAME header.
    lame(&["--cbr", "-b", "128", &p("s44.wav"), &p("mp3-cbr-info.mp3")]);
    lame(&["-V", "4", &p("s44.wav"), &p("mp3-vbr-xing.mp3")]);
    lame(&["-V", "4", "-t", &p("s44.wav"), &p("mp3-vbr-no-header.mp3")]);
    lame(&["-V", "6", &p("s22.wav"), &p("mp3-mpeg2-vbr.mp3")]);
    lame(&[
        "--cbr",
        "-b",
        "32",
        "-t",
        &p("s22.wav"),
        &p("mp3-mpeg2-cbr-no-header.mp3"),
    ]);
    lame(&["-V", "6", &p("s11.wav"), &p("mp3-mpeg25-vbr.mp3")]);
    lame(&[
        "--cbr",
        "-b",
        "16",
        "-t",
        &p("s11.wav"),
        &p("mp3-mpeg25-cbr-no-header.mp3"),
    ]);
    lame(&[
        "-V",
        "7",
        "-t",
        &p("s10s.wav"),
        &p("ten-seconds-no-header.mp3"),
    ]);
    // Tags of every kind around the same frames.
    let xing = read(dir, "mp3-vbr-xing.mp3");
    let cover = read(dir, "cover.jpg");
    write(
        dir,
        "mp3-id3v22.mp3",
        &[id3v22_tag(&cover), xing.clone()].concat(),
    );
    for (version, name) in [("3", "mp3-id3v23.mp3"), ("4", "mp3-id3v24.mp3")] {
        let (input, cover, out) = (p("mp3-vbr-xing.mp3"), p("cover.jpg"), p(name));
        let mut args = vec!["-i", &input, "-i", &cover, "-map", "0", "-map", "1"];
        args.extend(["-c", "copy", "-id3v2_version", version]);
        args.extend(&tags);
        args.push(&out);
        ffmpeg(&args);
    }
    lame(&[
        "-V",
        "4",
        "--id3v1-only",
        "--tt",
        "Titre ID3v1",
        "--ta",
        "Artiste ID3v1",
        "--tl",
        "Album ID3v1",
        "--ty",
        "2022",
        "--tc",
        "Commentaire ID3v1",
        &p("s44.wav"),
        &p("mp3-id3v1.mp3"),
    ]);
    let ape = ape_tag(&[
        ("Title", "Titre APE"),
        ("Artist", ARTIST),
        ("Comment", "Commentaire APE"),
    ]);
    write(dir, "mp3-ape.mp3", &[xing.clone(), ape.clone()].concat());
    let v24 = read(dir, "mp3-id3v24.mp3");
    let v1 = read(dir, "mp3-id3v1.mp3");
    write(
        dir,
        "mp3-every-tag.mp3",
        &[v24.clone(), ape, v1[v1.len() - 128..].to_vec()].concat(),
    );

    // MP4: AAC (ffmpeg's encoder: an edit list trims 1,024 priming samples) and ALAC.
    let (input, cover, out) = (p("s44.wav"), p("cover.jpg"), p("aac.m4a"));
    let mut args = vec!["-i", &input, "-i", &cover, "-map", "0", "-map", "1"];
    args.extend([
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-c:v",
        "copy",
        "-disposition:v",
        "attached_pic",
    ]);
    args.extend(&tags);
    args.push(&out);
    ffmpeg(&args);
    ffmpeg(&["-i", &p("s44.wav"), "-c:a", "alac", &p("alac-16.m4a")]);
    ffmpeg(&["-i", &p("s44-24.wav"), "-c:a", "alac", &p("alac-24.m4a")]);

    // FLAC and Opus with their own tools, Vorbis with ffmpeg's libvorbis.
    let tag_args = |style: &str| -> Vec<String> {
        let pairs = [
            ("TITLE", TITLE),
            ("ARTIST", ARTIST),
            ("ALBUM", ALBUM),
            ("DATE", DATE),
            ("COMMENT", COMMENT),
        ];
        pairs
            .iter()
            .flat_map(|(k, v)| match style {
                "flac" => vec!["-T".to_string(), format!("{k}={v}")],
                _ => vec!["--comment".to_string(), format!("{k}={v}")],
            })
            .collect()
    };
    let args = tag_args("flac");
    let mut flac: Vec<&str> = vec!["-s", "-f"];
    flac.extend(args.iter().map(String::as_str));
    let picture = format!("--picture={}", p("cover.jpg"));
    let (input, output) = (p("s44.wav"), p("flac-16.flac"));
    flac.extend([picture.as_str(), input.as_str(), "-o", output.as_str()]);
    tool("flac", &flac);
    tool(
        "flac",
        &["-s", "-f", &p("s44-24.wav"), "-o", &p("flac-24.flac")],
    );
    let (input, out) = (p("s44.wav"), p("vorbis.ogg"));
    let mut args = vec!["-i", &input, "-c:a", "libvorbis", "-q:a", "3"];
    args.extend(&tags);
    args.push(&out);
    ffmpeg(&args);
    let args = tag_args("opus");
    let mut opusenc: Vec<&str> = vec!["--quiet", "--picture"];
    let cover_path = p("cover.jpg");
    opusenc.push(&cover_path);
    opusenc.extend(args.iter().map(String::as_str));
    let (input, output) = (p("s48.wav"), p("opus-48k.opus"));
    opusenc.extend([input.as_str(), output.as_str()]);
    tool("opusenc", &opusenc);
    tool("opusenc", &["--quiet", &p("s44.wav"), &p("opus-44k.opus")]);

    // WAV: PCM 16, 24 and 32-bit, float, WAVE_FORMAT_EXTENSIBLE (ffmpeg writes it for more than
    // 16 bits or 2 channels); AIFF.
    ffmpeg(&["-i", &p("s44.wav"), "-c:a", "pcm_s16le", &p("wav-s16.wav")]);
    ffmpeg(&[
        "-i",
        &p("s44.wav"),
        "-af",
        "pan=3c|c0=c0|c1=c1|c2=c0",
        "-c:a",
        "pcm_s16le",
        &p("wav-s16-3ch-extensible.wav"),
    ]);
    ffmpeg(&[
        "-i",
        &p("s44.wav"),
        "-c:a",
        "pcm_s24le",
        &p("wav-s24-extensible.wav"),
    ]);
    ffmpeg(&["-i", &p("s44.wav"), "-c:a", "pcm_s32le", &p("wav-s32.wav")]);
    ffmpeg(&["-i", &p("s44.wav"), "-c:a", "pcm_f32le", &p("wav-f32.wav")]);
    for name in ["wav-s16-3ch-extensible.wav", "wav-s24-extensible.wav"] {
        let bytes = read(dir, name);
        let fmt = bytes.windows(4).position(|w| w == b"fmt ").unwrap();
        assert_eq!(
            bytes[fmt + 8..fmt + 10],
            [0xFE, 0xFF],
            "{name} is WAVE_FORMAT_EXTENSIBLE"
        );
    }
    // A WAV with an INFO list (ffmpeg) and an `id3 ` chunk after its data.
    let (input, out) = (p("s44.wav"), p("wav-tagged.wav"));
    let mut args = vec!["-i", &input, "-c:a", "pcm_s16le"];
    args.extend(&tags[..6]);
    args.push(&out);
    ffmpeg(&args);
    let mut wav = read(dir, "wav-tagged.wav");
    let v23 = read(dir, "mp3-id3v23.mp3");
    let id3 = &v23[..id3v2_len(&v23)];
    wav.extend_from_slice(b"id3 ");
    wav.extend_from_slice(&(id3.len() as u32).to_le_bytes());
    wav.extend_from_slice(id3);
    if id3.len() % 2 == 1 {
        wav.push(0);
    }
    let riff = (wav.len() - 8) as u32;
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    write(dir, "wav-tagged.wav", &wav);
    tool("sox", &[&p("s44.wav"), &p("aiff-s16.aiff")]);
    ffmpeg(&[
        "-i",
        &p("s44.wav"),
        "-c:a",
        "pcm_s24be",
        &p("aiff-s24.aiff"),
    ]);

    // Broken files.
    write(dir, "empty.mp3", b"");
    write(
        dir,
        "random-bytes.mp3",
        &random_bytes(50_000, 0x2545_f491_4f6c_dd1d),
    );
    write(
        dir,
        "text.wav",
        "Ceci n'est pas un enregistrement.\n".repeat(300).as_bytes(),
    );
    write(dir, "truncated-xing.mp3", &xing[..xing.len() * 55 / 100]);
    let no_header = read(dir, "mp3-vbr-no-header.mp3");
    write(
        dir,
        "truncated-no-header.mp3",
        &no_header[..no_header.len() * 55 / 100],
    );
    let mut flac = read(dir, "flac-16.flac");
    let middle = flac.len() / 2;
    flac[middle..middle + 2000].fill(0);
    write(dir, "damaged-middle.flac", &flac);
    let flac = read(dir, "flac-16.flac");
    write(dir, "truncated.flac", &flac[..flac.len() * 6 / 10]);
    let wav = read(dir, "wav-s16.wav");
    write(dir, "truncated.wav", &wav[..wav.len() * 6 / 10]);
    let m4a = read(dir, "aac.m4a");
    write(dir, "truncated.m4a", &m4a[..m4a.len() / 2]);
    let ogg = read(dir, "vorbis.ogg");
    write(dir, "truncated.ogg", &ogg[..ogg.len() / 2]);
    // A Xing header that lies about the frame count, both ways (its byte count stays right).
    let at = xing_offset(&xing) + 8;
    let stated = u32::from_be_bytes(xing[at..at + 4].try_into().unwrap());
    for (factor, name) in [
        (3.0, "header-lies-longer.mp3"),
        (1.0 / 3.0, "header-lies-shorter.mp3"),
    ] {
        let mut lying = xing.clone();
        let frames = (f64::from(stated) * factor) as u32;
        lying[at..at + 4].copy_from_slice(&frames.to_be_bytes());
        write(dir, name, &lying);
    }
    write(
        dir,
        "junk-before.mp3",
        &[random_bytes(3000, 0x9E37_79B9_7F4A_7C15), xing.clone()].concat(),
    );
    let half = xing.len() / 2;
    write(
        dir,
        "junk-middle.mp3",
        &[
            &xing[..half],
            &random_bytes(3000, 0xD1B5_4A32_D192_ED03),
            &xing[half..],
        ]
        .concat(),
    );
    // Files whose extension names another format.
    fs::copy(dir.join("aac.m4a"), dir.join("m4a-named.mp3")).unwrap();
    fs::copy(dir.join("wav-s16.wav"), dir.join("wav-named.mp3")).unwrap();
    fs::copy(dir.join("flac-16.flac"), dir.join("flac-named.ogg")).unwrap();
    fs::copy(dir.join("mp3-vbr-xing.mp3"), dir.join("mp3-named.wav")).unwrap();
}
