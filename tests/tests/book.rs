//! Checks on the book that need no mdbook: mdbook itself renders a misspelled anchor
//! as an empty block and still exits 0, and nothing checks the commands it shows.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every file under `dir` with extension `ext`.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Each `{{#include PATH}}` or `{{#include PATH:ANCHOR}}` in `text`.
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    text.match_indices("{{#include ")
        .map(|(at, _)| {
            let rest = &text[at + "{{#include ".len()..];
            let spec = &rest[..rest.find("}}").expect("an unterminated {{#include")];
            match spec.trim().split_once(':') {
                Some((path, anchor)) => (path.to_string(), Some(anchor.to_string())),
                None => (spec.trim().to_string(), None),
            }
        })
        .collect()
}

#[test]
fn no_include_is_indented() {
    // An indented include (inside a list item) pastes unindented lines into the list:
    // the code block breaks and mdbook renders the code as loose paragraphs.
    for chapter in files(&root().join("book/src"), "md") {
        let text = fs::read_to_string(&chapter).unwrap();
        for (number, line) in text.lines().enumerate() {
            assert!(
                !(line.contains("{{#include") && line.starts_with(char::is_whitespace)),
                "{} line {}: move this include out of the list item, unindented",
                chapter.display(),
                number + 1
            );
        }
    }
}

#[test]
fn every_include_names_an_existing_file_and_a_non_empty_anchor() {
    let src = root().join("book/src");
    let mut checked = 0;
    for chapter in files(&src, "md") {
        let text = fs::read_to_string(&chapter).unwrap();
        for (path, anchor) in includes(&text) {
            let target = chapter.parent().unwrap().join(&path);
            let name = chapter.strip_prefix(root()).unwrap().display().to_string();
            let body = fs::read_to_string(&target)
                .unwrap_or_else(|e| panic!("{name} includes {path}, which cannot be read: {e}"));
            if let Some(anchor) = anchor {
                let start = format!("ANCHOR: {anchor}\n");
                let end = format!("ANCHOR_END: {anchor}\n");
                let from = body.find(&start).unwrap_or_else(|| {
                    panic!(
                        "{name} includes {path}:{anchor}, but {path} has no `// ANCHOR: {anchor}`"
                    )
                });
                let to = body.find(&end).unwrap_or_else(|| {
                    panic!("{name} includes {path}:{anchor}, but {path} has no `// ANCHOR_END: {anchor}`")
                });
                let quoted = &body[from + start.len()..to];
                assert!(
                    quoted.lines().filter(|l| !l.trim().is_empty()).count() > 1,
                    "{name}: anchor {anchor} in {path} quotes nothing"
                );
            } else {
                assert!(
                    !body.trim().is_empty(),
                    "{name} includes the empty file {path}"
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked > 30,
        "only {checked} includes found: is the book there?"
    );
}

/// Package name -> (its binaries, whether `cargo run -p` without `--bin` works).
fn packages() -> BTreeMap<String, (Vec<String>, bool)> {
    let mut packages = BTreeMap::new();
    let manifests = ["lessons", "tools"]
        .into_iter()
        .flat_map(|dir| fs::read_dir(root().join(dir)).unwrap())
        .map(|e| e.unwrap().path().join("Cargo.toml"))
        .chain([
            root().join("shared/Cargo.toml"),
            root().join("tests/Cargo.toml"),
        ]);
    for manifest in manifests {
        let text = fs::read_to_string(&manifest).unwrap();
        let value = |line: &str, key: &str| {
            let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
            Some(rest.trim().trim_matches('"').to_string())
        };
        let name = text.lines().find_map(|l| value(l, "name")).unwrap();
        let default_run = text.lines().find_map(|l| value(l, "default-run"));
        let mut bins = Vec::new();
        let mut main_renamed = false;
        for section in text.split("[[bin]]").skip(1) {
            let section = section.split("\n[").next().unwrap();
            bins.push(section.lines().find_map(|l| value(l, "name")).unwrap());
            main_renamed |= section
                .lines()
                .any(|l| value(l, "path").as_deref() == Some("src/main.rs"));
        }
        if manifest.parent().unwrap().join("src/main.rs").exists() && !main_renamed {
            bins.push(name.clone());
        }
        let runnable = bins.len() == 1 || default_run.as_ref().is_some_and(|d| bins.contains(d));
        packages.insert(name, (bins, runnable));
    }
    packages
}

#[test]
fn every_cargo_run_in_the_book_and_readme_names_a_real_package_and_binary() {
    let packages = packages();
    let mut texts: Vec<PathBuf> = files(&root().join("book/src"), "md");
    texts.extend(files(&root().join("book/src"), "txt"));
    texts.push(root().join("README.md"));
    let mut checked = 0;
    for file in texts {
        let text = fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        for (at, _) in text.match_indices("cargo run ") {
            let line = text[at..].lines().next().unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            let after = |flag: &str| words.iter().position(|w| *w == flag).map(|i| words[i + 1]);
            let Some(package) = after("-p") else { continue };
            let package = package.trim_end_matches(['`', ')', ',', '.']);
            let (bins, runnable) = packages
                .get(package)
                .unwrap_or_else(|| panic!("{name}: `{line}` names no package {package}"));
            // Only flags before `--` belong to cargo.
            let cargo_part = line.split(" -- ").next().unwrap();
            match cargo_part
                .split_whitespace()
                .skip_while(|w| *w != "--bin")
                .nth(1)
            {
                Some(bin) => {
                    let bin = bin.trim_end_matches(['`', ')', ',', '.']);
                    assert!(
                        bins.iter().any(|b| b == bin),
                        "{name}: `{line}`: {package} has no binary {bin} (it has {bins:?})"
                    );
                }
                None => assert!(
                    *runnable,
                    "{name}: `{line}`: {package} has several binaries and no default-run"
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} commands found");
}

#[test]
fn every_lesson_has_a_chapter_in_the_summary() {
    let summary = fs::read_to_string(root().join("book/src/SUMMARY.md")).unwrap();
    let mut lessons: Vec<String> = fs::read_dir(root().join("lessons"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    lessons.sort();
    assert!(!lessons.is_empty());
    for lesson in lessons {
        let number = &lesson[..8]; // "lessonNN"
        let chapter = format!("{number}.md");
        assert!(
            summary.contains(&format!("({chapter})")),
            "{lesson} has no chapter: add book/src/{chapter} and link it from SUMMARY.md"
        );
        let text = fs::read_to_string(root().join("book/src").join(&chapter))
            .unwrap_or_else(|e| panic!("book/src/{chapter}: {e}"));
        assert!(
            text.contains(&format!("cargo run -p {lesson}")),
            "{chapter} never shows how to run {lesson}"
        );
        for part in [
            "## The tutorial step",
            "## What goes wrong",
            "## Exercises",
            "## Going further",
        ] {
            assert!(text.contains(part), "{chapter} lacks the section {part:?}");
        }
    }
}

#[test]
fn every_chapter_in_the_summary_exists() {
    let src = root().join("book/src");
    let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    for (at, _) in summary.match_indices("](") {
        let target = &summary[at + 2..];
        let target = &target[..target.find(')').unwrap()];
        assert!(
            src.join(target).is_file(),
            "SUMMARY.md links to missing {target}"
        );
    }
}
