//! Grader for exercise 15. Run: cargo test -p ex15-udp-pinger
//! The grader plays the lossy server on loopback: it decides which requests to
//! lose (differently on every run) and which to answer late, and checks the
//! requests it receives. Try it by hand with `nc -u 127.0.0.1 PORT`.

use ex15_udp_pinger::{ping, Reply, Report};
use std::collections::HashMap;
use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the server does with request number N.
#[derive(Clone, Copy, Debug)]
enum Fate {
    /// Answer after this delay.
    Answer(Duration),
    /// Never answer: the datagram is "lost".
    Lose,
}

/// A lossy pinger server; `fates` says what happens to each request number
/// (missing numbers are answered at once). It also sends `noise` before its first
/// answer. Returns a connected client socket and the list of requests received.
fn server(
    fates: HashMap<u32, Fate>,
    noise: Option<&'static [u8]>,
) -> (UdpSocket, Arc<Mutex<Vec<String>>>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.connect(socket.local_addr().unwrap()).unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    thread::spawn(move || {
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 2048];
        let mut noise = noise;
        while let Ok((n, peer)) = socket.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            log.lock().unwrap().push(text.clone());
            let seq: Option<u32> = text.strip_prefix("ping ").and_then(|s| s.parse().ok());
            let Some(seq) = seq else { continue }; // not a request: no answer
            if let Some(noise) = noise.take() {
                socket.send_to(noise, peer).unwrap();
            }
            let reply = text.to_uppercase();
            match fates
                .get(&seq)
                .copied()
                .unwrap_or(Fate::Answer(Duration::ZERO))
            {
                Fate::Lose => {}
                Fate::Answer(delay) if delay.is_zero() => {
                    socket.send_to(reply.as_bytes(), peer).unwrap();
                }
                Fate::Answer(delay) => {
                    let socket = socket.try_clone().unwrap();
                    thread::spawn(move || {
                        thread::sleep(delay);
                        let _ = socket.send_to(reply.as_bytes(), peer);
                    });
                }
            }
        }
    });
    (client, received)
}

/// `n` distinct request numbers from 1..=count, differently on every run.
fn some_of(count: u32, n: usize) -> Vec<u32> {
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        | 1;
    let mut chosen = Vec::new();
    while chosen.len() < n {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let seq = x % count + 1;
        if !chosen.contains(&seq) {
            chosen.push(seq);
        }
    }
    chosen.sort();
    chosen
}

fn seqs(report: &Report) -> Vec<u32> {
    report.replies.iter().map(|r| r.seq).collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn every_request_answered_means_no_loss() {
    let (client, received) = server(HashMap::new(), None);
    let started = Instant::now();
    let report = ping(&client, 4, Duration::from_secs(2)).expect("ping failed");
    assert_eq!(
        *received.lock().unwrap(),
        ["ping 1", "ping 2", "ping 3", "ping 4"],
        "send exactly `ping N`, N from 1, once each"
    );
    assert_eq!(report.sent, 4);
    assert_eq!(seqs(&report), [1, 2, 3, 4]);
    assert_eq!(report.loss_percent(), 0.0);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered requests must not wait out the timeout (took {:?})",
        started.elapsed()
    );
}

#[test]
fn lost_requests_are_counted_and_not_resent() {
    let lost = some_of(10, 3);
    let fates = lost.iter().map(|s| (*s, Fate::Lose)).collect();
    let (client, received) = server(fates, None);
    let report = ping(&client, 10, ms(200)).expect("ping failed");
    let answered: Vec<u32> = (1..=10).filter(|s| !lost.contains(s)).collect();
    assert_eq!(report.sent, 10);
    assert_eq!(seqs(&report), answered, "the server lost {lost:?}");
    assert_eq!(
        received.lock().unwrap().len(),
        10,
        "a pinger measures loss: it does not resend"
    );
    assert!(
        (report.loss_percent() - 30.0).abs() < 1e-9,
        "3 of 10 lost is 30%, got {}",
        report.loss_percent()
    );
}

#[test]
fn a_late_reply_is_not_taken_for_the_next_request() {
    // `ping 1` is answered after 450 ms, while the client waits for `ping 2` (lost).
    let fates = HashMap::from([(1, Fate::Answer(ms(450))), (2, Fate::Lose)]);
    let (client, _) = server(fates, None);
    let report = ping(&client, 3, ms(300)).expect("ping failed");
    assert_eq!(
        seqs(&report),
        [3],
        "PING 1 arrived too late for request 1, and it is not the reply to request 2: \
         only request 3 was answered (got {:?})",
        report.replies
    );
    assert!(report.replies[0].rtt < ms(300));
    assert!((report.loss_percent() - 200.0 / 3.0).abs() < 1e-6);
}

#[test]
fn datagrams_that_are_not_replies_are_ignored() {
    // Request 1 is lost, but a stray HELLO arrives while the client waits for it.
    let (client, _) = server(HashMap::from([(1, Fate::Lose)]), Some(b"HELLO"));
    let report = ping(&client, 2, ms(500)).expect("ping failed");
    assert_eq!(
        seqs(&report),
        [2],
        "HELLO is not PING 1: request 1 got no reply (got {:?})",
        report.replies
    );
}

#[test]
fn round_trip_times_are_measured() {
    let fates = (1..=3)
        .map(|s| (s, Fate::Answer(ms(60 * u64::from(s)))))
        .collect();
    let (client, _) = server(fates, None);
    let report = ping(&client, 3, Duration::from_secs(3)).expect("ping failed");
    assert_eq!(seqs(&report), [1, 2, 3]);
    for r in &report.replies {
        assert!(
            r.rtt >= ms(60 * u64::from(r.seq)) && r.rtt < Duration::from_secs(3),
            "the server waited {} ms before answering request {}, you measured {:?}",
            60 * r.seq,
            r.seq,
            r.rtt
        );
    }
    let (min, avg, max) = report.min_avg_max().unwrap();
    assert_eq!((min, max), (report.replies[0].rtt, report.replies[2].rtt));
    assert!(min <= avg && avg <= max);
}

#[test]
fn a_silent_server_means_all_lost() {
    let fates = (1..=3).map(|s| (s, Fate::Lose)).collect();
    let (client, _) = server(fates, None);
    let started = Instant::now();
    let report = ping(&client, 3, ms(150)).expect("silence is not an error");
    assert_eq!(
        report,
        Report {
            sent: 3,
            replies: vec![]
        }
    );
    assert!(
        started.elapsed() >= ms(450),
        "each request waits its whole timeout: 3 x 150 ms (took {:?})",
        started.elapsed()
    );
    assert_eq!(report.loss_percent(), 100.0);
    assert_eq!(report.min_avg_max(), None);
}

#[test]
fn statistics_of_known_times() {
    let replies = |rtts: &[u64]| -> Vec<Reply> {
        rtts.iter()
            .enumerate()
            .map(|(i, t)| Reply {
                seq: i as u32 + 1,
                rtt: ms(*t),
            })
            .collect()
    };
    let report = Report {
        sent: 4,
        replies: replies(&[10, 20, 60]),
    };
    assert_eq!(report.loss_percent(), 25.0);
    assert_eq!(report.min_avg_max(), Some((ms(10), ms(30), ms(60))));
    // Numbers that change from run to run.
    let times: Vec<u64> = some_of(500, 5).into_iter().map(u64::from).collect();
    let report = Report {
        sent: 8,
        replies: replies(&times),
    };
    let mean = ms(times.iter().sum::<u64>()) / 5;
    assert_eq!(
        report.min_avg_max(),
        Some((
            ms(*times.iter().min().unwrap()),
            mean,
            ms(*times.iter().max().unwrap())
        )),
        "times {times:?} ms"
    );
    assert_eq!(report.loss_percent(), 37.5);
    assert_eq!(
        Report::default().loss_percent(),
        0.0,
        "nothing sent, nothing lost"
    );
}
