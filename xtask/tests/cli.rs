//! The course's command-line conventions, for `cargo xtask` too: `--help` exits 0,
//! a usage error exits 2 with the usage, an unknown exercise is a usage error.

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
