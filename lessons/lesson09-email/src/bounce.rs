//! Bounces: telling the sender that a mail could not be delivered.
//!
//! Once an MTA has said `250`, the sender's MUA has gone; the only way left to
//! report a failure is a mail back to the envelope sender: a *delivery status
//! notification* (RFC 3464). It is a `multipart/report` with three parts: text for
//! a person, a `message/delivery-status` part for programs (one block per failed
//! recipient, with the remote MTA's reply), and the failed mail's headers.
//!
//! A bounce is sent from the null sender `<>`, and mail from `<>` is never
//! bounced (RFC 5321 sections 4.5.5 and 6.1): otherwise two MTAs that cannot reach
//! each other's users would bounce bounces back and forth forever.

use crate::message::rfc5322_date;
use crate::queue::Recipient;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The enhanced status code (`5.1.1`) at the start of a reply's text, if any;
/// else one made from the reply code's first digit.
pub fn status_of(reply: &str) -> String {
    let mut words = reply.split_whitespace();
    let code = words.next().unwrap_or_default();
    let given = words.next().filter(|w| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    });
    match given {
        Some(status) => status.to_string(),
        None if code.starts_with('5') => "5.0.0".to_string(),
        None => "4.4.7".to_string(), // expired: gave up on a temporary failure
    }
}

// ANCHOR: compose
/// The bounce for `failed` recipients of a mail from `sender` whose text is `original`.
pub fn compose(
    hostname: &str,
    sender: &str,
    arrived: u64,
    failed: &[&Recipient],
    original: &[u8],
) -> String {
    let now = SystemTime::now();
    let boundary = format!(
        "report-{}",
        now.duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    );
    let mut text = format!(
        "From: Mail Delivery System <MAILER-DAEMON@{hostname}>\n\
         To: <{sender}>\n\
         Subject: Undelivered Mail Returned to Sender\n\
         Date: {}\n\
         Auto-Submitted: auto-replied\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status;\n\
         \tboundary=\"{boundary}\"\n\
         \n\
         This is a delivery status notification (RFC 3464).\n\
         \n\
         --{boundary}\n\
         Content-Type: text/plain; charset=us-ascii\n\
         \n\
         This is the mail system at {hostname}.\n\
         Your mail could not be delivered to these recipients:\n\n",
        rfc5322_date(now)
    );
    for r in failed {
        text.push_str(&format!("<{}>: {}\n", r.address, r.reply));
    }
    let arrived = UNIX_EPOCH + Duration::from_secs(arrived);
    text.push_str(&format!(
        "\n--{boundary}\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; {hostname}\n\
         Arrival-Date: {}\n",
        rfc5322_date(arrived)
    ));
    for r in failed {
        text.push_str(&format!(
            "\nFinal-Recipient: rfc822; {}\n\
             Action: failed\n\
             Status: {}\n\
             Diagnostic-Code: smtp; {}\n",
            r.address,
            status_of(&r.reply),
            r.reply
        ));
    }
    text.push_str(&format!(
        "\n--{boundary}\nContent-Type: text/rfc822-headers\n\n"
    ));
    let head = original
        .split(|&b| b == b'\n')
        .take_while(|line| !line.is_empty() && *line != b"\r");
    for line in head {
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    text.push_str(&format!("\n--{boundary}--\n"));
    text
}
// ANCHOR_END: compose

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::State;

    #[test]
    fn the_status_comes_from_the_reply() {
        assert_eq!(status_of("550 5.1.1 No such user here"), "5.1.1");
        assert_eq!(status_of("550 No such user"), "5.0.0");
        assert_eq!(status_of("gave up after 3 attempts"), "4.4.7");
    }

    #[test]
    fn a_bounce_is_a_delivery_status_report_naming_the_reply() {
        let failed = Recipient {
            address: "nobody@sina.test".parse().unwrap(),
            state: State::Failed,
            reply: "550 5.1.1 No such user here (from 127.0.0.1:2526)".into(),
        };
        let text = compose(
            "163.test",
            "me@163.test",
            0,
            &[&failed],
            b"Return-Path: <x>\nSubject: hi\n\nthe secret text\n",
        );
        for part in [
            "To: <me@163.test>\n",
            "Content-Type: multipart/report; report-type=delivery-status;\n",
            "Content-Type: message/delivery-status\n",
            "Final-Recipient: rfc822; nobody@sina.test\nAction: failed\nStatus: 5.1.1\n",
            "Diagnostic-Code: smtp; 550 5.1.1 No such user here",
            "Content-Type: text/rfc822-headers\n\nReturn-Path: <x>\nSubject: hi\n\n--",
        ] {
            assert!(text.contains(part), "{part:?} missing in\n{text}");
        }
        assert!(
            !text.contains("secret text"),
            "only the headers are returned"
        );
    }
}
