//! Course maintenance tasks, run as `cargo xtask TASK` (an alias in `.cargo/config.toml`).
//!
//! - `grade [--json PATH] [--junit PATH]`: runs every exercise's grader and prints a
//!   score table; exit code 0 only if every exercise passes.
//! - `verify`: checks the exercises themselves: every starter fails every test of its
//!   grader, every reference solution passes it with fmt and clippy clean, every
//!   exercise has a hint and a section in the book, and the book's includes resolve.

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// One entry of `exercises/exercises.toml`.
#[derive(Debug, Deserialize)]
struct Exercise {
    /// The crate's name and folder under `exercises/`.
    name: String,
    /// The lesson crate it belongs to.
    lesson: String,
    /// The book chapter (from the repository root) whose "Exercises" section presents it.
    chapter: String,
    /// Shown when the exercise fails.
    hint: String,
}

/// The whole metadata file.
#[derive(Debug, Deserialize)]
struct Metadata {
    /// In the order students do them.
    exercise: Vec<Exercise>,
}

/// One exercise's grade.
#[derive(Debug, Serialize)]
struct Grade {
    /// The exercise crate.
    exercise: String,
    /// Its lesson.
    lesson: String,
    /// Tests passed.
    passed: usize,
    /// Tests in the grader.
    total: usize,
    /// `passed`, `failing` or `does not compile`.
    status: String,
    /// Each test of the grader.
    tests: Vec<TestResult>,
    /// What to try next, when not passed.
    hint: Option<String>,
}

/// One test of a grader.
#[derive(Debug, Serialize)]
struct TestResult {
    /// The test function's name.
    name: String,
    /// Did it pass?
    passed: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("grade") => grade(&args[1..]),
        Some("verify") => verify(),
        _ => {
            eprintln!(
                "usage: cargo xtask grade [--json PATH] [--junit PATH]\n       cargo xtask verify"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The repository's root (the parent of `xtask/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the repository")
        .to_path_buf()
}

fn metadata() -> anyhow::Result<Vec<Exercise>> {
    let path = root().join("exercises/exercises.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let meta: Metadata =
        toml::from_str(&text).with_context(|| format!("{} is malformed", path.display()))?;
    Ok(meta.exercise)
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// How many `#[test]` functions a grader file has.
fn tests_in(grader: &Path) -> anyhow::Result<usize> {
    let text = std::fs::read_to_string(grader)
        .with_context(|| format!("cannot read {}", grader.display()))?;
    Ok(text.matches("#[test]").count())
}

/// Runs one grader with `cargo test`; `manifest` selects the crate (starter or solution).
fn run_grader(exercise: &Exercise, manifest: &Path) -> anyhow::Result<Grade> {
    let total = tests_in(
        &root()
            .join("exercises")
            .join(&exercise.name)
            .join("tests/grade.rs"),
    )?;
    let out = cargo()
        .args(["test", "--manifest-path"])
        .arg(manifest)
        .args(["--test", "grade", "--", "--color", "never"])
        .output()
        .context("cannot run cargo")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tests: Vec<TestResult> = stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, verdict) = rest.rsplit_once(" ... ")?;
            Some(TestResult {
                name: name.to_string(),
                passed: verdict == "ok",
            })
        })
        .collect();
    let passed = tests.iter().filter(|t| t.passed).count();
    let status = if tests.is_empty() && !out.status.success() {
        "does not compile"
    } else if passed == total && out.status.success() {
        "passed"
    } else {
        "failing"
    };
    Ok(Grade {
        exercise: exercise.name.clone(),
        lesson: exercise.lesson.clone(),
        passed,
        total,
        status: status.to_string(),
        hint: (status != "passed").then(|| exercise.hint.clone()),
        tests,
    })
}

fn grade(args: &[String]) -> anyhow::Result<bool> {
    let (mut json, mut junit) = (None, None);
    for pair in args.chunks(2) {
        let path = pair
            .get(1)
            .map(PathBuf::from)
            .with_context(|| format!("{} needs a PATH", pair[0]))?;
        match pair[0].as_str() {
            "--json" => json = Some(path),
            "--junit" => junit = Some(path),
            other => bail!("unknown option {other:?} (expected --json PATH or --junit PATH)"),
        }
    }
    let exercises = metadata()?;
    let mut grades = Vec::new();
    for exercise in &exercises {
        eprintln!("grading {} ...", exercise.name);
        let manifest = root()
            .join("exercises")
            .join(&exercise.name)
            .join("Cargo.toml");
        grades.push(run_grader(exercise, &manifest)?);
    }
    print_table(&grades);
    if let Some(path) = json {
        std::fs::write(&path, to_json(&grades)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = junit {
        std::fs::write(&path, to_junit(&grades))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(grades.iter().all(|g| g.status == "passed"))
}

fn print_table(grades: &[Grade]) {
    let width = grades
        .iter()
        .map(|g| g.exercise.len())
        .max()
        .unwrap_or(8)
        .max(8);
    println!("{:width$}  {:>7}  status", "exercise", "tests");
    for g in grades {
        println!(
            "{:width$}  {:>7}  {}",
            g.exercise,
            format!("{}/{}", g.passed, g.total),
            g.status
        );
    }
    let (passed, total): (usize, usize) = grades
        .iter()
        .fold((0, 0), |(p, t), g| (p + g.passed, t + g.total));
    let complete = grades.iter().filter(|g| g.status == "passed").count();
    println!(
        "\nscore: {passed}/{total} tests, {complete}/{} exercises complete",
        grades.len()
    );
    if let Some(next) = grades.iter().find(|g| g.status != "passed") {
        println!("next: {} ({})", next.exercise, next.status);
        println!("  run:  cargo test -p {}", next.exercise);
        if let Some(hint) = &next.hint {
            println!("  hint: {hint}");
        }
    }
}

fn to_json(grades: &[Grade]) -> anyhow::Result<String> {
    let passed: usize = grades.iter().map(|g| g.passed).sum();
    let total: usize = grades.iter().map(|g| g.total).sum();
    let report = serde_json::json!({
        "passed": passed,
        "total": total,
        "exercises_complete": grades.iter().filter(|g| g.status == "passed").count(),
        "exercises": grades,
    });
    Ok(serde_json::to_string_pretty(&report)? + "\n")
}

fn to_junit(grades: &[Grade]) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let total: usize = grades.iter().map(|g| g.total).sum();
    let failures: usize = grades.iter().map(|g| g.total - g.passed).sum();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"netlessons\" tests=\"{total}\" failures=\"{failures}\">\n"
    );
    for g in grades {
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
            escape(&g.exercise),
            g.total,
            g.total - g.passed
        ));
        if g.tests.is_empty() {
            xml.push_str(&format!(
                "    <testcase name=\"compile\" classname=\"{}\"><failure message=\"{}\"/></testcase>\n",
                escape(&g.exercise),
                escape(&g.status)
            ));
        }
        for test in &g.tests {
            let failure = if test.passed {
                String::new()
            } else {
                "<failure message=\"failed\"/>".to_string()
            };
            xml.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\">{failure}</testcase>\n",
                escape(&test.name),
                escape(&g.exercise)
            ));
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Every check of `verify`, in order; stops at the first failure.
fn verify() -> anyhow::Result<bool> {
    let exercises = metadata()?;
    let root = root();
    let mut problems = Vec::new();

    // 1. Metadata, folders, hints and book sections agree.
    let mut on_disk: Vec<String> = std::fs::read_dir(root.join("exercises"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = exercises.iter().map(|e| e.name.clone()).collect();
    listed.sort();
    if on_disk != listed {
        problems.push(format!(
            "exercises/ holds {on_disk:?} but exercises.toml lists {listed:?}"
        ));
    }
    for e in &exercises {
        if e.hint.trim().is_empty() {
            problems.push(format!("{}: no hint in exercises.toml", e.name));
        }
        if !root.join("lessons").join(&e.lesson).is_dir() {
            problems.push(format!("{}: lesson {} does not exist", e.name, e.lesson));
        }
        if !root
            .join("solutions")
            .join(&e.name)
            .join("src/lib.rs")
            .is_file()
        {
            problems.push(format!("{}: no solution in solutions/{}", e.name, e.name));
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
    if !problems.is_empty() {
        return report(problems);
    }
    println!(
        "ok: {} exercises, each with a hint, a solution and a book section",
        exercises.len()
    );

    // 2. Every starter fails every test of its grader.
    for e in &exercises {
        let g = run_grader(e, &root.join("exercises").join(&e.name).join("Cargo.toml"))?;
        if g.status == "does not compile" {
            problems.push(format!(
                "{}: the starter does not compile (cargo test -p {})",
                e.name, e.name
            ));
        } else if g.total == 0 {
            problems.push(format!("{}: the grader has no tests", e.name));
        }
        for test in g.tests.iter().filter(|t| t.passed) {
            problems.push(format!(
                "{}: test {} passes against the starter: it checks no student code",
                e.name, test.name
            ));
        }
    }
    if !problems.is_empty() {
        return report(problems);
    }
    println!("ok: every starter fails every test of its grader");

    // 3. Every solution passes its grader, and is fmt and clippy clean.
    let manifest = root.join("solutions/Cargo.toml");
    let steps: [(&str, Vec<&str>); 2] = [
        (
            "cargo fmt --check",
            vec!["fmt", "--all", "--check", "--manifest-path"],
        ),
        (
            "cargo clippy",
            vec!["clippy", "--quiet", "--all-targets", "--manifest-path"],
        ),
    ];
    for (what, args) in steps {
        let mut cmd = cargo();
        cmd.args(&args).arg(&manifest);
        if what == "cargo clippy" {
            cmd.args(["--", "-D", "warnings"]);
        }
        if !cmd.status()?.success() {
            problems.push(format!("solutions: {what} failed"));
        }
    }
    for e in &exercises {
        let g = run_grader(e, &root.join("solutions").join(&e.name).join("Cargo.toml"))?;
        if g.status != "passed" {
            problems.push(format!(
                "{}: the solution passes {}/{} tests ({})",
                e.name, g.passed, g.total, g.status
            ));
        }
    }
    if !problems.is_empty() {
        return report(problems);
    }
    println!("ok: every solution passes its grader, fmt and clippy clean");

    // 4. The book's includes and commands resolve (the workspace's own check).
    let book = cargo()
        .args(["test", "--quiet", "-p", "tests", "--test", "book"])
        .status()?;
    if !book.success() {
        return report(vec![
            "the book's checks failed (cargo test -p tests --test book)".into(),
        ]);
    }
    println!("ok: the book's includes resolve");
    Ok(true)
}

fn report(problems: Vec<String>) -> anyhow::Result<bool> {
    for p in &problems {
        eprintln!("problem: {p}");
    }
    eprintln!("verify failed: {} problem(s)", problems.len());
    Ok(false)
}
