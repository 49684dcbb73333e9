//! `config::parse` on arbitrary text (issue #11): the validation `check` runs on
//! `config.toml` must return a config or problems, never panic, hang or allocate without bound.
//!
//! `parse` does no IO: files the config names are only resolved against the root, which
//! need not exist. Bytes that are not UTF-8 are skipped, since `check` refuses them before
//! parsing (`config.toml` is read as text); `seeds.sh config` writes the seeds.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = cyclecast::project::config::parse(text, "config.toml", Path::new("/nonexistent/project"));
});
