//! The `cyclecast` binary: parse the command line, run, print the error chain once.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cyclecast::app::cli::Cli::parse();
    match cyclecast::app::run(cli) {
        Ok(code) => code,
        Err(error) => {
            if let Some(problems) = error.downcast_ref::<cyclecast::model::problem::Problems>() {
                eprintln!("{problems}");
            } else {
                // A message may quote a file name or a line of the project: shown escaped.
                let printable = |e: &dyn std::fmt::Display| {
                    cyclecast::model::text::printable_lines(&e.to_string()).into_owned()
                };
                eprintln!("error: {}", printable(&error));
                for cause in error.chain().skip(1) {
                    eprintln!("caused by: {}", printable(&cause));
                }
            }
            ExitCode::from(2)
        }
    }
}
