//! `probe` on arbitrary bytes (issue #4): it must return a figure or an error, never panic,
//! hang or allocate without bound.
//!
//! The first byte picks the extension hint (none, or one of the formats cyclecast reads), so
//! that one corpus reaches every reader; `seeds.sh` writes seeds with that byte in front.
//! `probe` catches panics to report them as errors, but libFuzzer's panic hook aborts on any
//! panic first, so a caught panic is still a finding.

#![no_main]

use libfuzzer_sys::fuzz_target;

const HINTS: [Option<&str>; 8] = [
    None,
    Some("mp3"),
    Some("m4a"),
    Some("flac"),
    Some("ogg"),
    Some("opus"),
    Some("wav"),
    Some("aiff"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let hint = HINTS[usize::from(selector) % HINTS.len()];
    let _ = cyclecast::audio::probe::probe_bytes(bytes.to_vec(), hint);
});
