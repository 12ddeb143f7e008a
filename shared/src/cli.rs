//! How every netlessons binary ends: exit 0, or one `error:` line and exit 1.
//!
//! Usage errors (bad flags) exit with 2 before any work starts: [`parse_args`].

use crate::error::NetError;
use std::process::ExitCode;

/// Parses the command line; on a usage error prints the error *and* the usage line,
/// then exits with status 2. `--help` and `--version` print and exit 0.
///
/// clap alone prints the usage only for some errors (a missing argument) and not
/// others (an invalid `--bind` value); a beginner should always see the right form.
pub fn parse_args<A: clap::Parser>() -> A {
    match A::try_parse() {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            let text = err.render().to_string();
            eprint!("{text}");
            if !text.contains("Usage:") {
                eprintln!("\n{}", A::command().render_usage());
            }
            std::process::exit(2);
        }
    }
}

/// Turns `main`'s result into an exit code, printing failures as one line on stderr:
/// `error: ACTION: CAUSE: CAUSE...; hint: HINT`.
///
/// Uses `{:#}` (the whole cause chain on one line) rather than `{:?}`, which would
/// print a multi-line report and, with `RUST_BACKTRACE` set, a backtrace.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}", error_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The single line [`report`] prints, without the trailing newline.
pub fn error_line(err: &anyhow::Error) -> String {
    let mut line = format!("error: {err:#}");
    let hint = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<NetError>()?.hint.as_deref());
    if let Some(hint) = hint {
        line.push_str("; hint: ");
        line.push_str(hint);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use std::io;

    #[test]
    fn one_line_with_cause_chain_and_hint() {
        let err = NetError {
            action: "cannot connect to 127.0.0.1:9".into(),
            hint: Some("is the server running?".into()),
            source: io::Error::new(io::ErrorKind::ConnectionRefused, "Connection refused"),
        };
        let err = Err::<(), _>(err).context("lesson03-client").unwrap_err();
        assert_eq!(
            error_line(&err),
            "error: lesson03-client: cannot connect to 127.0.0.1:9: Connection refused; \
             hint: is the server running?"
        );
    }
}
