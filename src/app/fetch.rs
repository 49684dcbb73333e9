//! `cyclecast fetch`: a recording downloaded into `recordings/`, the session pointed at it.

use std::process::ExitCode;

use anyhow::Result;

use super::cli::FetchArgs;
use super::shared::config_path;
use crate::online::fetch::{FetchOptions, fetch};
use crate::support::progress::{Progress, Style, Verbosity};

/// Downloads the recording, then says where it is, its BLAKE3 and what changed in the config.
pub(super) fn run(args: FetchArgs) -> Result<ExitCode> {
    let options = FetchOptions {
        config: config_path(args.config)?,
        url: args.url,
        session: args.session,
        name: args.name,
    };
    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else {
        Verbosity::Normal
    };
    let progress = Progress::new(Style::detect(verbosity));
    let fetched = fetch(&options, &progress)?;
    progress.finish();
    if fetched.resumed_from > 0 && !args.quiet {
        eprintln!(
            "resumed after the {} an earlier run had downloaded",
            crate::support::progress::human_size(fetched.resumed_from)
        );
    }
    eprintln!(
        "fetched `{}` ({}, {}): session `{}` now points at it in `{}`",
        fetched.written,
        crate::support::progress::human_size(fetched.bytes),
        crate::model::time::human_duration(fetched.audio.duration_secs()),
        crate::model::text::printable(&options.session),
        options.config.display()
    );
    println!("blake3 {}  {}", fetched.blake3, fetched.written);
    Ok(ExitCode::SUCCESS)
}
