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
    /// List the network interfaces and addresses the kernel reports over AF_NETLINK
    /// (Linux only), each beside what `ip -brief addr` prints for it.
    #[arg(long, conflicts_with = "list")]
    interfaces: bool,
}

fn main() -> ExitCode {
    let args = shared::cli::parse_args::<Args>();
    if args.list {
        print!("{}", lesson01_socket_basics::api_table());
        return ExitCode::SUCCESS;
    }
    if args.interfaces {
        return shared::cli::report(lesson01_socket_basics::interfaces_beside_ip(
            &mut std::io::stdout(),
        ));
    }
    shared::cli::report(lesson01_socket_basics::run_tour(&mut std::io::stdout()))
}
