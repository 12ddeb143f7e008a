//! Known-wrong solutions: realistic beginner bugs kept beside the reference
//! solutions, `solutions/wrong/EXERCISE/BUG.rs`, each a whole `lib.rs` that opens
//! with its description and the grader tests that must catch it:
//!
//! ```text
//! //! bug: one read taken as one message
//! //! catches: a_name_split_across_reads_is_one_name, one_byte_at_a_time_still_works
//! ```
//!
//! To build them, a throw-away crate per wrong solution is written under
//! `target/wrong/` with the solution's own manifest, `[lib] path` pointing at the wrong
//! file and the grader at the exercise's `tests/grade.rs`; all are members of one
//! generated workspace, built by one `cargo` run (in parallel, dependencies once). Tests no wrong solution catches may
//! be exempted, with a reason, in `solutions/wrong/EXERCISE/exempt.toml`.

use crate::meta::{root, Exercise};
use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One known-wrong solution.
#[derive(Debug)]
pub struct Wrong {
    /// The file's stem, e.g. `one-read-one-message`.
    pub name: String,
    /// Its `lib.rs`.
    pub file: PathBuf,
    /// The `bug:` line.
    pub bug: String,
    /// The tests that must fail against it.
    pub catches: Vec<String>,
}

/// The wrong solutions of `exercise`, sorted by name (none if it has no folder).
pub fn of(exercise: &Exercise) -> anyhow::Result<Vec<Wrong>> {
    let dir = exercise.wrong_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut wrongs = Vec::new();
    for entry in entries {
        let file = entry?.path();
        if file.extension().is_some_and(|e| e == "rs") {
            wrongs.push(parse(&file)?);
        }
    }
    wrongs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(wrongs)
}

fn parse(file: &Path) -> anyhow::Result<Wrong> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let field = |key: &str| {
        text.lines()
            .take_while(|l| l.starts_with("//!"))
            .find_map(|l| l.strip_prefix("//!")?.trim().strip_prefix(key))
            .map(|v| v.trim().to_string())
    };
    let Some(bug) = field("bug:") else {
        bail!("{} has no `//! bug: ...` line at the top", file.display());
    };
    let Some(catches) = field("catches:") else {
        bail!(
            "{} has no `//! catches: TEST, ...` line at the top",
            file.display()
        );
    };
    let catches: Vec<String> = catches
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if catches.is_empty() {
        bail!("{}: `catches:` names no test", file.display());
    }
    Ok(Wrong {
        name: file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file: file.to_path_buf(),
        bug,
        catches,
    })
}

/// Tests exempted from "each test catches some wrong solution", with the reason.
pub fn exemptions(exercise: &Exercise) -> anyhow::Result<BTreeMap<String, String>> {
    let path = exercise.wrong_dir().join("exempt.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("{} is malformed", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The target directory all wrong solutions share.
pub fn target_dir() -> PathBuf {
    root().join("target/wrong-build")
}

/// Writes the throw-away crate for `wrong` and returns its manifest.
///
/// The solution's manifest is kept (so dependencies match), with paths made absolute
/// and `[lib] path` set to the wrong file; [`workspace`] gathers them.
pub fn scaffold(exercise: &Exercise, wrong: &Wrong) -> anyhow::Result<PathBuf> {
    let solution = exercise.solution_dir();
    let manifest_path = solution.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let mut manifest: toml::Table = toml::from_str(&text)
        .with_context(|| format!("{} is malformed", manifest_path.display()))?;
    let absolute = |p: &str| solution.join(p).to_string_lossy().into_owned();
    for section in ["dependencies", "dev-dependencies"] {
        if let Some(toml::Value::Table(deps)) = manifest.get_mut(section) {
            for (_, dep) in deps.iter_mut() {
                if let Some(toml::Value::String(path)) = dep.get_mut("path") {
                    *path = absolute(path.as_str());
                }
            }
        }
    }
    if let Some(toml::Value::Array(tests)) = manifest.get_mut("test") {
        for test in tests {
            if let Some(toml::Value::String(path)) = test.get_mut("path") {
                *path = absolute(path.as_str());
            }
        }
    }
    // A package name of its own (cargo names build outputs after it; wrong solutions
    // share a target directory), with the exercise's library name for the grader's `use`.
    if let Some(toml::Value::Table(package)) = manifest.get_mut("package") {
        package.insert(
            "name".into(),
            toml::Value::String(format!("{}-wrong-{}", exercise.name, wrong.name)),
        );
    }
    let mut lib = toml::Table::new();
    lib.insert(
        "name".into(),
        toml::Value::String(exercise.name.replace('-', "_")),
    );
    lib.insert(
        "path".into(),
        toml::Value::String(wrong.file.to_string_lossy().into_owned()),
    );
    manifest.insert("lib".into(), toml::Value::Table(lib));
    let dir = root()
        .join("target/wrong")
        .join(&exercise.name)
        .join(&wrong.name);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let out = dir.join("Cargo.toml");
    write_if_changed(&out, &toml_text(&manifest))?;
    Ok(out)
}

/// Writes the workspace gathering `members` (manifests from [`scaffold`]) with the
/// solutions' shared dependency versions and lock file; returns its manifest.
pub fn workspace(members: &[PathBuf]) -> anyhow::Result<PathBuf> {
    let dir = root().join("target/wrong");
    let mut workspace = toml::Table::new();
    workspace.insert("resolver".into(), toml::Value::String("2".into()));
    let members: Vec<toml::Value> = members
        .iter()
        .filter_map(|m| m.parent()?.strip_prefix(&dir).ok())
        .map(|m| toml::Value::String(m.to_string_lossy().into_owned()))
        .collect();
    workspace.insert("members".into(), toml::Value::Array(members));
    let solutions: toml::Table = toml::from_str(
        &std::fs::read_to_string(root().join("solutions/Cargo.toml"))
            .context("cannot read solutions/Cargo.toml")?,
    )
    .context("solutions/Cargo.toml is malformed")?;
    if let Some(deps) = solutions
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
    {
        workspace.insert("dependencies".into(), deps.clone());
    }
    let mut manifest = toml::Table::new();
    manifest.insert("workspace".into(), toml::Value::Table(workspace));
    let out = dir.join("Cargo.toml");
    write_if_changed(&out, &toml_text(&manifest))?;
    // The same dependency versions as the solutions were tested with.
    let lock = root().join("solutions/Cargo.lock");
    if lock.is_file() && !dir.join("Cargo.lock").is_file() {
        std::fs::copy(&lock, dir.join("Cargo.lock")).context("cannot copy solutions/Cargo.lock")?;
    }
    Ok(out)
}

/// Rewriting an unchanged manifest would make cargo rebuild for nothing.
fn write_if_changed(path: &Path, text: &str) -> anyhow::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// A manifest as TOML text. (The `toml` crate here is built to parse only; a
/// manifest needs nothing but tables, arrays, strings and booleans.)
fn toml_text(table: &toml::Table) -> String {
    let mut out = String::new();
    write_table(&mut out, "", table);
    out
}

fn write_table(out: &mut String, prefix: &str, table: &toml::Table) {
    // Plain keys first, then sub-tables, then arrays of tables.
    for (key, value) in table {
        if !matches!(value, toml::Value::Table(_)) && !is_table_array(value) {
            out.push_str(&format!("{} = {}\n", quote_key(key), inline(value)));
        }
    }
    for (key, value) in table {
        let name = if prefix.is_empty() {
            quote_key(key)
        } else {
            format!("{prefix}.{}", quote_key(key))
        };
        match value {
            toml::Value::Table(sub) => {
                out.push_str(&format!("\n[{name}]\n"));
                write_table(out, &name, sub);
            }
            toml::Value::Array(items) if is_table_array(value) => {
                for item in items {
                    if let toml::Value::Table(sub) = item {
                        out.push_str(&format!("\n[[{name}]]\n"));
                        write_table(out, &name, sub);
                    }
                }
            }
            _ => {}
        }
    }
}

fn is_table_array(value: &toml::Value) -> bool {
    matches!(value, toml::Value::Array(items) if !items.is_empty() && items.iter().all(|i| matches!(i, toml::Value::Table(_))))
}

fn quote_key(key: &str) -> String {
    if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => format!("{d:?}"),
        toml::Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(inline).collect::<Vec<_>>().join(", ")
            )
        }
        toml::Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{} = {}", quote_key(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_bug_and_the_tests() {
        let dir = std::env::temp_dir().join(format!("xtask-wrong-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("one-read.rs");
        std::fs::write(&file, "//! Known-wrong.\n//!\n//! bug: one read taken as one message\n//! catches: a_b, c_d ,\nfn main() {}\n").unwrap();
        let wrong = parse(&file).unwrap();
        assert_eq!(wrong.name, "one-read");
        assert_eq!(wrong.bug, "one read taken as one message");
        assert_eq!(wrong.catches, ["a_b", "c_d"]);
        std::fs::write(&file, "//! bug: no tests named\n").unwrap();
        assert!(
            parse(&file).is_err(),
            "a wrong solution must name its tests"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_manifest_survives_the_round_trip() {
        let text = "[package]\nname = \"ex11\"\nedition = \"2021\"\n\n[dependencies]\nmio = { version = \"1.0\", features = [\"os-poll\", \"net\"] }\n\n[[test]]\nname = \"grade\"\npath = \"../x.rs\"\n";
        let table: toml::Table = toml::from_str(text).unwrap();
        let again: toml::Table = toml::from_str(&toml_text(&table)).unwrap();
        assert_eq!(table, again);
    }
}
