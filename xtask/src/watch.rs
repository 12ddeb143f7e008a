//! `cargo xtask watch`: the learner's loop. Grades the exercise being worked on each
//! time one of its files is saved (events debounced, as rustlings does), shows
//! progress and the first failing test, reveals the next hint on request, and moves
//! on to the next exercise when one passes. Every grade is a fresh run of the test
//! binary, so exercises that start servers start from scratch on every save.
//!
//! Where file events do not arrive (network drives, WSL with the files on the Windows
//! side), `--manual` re-grades when Enter is pressed instead.

use crate::grade::{grade_one, print_next, Grade};
use crate::hints;
use crate::meta::Exercise;
use crate::run::Status;
use notify::{RecursiveMode, Watcher};
use std::io::{BufRead, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

/// Saves closer together than this are one change (an editor writes a file in steps).
const DEBOUNCE: Duration = Duration::from_millis(200);
/// A hung exercise is stopped after this long.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the loop reacts to.
enum Input {
    /// A file of the exercise changed.
    Changed,
    /// A line typed by the learner.
    Key(String),
    /// Standard input closed.
    Eof,
}

/// The `watch` task.
pub fn watch(all: &[Exercise], start: Option<&str>, manual: bool) -> anyhow::Result<bool> {
    let (tx, rx) = mpsc::channel();
    spawn_keyboard(tx.clone());
    let mut passed: Vec<bool> = vec![false; all.len()];
    let mut current = match start {
        Some(name) => all.iter().position(|e| e.name == name).unwrap_or(0),
        None => 0,
    };
    // With no exercise named, skip those already passing (each is graded once).
    if start.is_none() {
        while current < all.len() {
            eprintln!("checking {} ...", all[current].name);
            if grade_one(&all[current], TIMEOUT)?.status != Status::Passed {
                break;
            }
            passed[current] = true;
            current += 1;
        }
    }
    let mut manual = manual;
    while current < all.len() {
        let exercise = &all[current];
        let _watcher = if manual {
            None
        } else {
            match watch_files(exercise, tx.clone()) {
                Ok(w) => Some(w),
                Err(e) => {
                    eprintln!(
                        "note: cannot watch files ({e}); manual mode: press Enter to re-grade"
                    );
                    manual = true;
                    None
                }
            }
        };
        let grade = grade_one(exercise, TIMEOUT)?;
        passed[current] = grade.status == Status::Passed;
        show(all, &passed, &grade, manual);
        if passed[current] {
            current += 1;
            continue;
        }
        // Wait for a change or a key.
        loop {
            match rx.recv() {
                Ok(Input::Changed) => {
                    drain_changes(&rx);
                    break;
                }
                Ok(Input::Key(key)) => match key.trim() {
                    "q" => return Ok(passed.iter().all(|p| *p)),
                    "h" => {
                        println!();
                        print!("{}", hints::reveal(exercise, false)?);
                        prompt(manual);
                    }
                    "n" => {
                        current = (current + 1) % all.len();
                        break;
                    }
                    _ => break, // Enter or "r": re-grade
                },
                Ok(Input::Eof) | Err(_) => return Ok(passed.iter().all(|p| *p)),
            }
        }
    }
    println!("\nEvery exercise passes. Well done! `cargo xtask grade` shows the whole table.");
    Ok(true)
}

/// Watches the exercise's crate (its sources and manifest, not `target/`).
fn watch_files(
    exercise: &Exercise,
    tx: Sender<Input>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            let edit = event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove();
            if edit
                && event
                    .paths
                    .iter()
                    .any(|p| p.extension().is_some_and(|e| e == "rs" || e == "toml"))
            {
                let _ = tx.send(Input::Changed);
            }
        }
    })?;
    let dir = exercise.starter_dir();
    watcher.watch(&dir.join("src"), RecursiveMode::Recursive)?;
    watcher.watch(&dir.join("Cargo.toml"), RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// Swallows the burst of events one save makes; keys typed meanwhile are kept.
fn drain_changes(rx: &Receiver<Input>) {
    loop {
        match rx.recv_timeout(DEBOUNCE) {
            Ok(Input::Changed) => continue,
            Ok(_) | Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn spawn_keyboard(tx: Sender<Input>) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(Input::Key(line)).is_err() {
                return;
            }
        }
        let _ = tx.send(Input::Eof);
    });
}

fn show(all: &[Exercise], passed: &[bool], grade: &Grade, manual: bool) {
    let done = passed.iter().filter(|p| **p).count();
    let width = 30;
    let filled = done * width / all.len().max(1);
    print!("\x1b[2J\x1b[H"); // clear the terminal: each grade replaces the last
    println!(
        "[{}{}] {done} of {} exercises done",
        "#".repeat(filled),
        "-".repeat(width - filled),
        all.len()
    );
    println!(
        "{}: {}/{} tests pass ({})",
        grade.exercise,
        grade.passed,
        grade.total,
        grade.status.label()
    );
    if grade.status == Status::Passed {
        println!("{} passes! On to the next one.", grade.exercise);
        return;
    }
    print_next(grade);
    prompt(manual);
}

fn prompt(manual: bool) {
    if manual {
        println!(
            "\n[Enter] re-grade  [h Enter] next hint  [n Enter] next exercise  [q Enter] quit"
        );
    } else {
        println!("\nsave a file to re-grade  [h Enter] next hint  [n Enter] next exercise  [Enter] re-grade  [q Enter] quit");
    }
    let _ = std::io::stdout().flush();
}
