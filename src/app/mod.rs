//! The command line: clap definitions ([`cli`]), one file per command, and the only code
//! that prints (besides the progress bars of [`crate::support::progress`]).
//!
//! May use every other part of the crate; nothing uses it but `main.rs`.

mod check;
pub mod cli;
mod deploy;
mod fetch;
mod init;
mod online;
mod probe;
mod publish;
pub mod serve;
mod session;
mod shared;
mod transcribe;

use std::process::ExitCode;

use anyhow::Result;

use cli::{Cli, Command, SessionCommand};

/// Runs a parsed command line; returns the exit status. Errors are for `main` to print.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Publish(args) => publish::run(args),
        Command::Check(args) => check::run(args),
        Command::Probe(args) => probe::run(&args),
        Command::Serve(args) => serve::run(args),
        Command::Init(args) => init::run(args),
        Command::Fetch(args) => fetch::run(args),
        Command::Deploy(args) => deploy::run(args),
        Command::Transcribe(args) => transcribe::run(args),
        Command::Session(args) => match args.command {
            SessionCommand::Add(args) => session::run_add(args),
        },
    }
}
