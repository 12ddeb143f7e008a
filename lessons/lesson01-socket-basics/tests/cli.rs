//! The binary as a learner runs it.

use assert_cmd::Command;

fn lesson() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lesson01-socket-basics"))
}

#[test]
fn runs_the_tour() {
    let out = lesson().assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("[1] Python: s = socket.socket("), "{text}");
    assert!(text.contains("the OS chose 127.0.0.1:"), "{text}");
}

#[test]
fn list_prints_only_the_table() {
    let out = lesson()
        .arg("--list")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("Python"), "{text}");
    assert!(!text.contains("Result:"), "--list must not run the tour");
}

#[test]
fn help_works_and_bad_arguments_exit_2() {
    lesson().arg("--help").assert().success();
    let out = lesson()
        .arg("--bogus")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("Usage:"));
}
