//! `exercises/exercises.toml`: the ordered list of exercises, and where things live.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One entry of `exercises/exercises.toml`.
#[derive(Debug, Deserialize)]
pub struct Exercise {
    /// The crate's name and folder under `exercises/`.
    pub name: String,
    /// The lesson crate it belongs to.
    pub lesson: String,
    /// The book chapter (from the repository root) whose "Exercises" section presents it.
    pub chapter: String,
    /// Hints in levels: a nudge, then the idea with its book section, then close to
    /// the answer. `cargo xtask hint` reveals one level at a time.
    #[serde(default)]
    pub hints: Vec<String>,
    /// A single hint (older entries): taken as the only level when `hints` is empty.
    #[serde(default)]
    hint: Option<String>,
}

impl Exercise {
    /// Its hint levels, whichever way the entry wrote them.
    pub fn hint_levels(&self) -> Vec<&str> {
        if self.hints.is_empty() {
            self.hint.iter().map(String::as_str).collect()
        } else {
            self.hints.iter().map(String::as_str).collect()
        }
    }

    /// The starter crate's folder.
    pub fn starter_dir(&self) -> PathBuf {
        root().join("exercises").join(&self.name)
    }

    /// The reference solution's folder.
    pub fn solution_dir(&self) -> PathBuf {
        root().join("solutions").join(&self.name)
    }

    /// The folder of its known-wrong solutions (see exercises/README.md).
    pub fn wrong_dir(&self) -> PathBuf {
        root().join("solutions/wrong").join(&self.name)
    }

    /// `exNN`, the short name accepted on the command line.
    pub fn short(&self) -> &str {
        self.name.split('-').next().unwrap_or(&self.name)
    }
}

/// The whole metadata file.
#[derive(Debug, Deserialize)]
struct Metadata {
    /// In the order students do them.
    exercise: Vec<Exercise>,
}

/// The repository's root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Reads `exercises/exercises.toml`.
pub fn load() -> anyhow::Result<Vec<Exercise>> {
    let path = root().join("exercises/exercises.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let meta: Metadata =
        toml::from_str(&text).with_context(|| format!("{} is malformed", path.display()))?;
    Ok(meta.exercise)
}

/// The exercise called `name`: its full name, or its `exNN` prefix.
pub fn find<'a>(all: &'a [Exercise], name: &str) -> Option<&'a Exercise> {
    all.iter().find(|e| e.name == name || e.short() == name)
}
