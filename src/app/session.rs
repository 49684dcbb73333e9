//! `cyclecast session add`: a session appended to the config.

use std::process::ExitCode;

use anyhow::Result;

use super::cli;
use super::shared::{config_path, print_stdout};
use crate::model::text;
use crate::project::scaffold;

/// Appends a session to the config, or with `--dry-run` prints what it would append.
pub(super) fn run_add(args: cli::SessionAddArgs) -> Result<ExitCode> {
    let added = scaffold::plan_session_add(&scaffold::SessionOptions {
        config: config_path(args.config)?,
        title: args.title,
        date: args.date,
        time: args.time,
        recording: args.recording,
        id: args.id,
        number: args.number,
        description: args.description,
    })?;
    let (session, config) = (&added.session, added.config.display());
    for taken in &added.from_tags {
        eprintln!(
            "{} from the recording's tags: {}",
            taken.field,
            quoted_tag(taken.field, &taken.value)
        );
    }
    if added.id_guessed {
        eprintln!(
            "id: {} (guessed from the title; --id to choose another)",
            session.id
        );
    }
    if args.dry_run {
        print_stdout(&added.appended)?;
        eprintln!(
            "would add session {} `{}` to `{config}`: nothing written",
            session.number, session.id
        );
        return Ok(ExitCode::SUCCESS);
    }
    scaffold::write_session(&added)?;
    eprintln!(
        "added session {} `{}` to `{config}`",
        session.number, session.id
    );
    if added.placeholder_description {
        eprintln!("its description is a placeholder: write it in `{config}`");
    }
    eprintln!("next: `cyclecast check`, then `cyclecast publish`");
    Ok(ExitCode::SUCCESS)
}

/// A tag's text as `session add` shows it: a date as it is, a text in « » on one line,
/// shortened past 60 characters.
fn quoted_tag(field: &str, value: &str) -> String {
    if field == "date" {
        return value.to_string();
    }
    let line = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown: String = line.chars().take(60).collect();
    let more = if shown.len() < line.len() { "…" } else { "" };
    format!("« {}{more} »", text::printable(&shown))
}
