//! The `qingdan` binary: parses the command line and hands it to the library.

mod args;
mod commands;
mod loop_args;
mod loop_commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    reset_sigpipe();
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("错误: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `qingdan search … | head` should stop quietly when `head` has read enough, as other command
/// line tools do, instead of panicking on the closed pipe: restore the default SIGPIPE action
/// that Rust's runtime replaces.
fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
