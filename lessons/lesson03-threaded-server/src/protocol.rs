//! The greeting protocol's words and limits, in one place: lesson 3 speaks it, and
//! lessons 6, 7 and 8 import it from here rather than restate it.

use std::time::Duration;

/// What the server says first.
pub const WELCOME: &str = "Welcome!";

/// What a client over the connection limit is told before the server hangs up.
pub const BUSY: &str = "error: server busy, try again later";

/// What every client is told when the server stops.
pub const SHUTTING_DOWN: &str = "server shutting down";

/// The longest message accepted, in bytes.
pub const MAX_LINE: usize = 4096;

/// How long a client without newlines must stay quiet for its bytes to count as a
/// message (see [`crate::messages`]).
pub const PAUSE: Duration = Duration::from_millis(200);

/// The reply to a message: the tutorials' greeting.
pub fn greeting(name: &str) -> String {
    format!("Hello, {name}!")
}

/// `exit` ends a session; `disconnect` is the other tutorial's word for it.
pub fn is_exit(message: &str) -> bool {
    matches!(message.trim(), "exit" | "disconnect")
}

/// The last words to a client whose message is longer than `limit` bytes.
pub fn too_long(limit: usize) -> String {
    format!("error: message too long (limit {limit} bytes)")
}

/// The last words to a client that sent nothing for `idle`.
pub fn idle(idle: Duration) -> String {
    let secs = idle.as_secs_f64();
    format!("error: nothing received for {secs} s, closing the connection")
}

/// The last words to a client whose line was not finished within `idle`.
pub fn unfinished(idle: Duration) -> String {
    let secs = idle.as_secs_f64();
    format!("error: line not finished within {secs} s, closing the connection")
}

/// A protocol line as it goes on the wire: the text and `\n`.
pub fn line(text: &str) -> Vec<u8> {
    format!("{text}\n").into_bytes()
}
