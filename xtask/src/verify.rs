//! `cargo xtask verify`: checks the exercises themselves, in phases that can be run
//! alone (`--phase wrong`), each reporting what it proved and how long it took:
//!
//! 1. `metadata`: exercises.toml, folders, hints, solutions and book sections agree;
//!    `tools`: xtask and the graders' `grading` library pass their own tests;
//! 2. `starters`: every test of every grader fails on the starter (it checks student code);
//! 3. `solutions`: every reference solution passes every test, fmt and clippy clean;
//! 4. `wrong`: every known-wrong solution fails the tests it names, and every test
//!    catches at least one wrong solution (or is exempted with a reason);
//! 5. `book`: the book's includes resolve.

use crate::meta::{root, Exercise};
use crate::run::{self, Crate, TestResult, TestStatus};
use crate::wrong::{self, Wrong};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One phase of `verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    /// exercises.toml, folders, hints, solutions and book sections agree.
    Metadata,
    /// xtask and the graders' support library pass their own tests.
    Tools,
    /// Every test fails on every untouched starter.
    Starters,
    /// Every reference solution passes, fmt and clippy clean.
    Solutions,
    /// Known-wrong solutions fail the tests they name; every test catches one.
    Wrong,
    /// The book's includes resolve.
    Book,
}

/// How long one grader run may take before its unfinished tests count as timed out.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// A known-wrong solution that hangs is stopped sooner: the graders' own patience is
/// 10 s, and a test stopped unfinished counts as failing it (it did not pass).
const WRONG_RUN_TIMEOUT: Duration = Duration::from_secs(12);
/// Known-wrong solutions are run this many at a time: they mostly wait on the graders' 10 s
/// patience, and extra load can only make more of their tests fail, never fewer.
const PARALLEL_WRONG_RUNS: usize = 6;
/// Every exercise needs at least this many known-wrong solutions.
const MIN_WRONG: usize = 3;

/// The `verify` task; `chosen` limits the per-exercise phases.
pub fn verify(all: &[Exercise], chosen: &[&Exercise], phases: &[Phase]) -> anyhow::Result<bool> {
    let wanted = |p: Phase| phases.is_empty() || phases.contains(&p);
    let started = Instant::now();
    let mut failed = Vec::new();
    let steps: [(Phase, PhaseFn); 6] = [
        (Phase::Metadata, |all, _| metadata(all)),
        (Phase::Tools, |_, _| tools()),
        (Phase::Starters, |_, chosen| starters(chosen)),
        (Phase::Solutions, |_, chosen| solutions(chosen)),
        (Phase::Wrong, |_, chosen| wrong_solutions(chosen)),
        (Phase::Book, |_, _| book()),
    ];
    for (phase, check) in steps {
        if !wanted(phase) {
            continue;
        }
        let name = format!("{phase:?}").to_lowercase();
        let phase_started = Instant::now();
        println!("== verify {name}");
        let (summary, problems) = check(all, chosen)?;
        let took = phase_started.elapsed().as_secs_f64();
        if problems.is_empty() {
            println!("ok: {summary} ({took:.1} s)");
        } else {
            for p in &problems {
                eprintln!("problem: {p}");
            }
            eprintln!(
                "verify {name} FAILED: {} problem(s) ({took:.1} s)",
                problems.len()
            );
            failed.push(name);
            if phase == Phase::Metadata {
                break; // the other phases rely on it
            }
        }
    }
    let took = started.elapsed().as_secs_f64();
    if failed.is_empty() {
        println!("verify: all phases passed ({took:.1} s)");
        Ok(true)
    } else {
        eprintln!("verify: phases failed: {} ({took:.1} s)", failed.join(", "));
        Ok(false)
    }
}

type PhaseFn = fn(&[Exercise], &[&Exercise]) -> anyhow::Result<(String, Vec<String>)>;

fn metadata(all: &[Exercise]) -> anyhow::Result<(String, Vec<String>)> {
    let root = root();
    let mut problems = Vec::new();
    let mut on_disk: Vec<String> = std::fs::read_dir(root.join("exercises"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "grading") // the graders' support library
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = all.iter().map(|e| e.name.clone()).collect();
    listed.sort();
    if on_disk != listed {
        problems.push(format!(
            "exercises/ holds {on_disk:?} but exercises.toml lists {listed:?}"
        ));
    }
    let mut notes = Vec::new();
    for e in all {
        let levels = e.hint_levels();
        if levels.is_empty() || levels.iter().any(|h| h.trim().is_empty()) {
            problems.push(format!(
                "{}: no hint (or an empty level) in exercises.toml",
                e.name
            ));
        } else if levels.len() < 3 {
            notes.push(format!(
                "{} has {} hint level(s); three are expected (nudge, idea and book section, close to the answer)",
                e.name,
                levels.len()
            ));
        }
        if !root.join("lessons").join(&e.lesson).is_dir() {
            problems.push(format!("{}: lesson {} does not exist", e.name, e.lesson));
        }
        if !e.solution_dir().join("src/lib.rs").is_file() {
            problems.push(format!("{}: no solution in solutions/{}", e.name, e.name));
        }
        if let Err(err) = wrong::of(e) {
            problems.push(format!("{}: {err:#}", e.name));
        }
        match std::fs::read_to_string(root.join(&e.chapter)) {
            Err(err) => problems.push(format!("{}: chapter {}: {err}", e.name, e.chapter)),
            Ok(text) => {
                let section = text
                    .split("## Exercises")
                    .nth(1)
                    .map(|s| s.split("\n## ").next().unwrap_or(""));
                if !section.is_some_and(|s| s.contains(&format!("exercises/{}", e.name))) {
                    problems.push(format!(
                        "{}: the \"Exercises\" section of {} does not link to exercises/{}",
                        e.name, e.chapter, e.name
                    ));
                }
            }
        }
    }
    for note in notes {
        println!("note: {note}");
    }
    Ok((
        format!(
            "{} exercises, each with hints, a solution and a book section",
            all.len()
        ),
        problems,
    ))
}

/// Neither is a default member of the workspace, so the plain `cargo test` skips them.
fn tools() -> anyhow::Result<(String, Vec<String>)> {
    let ok = run::cargo()
        .args(["test", "--quiet", "-p", "xtask", "-p", "grading"])
        .status()?
        .success();
    let problems = if ok {
        Vec::new()
    } else {
        vec!["cargo test -p xtask -p grading failed".into()]
    };
    Ok(("xtask and grading pass their own tests".into(), problems))
}

fn starters(chosen: &[&Exercise]) -> anyhow::Result<(String, Vec<String>)> {
    let mut problems = Vec::new();
    let mut tests = 0;
    for e in chosen {
        let manifest = e.starter_dir().join("Cargo.toml");
        let outcome = run::grade_crate(
            &Crate {
                manifest: &manifest,
                target_dir: None,
            },
            &e.starter_dir(),
            RUN_TIMEOUT,
        )?;
        if let Some(error) = outcome.compile_error {
            problems.push(format!(
                "{}: the starter does not compile (cargo test -p {}):\n{error}",
                e.name, e.name
            ));
            continue;
        }
        if outcome.tests.is_empty() {
            problems.push(format!("{}: the grader has no tests", e.name));
        }
        tests += outcome.tests.len();
        for test in outcome
            .tests
            .iter()
            .filter(|t| t.status == TestStatus::Passed)
        {
            problems.push(format!(
                "{}: test {} passes against the starter: it checks no student code",
                e.name, test.name
            ));
        }
    }
    Ok((
        format!(
            "all {tests} tests of {} graders fail on the untouched starters",
            chosen.len()
        ),
        problems,
    ))
}

fn solutions(chosen: &[&Exercise]) -> anyhow::Result<(String, Vec<String>)> {
    let mut problems = Vec::new();
    let manifest = root().join("solutions/Cargo.toml");
    let fmt = run::cargo()
        .args(["fmt", "--all", "--check", "--manifest-path"])
        .arg(&manifest)
        .status()?;
    if !fmt.success() {
        problems.push("solutions: cargo fmt --check failed (cargo fmt --manifest-path solutions/Cargo.toml --all)".into());
    }
    let clippy = run::cargo()
        .args(["clippy", "--quiet", "--all-targets", "--manifest-path"])
        .arg(&manifest)
        .args(["--", "-D", "warnings"])
        .status()?;
    if !clippy.success() {
        problems.push("solutions: cargo clippy failed".into());
    }
    let mut tests = 0;
    for e in chosen {
        let manifest = e.solution_dir().join("Cargo.toml");
        let outcome = run::grade_crate(
            &Crate {
                manifest: &manifest,
                target_dir: None,
            },
            &e.solution_dir(),
            RUN_TIMEOUT,
        )?;
        tests += outcome.tests.len();
        if outcome.status != run::Status::Passed {
            let first = outcome
                .compile_error
                .clone()
                .or_else(|| failure_text(outcome.first_failure()))
                .unwrap_or_default();
            problems.push(format!(
                "{}: the solution passes {}/{} tests ({}):\n{first}",
                e.name,
                outcome.passed(),
                outcome.tests.len(),
                outcome.status.label()
            ));
        }
    }
    Ok((
        format!(
            "{} solutions pass all {tests} tests, fmt and clippy clean",
            chosen.len()
        ),
        problems,
    ))
}

fn failure_text(test: Option<&TestResult>) -> Option<String> {
    let test = test?;
    Some(format!(
        "  {} {:?}: {}",
        test.name,
        test.status,
        crate::grade::shorten(test.message.as_deref().unwrap_or(""), 12)
    ))
}

/// The tests a grader lists, and what happened to each.
type RunResult = anyhow::Result<(Vec<String>, Vec<TestResult>)>;

/// A built wrong solution, waiting to be run.
struct Built<'a> {
    exercise: &'a Exercise,
    wrong: Wrong,
    exe: PathBuf,
}

fn wrong_solutions(chosen: &[&Exercise]) -> anyhow::Result<(String, Vec<String>)> {
    let mut problems = Vec::new();
    // Build them all in one cargo run...
    let build_started = Instant::now();
    let mut scaffolded = Vec::new();
    for e in chosen {
        let wrongs = wrong::of(e)?;
        if wrongs.len() < MIN_WRONG {
            problems.push(format!(
                "{}: {} known-wrong solution(s) in solutions/wrong/{}/, at least {MIN_WRONG} expected (see exercises/README.md)",
                e.name,
                wrongs.len(),
                e.name
            ));
        }
        for w in wrongs {
            let manifest = wrong::scaffold(e, &w)?;
            scaffolded.push((e, w, manifest));
        }
    }
    // Readable like every other file of the course (they are not in any crate's module
    // tree, so `cargo fmt` does not see them).
    let files: Vec<&PathBuf> = scaffolded.iter().map(|(_, w, _)| &w.file).collect();
    if !files.is_empty() {
        let fmt = std::process::Command::new("rustfmt")
            .args(["--check", "--edition", "2021"])
            .args(&files)
            .stdout(std::process::Stdio::null())
            .status();
        if !fmt.is_ok_and(|s| s.success()) {
            problems.push(
                "known-wrong solutions are not rustfmt-clean: rustfmt --edition 2021 solutions/wrong/*/*.rs"
                    .into(),
            );
        }
    }
    let manifests: Vec<PathBuf> = scaffolded.iter().map(|(_, _, m)| m.clone()).collect();
    let workspace = wrong::workspace(&manifests)?;
    let target = wrong::target_dir();
    let exes = run::build_workspace(&workspace, &target)?;
    let mut built = Vec::new();
    for (e, w, manifest) in scaffolded {
        match exes.get(&manifest) {
            Some(exe) => built.push(Built {
                exercise: e,
                wrong: w,
                exe: exe.clone(),
            }),
            None => {
                // Build it alone for its first error.
                let error = match run::build(&Crate {
                    manifest: &manifest,
                    target_dir: Some(&target),
                })? {
                    Ok(_) => "it was not built with the others (cargo's message format changed?)"
                        .to_string(),
                    Err(error) => error,
                };
                problems.push(format!(
                    "{}: wrong solution {} does not compile (it should fail tests, not the build):\n{error}",
                    e.name, w.name
                ));
            }
        }
    }
    println!(
        "  built {} wrong solutions in {:.1} s",
        built.len(),
        build_started.elapsed().as_secs_f64()
    );
    // ...then run them a few at a time.
    let results: Mutex<Vec<(usize, RunResult, Duration)>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL_WRONG_RUNS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(b) = built.get(i) else { break };
                let started = Instant::now();
                let result = run::list(&b.exe).and_then(|names| {
                    let tests = run::run(
                        &b.exe,
                        &b.exercise.solution_dir(),
                        &names,
                        WRONG_RUN_TIMEOUT,
                    )?;
                    Ok((names, tests))
                });
                if let Ok(mut all) = results.lock() {
                    all.push((i, result, started.elapsed()));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _, _)| *i);
    // Which tests caught something, per exercise.
    let mut caught: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut listed: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut count = 0;
    for (i, result, took) in results {
        let b = &built[i];
        let (names, tests) = result?;
        count += 1;
        let failing: Vec<&TestResult> = tests
            .iter()
            .filter(|t| t.status != TestStatus::Passed)
            .collect();
        println!(
            "  {:24} {:30} fails {:2} of {:2} tests in {:4.1} s{}",
            b.exercise.name,
            b.wrong.name,
            failing.len(),
            tests.len(),
            took.as_secs_f64(),
            if failing.iter().any(|t| t.status == TestStatus::TimedOut) {
                " (some timed out)"
            } else {
                ""
            }
        );
        for name in &b.wrong.catches {
            match tests.iter().find(|t| &t.name == name) {
                None => problems.push(format!(
                    "{}: wrong solution {} names test {name}, which the grader does not have",
                    b.exercise.name, b.wrong.name
                )),
                Some(t) if t.status == TestStatus::Passed => problems.push(format!(
                    "{}: wrong solution {} ({}) PASSES {name}, which should catch it",
                    b.exercise.name, b.wrong.name, b.wrong.bug
                )),
                Some(_) => {}
            }
        }
        let set = caught.entry(&b.exercise.name).or_default();
        set.extend(failing.iter().map(|t| t.name.clone()));
        listed.insert(&b.exercise.name, names);
    }
    for e in chosen {
        let exempt = wrong::exemptions(e)?;
        let Some(names) = listed.get(e.name.as_str()) else {
            continue;
        };
        let set = caught.get(e.name.as_str());
        for name in names {
            let is_caught = set.is_some_and(|s| s.contains(name));
            match (is_caught, exempt.get(name)) {
                (false, None) => problems.push(format!(
                    "{}: test {name} fails on no known-wrong solution: add a wrong solution it catches, or exempt it with a reason in solutions/wrong/{}/exempt.toml",
                    e.name, e.name
                )),
                (true, Some(_)) => problems.push(format!(
                    "{}: test {name} is exempted in exempt.toml but catches a wrong solution: remove the exemption",
                    e.name
                )),
                _ => {}
            }
        }
        for name in exempt.keys() {
            if !names.contains(name) {
                problems.push(format!(
                    "{}: exempt.toml names test {name}, which the grader does not have",
                    e.name
                ));
            }
        }
    }
    Ok((
        format!(
            "{count} known-wrong solutions each fail the tests they name, and every test catches one"
        ),
        problems,
    ))
}

fn book() -> anyhow::Result<(String, Vec<String>)> {
    let ok = run::cargo()
        .args(["test", "--quiet", "-p", "tests", "--test", "book"])
        .status()?
        .success();
    let problems = if ok {
        Vec::new()
    } else {
        vec!["the book's checks failed (cargo test -p tests --test book)".into()]
    };
    Ok(("the book's includes resolve".into(), problems))
}
