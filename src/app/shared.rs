//! What the commands share: the project options from `--config` and `--base-url`, and
//! printing to standard output.

use std::path::PathBuf;

use anyhow::Result;

use super::cli::ProjectArgs;
use crate::project::config;
use crate::project::load::ProjectOptions;

/// The project options the shared `--config` and `--base-url` give, placeholders warned of.
pub(super) fn project(args: ProjectArgs) -> Result<ProjectOptions> {
    Ok(ProjectOptions {
        config: config_path(args.config)?,
        base_url: args.base_url,
        renames: Vec::new(),
        placeholders: config::Placeholders::Warn,
    })
}

/// The config named by `--config`, else the one [`config::discover`] finds. A config that
/// cannot be found is an error of the command line (exit 2), not a problem `check` found.
pub(super) fn config_path(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(path) if path.is_file() => Ok(path),
        Some(path) => anyhow::bail!(
            "no config file at `{}`\n  = hint: `--config` names a project's `{}`",
            path.display(),
            config::CONFIG_FILE
        ),
        None => {
            let cwd = std::env::current_dir()?;
            config::discover(&cwd).ok_or_else(|| {
                anyhow::anyhow!(
                    "no `{file}` in `{}` or any folder above it: this is not a cyclecast project\n  = hint: `cyclecast init` starts a cycle here; `--config FILE` names a project elsewhere",
                    cwd.display(),
                    file = config::CONFIG_FILE
                )
            })
        }
    }
}

/// Writes to standard output; a reader that closed the pipe early (`| head`) is not an error.
pub(super) fn print_stdout(text: &str) -> Result<()> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The plural ending of an English count.
pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
