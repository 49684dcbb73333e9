//! Each master measured (loudness, mono downmix, balance) in one decoding pass, `jobs` at a
//! time, unless the last publish measured the same content; and what the figures say is wrong
//! with it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::audio::decode::DecodeError;
use crate::model::problem::Problem;
use crate::model::{AudioInfo, Measurement, Trim};
use crate::project::paths::display_path;
use crate::project::sources::Sources;
use crate::support::progress::Progress;

/// Below this integrated loudness, in LUFS (the absolute gate of BS.1770), a master holds no
/// programme to normalize.
const SILENCE_LUFS: f64 = -70.0;
/// A sample peak at or above this, in dBFS, is taken as clipped: the recorder or the export
/// hit full scale, and what went beyond it is lost.
const CLIPPED_DBFS: f64 = -0.1;

/// Measures `masters` (each with its figures, for its channel count), `jobs` at a time, the
/// unchanged ones taken from `sources`; returns the measurements by path and records the
/// problems they show.
pub(super) fn measure_all(
    root: &Path,
    masters: &[(PathBuf, AudioInfo)],
    sources: &Arc<Sources>,
    jobs: usize,
    progress: &Progress,
    problems: &mut Vec<Problem>,
) -> BTreeMap<PathBuf, Measurement> {
    let unmeasured: Vec<PathBuf> = masters
        .iter()
        .map(|(path, _)| path)
        .filter(|p| sources.measurement(p).is_none())
        .cloned()
        .collect();
    if !unmeasured.is_empty() {
        let bytes = match progress.style() {
            crate::support::progress::Style::Quiet => 0,
            _ => crate::project::ingest::total_size(&unmeasured),
        };
        progress.stage("measuring", unmeasured.len() as u64, bytes);
    }
    let items: Vec<(PathBuf, Option<Trim>)> = masters
        .iter()
        .map(|(path, audio)| (path.clone(), audio.trim()))
        .collect();
    let cached = Arc::clone(sources);
    let ready = |(path, _): &(PathBuf, Option<Trim>)| cached.measurement(path).map(Ok);
    let (root_owned, shared, progress) =
        (root.to_path_buf(), Arc::clone(sources), progress.clone());
    let results = crate::support::parallel::map_unless_ready(jobs, items, ready, move |item| {
        let (path, trim) = item;
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        let _task = progress.file("measuring", &display_path(&root_owned, &path), size);
        let measured = measure_one(&root_owned, &path, trim);
        if let Ok(measurement) = &measured {
            shared.set_measurement(&path, measurement);
        }
        measured
    });
    let mut measurements = BTreeMap::new();
    for ((path, audio), result) in masters.iter().zip(results) {
        let shown = display_path(root, path);
        match result {
            Ok(measurement) => {
                problems.extend(judge(&shown, audio, &measurement));
                measurements.insert(path.clone(), measurement);
            }
            Err(e) => problems.push(Problem::error(
                shown,
                format!("its loudness cannot be measured: {e}"),
            )),
        }
    }
    measurements
}

/// Decodes one master, inside the project, and measures it.
fn measure_one(root: &Path, path: &Path, trim: Option<Trim>) -> Result<Measurement, DecodeError> {
    let real = crate::support::fs::contain(root, path)
        .map_err(|refusal| DecodeError::Io(std::io::Error::other(refusal.reason())))?;
    crate::audio::loudness::measure(&real, trim).map(|measured| measured.measurement())
}

/// What a master's figures say is wrong with it: silence is an error (nothing to normalize),
/// a silent channel, clipping and what decoding lost are warnings.
pub(super) fn judge(shown: &str, audio: &AudioInfo, measurement: &Measurement) -> Vec<Problem> {
    let mut problems = Vec::new();
    let loudness = &measurement.loudness;
    if loudness
        .integrated_lufs
        .is_none_or(|lufs| lufs < SILENCE_LUFS)
    {
        // BS.1770 gates 400 ms blocks: a shorter master has no integrated loudness at all.
        let too_short = audio.frames * 5 < u64::from(audio.sample_rate) * 2;
        problems.push(Problem::error(
            shown,
            if too_short {
                "is too short to measure (under 0.4 s, the shortest block EBU R128 measures): nothing to normalize"
            } else {
                "decodes to silence (integrated loudness below −70 LUFS): nothing to normalize, cyclecast will not amplify noise"
            },
        ));
        return problems;
    }
    if audio.channels > 2 {
        problems.push(Problem::warning(
            shown,
            format!(
                "has {} channels: its renditions mix them all down to mono",
                audio.channels
            ),
        ));
    } else if audio.channels == 2
        && measurement
            .mono
            .as_ref()
            .is_some_and(|mono| mono.integrated_lufs.is_none_or(|lufs| lufs < SILENCE_LUFS))
    {
        problems.push(Problem::warning(
            shown,
            "its two channels cancel out in mono (one is the other inverted): a listener on one speaker hears nothing, and its mono files (the light one) are not made; invert one channel of the master",
        ));
    } else if audio.channels == 2 && measurement.balance.is_some_and(|b| b.one_channel_silent()) {
        problems.push(Problem::warning(
            shown,
            "one of its two channels is silent: it is published in mono, from the other channel",
        ));
    }
    // Floating-point samples beyond full scale were kept, not clipped; at full scale, they
    // may have been clipped before.
    let kept_beyond = |peak: f64| audio.codec.is_float_pcm() && peak > -CLIPPED_DBFS;
    if loudness
        .sample_peak_dbfs
        .is_some_and(|peak| peak >= CLIPPED_DBFS && !kept_beyond(peak))
    {
        problems.push(Problem::warning(
            shown,
            format!(
                "clipped (its samples reach {:.1} dBFS, full scale): published, but the distortion stays",
                loudness.sample_peak_dbfs.unwrap_or_default()
            ),
        ));
    }
    let decoding = measurement.warnings.iter();
    problems.extend(decoding.map(|w| Problem::warning(shown, format!("decoding: {w}"))));
    problems
}
