//! The course's command-line conventions, for `cargo xtask` too: `--help` exits 0,
//! a usage error exits 2 with the usage, an unknown exercise is a usage error.

use std::io::Write;
use std::process::Command;

fn xtask(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_exits_0_for_every_task() {
    for args in [
        &["--help"][..],
        &["grade", "--help"],
        &["hint", "--help"],
        &["watch", "--help"],
        &["doctor", "--help"],
        &["verify", "--help"],
    ] {
        let (code, stdout, _) = xtask(args);
        assert_eq!(code, 0, "{args:?}");
        assert!(stdout.contains("Usage: cargo xtask"), "{args:?}: {stdout}");
    }
}

#[test]
fn usage_errors_exit_2_with_the_usage() {
    for args in [
        &[][..],
        &["grade", "--bogus"],
        &["grade", "--json"],
        &["frobnicate"],
        &["verify", "--phase", "nonsense"],
    ] {
        let (code, _, stderr) = xtask(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("Usage:"), "{args:?}: {stderr}");
    }
}

#[test]
fn an_unknown_exercise_is_a_usage_error_naming_the_known_ones() {
    for task in ["grade", "hint", "verify", "watch"] {
        let (code, _, stderr) = xtask(&[task, "ex99-nothing"]);
        assert_eq!(code, 2, "{task}: {stderr}");
        assert!(
            stderr.starts_with("error: no exercise named \"ex99-nothing\" (known: ex01-addresses,"),
            "{task}: {stderr}"
        );
        assert!(stderr.contains("Usage:"), "{task}: {stderr}");
    }
}

/// `doctor` names what is missing and the lessons that need it. With a `PATH` that
/// holds only Rust's tools, `nc` and `curl` cannot be found, whatever this machine has.
#[test]
fn doctor_names_a_missing_tool_and_what_needs_it() {
    let cargo = Command::new("rustup")
        .args(["which", "cargo"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    let Some(cargo) = cargo else {
        // Straight to stderr: the harness hides `eprintln!` of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "note: skipping doctor's test: rustup is not installed, so Rust's bin folder is unknown"
        );
        return;
    };
    let rust_bin = std::path::Path::new(&cargo).parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("doctor")
        .env("PATH", rust_bin)
        .output()
        .expect("xtask runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "Rust is there: {stdout}");
    assert!(stdout.contains("  ok       rust"), "{stdout}");
    let nc = stdout
        .lines()
        .find(|l| l.contains(" nc "))
        .unwrap_or_default();
    assert!(nc.starts_with("  MISSING  nc"), "{stdout}");
    assert!(
        nc.contains("lessons 2, 3, 5, 9") && nc.contains("netcat-openbsd"),
        "{nc}"
    );
    assert!(stdout.contains("thing(s) missing or busy"), "{stdout}");
}
