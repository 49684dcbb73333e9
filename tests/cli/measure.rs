//! The load stage measures every master (loudness, mono downmix, balance): `check` shows each
//! recording's figures and what they say is wrong (silence, a silent channel, clipping), and
//! an unchanged master is not decoded again. Masters made by sox.

use crate::harness::Project;

/// The fixture's first recording, replaced by what `sox -n ARGS` writes.
const MASTER: &str = "recordings/01-ouverture.wav";

/// The small fixture with its first recording made by sox: `effects` follow `sox -n -r 48000
/// -c 2 -b 16 FILE`.
fn project_with_master(effects: &[&str]) -> Option<Project> {
    if !crate::oracle::require(&["sox"]) {
        return None;
    }
    let project = Project::fixture("small-cycle");
    let path = project.path(MASTER);
    let path = path.to_str().unwrap();
    let mut args = vec!["-n", "-r", "48000", "-c", "2", "-b", "16", path];
    args.extend_from_slice(effects);
    crate::harness::tool("sox", &args);
    Some(project)
}

/// The line `check` prints for the master.
fn master_line(stderr: &str) -> &str {
    let prefix = format!("{MASTER}: ");
    stderr
        .lines()
        .find(|l| l.starts_with(&prefix) && l.contains("LUFS"))
        .unwrap_or_else(|| panic!("no loudness line for {MASTER} in:\n{stderr}"))
}

#[test]
fn check_shows_a_stereo_master_s_loudness() {
    let Some(project) =
        project_with_master(&["synth", "5", "sine", "440", "sine", "660", "vol", "0.1"])
    else {
        return;
    };
    let run = project.run(&["check"]).success();
    let line = master_line(&run.stderr);
    // Two sines of peak −20 dBFS, one per channel: −20 − 3 + 3 (two channels) ≈ −20 LUFS.
    let lufs: f64 = line[MASTER.len() + 2..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((-21.5..=-18.5).contains(&lufs), "{line}");
    assert!(line.contains("range 0.0 LU"), "{line}");
    assert!(line.contains("true peak -20.0 dBTP"), "{line}");
    assert!(line.ends_with("published in stereo"), "{line}");
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

#[test]
fn a_master_with_one_silent_channel_is_published_in_mono_with_a_warning() {
    let Some(project) =
        project_with_master(&["synth", "5", "sine", "440", "vol", "0.1", "remix", "1", "0"])
    else {
        return;
    };
    let run = project.run(&["check"]).success();
    assert!(
        master_line(&run.stderr).ends_with("published in mono"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "{MASTER}: warning: one of its two channels is silent: it is published in mono, from the other channel"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_silent_master_is_an_error() {
    let Some(project) = project_with_master(&["trim", "0", "5"]) else {
        return;
    };
    let run = project.run(&["check"]).failure(1);
    assert!(
        run.stderr.contains(&format!(
            "{MASTER}: error: decodes to silence (integrated loudness below −70 LUFS): nothing to normalize, cyclecast will not amplify noise"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_master_too_short_to_measure_is_an_error_that_says_so() {
    let Some(project) = project_with_master(&["synth", "0.2", "sine", "440", "vol", "0.5"]) else {
        return;
    };
    let run = project.run(&["check"]).failure(1);
    assert!(
        run.stderr.contains(&format!(
            "{MASTER}: error: is too short to measure (under 0.4 s"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_clipped_master_is_published_with_a_warning() {
    let Some(project) =
        project_with_master(&["synth", "5", "sine", "440", "sine", "660", "vol", "2"])
    else {
        return;
    };
    let run = project.run(&["check"]).success();
    assert!(
        run.stderr.contains(&format!("{MASTER}: warning: clipped (its samples reach 0.0 dBFS, full scale): published, but the distortion stays")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_loudness_target_out_of_bounds_is_an_error_at_its_line() {
    let project = Project::fixture("small-cycle");
    let config = format!(
        "{}\n[renditions.podcast]\nloudness = -40\n",
        project.config()
    );
    let line = 1 + config.lines().position(|l| l == "loudness = -40").unwrap();
    project.write_config(&config);
    let run = project.run(&["check"]).failure(1);
    assert_eq!(
        run.single_error(),
        format!("config.toml:{line}:12: error: the loudness must be from -30 to -10 LUFS, not -40")
    );
}

#[test]
fn an_unchanged_master_is_not_measured_again() {
    let Some(project) =
        project_with_master(&["synth", "5", "sine", "440", "sine", "660", "vol", "0.1"])
    else {
        return;
    };
    let first = project.publish();
    assert!(
        first.stderr.contains("measuring 2 files"),
        "{}",
        first.stderr
    );
    let figures = master_line(&project.run(&["check"]).success().stderr).to_string();
    let second = project.publish();
    assert!(!second.stderr.contains("measuring"), "{}", second.stderr);
    // The state keeps the figures; what `check` shows comes from there while the file's
    // stamp holds, and a master rewritten is measured again.
    assert_eq!(
        master_line(&project.run(&["check"]).success().stderr),
        figures
    );
    crate::harness::tool(
        "sox",
        &[
            "-n",
            "-r",
            "48000",
            "-c",
            "2",
            "-b",
            "16",
            project.path(MASTER).to_str().unwrap(),
            "synth",
            "5",
            "sine",
            "440",
            "sine",
            "660",
            "vol",
            "0.05",
        ],
    );
    let third = project.publish();
    assert!(
        third.stderr.contains("measuring 1 file"),
        "{}",
        third.stderr
    );
    assert_ne!(
        master_line(&project.run(&["check"]).success().stderr),
        figures
    );
}

#[test]
fn probe_shows_the_loudness_and_its_json_stays_valid_for_silence() {
    let Some(project) =
        project_with_master(&["synth", "5", "sine", "440", "vol", "0.1", "remix", "1", "0"])
    else {
        return;
    };
    let silent = project.path("recordings/silent.wav");
    crate::harness::tool(
        "sox",
        &[
            "-n",
            "-r",
            "48000",
            "-c",
            "2",
            silent.to_str().unwrap(),
            "trim",
            "0",
            "3",
        ],
    );
    let run = project.run(&["probe", MASTER]).success();
    assert!(
        run.stdout.contains("  loudness        ") && run.stdout.contains("published in mono\n"),
        "{}",
        run.stdout
    );
    let run = project
        .run(&["probe", "--json", MASTER, "recordings/silent.wav"])
        .success();
    let lines: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let left = &lines[0]["loudness"];
    let lufs = left["loudness"]["integrated_lufs"].as_f64().unwrap();
    // A sine of peak −20 dBFS in one channel of two.
    assert!((-24.5..=-22.5).contains(&lufs), "{left}");
    assert!(
        left["mono"]["integrated_lufs"].as_f64().unwrap() < lufs,
        "{left}"
    );
    assert!(
        left["balance"]["quieter_channel_db"].as_f64().unwrap() <= -50.0,
        "{left}"
    );
    let silence = &lines[1]["loudness"];
    assert!(
        silence["loudness"]["integrated_lufs"].is_null(),
        "{silence}"
    );
    assert!(silence["loudness"]["true_peak_dbtp"].is_null(), "{silence}");
    assert!(silence["balance"]["side_db"].is_null(), "{silence}");
    let run = project
        .run(&["probe", "--json", "--no-loudness", MASTER])
        .success();
    let lines: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(lines[0]["loudness"].is_null(), "{}", run.stdout);
}

#[test]
fn check_warns_about_a_radio_file_longer_than_its_slot() {
    let project = Project::fixture("small-cycle");
    // The fixture's recordings last 3 s and 2 s.
    let config = format!(
        "{}\n[renditions.radio]\nslot = \"0:02\"\n",
        project.config()
    );
    project.write_config(&config);
    let run = project.run(&["check"]).success();
    assert!(
        run.stderr.contains(&format!(
            "{MASTER}: warning: its radio file lasts 0:00:03, longer than the broadcast slot of 0:00:02"
        )),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("02-suite.wav: warning"),
        "{}",
        run.stderr
    );
    project.write_config(&config.replace(
        "[renditions.radio]\n",
        "[renditions.radio]\nenabled = false\n",
    ));
    let run = project.run(&["check"]).success();
    assert!(!run.stderr.contains("broadcast slot"), "{}", run.stderr);
}
