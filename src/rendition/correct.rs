//! How each file is aimed (pure): its gain and limiter ceiling for the first pass, and for the
//! next one when a pass missed, from what it measured.
//!
//! A limiter scales: the same gain and ceiling both raised by 1 dB raise its output by exactly
//! 1 dB. So a file's loudness is its ceiling plus a level that depends on the drive alone
//! (gain minus ceiling), and the aim works on drives and levels. When the limiter will work,
//! the level's curve over the drive is surveyed before the first pass
//! ([`crate::audio::dsp::LevelSurvey`]): the first pass aims along it (an MP3 a little over
//! its target, by what LAME is known to take off), and a pass that missed
//! (the encoder's low-pass lowers the loudness, its overshoot raises the peak) aims along it
//! again, by what the encoder moved.

use crate::model::loudness::PublishedLoudness;
use crate::rendition::plan::{Chain, Encoding, Job};

/// How far a file's integrated loudness may land from its target before it is made again,
/// in LU: the published files must be within ±0.5 on ffmpeg's meter, whose integrated
/// loudness reads within a few hundredths of the ebur128 crate's.
const TOLERANCE_LU: f64 = 0.3;
/// How far a file's integrated loudness may land from its target and still be kept without a
/// warning when no further pass brings it nearer, in LU: the ±0.5 LU the published files
/// must meet, less the few hundredths by which the meters differ.
const ACCEPTABLE_LU: f64 = 0.45;
/// How far under the wanted level the curve's first top may be and still be aimed at, rather
/// than a drive past its fall, in LU: a file that lands there, and that no pass brings nearer,
/// is kept without a warning (under [`ACCEPTABLE_LU`], with a margin for the codec).
const TOP_SLACK_LU: f64 = 0.35;
/// What LAME takes off an MP3's integrated loudness, in LU (see [`encoder_loss_lu`]).
const MP3_LOSS_LU: f64 = 0.44;
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
/// How far under the ceiling a limiter aimed along a curve aims, beyond the overshoot it
/// predicts, in dB.
const CURVE_MARGIN_DB: f64 = 0.2;
/// How much a lossy codec's overshoot varies between two passes that make the same file at
/// nearly the same ceiling, in dB: a ceiling moved by less is not worth another pass.
const CEILING_JITTER_DB: f64 = 0.1;
/// How much a lossy codec's overshoot over the limiter's ceiling grows with each dB of drive,
/// in dB: a harder-limited signal is denser and the codec's low-pass rings more on it (on the
/// renditions benchmark's master, limited by up to 14 dB, 0.10 to 0.19 dB per dB at 64 kbit/s
/// and 0.16 at 32).
const OVERSHOOT_GROWTH: f64 = 0.12;
/// The drives a survey covers, on a lattice of [`CURVE_STEP_DB`]: from this far under the drive
/// at which the limiter starts to work (the signal's true peak reaching the ceiling), in dB…
const CURVE_BELOW_DB: f64 = 3.0;
/// …to the drive that brings the signal's loudness to its ceiling (no target is louder than
/// its ceiling), plus this much more limiting, in dB.
const CURVE_LIMITING_DB: f64 = 25.0;
/// The step between two drives of a survey, in dB: the curve is smooth at this scale, and
/// read between its points by straight lines.
const CURVE_STEP_DB: f64 = 1.5;

/// A limiter's level (its output's integrated loudness over its ceiling, in LU) at several
/// drives (dB), sorted by drive.
pub type Curve = [(f64, f64)];

/// The drives at which to survey a signal of true peak `peak_dbtp` and integrated loudness
/// `lufs`: they depend on the signal alone, not on the targets or on which files are missing,
/// so that a file's drive, and its bytes, are the same however many of its siblings are made
/// with it. On a lattice: exact multiples of 1.5 dB.
pub fn survey_drives(peak_dbtp: f64, lufs: f64) -> Vec<f64> {
    let onset = -peak_dbtp;
    let start = ((onset - CURVE_BELOW_DB) / CURVE_STEP_DB).floor();
    let end = ((onset + (peak_dbtp - lufs).max(0.0) + CURVE_LIMITING_DB) / CURVE_STEP_DB).ceil();
    (start as i64..=end as i64)
        .map(|step| step as f64 * CURVE_STEP_DB)
        .collect()
}

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
    /// The chain's signal's level curve, surveyed when its limiter works.
    curve: Option<&'a Curve>,
    /// The drive and the level it gave in the pass before, if any.
    before: Option<(f64, f64)>,
    /// The codec's overshoot over the limiter's ceiling in the passes before, each less its
    /// growth up to its drive (`overshoot − growth × drive`, dB): the highest of them, which
    /// grown to another drive is the most those passes predict there.
    overshoot_floor_db: f64,
}

/// What a pass made of an attempt.
pub struct Outcome {
    /// The file's loudness as published.
    pub loudness: PublishedLoudness,
    /// The share of the energy the limiter held down.
    pub limited_energy_share: f64,
}

impl<'a> Attempt<'a> {
    /// The first attempt: at the file's ceiling, with the drive at which the chain's curve
    /// reaches the target, or the chain's gain when its limiter does not work (no curve); in
    /// both, raised by what the file's encoder is known to take off.
    pub fn first(chain: &'a Chain, job: &'a Job, curve: Option<&'a Curve>) -> Attempt<'a> {
        let ceiling_dbtp = job.limiter_ceiling_dbtp;
        let loss = encoder_loss_lu(job.encoding);
        let gain_db = curve.map_or(chain.gain_db + loss, |curve| {
            let wanted = chain.target.integrated_lufs + loss - ceiling_dbtp;
            ceiling_dbtp + drive_for_level(curve, wanted, TOP_SLACK_LU).min(last_drive(curve))
        });
        Attempt {
            chain,
            job,
            gain_db,
            ceiling_dbtp,
            curve,
            before: None,
            overshoot_floor_db: f64::NEG_INFINITY,
        }
    }

    /// Whether the chain's limiter works on this file: its master, gained, peaks over the
    /// file's ceiling.
    pub fn limits(chain: &Chain, job: &Job) -> bool {
        chain
            .gained_peak_dbtp()
            .is_some_and(|peak| peak > job.limiter_ceiling_dbtp)
    }

    /// Whether this attempt, the one after `before`, would make about the file `before` made:
    /// the same drive, and a ceiling within 0.1 dB of its own. Such a ceiling moves by the
    /// codec's overshoot, which varies from pass to pass by about that much, and wins nothing;
    /// a peak over its limit always moves it further (by the overshoot and a margin of at
    /// least 0.2 dB).
    pub fn repeats(&self, before: &Attempt<'_>) -> bool {
        (self.drive_db() - before.drive_db()).abs() < 0.005
            && (self.ceiling_dbtp - before.ceiling_dbtp).abs() < CEILING_JITTER_DB
    }

    /// How far the gain drives the signal into the limiter, in dB.
    pub fn drive_db(&self) -> f64 {
        self.gain_db - self.ceiling_dbtp
    }

    /// The next attempt, when this one missed; `None` when the file is on target.
    ///
    /// The ceiling is lowered by any overshoot over the meter's margin (the codec's); the
    /// drive then moves so that the level lands the loudness on target: along the curve when
    /// there is one, else by the slope of the level over the drive, between the last two
    /// passes when the drive moved (a secant step), else as the limited share of the energy
    /// predicts.
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
        let (drive, ceiling_dbtp) = match self.curve {
            Some(curve) => self.along(curve, outcome),
            None => self.by_slope(outcome, over),
        };
        Some(Attempt {
            gain_db: ceiling_dbtp + drive,
            ceiling_dbtp,
            before: Some((self.drive_db(), lufs - self.ceiling_dbtp)),
            overshoot_floor_db: self
                .overshoot_floor_db
                .max(self.overshoot_db(outcome) - self.overshoot_growth() * self.drive_db()),
            ..*self
        })
    }

    /// Whether what a pass made meets the file's requirements, if not its aim: within
    /// 0.45 LU of its target, its true peak under the ceiling.
    pub fn acceptable(&self, outcome: &Outcome) -> bool {
        let loudness = &outcome.loudness;
        let on_target = loudness
            .integrated_lufs
            .is_some_and(|lufs| (lufs - self.chain.target.integrated_lufs).abs() <= ACCEPTABLE_LU);
        on_target
            && loudness
                .true_peak_dbtp
                .is_none_or(|peak| peak <= self.allowed_peak_dbtp())
    }

    /// The highest true peak a file may read on the ebur128 crate's meter, in dBTP.
    fn allowed_peak_dbtp(&self) -> f64 {
        self.chain.target.true_peak_dbtp - METER_MARGIN_DB
    }

    /// How much the codec's overshoot grows with each dB of drive, in dB.
    fn overshoot_growth(&self) -> f64 {
        match self.job.encoding {
            Encoding::Mp3(_) => OVERSHOOT_GROWTH,
            Encoding::Lossless(_) => 0.0,
        }
    }

    /// How far the file's true peak went over the limiter's ceiling, in dB (negative: under).
    fn overshoot_db(&self, outcome: &Outcome) -> f64 {
        outcome
            .loudness
            .true_peak_dbtp
            .map_or(0.0, |peak| peak - self.ceiling_dbtp)
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

    /// The next drive and ceiling along the curve. What the file measures off the curve (the
    /// resampler's and the encoder's low-pass lower the loudness; the survey reads within a
    /// few hundredths) is taken to hold at every drive; the encoder overshoots the ceiling by
    /// what it did, more as the drive rises, so each drive has its own ceiling. The file's
    /// loudness at each of the curve's drives, with that ceiling, is a curve of its own, read
    /// like the level's: where it reaches the target, or its top when nothing more is won.
    fn along(&self, curve: &Curve, outcome: &Outcome) -> (f64, f64) {
        let drive = self.drive_db();
        let off_curve = outcome.loudness.integrated_lufs.map_or(0.0, |lufs| {
            lufs - (self.ceiling_dbtp + level_at(curve, drive))
        });
        let overshoot = self.overshoot_db(outcome);
        let growth = self.overshoot_growth();
        // The ceiling may rise back when this pass read the peak lower than predicted, never
        // over the file's own, nor over what an earlier pass's overshoot predicts: on a signal
        // limited hard, the codec's overshoot varies from pass to pass by more than a dB, and
        // a ceiling raised back by one pass alone landed over the limit (on the sample cycle at
        // −14 LUFS, a pass 0.7 dB under it, the next 1.1 dB over).
        let ceiling_at = |next: f64| {
            let predicted = (overshoot + growth * (next - drive).max(0.0))
                .max(self.overshoot_floor_db + growth * next);
            self.job
                .limiter_ceiling_dbtp
                .min(self.allowed_peak_dbtp() - CURVE_MARGIN_DB - predicted)
        };
        // The file's loudness at its own drive belongs to the curve too: the ceiling's growth
        // starts there, so that drive can be louder than every surveyed one.
        let mut loudness: Vec<(f64, f64)> = curve
            .iter()
            .filter(|(at, _)| (at - drive).abs() > 0.005)
            .map(|&(at, level)| (at, off_curve + ceiling_at(at) + level))
            .collect();
        let here = off_curve + ceiling_at(drive) + level_at(curve, drive);
        let index = loudness.partition_point(|&(at, _)| at < drive);
        loudness.insert(index, (drive, here));
        let next = drive_for_level(&loudness, self.chain.target.integrated_lufs, TOP_SLACK_LU)
            .clamp(drive - MAX_STEP_DB, drive + MAX_STEP_DB)
            .min(last_drive(curve).max(drive));
        (next, ceiling_at(next))
    }
}

/// What an encoder takes off a file's integrated loudness, in LU. LAME lowers every MP3 by
/// about half a LU whatever its bitrate or its content (the sample cycle's speech: 0.37 to 0.50
/// LU at 32, 64 and 128 kbit/s, limited or not; a 1 kHz sine: 0.5 LU; ffmpeg's libmp3lame
/// alike), so the first pass aims that much higher; a lossless file takes nothing off.
fn encoder_loss_lu(encoding: Encoding) -> f64 {
    match encoding {
        Encoding::Mp3(_) => MP3_LOSS_LU,
        Encoding::Lossless(_) => 0.0,
    }
}

/// The highest drive a file is aimed at along a curve: its last, already 25 dB of limiting
/// past the drive that would bring the signal's loudness to the ceiling
/// ([`CURVE_LIMITING_DB`]). A target the curve does not reach there is beyond what limiting
/// gives the signal: driving it further only crushes it, and the codec's overshoot, growing
/// with the drive, takes back what it wins (on the sample cycle, a −12 LUFS target was chased
/// to 100 dB of drive, and landed 2 LU short).
fn last_drive(curve: &Curve) -> f64 {
    curve.last().map_or(f64::INFINITY, |&(drive, _)| drive)
}

/// The level of a curve at `drive`: read between the points that bracket it; under the first,
/// with a slope of 1 (the limiter then barely works); past the last, along the last segment.
fn level_at(curve: &Curve, drive: f64) -> f64 {
    let first = curve[0];
    if drive <= first.0 || curve.len() == 1 {
        return first.1 + (drive - first.0);
    }
    let pair = curve
        .windows(2)
        .find(|pair| drive <= pair[1].0)
        .unwrap_or(&curve[curve.len() - 2..]);
    let ((d0, l0), (d1, l1)) = (pair[0], pair[1]);
    l0 + (drive - d0) * (l1 - l0) / (d1 - d0)
}

/// The drive at which a curve of `(drive, level)` points, sorted by drive, reaches `wanted`:
/// interpolated between the points that bracket it; under the first, with a slope of 1 (a
/// limiter driven less limits less); past the last, along the last segment's slope when the
/// last point is the highest, else at the highest point (more drive only crushes).
///
/// Where the curve falls (the loud parts are crushed, and quieter ones, now within 10 LU of
/// them, pass the relative gate), it rises again further on, at the cost of crushing the loud
/// parts more: a top (the highest level so far, before a fall) is taken when it comes within
/// `slack` LU of `wanted`, else the search goes on past the fall.
fn drive_for_level(curve: &[(f64, f64)], wanted: f64, slack: f64) -> f64 {
    let slope =
        |(d0, l0): (f64, f64), (d1, l1): (f64, f64)| ((l1 - l0) / (d1 - d0)).clamp(MIN_SLOPE, 1.0);
    let first = curve[0];
    if wanted <= first.1 || curve.len() == 1 {
        return first.0 + (wanted - first.1);
    }
    let mut top = f64::NEG_INFINITY;
    for pair in curve.windows(2) {
        let (low, high) = (pair[0], pair[1]);
        if high.1 < low.1 {
            // A fall from the highest level so far: its top is taken when it is near enough.
            if low.1 > top && wanted - low.1 <= slack {
                return low.0;
            }
        } else if wanted <= high.1 {
            return low.0 + (wanted - low.1) / slope(low, high);
        }
        top = top.max(low.1);
    }
    // Nowhere reached: the highest level when the curve falls after it (more drive only
    // crushes), else past the end, along the last segment.
    let (before_last, last) = (curve[curve.len() - 2], curve[curve.len() - 1]);
    let highest = curve.iter().copied().fold(
        first,
        |best, point| if point.1 > best.1 { point } else { best },
    );
    if highest.1 > last.1 {
        return highest.0;
    }
    last.0 + (wanted - last.1) / slope(before_last, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::loudness::Loudness;
    use crate::model::rendition::Target;
    use crate::rendition::plan::Role;

    fn podcast_chain() -> Chain {
        Chain {
            mono: true,
            target: Target {
                integrated_lufs: -16.0,
                true_peak_dbtp: -1.0,
            },
            gain_db: 10.0,
            signal: Loudness {
                integrated_lufs: Some(-26.0),
                range_lu: 5.0,
                sample_peak_dbfs: Some(-8.5),
                true_peak_dbtp: Some(-8.0), // gained by 10 dB: +2 dBTP
            },
            jobs: vec![Job {
                role: Role::Podcast,
                encoding: Encoding::Mp3(64),
                sample_rate: 44_100,
                limiter_ceiling_dbtp: -1.5,
                key: "k".into(),
            }],
        }
    }

    fn outcome(lufs: f64, peak: f64) -> Outcome {
        Outcome {
            loudness: PublishedLoudness {
                integrated_lufs: Some(lufs),
                true_peak_dbtp: Some(peak),
            },
            limited_energy_share: 0.5,
        }
    }

    #[test]
    fn a_file_within_the_aim_is_done_and_one_near_it_is_acceptable() {
        let chain = podcast_chain();
        let curve = [(8.0, -17.0), (11.0, -14.5), (14.0, -13.0)];
        let first = Attempt::first(&chain, &chain.jobs[0], Some(&curve));
        // An MP3 aims 0.44 LU over its target, which the curve reaches at −16 + 0.44 + 1.5 =
        // −14.06 LU: 11 dB of drive, plus 0.88 dB at 0.5 LU per dB.
        assert!(
            (first.drive_db() - 11.88).abs() < 1e-9,
            "{}",
            first.drive_db()
        );
        assert!(first.corrected(&outcome(-16.2, -1.6)).is_none());
        let off = outcome(-16.4, -1.6);
        assert!(first.corrected(&off).is_some());
        assert!(first.acceptable(&off));
        assert!(!first.acceptable(&outcome(-16.5, -1.6)));
        assert!(
            !first.acceptable(&outcome(-16.0, -1.2)),
            "over the meter's margin"
        );
    }

    #[test]
    fn a_correction_moves_along_the_curve_by_what_the_encoder_took() {
        let chain = podcast_chain();
        let curve = [(8.0, -17.0), (11.0, -14.5), (14.0, -13.0)];
        let first = Attempt::first(&chain, &chain.jobs[0], Some(&curve));
        // The encoder took 0.94 LU, 0.5 more than allowed for, and kept the peak 0.5 dB under
        // the ceiling: the ceiling stays, the level must rise by 0.5 LU, 1 dB of drive on the
        // curve's upper segment.
        let missed = outcome(-16.5, -2.0);
        let next = first.corrected(&missed).expect("a correction");
        assert_eq!(next.ceiling_dbtp, -1.5);
        assert!(
            (next.drive_db() - 12.88).abs() < 1e-9,
            "{}",
            next.drive_db()
        );
        assert!(!next.repeats(&first));
        assert!(first.repeats(&first));
    }

    #[test]
    fn a_file_short_of_a_target_it_cannot_reach_stays_at_its_drive_when_that_is_loudest() {
        let chain = podcast_chain();
        // The level rises by 0.07 LU per dB from 12 to 13.5 dB, less than the overshoot grows:
        // the file's loudness tops at its own drive, 12.5 dB, between two surveyed ones, and
        // 1 LU short of the target.
        let curve = [
            (9.0, -16.5),
            (10.5, -15.3),
            (12.0, -14.6),
            (13.5, -14.5),
            (15.0, -14.9),
            (16.5, -15.5),
        ];
        let first = Attempt::first(&chain, &chain.jobs[0], Some(&curve));
        let attempt = Attempt {
            gain_db: -2.0 + 12.5,
            ceiling_dbtp: -2.0,
            ..first
        };
        let lufs = -2.0 + level_at(&curve, 12.5) - 0.4;
        // The codec overshot by 0.5 dB, as predicted: the same drive and ceiling.
        let landed = outcome(lufs, -1.5);
        let next = attempt.corrected(&landed).expect("short of its target");
        assert_eq!(next.drive_db(), 12.5);
        assert!(next.repeats(&attempt));
        // Overshot by 0.05 dB more, still under the limit: the ceiling moves by that jitter
        // alone, and wins nothing.
        let jittered = outcome(lufs, -1.45);
        let next = attempt.corrected(&jittered).expect("short of its target");
        assert_eq!(next.drive_db(), 12.5);
        assert!(
            (next.ceiling_dbtp - -2.05).abs() < 1e-9,
            "{}",
            next.ceiling_dbtp
        );
        assert!(next.repeats(&attempt));
        // Over the limit, the ceiling comes down by the overshoot and a margin: another pass.
        let over = outcome(lufs, -1.25);
        let next = attempt.corrected(&over).expect("over its ceiling");
        assert!(!next.repeats(&attempt));
    }

    #[test]
    fn a_target_past_the_curves_end_is_aimed_at_its_end_and_never_driven_further() {
        let chain = podcast_chain();
        // Still rising at its end, 1 LU short of what the target asks.
        let curve = [(9.0, -16.5), (12.0, -15.5), (15.0, -15.0), (18.0, -14.5)];
        let first = Attempt::first(&chain, &chain.jobs[0], Some(&curve));
        assert_eq!(first.drive_db(), 18.0);
        // It landed short, under its ceiling: along the curve, the next drive would be past
        // its end; it is aimed no further.
        let short = outcome(-17.0, -2.5);
        let next = first.corrected(&short).expect("short of its target");
        assert!(next.drive_db() <= 18.0, "{}", next.drive_db());
    }

    #[test]
    fn a_ceiling_never_rises_back_past_what_an_earlier_passs_overshoot_predicts() {
        let chain = podcast_chain();
        let curve = [(8.0, -17.0), (11.0, -14.5), (14.0, -13.0)];
        let first = Attempt::first(&chain, &chain.jobs[0], Some(&curve));
        // The codec overshot by 2 dB: the ceiling comes down.
        let over = outcome(-16.0, first.ceiling_dbtp + 2.0);
        let second = first.corrected(&over).expect("over its ceiling");
        assert!(second.ceiling_dbtp < first.ceiling_dbtp - 2.0);
        // The next pass overshot by 0.5 dB only, loudness short: this pass alone would let the
        // ceiling rise back by 1.5 dB; the first pass's overshoot, grown or shrunk to the next
        // drive, still holds it.
        let under = outcome(-16.6, second.ceiling_dbtp + 0.5);
        let third = second.corrected(&under).expect("short of its target");
        let predicted = 2.0 + OVERSHOOT_GROWTH * (third.drive_db() - first.drive_db());
        let allowed = chain.target.true_peak_dbtp - METER_MARGIN_DB - CURVE_MARGIN_DB;
        assert!(
            third.ceiling_dbtp <= allowed - predicted + 1e-9,
            "{} over {}",
            third.ceiling_dbtp,
            allowed - predicted
        );
    }

    #[test]
    fn only_a_lossy_file_aims_over_its_target_curve_or_not() {
        let mut chain = podcast_chain();
        chain.jobs[0].encoding = Encoding::Lossless(crate::model::rendition::LosslessFormat::Wav);
        let curve = [(8.0, -17.0), (11.0, -14.5), (14.0, -13.0)];
        let lossless = Attempt::first(&chain, &chain.jobs[0], Some(&curve));
        assert!((lossless.drive_db() - 11.0).abs() < 1e-9);
        assert_eq!(
            Attempt::first(&chain, &chain.jobs[0], None).gain_db,
            chain.gain_db
        );
        let chain = podcast_chain();
        let mp3 = Attempt::first(&chain, &chain.jobs[0], None);
        assert!((mp3.gain_db - (chain.gain_db + MP3_LOSS_LU)).abs() < 1e-9);
    }

    #[test]
    fn a_correction_whose_overshoot_outgrows_the_curve_takes_the_loudest_drive() {
        let chain = podcast_chain();
        // The curve rises by a third of a LU per dB, then falls; the encoder took 1.34 LU off
        // and overshot the ceiling by 1 dB, more by 0.12 dB per dB of drive: the file's
        // loudness tops at 15 dB, short of the target, where it is aimed rather than past the
        // fall.
        let curve = [
            (9.0, -16.0),
            (12.0, -15.0),
            (15.0, -14.0),
            (18.0, -16.0),
            (21.0, -15.5),
        ];
        let first = Attempt::first(&chain, &chain.jobs[0], Some(&curve));
        let next = first
            .corrected(&outcome(-16.9, first.ceiling_dbtp + 1.0))
            .expect("a correction");
        assert_eq!(next.drive_db(), 15.0);
        // The ceiling makes room for the overshoot, grown with the drive.
        let grown = 1.0 + OVERSHOOT_GROWTH * (15.0 - first.drive_db());
        let ceiling = chain.target.true_peak_dbtp - METER_MARGIN_DB - CURVE_MARGIN_DB - grown;
        assert!(
            (next.ceiling_dbtp - ceiling).abs() < 1e-9,
            "{}",
            next.ceiling_dbtp
        );
    }

    #[test]
    fn a_level_the_curve_never_reaches_is_aimed_at_its_highest_point_unless_it_is_the_last() {
        let falls = [(10.0, -12.0), (13.0, -10.0), (16.0, -11.0), (19.0, -10.5)];
        assert_eq!(drive_for_level(&falls, -8.0, 0.3), 13.0);
        let rises = [(10.0, -12.0), (13.0, -10.0), (16.0, -11.0), (19.0, -9.5)];
        assert!((drive_for_level(&rises, -9.0, 0.3) - 20.0).abs() < 1e-9);
    }

    #[test]
    fn a_level_between_two_points_is_interpolated() {
        let curve = [(10.0, -12.0), (13.0, -10.0), (16.0, -9.0)];
        assert!((drive_for_level(&curve, -11.0, 0.0) - 11.5).abs() < 1e-9);
        assert!((drive_for_level(&curve, -9.5, 0.0) - 14.5).abs() < 1e-9);
    }

    #[test]
    fn a_level_past_the_curve_follows_its_last_slope_and_under_it_the_given_one() {
        let curve = [(10.0, -12.0), (13.0, -10.0), (16.0, -9.0)];
        // Past the end: 1/3 LU per dB, so 0.5 LU more takes 1.5 dB more.
        assert!((drive_for_level(&curve, -8.5, 0.0) - 17.5).abs() < 1e-9);
        // Under the start: 1 LU per dB.
        assert!((drive_for_level(&curve, -12.8, 0.0) - 9.2).abs() < 1e-9);
    }

    #[test]
    fn a_level_is_read_between_points_and_along_the_ends() {
        let curve = [(10.0, -12.0), (13.0, -10.0), (16.0, -9.0)];
        assert!((level_at(&curve, 11.5) - -11.0).abs() < 1e-9);
        assert!((level_at(&curve, 8.0) - -14.0).abs() < 1e-9);
        assert!((level_at(&curve, 19.0) - -8.0).abs() < 1e-9);
        assert_eq!(level_at(&curve, 13.0), -10.0);
    }

    #[test]
    fn a_survey_covers_the_limiters_onset_to_past_the_signals_loudness_on_a_lattice() {
        // Peak −2 dBTP, −20 LUFS: the limiter starts at 2 dB of drive, the loudness meets the
        // ceiling at 20.
        let drives = survey_drives(-2.0, -20.0);
        assert_eq!(drives[0], -1.5);
        assert!(*drives.last().unwrap() >= 20.0 + CURVE_LIMITING_DB);
        assert!(drives.iter().all(|d| (d / CURVE_STEP_DB).fract() == 0.0));
        // Another signal's lattice holds the same drives where they meet.
        let other = survey_drives(-5.3, -18.0);
        assert!(other.iter().filter(|d| drives.contains(d)).count() > 10);
    }

    #[test]
    fn a_level_over_the_first_top_is_read_past_the_fall_unless_the_top_is_near() {
        let curve = [(10.0, -12.0), (13.0, -10.0), (16.0, -11.0), (19.0, -9.0)];
        assert!((drive_for_level(&curve, -9.5, 0.3) - 18.25).abs() < 1e-9);
        assert_eq!(drive_for_level(&curve, -9.8, 0.3), 13.0);
        assert!((drive_for_level(&curve, -11.0, 0.3) - 11.5).abs() < 1e-9);
        // A second, higher top is taken when near, a lower one never.
        let twice = [
            (10.0, -12.0),
            (13.0, -11.0),
            (14.0, -11.5),
            (16.0, -10.2),
            (17.0, -10.4),
            (20.0, -9.0),
        ];
        assert_eq!(drive_for_level(&twice, -10.0, 0.3), 16.0);
        let lower = [
            (10.0, -12.0),
            (13.0, -10.0),
            (14.0, -11.5),
            (16.0, -10.8),
            (17.0, -11.0),
            (20.0, -9.0),
        ];
        assert!((drive_for_level(&lower, -9.5, 0.3) - 19.25).abs() < 1e-9);
    }

    #[test]
    fn a_flat_curve_is_read_at_the_least_slope() {
        let curve = [(10.0, -12.0), (13.0, -12.0)];
        let drive = drive_for_level(&curve, -11.7, 0.0);
        assert!((drive - (13.0 + 0.3 / MIN_SLOPE)).abs() < 1e-9, "{drive}");
    }
}
