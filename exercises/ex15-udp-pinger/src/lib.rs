//! # Exercise 15: a UDP pinger
//!
//! The classic exercise of networking courses: `ping` without ICMP, over UDP, so
//! that it needs no privilege. The server answers each datagram with the same text
//! in capital letters, except that it *loses* some of them on purpose, and answers
//! some late. Your client measures what ping measures: the round-trip time of each
//! answered request, the loss, and min/avg/max.
//!
//! The rules:
//!
//! - send `count` requests, one after the other, numbered from 1: the datagram
//!   `ping 1`, then `ping 2`, ... (ASCII, nothing else);
//! - after each send, wait at most `timeout` (from the send) for its reply, the
//!   datagram `PING 1` for `ping 1`; then send the next request at once, whether or
//!   not the reply came;
//! - a datagram that is not the reply to the request you are waiting for (a late
//!   reply to an earlier request, or anything else) does not count: ignore it and
//!   keep waiting until the timeout;
//! - the round-trip time is from just before the send to just after the receive.
//!
//! The socket is already `connect`ed to the server: use `send` and `recv`.
//!
//! Read first: the book's chapter on lesson 10 (ping), and lesson 5's on timeouts.
//!
//! Grade your work with `cargo test -p ex15-udp-pinger`.
#![allow(unused_variables)] // until you write the bodies

use std::io;
use std::net::UdpSocket;
use std::time::Duration;

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The request's number (1 for `ping 1`).
    pub seq: u32,
    /// How long the answer took.
    pub rtt: Duration,
}

/// What a run measured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Requests sent.
    pub sent: u32,
    /// The answered ones, in the order of their numbers.
    pub replies: Vec<Reply>,
}

/// Sends `count` requests and collects the replies (see the rules above).
///
/// Hints: `socket.set_read_timeout(Some(left))` with the time left until this
/// request's deadline (a zero timeout is an error: stop waiting before that); an
/// expired timeout is an error of kind `WouldBlock` (Unix) or `TimedOut` (Windows).
pub fn ping(socket: &UdpSocket, count: u32, timeout: Duration) -> io::Result<Report> {
    // TODO
    todo!("ex15: send ping N, wait for PING N until the timeout, measure the time")
}

impl Report {
    /// The share of requests that got no reply, in percent (0 if none was sent).
    pub fn loss_percent(&self) -> f64 {
        // TODO
        todo!("ex15: (sent - received) as a percentage of sent")
    }

    /// The smallest, average and largest round-trip time; `None` without replies.
    pub fn min_avg_max(&self) -> Option<(Duration, Duration, Duration)> {
        // TODO
        todo!("ex15: min, mean and max of the replies' rtt")
    }
}
