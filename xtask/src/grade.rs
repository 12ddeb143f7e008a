//! `cargo xtask grade`: every exercise (or the ones named) graded by its own tests, a
//! score table, and the same results as JSON or JUnit XML for a classroom system.

use crate::hints;
use crate::meta::Exercise;
use crate::run::{self, Crate, Status, TestResult, TestStatus};
use anyhow::Context;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// One exercise's grade.
#[derive(Debug, Serialize)]
pub struct Grade {
    /// The exercise crate.
    pub exercise: String,
    /// Its lesson.
    pub lesson: String,
    /// Tests passed.
    pub passed: usize,
    /// Tests in the grader, as its harness lists them.
    pub total: usize,
    /// The overall status.
    pub status: Status,
    /// Each test of the grader.
    pub tests: Vec<TestResult>,
    /// The compiler's first error, if it does not compile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compile_error: Option<String>,
    /// How many hint levels the student has revealed (`cargo xtask hint`).
    pub hints_revealed: usize,
    /// How many levels there are.
    pub hint_levels: usize,
}

/// Grades one exercise's starter crate (the student's work).
pub fn grade_one(exercise: &Exercise, timeout: Duration) -> anyhow::Result<Grade> {
    let dir = exercise.starter_dir();
    let manifest = dir.join("Cargo.toml");
    let outcome = run::grade_crate(
        &Crate {
            manifest: &manifest,
            target_dir: None,
        },
        &dir,
        timeout,
    )?;
    Ok(Grade {
        exercise: exercise.name.clone(),
        lesson: exercise.lesson.clone(),
        passed: outcome.passed(),
        total: outcome.tests.len(),
        status: outcome.status,
        tests: outcome.tests,
        compile_error: outcome.compile_error,
        hints_revealed: hints::revealed(&exercise.name)?,
        hint_levels: exercise.hint_levels().len(),
    })
}

/// The `grade` task.
pub fn grade(
    exercises: &[&Exercise],
    json: Option<&Path>,
    junit: Option<&Path>,
    timeout: Duration,
) -> anyhow::Result<bool> {
    let mut grades = Vec::new();
    for exercise in exercises {
        eprintln!("grading {} ...", exercise.name);
        grades.push(grade_one(exercise, timeout)?);
    }
    print_table(&grades);
    if let Some(next) = grades.iter().find(|g| g.status != Status::Passed) {
        print_next(next);
    }
    if let Some(path) = json {
        std::fs::write(path, to_json(&grades)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = junit {
        std::fs::write(path, to_junit(&grades))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(grades.iter().all(|g| g.status == Status::Passed))
}

fn print_table(grades: &[Grade]) {
    let width = grades
        .iter()
        .map(|g| g.exercise.len())
        .max()
        .unwrap_or(8)
        .max(8);
    println!(
        "{:width$}  {:>7}  {:5}  status",
        "exercise", "tests", "hints"
    );
    for g in grades {
        println!(
            "{:width$}  {:>7}  {:5}  {}",
            g.exercise,
            format!("{}/{}", g.passed, g.total),
            format!("{}/{}", g.hints_revealed, g.hint_levels),
            g.status.label()
        );
    }
    let (passed, total): (usize, usize) = grades
        .iter()
        .fold((0, 0), |(p, t), g| (p + g.passed, t + g.total));
    let complete = grades.iter().filter(|g| g.status == Status::Passed).count();
    println!(
        "\nscore: {passed}/{total} tests, {complete}/{} exercises complete",
        grades.len()
    );
}

/// What to do next about an exercise that does not pass: its first problem, and how
/// to get a hint.
pub fn print_next(g: &Grade) {
    println!("\nnext: {} ({})", g.exercise, g.status.label());
    if let Some(error) = &g.compile_error {
        println!("{}", indent(error));
    } else if let Some(test) = g.tests.iter().find(|t| t.status != TestStatus::Passed) {
        let what = match test.status {
            TestStatus::TimedOut => "timed out",
            _ => "failed",
        };
        println!("  first problem: {} {what}", test.name);
        if let Some(message) = &test.message {
            println!("{}", indent(&shorten(message, 40)));
        }
    }
    println!("  run:  cargo test -p {}", g.exercise);
    println!(
        "  hint: cargo xtask hint {} (level {} of {})",
        g.exercise.split('-').next().unwrap_or(&g.exercise),
        (g.hints_revealed + 1).min(g.hint_levels),
        g.hint_levels
    );
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// At most `max` lines of `text`.
pub fn shorten(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max {
        return text.to_string();
    }
    format!(
        "{}\n... ({} more lines: run the test itself to see them)",
        lines[..max].join("\n"),
        lines.len() - max
    )
}

fn to_json(grades: &[Grade]) -> anyhow::Result<String> {
    let passed: usize = grades.iter().map(|g| g.passed).sum();
    let total: usize = grades.iter().map(|g| g.total).sum();
    let report = serde_json::json!({
        "passed": passed,
        "total": total,
        "exercises_complete": grades.iter().filter(|g| g.status == Status::Passed).count(),
        "hints_revealed": grades.iter().map(|g| g.hints_revealed).sum::<usize>(),
        "exercises": grades,
    });
    Ok(serde_json::to_string_pretty(&report)? + "\n")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn to_junit(grades: &[Grade]) -> String {
    let total: usize = grades.iter().map(|g| g.total.max(1)).sum();
    let failures: usize = grades
        .iter()
        .map(|g| {
            if g.tests.is_empty() {
                1
            } else {
                g.total - g.passed
            }
        })
        .sum();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"netlessons\" tests=\"{total}\" failures=\"{failures}\">\n"
    );
    for g in grades {
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
            escape(&g.exercise),
            g.total.max(1),
            if g.tests.is_empty() {
                1
            } else {
                g.total - g.passed
            }
        ));
        xml.push_str(&format!(
            "    <properties><property name=\"status\" value=\"{}\"/><property name=\"hints_revealed\" value=\"{}\"/><property name=\"hint_levels\" value=\"{}\"/></properties>\n",
            g.status.label(),
            g.hints_revealed,
            g.hint_levels
        ));
        if g.tests.is_empty() {
            xml.push_str(&format!(
                "    <testcase name=\"compile\" classname=\"{}\"><failure message=\"{}\">{}</failure></testcase>\n",
                escape(&g.exercise),
                escape(g.status.label()),
                escape(g.compile_error.as_deref().unwrap_or(""))
            ));
        }
        for test in &g.tests {
            let failure = match test.status {
                TestStatus::Passed => String::new(),
                TestStatus::Failed => format!(
                    "<failure message=\"failed\">{}</failure>",
                    escape(test.message.as_deref().unwrap_or(""))
                ),
                TestStatus::TimedOut => format!(
                    "<failure message=\"timed out\" type=\"timeout\">{}</failure>",
                    escape(test.message.as_deref().unwrap_or(""))
                ),
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
