//! The `cyclecast` binary: parse the command line, run, print the error chain once.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cyclecast::cli::Cli::parse();
    match cyclecast::run(cli) {
        Ok(code) => code,
        Err(error) => {
            if let Some(problems) = error.downcast_ref::<cyclecast::problem::Problems>() {
                eprintln!("{problems}");
            } else {
                eprintln!("error: {error}");
                for cause in error.chain().skip(1) {
                    eprintln!("caused by: {cause}");
                }
            }
            ExitCode::from(2)
        }
    }
}
