//! How a file missed by a pass is aimed again (pure): its gain and limiter ceiling for the
//! next pass, from what the pass measured.
//!
//! A limiter scales: the same gain and ceiling both raised by 1 dB raise its output by exactly
//! 1 dB. So a file's loudness is its ceiling plus a level that depends on the drive alone
//! (gain minus ceiling), and the correction works on drives and levels. A first pass that
//! limits also measures the limiter at higher drives without encoding them (a survey): the
//! level's curve over the drive, so that the second pass lands where a slope guessed from one
//! point needed two or three more.

use crate::model::loudness::Loudness;
use crate::rendition::plan::{Chain, Encoding, Job};

/// How far a file's integrated loudness may land from its target before it is made again,
/// in LU: the published files must be within ±0.5 on ffmpeg's meter, whose integrated
/// loudness reads within a few hundredths of the ebur128 crate's.
const TOLERANCE_LU: f64 = 0.3;
/// The least share of a dB of drive that the level is taken to follow.
const MIN_SLOPE: f64 = 0.15;
/// The largest correction of the drive in one pass, in dB.
const MAX_STEP_DB: f64 = 10.0;
/// How far under the ceiling the file's true peak must read on the ebur128 crate's meter
/// (4× oversampling), which reads a little lower than ffmpeg's (192 kHz), the meter the
/// targets are stated for, in dB.
pub const METER_MARGIN_DB: f64 = 0.3;
/// How far under the ceiling a corrected limiter aims, beyond the overshoot it corrects, in
/// dB: a lossy codec's overshoot grows as the limiter works harder, and a corrected file is
/// usually driven harder than the one it corrects.
const OVERSHOOT_MARGIN_DB: f64 = 0.4;
/// How far under the ceiling a limiter aimed from a survey aims, beyond the overshoot it
/// predicts, in dB.
const SURVEY_MARGIN_DB: f64 = 0.2;
/// How much a lossy codec's overshoot over the limiter's ceiling grows with each dB of drive,
/// in dB: a harder-limited signal is denser and the codec's low-pass rings more on it (on the
/// renditions benchmark's master, limited by up to 14 dB, 0.10 to 0.19 dB per dB at 64 kbit/s
/// and 0.16 at 32).
const OVERSHOOT_GROWTH: f64 = 0.2;
/// The drives over a first attempt's at which a survey runs the limiter, in dB.
pub const SURVEY_STEPS_DB: [f64; 2] = [3.0, 6.0];

/// One attempt at a file: its gain and limiter ceiling for this pass.
#[derive(Clone, Copy)]
pub struct Attempt<'a> {
    /// The chain the file belongs to.
    pub chain: &'a Chain,
    /// The file.
    pub job: &'a Job,
    /// The gain before the limiter, in dB.
    pub gain_db: f64,
    /// The limiter's ceiling, in dBTP.
    pub ceiling_dbtp: f64,
    /// Whether this pass surveys the limiter at [`SURVEY_STEPS_DB`] more drive.
    pub surveyed: bool,
    /// The drive and the level it gave in the pass before, if any.
    before: Option<(f64, f64)>,
}

/// What a pass made of an attempt.
pub struct Outcome {
    /// The file's loudness as published.
    pub loudness: Loudness,
    /// The share of the energy the limiter held down.
    pub limited_energy_share: f64,
    /// The survey's findings, when it surveyed.
    pub survey: Option<Survey>,
}

/// The loudness of a file's signal before its encoder, at its drive and at others.
pub struct Survey {
    /// The signal's integrated loudness as limited for the file, before the encoder, in LUFS.
    pub made_lufs: f64,
    /// The level (integrated loudness over the ceiling, in LU) at other drives (dB).
    pub levels: Vec<(f64, f64)>,
}

impl<'a> Attempt<'a> {
    /// The first attempt: the chain's gain and the file's ceiling; surveyed when the master,
    /// gained, peaks over the ceiling (the limiter will work).
    pub fn first(chain: &'a Chain, job: &'a Job) -> Attempt<'a> {
        Attempt {
            chain,
            job,
            gain_db: chain.gain_db,
            ceiling_dbtp: job.limiter_ceiling_dbtp,
            surveyed: chain
                .gained_peak_dbtp
                .is_some_and(|peak| peak > job.limiter_ceiling_dbtp),
            before: None,
        }
    }

    /// How far the gain drives the signal into the limiter, in dB.
    pub fn drive_db(&self) -> f64 {
        self.gain_db - self.ceiling_dbtp
    }

    /// The next attempt, when this one missed; `None` when the file is on target.
    ///
    /// The ceiling is lowered by any overshoot over the meter's margin (the codec's); the
    /// drive then moves so that the level lands the loudness on target: along the surveyed
    /// curve after a survey, else by the slope of the level over the drive, between the last
    /// two passes when the drive moved (a secant step), else as the limited share of the
    /// energy predicts.
    pub fn corrected(&self, outcome: &Outcome) -> Option<Attempt<'a>> {
        let target = &self.chain.target;
        let lufs = outcome.loudness.integrated_lufs?;
        let missed = target.integrated_lufs - lufs;
        let over = outcome
            .loudness
            .true_peak_dbtp
            .map_or(0.0, |peak| peak - self.allowed_peak_dbtp());
        if missed.abs() <= TOLERANCE_LU && over <= 0.0 {
            return None;
        }
        let (drive, ceiling_dbtp) = match &outcome.survey {
            Some(survey) => self.along(survey, outcome),
            None => self.by_slope(outcome, over),
        };
        Some(Attempt {
            gain_db: ceiling_dbtp + drive,
            ceiling_dbtp,
            surveyed: false,
            before: Some((self.drive_db(), lufs - self.ceiling_dbtp)),
            ..*self
        })
    }

    /// The highest true peak a file may read on the ebur128 crate's meter, in dBTP.
    fn allowed_peak_dbtp(&self) -> f64 {
        self.chain.target.true_peak_dbtp - METER_MARGIN_DB
    }

    /// The next drive and ceiling from the last pass's level and a slope.
    fn by_slope(&self, outcome: &Outcome, over: f64) -> (f64, f64) {
        let lufs = outcome.loudness.integrated_lufs.unwrap_or_default();
        let ceiling_dbtp = if over > 0.0 {
            self.ceiling_dbtp - over - OVERSHOOT_MARGIN_DB
        } else {
            self.ceiling_dbtp
        };
        let drive = self.drive_db();
        let level = lufs - self.ceiling_dbtp;
        let slope = self
            .before
            .filter(|(drive_before, _)| (drive - drive_before).abs() > 0.01)
            .map_or(
                1.0 - outcome.limited_energy_share,
                |(drive_before, level_before)| (level - level_before) / (drive - drive_before),
            );
        let wanted_level = self.chain.target.integrated_lufs - ceiling_dbtp;
        let step = (wanted_level - level) / slope.clamp(MIN_SLOPE, 1.0);
        (drive + step.clamp(-MAX_STEP_DB, MAX_STEP_DB), ceiling_dbtp)
    }

    /// The next drive and ceiling along a survey's curve. The encoder moves the loudness by
    /// what it did in this pass (a low-pass lowers it), and overshoots the ceiling by what it
    /// did, more as the drive rises: the ceiling is set for the overshoot predicted at the
    /// drive the curve gives, a few rounds of the two settle both.
    fn along(&self, survey: &Survey, outcome: &Outcome) -> (f64, f64) {
        let drive = self.drive_db();
        let lufs = outcome.loudness.integrated_lufs.unwrap_or(survey.made_lufs);
        let codec_db = lufs - survey.made_lufs;
        let overshoot = outcome
            .loudness
            .true_peak_dbtp
            .map_or(0.0, |peak| peak - self.ceiling_dbtp);
        let growth = match self.job.encoding {
            Encoding::Mp3(_) => OVERSHOOT_GROWTH,
            Encoding::Lossless(_) => 0.0,
        };
        let mut curve = survey.levels.clone();
        curve.push((drive, survey.made_lufs - self.ceiling_dbtp));
        curve.sort_by(|a, b| a.0.total_cmp(&b.0));
        let below_slope = 1.0 - outcome.limited_energy_share;
        let (mut next, mut ceiling_dbtp) = (drive, self.ceiling_dbtp);
        for _ in 0..6 {
            let predicted = overshoot + growth * (next - drive).max(0.0);
            ceiling_dbtp = self
                .ceiling_dbtp
                .min(self.allowed_peak_dbtp() - SURVEY_MARGIN_DB - predicted);
            let wanted = self.chain.target.integrated_lufs - codec_db - ceiling_dbtp;
            next = drive_for_level(&curve, wanted, below_slope)
                .clamp(drive - MAX_STEP_DB, drive + MAX_STEP_DB);
        }
        (next, ceiling_dbtp)
    }
}

/// The drive at which a curve of `(drive, level)` points, sorted by drive, reaches `wanted`:
/// interpolated between the points that bracket it; past the last, along the last segment's
/// slope; under the first, along `below_slope` (a limiter driven less limits less).
fn drive_for_level(curve: &[(f64, f64)], wanted: f64, below_slope: f64) -> f64 {
    let slope =
        |(d0, l0): (f64, f64), (d1, l1): (f64, f64)| ((l1 - l0) / (d1 - d0)).clamp(MIN_SLOPE, 1.0);
    let first = curve[0];
    if wanted <= first.1 || curve.len() == 1 {
        return first.0 + (wanted - first.1) / below_slope.clamp(MIN_SLOPE, 1.0);
    }
    for pair in curve.windows(2) {
        let (low, high) = (pair[0], pair[1]);
        if wanted <= high.1 {
            return low.0 + (wanted - low.1) / slope(low, high);
        }
    }
    let (before_last, last) = (curve[curve.len() - 2], curve[curve.len() - 1]);
    last.0 + (wanted - last.1) / slope(before_last, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_between_two_points_is_interpolated() {
        let curve = [(10.0, -12.0), (13.0, -10.0), (16.0, -9.0)];
        assert!((drive_for_level(&curve, -11.0, 0.8) - 11.5).abs() < 1e-9);
        assert!((drive_for_level(&curve, -9.5, 0.8) - 14.5).abs() < 1e-9);
    }

    #[test]
    fn a_level_past_the_curve_follows_its_last_slope_and_under_it_the_given_one() {
        let curve = [(10.0, -12.0), (13.0, -10.0), (16.0, -9.0)];
        // Past the end: 1/3 LU per dB, so 0.5 LU more takes 1.5 dB more.
        assert!((drive_for_level(&curve, -8.5, 0.8) - 17.5).abs() < 1e-9);
        // Under the start: 0.8 LU per dB.
        assert!((drive_for_level(&curve, -12.8, 0.8) - 9.0).abs() < 1e-9);
    }

    #[test]
    fn a_flat_curve_is_read_at_the_least_slope() {
        let curve = [(10.0, -12.0), (13.0, -12.0)];
        let drive = drive_for_level(&curve, -11.7, 0.8);
        assert!((drive - (13.0 + 0.3 / MIN_SLOPE)).abs() < 1e-9, "{drive}");
    }
}
