//! # Exercise 13: follow a relative redirect
//!
//! A redirect's `Location` is often relative to the page that sent it. The client
//! is at `/a/b/rel` and reads:
//!
//! ```text
//! Location: ../target?x=1     ->  GET /a/target?x=1
//! Location: ?page=2           ->  GET /a/b/rel?page=2
//! Location: /top              ->  GET /top
//! ```
//!
//! Pasting strings together gets these wrong (`/a/b/../target?x=1` is not a path a
//! server should see, and `?page=2` keeps the page, not its folder). RFC 3986
//! section 5.2 says exactly what to do:
//!
//! - drop a fragment (`#...`): it never goes to the server;
//! - an empty path (`""`, `?q`) keeps the current path, and the current query unless
//!   the reference has its own;
//! - a path starting with `/` replaces the whole path;
//! - any other path replaces what follows the current path's last `/`;
//! - then `.` and `..` segments are removed: `..` goes up one folder but never above
//!   the root, and a path ending in `.` or `..` ends with `/` (it names a folder).
//!
//! Only paths here: the grader never gives a `Location` with a scheme or a host.
//!
//! Read first: the book's chapter on lesson 4 ("Redirects"), and `Url::join` in
//! `lessons/lesson04-http-get-client/src/url.rs`.
//!
//! Grade your work with `cargo test -p ex13-relative-redirect`.
#![allow(unused_variables)] // until you write the bodies

/// Removes `.` and `..` segments from an absolute path (one starting with `/`):
/// `/a/b/c/./../../g` is `/a/g`; `/a/b/..` is `/a/`; `/../g` is `/g`.
pub fn remove_dot_segments(path: &str) -> String {
    // TODO
    todo!("ex13: remove . and .. segments")
}

/// The request target to ask for after a redirect to `reference`, from the page
/// whose request target (path and optional query) is `base`, e.g. `/a/b/c/d;p?q`.
pub fn resolve(base: &str, reference: &str) -> String {
    // TODO
    todo!("ex13: resolve a relative reference")
}
