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
    // clap's derive names the command after the *package*, so `lesson02-client --version`
    // would say `lesson02-blocking-server`: name it after the program that is running.
    let mut command = A::command();
    if let Some(name) = program_name() {
        command = command.name(name);
    }
    let parsed = command
        .clone()
        .try_get_matches()
        .and_then(|mut matches| A::from_arg_matches_mut(&mut matches));
    match parsed {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            let text = err.format(&mut command).render().to_string();
            eprint!("{}", with_usage(&text, &command.render_usage().to_string()));
            std::process::exit(2);
        }
    }
}

/// The running program's file name without its extension (`lesson02-client`).
fn program_name() -> Option<String> {
    let path = std::path::PathBuf::from(std::env::args_os().next()?);
    Some(path.file_stem()?.to_string_lossy().into_owned())
}

/// clap's error text with the usage lines added where clap itself puts them (after the
/// error, before `For more information, try '--help'.`), unless it already has them.
fn with_usage(error: &str, usage: &str) -> String {
    if error.contains("Usage:") {
        return error.to_string();
    }
    let usage = usage.trim_end();
    match error.find("For more information") {
        Some(at) => format!("{}{usage}\n\n{}", &error[..at], &error[at..]),
        None => format!("{}\n{usage}\n", error.trim_end()),
    }
}

/// A count or a duration that must be at least 1, for `#[arg(value_parser = ...)]`.
///
/// clap's own `value_parser!(u64).range(1..)` says `0 is not in 1..18446744073709551615`,
/// which tells a beginner more about `u64` than about the flag.
pub fn positive(arg: &str) -> Result<u64, String> {
    match arg.trim().parse::<u64>() {
        Ok(0) => Err("must be 1 or more".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{arg:?} is not a whole number (e.g. 5)")),
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
    fn positive_numbers_are_explained_without_u64_max() {
        assert_eq!(positive("5"), Ok(5));
        assert_eq!(positive("0"), Err("must be 1 or more".into()));
        assert_eq!(
            positive("soon"),
            Err("\"soon\" is not a whole number (e.g. 5)".into())
        );
    }

    #[test]
    fn usage_goes_between_the_error_and_the_pointer_to_help_as_clap_puts_it() {
        let error = "error: invalid value 'x' for '--bind <HOST:PORT>': no port\n\n\
                     For more information, try '--help'.\n";
        assert_eq!(
            with_usage(error, "Usage: lesson02-client [OPTIONS]\n"),
            "error: invalid value 'x' for '--bind <HOST:PORT>': no port\n\n\
             Usage: lesson02-client [OPTIONS]\n\n\
             For more information, try '--help'.\n"
        );
    }

    #[test]
    fn an_error_that_shows_the_usage_already_is_left_alone() {
        let error =
            "error: missing <NAME>\n\nUsage: x <NAME>\n\nFor more information, try '--help'.\n";
        assert_eq!(with_usage(error, "Usage: x <NAME>"), error);
    }

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
