//! End-to-end tests of the `cyclecast` binary on a copy of the real project.
//!
//! Each test copies config.toml, cover.jpg, recordings/, reports/ and drawings/ into a fresh
//! temporary folder, or one of the small projects of `tests/fixtures/` (see [`harness`]), may
//! edit the copy, runs the binary there and checks its exit status, its messages and what it
//! wrote; [`snapshots`] holds the output of a fixture byte for byte. The tests that compare
//! against an external program (ffmpeg, lame, the Python venv…) skip when it is missing,
//! saying so, and fail instead under `CYCLECAST_REQUIRE_ORACLES=1`, which `scripts/test` sets
//! (see [`oracle`]).

mod harness;
mod http;
mod oracle;

mod calendar;
mod check;
mod containment;
mod deploy;
mod directories;
mod drawings;
mod durations;
mod errors;
mod escaping;
mod feed;
mod fetch;
mod formats;
mod from_tags;
mod identity;
mod incremental;
mod interrupt;
mod loudness;
mod measure;
mod newcomer;
mod online;
mod output;
mod page;
mod paging;
mod players;
mod progress;
mod radio;
mod reach;
mod readme;
mod recordings;
mod renditions;
mod scaffold;
mod serve;
mod snapshots;
mod symlinks;
mod tagging;
mod theme;
mod transcribe;
