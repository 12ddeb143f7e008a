//! Course tasks for students and teachers, run as `cargo xtask TASK` (an alias in
//! `.cargo/config.toml`). The command line follows the course's conventions:
//! `--help` exits 0, usage errors exit 2, a runtime failure prints one `error:` line
//! and exits 1; a grade or check that fails exits 1 after its report.

mod doctor;
mod grade;
mod hints;
mod meta;
mod run;
mod verify;
mod watch;
mod wrong;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Grade, watch and check the netlessons exercises.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    after_help = "Students: `cargo xtask watch` re-grades as you save; `cargo xtask hint ex03` when stuck.\n\
                  Teachers: `cargo xtask grade --json grades.json`; maintainers: `cargo xtask verify`."
)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Grade every exercise, or only the ones named, and print a score table.
    Grade {
        /// Exercises to grade (`ex02-echo-upper`, or just `ex02`); all when none.
        exercises: Vec<String>,
        /// Also write the results as JSON to PATH.
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
        /// Also write the results as JUnit XML to PATH.
        #[arg(long, value_name = "PATH")]
        junit: Option<PathBuf>,
        /// Seconds one exercise's tests may take before the rest count as timed out.
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        timeout: u64,
    },
    /// Show the next level of hint for an exercise (levels revealed are recorded).
    Hint {
        /// The exercise (`ex03-greeting` or `ex03`).
        exercise: String,
        /// Show the levels already revealed again, without revealing a new one.
        #[arg(long)]
        again: bool,
    },
    /// Re-grade the exercise you are working on each time you save a file.
    Watch {
        /// Start at this exercise instead of the first one not passed yet.
        exercise: Option<String>,
        /// Do not watch files: press Enter to re-grade (for systems where file events
        /// do not arrive, e.g. WSL with files on the Windows side).
        #[arg(long)]
        manual: bool,
    },
    /// Check this machine: Rust, peer tools, privileges, free ports; says what will run.
    Doctor,
    /// Check the exercises themselves (maintainers; CI runs it).
    Verify {
        /// Only these exercises; all when none.
        exercises: Vec<String>,
        /// Only these phases (repeat the flag); all when none.
        #[arg(long, value_enum)]
        phase: Vec<verify::Phase>,
    },
}

fn main() -> ExitCode {
    let cli: Cli = shared::cli::parse_args();
    match run_task(cli.task) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("{}", shared::cli::error_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// Runs one task; `Ok(false)` when it ran but what it checked failed.
fn run_task(task: Task) -> anyhow::Result<bool> {
    let all = meta::load()?;
    match task {
        Task::Grade {
            exercises,
            json,
            junit,
            timeout,
        } => {
            let chosen = select(&all, &exercises);
            grade::grade(
                &chosen,
                json.as_deref(),
                junit.as_deref(),
                Duration::from_secs(timeout),
            )
        }
        Task::Hint { exercise, again } => {
            let chosen = select(&all, std::slice::from_ref(&exercise));
            hints::show(chosen[0], again)
        }
        Task::Watch { exercise, manual } => {
            let start = exercise.map(|e| select(&all, &[e])[0].name.clone());
            watch::watch(&all, start.as_deref(), manual)
        }
        Task::Doctor => doctor::doctor(&all),
        Task::Verify { exercises, phase } => {
            let chosen = select(&all, &exercises);
            verify::verify(&all, &chosen, &phase)
        }
    }
}

/// The exercises named on the command line (all if none); an unknown name is a usage
/// error: exit 2 with the list of names.
fn select<'a>(all: &'a [meta::Exercise], names: &[String]) -> Vec<&'a meta::Exercise> {
    if names.is_empty() {
        return all.iter().collect();
    }
    names
        .iter()
        .map(|name| {
            meta::find(all, name).unwrap_or_else(|| {
                let known: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
                eprintln!(
                    "error: no exercise named {name:?} (known: {})\n\nUsage: cargo xtask <grade|hint|watch|verify> EXERCISE\n\nFor more information, try '--help'.",
                    known.join(", ")
                );
                std::process::exit(2);
            })
        })
        .collect()
}
