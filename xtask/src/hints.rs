//! Hints in levels: a nudge, then the idea with the book section that explains it,
//! then close to the answer. Each `cargo xtask hint exNN` reveals the next level and
//! records it in `exercises/hints-revealed.json`, a file the student commits with
//! the work, so that `grade --json` / `--junit` can show a teacher how much help
//! each exercise took.

use crate::meta::{root, Exercise};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The record of revealed levels.
fn store() -> PathBuf {
    root().join("exercises/hints-revealed.json")
}

fn read_store() -> anyhow::Result<BTreeMap<String, usize>> {
    let path = store();
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is malformed (delete it to start over)", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// How many levels of `exercise`'s hints have been revealed.
pub fn revealed(exercise: &str) -> anyhow::Result<usize> {
    Ok(read_store()?.get(exercise).copied().unwrap_or(0))
}

/// Records that `levels` levels of `exercise` have been revealed.
fn record(exercise: &str, levels: usize) -> anyhow::Result<()> {
    let mut all = read_store()?;
    all.insert(exercise.to_string(), levels);
    let path = store();
    std::fs::write(&path, serde_json::to_string_pretty(&all)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Reveals the next level (or, with `again`, shows those already revealed) and
/// returns the text shown.
pub fn reveal(exercise: &Exercise, again: bool) -> anyhow::Result<String> {
    let levels = exercise.hint_levels();
    let shown = revealed(&exercise.name)?.min(levels.len());
    let upto = if again {
        shown.max(1)
    } else {
        (shown + 1).min(levels.len())
    };
    if upto > shown {
        record(&exercise.name, upto)?;
    }
    let mut text = String::new();
    for (i, level) in levels.iter().enumerate().take(upto) {
        text.push_str(&format!(
            "hint {} of {} for {}:\n  {level}\n",
            i + 1,
            levels.len(),
            exercise.name
        ));
    }
    if upto == levels.len() {
        text.push_str(
            "(that was the last level: the book chapter and the lesson's code say the rest)\n",
        );
    } else {
        text.push_str(&format!(
            "(more: cargo xtask hint {}; levels revealed are recorded for your teacher)\n",
            exercise.short()
        ));
    }
    Ok(text)
}

/// The `hint` task.
pub fn show(exercise: &Exercise, again: bool) -> anyhow::Result<bool> {
    print!("{}", reveal(exercise, again)?);
    Ok(true)
}
