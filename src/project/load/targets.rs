//! `check` warns, before anything is encoded, about a loudness target too near its true-peak
//! ceiling for speech to reach without being crushed.

use crate::model::problem::Problem;
use crate::model::rendition::Target;
use crate::project::config::Config;

/// The least distance from a target's loudness up to its ceiling, in LU, that speech is known
/// to reach through a true-peak limiter: Apple's −16 LUFS under −1 dBTP. Nearer, the loud
/// syllables are held down so hard that the MP3 encoder's overshoot over the ceiling grows
/// as fast as the loudness: on the sample cycle, −14 LUFS landed 0.1 to 1.7 LU short, −12
/// and −10 at −13.4 to −15.1.
const REACHABLE_LU: f64 = 15.0;

/// A warning for each rendition target whose loudness lies nearer its ceiling than
/// [`REACHABLE_LU`]: files may then land short of it (each is made as near as it gets, and
/// said to be).
pub(super) fn check_targets(config: &Config, config_file: &str) -> Vec<Problem> {
    let renditions = &config.cycle.renditions;
    let podcast = ("[renditions.podcast]", Some(&renditions.podcast.target));
    let radio = (
        "[renditions.radio]",
        renditions.radio.as_ref().map(|r| &r.target),
    );
    [podcast, radio]
        .into_iter()
        .filter_map(|(table, target)| Some((table, target?)))
        .filter(|(_, target)| headroom_lu(target) < REACHABLE_LU)
        .map(|(table, target)| {
            Problem::warning(
                config_file,
                format!(
                    "{table}: its loudness of {} LUFS lies {:.1} LU under its ceiling of {} dBTP; speech seldom gets nearer than {REACHABLE_LU} LU (-16 LUFS under -1 dBTP) without being crushed, so its files may land short: each is made as near as it gets, and publish says by how much",
                    target.integrated_lufs,
                    headroom_lu(target),
                    target.true_peak_dbtp
                ),
            )
        })
        .collect()
}

/// How far a target's ceiling lies over its loudness, in LU, to a hundredth: both are
/// written to a tenth, and −16.4 under −1.4 is 15 LU, not 14.999999999999998.
fn headroom_lu(target: &Target) -> f64 {
    ((target.true_peak_dbtp - target.integrated_lufs) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_15_lu_under_its_ceiling_is_reachable_and_a_nearer_one_is_not() {
        let target = |integrated_lufs, true_peak_dbtp| Target {
            integrated_lufs,
            true_peak_dbtp,
        };
        assert!(headroom_lu(&target(-16.4, -1.4)) >= REACHABLE_LU);
        assert!(headroom_lu(&target(-16.0, -1.0)) >= REACHABLE_LU);
        assert_eq!(headroom_lu(&target(-16.1, -1.5)), 14.6);
        assert!(headroom_lu(&target(-15.9, -1.0)) < REACHABLE_LU);
    }
}
