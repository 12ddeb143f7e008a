//! Grader for exercise 16. Run: cargo test -p ex16-imap-sequence-set
//! Each failing check names the input, what was expected and what came back.

use ex16_imap_sequence_set::{parse, Bound, SequenceSet, SetError};
use std::time::{SystemTime, UNIX_EPOCH};

fn set(text: &str) -> SequenceSet {
    parse(text).unwrap_or_else(|e| panic!("parse({text:?}) should succeed, got the error {e:?}"))
}

#[test]
fn single_numbers_ranges_and_star() {
    use Bound::*;
    for (text, want) in [
        ("1", vec![(Number(1), Number(1))]),
        ("*", vec![(Star, Star)]),
        ("1:*", vec![(Number(1), Star)]),
        (
            "2,4:6",
            vec![(Number(2), Number(2)), (Number(4), Number(6))],
        ),
        ("5:3", vec![(Number(5), Number(3))]),
        ("*:4,7", vec![(Star, Number(4)), (Number(7), Number(7))]),
    ] {
        assert_eq!(set(text), SequenceSet(want), "parse({text:?})");
    }
}

#[test]
fn what_rfc_3501_refuses() {
    for (text, want) in [
        ("", SetError::Empty(String::new())),
        ("1,,2", SetError::Empty("1,,2".into())),
        ("1,", SetError::Empty("1,".into())),
        ("3:", SetError::Empty("3:".into())),
        ("0", SetError::Zero("0".into())),
        ("0:5", SetError::Zero("0:5".into())),
        ("1-3", SetError::Invalid("1-3".into())),
        (" 1", SetError::Invalid(" 1".into())),
        ("1:2:3", SetError::Invalid("1:2:3".into())),
        ("99999999999", SetError::Invalid("99999999999".into())),
        ("+5", SetError::Invalid("+5".into())),
    ] {
        assert_eq!(
            parse(text),
            Err(want),
            "parse({text:?}) should be refused so"
        );
    }
}

#[test]
fn contains_and_numbers() {
    let s = set("2,4:6,9:*");
    assert_eq!(
        s.numbers(12),
        [2, 4, 5, 6, 9, 10, 11, 12],
        "\"2,4:6,9:*\" with * = 12"
    );
    assert_eq!(
        set("5:3").numbers(10),
        [3, 4, 5],
        "a range written backwards"
    );
    assert_eq!(
        set("3,1:4").numbers(10),
        [1, 2, 3, 4],
        "each number once, in order"
    );
    assert_eq!(set("*").numbers(7), [7], "\"*\" is the last one");
    // RFC 3501 6.4.8: 20:* with a highest UID of 7 is 7:20, and holds 7.
    assert!(
        set("20:*").contains(7, 7),
        "\"20:*\" must contain 7 when * is 7"
    );
    assert!(
        !set("20:*").contains(6, 7),
        "\"20:*\" must not contain 6 when * is 7"
    );
    assert!(set("20:*").contains(20, 7));
    assert!(
        set("20:*").numbers(7) == [7],
        "numbers(7) of \"20:*\" is [7]"
    );
}

/// Different numbers every run, so that an answer learnt by heart fails.
#[test]
fn varying_sets() {
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        | 1;
    let mut next = |max: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % max as u64) as u32 + 1
    };
    for _ in 0..200 {
        let largest = next(50);
        let (a, b, c) = (next(60), next(60), next(60));
        let text = format!("{a}:{b},{c},{}:*", next(60));
        let s = set(&text);
        let start_star = text
            .rsplit(',')
            .next()
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap();
        let want: Vec<u32> = (1..=largest)
            .filter(|&n| {
                (a.min(b)..=a.max(b)).contains(&n)
                    || n == c
                    || (start_star.min(largest)..=start_star.max(largest)).contains(&n)
            })
            .collect();
        assert_eq!(s.numbers(largest), want, "{text:?} with * = {largest}");
    }
}
