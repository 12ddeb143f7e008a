//! The course's command-line conventions, for every binary of the lesson:
//! `--help` exits 0 and says what privilege the tool needs; bad arguments exit 2
//! with the usage.

mod common;

use common::output;
use std::process::Command;

const BINARIES: [&str; 5] = [
    env!("CARGO_BIN_EXE_lesson10-raw-sockets"),
    env!("CARGO_BIN_EXE_lesson10-ping"),
    env!("CARGO_BIN_EXE_lesson10-traceroute"),
    env!("CARGO_BIN_EXE_lesson10-rawudp"),
    env!("CARGO_BIN_EXE_lesson10-sniff"),
];

#[test]
fn help_exits_0_and_names_the_platform_and_privilege() {
    for binary in BINARIES {
        let (code, stdout, stderr) = output(Command::new(binary).arg("--help"));
        assert_eq!(code, 0, "{binary}: {stderr}");
        assert!(
            stdout.contains("Linux"),
            "{binary} --help says it is for Linux: {stdout}"
        );
        if !binary.ends_with("lesson10-raw-sockets") {
            assert!(
                stdout.contains("CAP_NET_RAW"),
                "{binary} --help names the privilege: {stdout}"
            );
        }
    }
}

#[test]
fn bad_arguments_exit_2_with_the_usage() {
    for binary in BINARIES {
        let (code, _, stderr) = output(Command::new(binary).arg("--no-such-flag"));
        assert_eq!(code, 2, "{binary}: {stderr}");
        assert!(stderr.contains("Usage:"), "{binary}: {stderr}");
    }
    let (code, _, stderr) = output(Command::new(BINARIES[1]).args(["-i", "0.01", "127.0.0.1"]));
    assert_eq!(
        code, 2,
        "a flood interval is refused before anything is sent: {stderr}"
    );
    assert!(stderr.contains("0.2"), "{stderr}");
}
