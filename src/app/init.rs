//! `cyclecast init`: a new project.

use std::process::ExitCode;

use anyhow::Result;

use super::cli;
use crate::model::lang::Language;
use crate::project::scaffold;

/// Makes a new project and names what it wrote.
pub(super) fn run(args: cli::InitArgs) -> Result<ExitCode> {
    let language = match args.lang {
        cli::InitLang::Fr => Language::French,
        cli::InitLang::En => Language::English,
    };
    let made = scaffold::init(&scaffold::InitOptions {
        dir: args.dir,
        title: args.title,
        language,
        base_url: args.base_url,
    })?;
    for path in &made.created {
        eprintln!("created `{}`", path.display());
    }
    for path in &made.extended {
        eprintln!("added `feed/` and `.cyclecast/` to `{}`", path.display());
    }
    eprintln!(
        "next: replace the placeholders in `{}`, then add each session with `cyclecast session add`",
        made.config.display()
    );
    Ok(ExitCode::SUCCESS)
}
