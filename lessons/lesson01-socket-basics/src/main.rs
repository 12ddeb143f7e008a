//! `cargo run -p lesson01-socket-basics`: performs each socket call on loopback and
//! prints the Python call, its Rust equivalent and what happened.

use clap::Parser;
use std::process::ExitCode;

/// A tour of the socket API: each call of Python's `socket` module, done for real in Rust.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Print only the table mapping Python's socket calls to Rust.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    let args = shared::cli::parse_args::<Args>();
    if args.list {
        print!("{}", lesson01_socket_basics::api_table());
        return ExitCode::SUCCESS;
    }
    shared::cli::report(lesson01_socket_basics::run_tour(&mut std::io::stdout()))
}
