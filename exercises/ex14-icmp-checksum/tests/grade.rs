//! Grader for exercise 14. Run: cargo test -p ex14-icmp-checksum
//! Known answers come from RFC 1071 and from real packets captured on Linux; the
//! round-trip tests use numbers that change from run to run.

use ex14_icmp_checksum::{decode_echo, encode_echo, internet_checksum, DecodeError, Echo};

/// An echo reply as the Linux kernel sent it (captured on `lo` by lesson10-sniff):
/// identifier 0x6cf0, sequence 1, 56 bytes of data 0, 1, 2, ... 55.
const KERNEL_REPLY: &str = "00009bfb6cf00001000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn show(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which field of an echo message byte `at` belongs to.
fn field(at: usize) -> &'static str {
    match at {
        0 => "type",
        1 => "code",
        2 | 3 => "checksum",
        4 | 5 => "identifier",
        6 | 7 => "sequence number",
        _ => "data",
    }
}

/// Asserts that an encoded message is `want`, naming the first wrong field.
fn assert_message(got: &[u8], want: &[u8]) {
    if let Some(at) = grading::first_difference(got, want) {
        panic!(
            "the encoded message differs first at byte {at}, the {}:\n  expected {}\n       got {}\n\
             (type 8 request / 0 reply, code 0, checksum, identifier, sequence, data; numbers big-endian)",
            field(at),
            show(want),
            show(got)
        );
    }
}

/// Numbers that differ per run, so no stored answer passes.
fn varying(n: usize) -> Vec<u16> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        ^ u64::from(std::process::id());
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u16
        })
        .collect()
}

#[test]
fn the_rfc_1071_example() {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 add up to 0xddf2 once the
    // carries are folded back in; the checksum is its inverse.
    let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
    assert_eq!(
        internet_checksum(&data),
        0x220d,
        "sum the big-endian words 0x0001 + 0xf203 + 0xf4f5 + 0xf6f7, fold the carry (0x2ddf0 -> 0xddf2), invert"
    );
}

#[test]
fn carries_are_added_back_at_the_bottom() {
    // 0xffff + 0x0001 = 0x10000: folding the carry gives 0x0001, inverted 0xfffe.
    // Plain 16-bit wrapping addition would give 0x0000, inverted 0xffff.
    assert_eq!(
        internet_checksum(&[0xff, 0xff, 0x00, 0x01]),
        0xfffe,
        "ones' complement addition: a carry out of bit 15 is added back to bit 0"
    );
    // Many large words: the carries must all be folded, however many there are.
    assert_eq!(internet_checksum(&[0xff; 4000]), 0x0000);
}

#[test]
fn an_odd_last_byte_is_the_high_half_of_a_word() {
    assert_eq!(
        internet_checksum(&[0x01]),
        0xfeff,
        "the last byte 0x01 counts as the word 0x0100, not 0x0001"
    );
    assert_eq!(
        internet_checksum(&[]),
        0xffff,
        "nothing sums to 0, inverted 0xffff"
    );
}

#[test]
fn a_real_ipv4_header_checks_out() {
    // A captured IPv4 header whose checksum (bytes 10-11) is 0xb861.
    let mut header = hex("45000073000040004011b861c0a80001c0a800c7");
    assert_eq!(
        internet_checksum(&header),
        0,
        "summing a message *with* its correct checksum gives 0"
    );
    header[10] = 0;
    header[11] = 0;
    assert_eq!(internet_checksum(&header), 0xb861);
}

#[test]
fn an_echo_request_is_encoded_byte_for_byte() {
    let echo = Echo {
        reply: false,
        ident: 0x1234,
        seq: 1,
        payload: b"abc".to_vec(),
    };
    assert_message(&encode_echo(&echo), &hex("0800216812340001616263"));
}

#[test]
fn an_echo_reply_is_encoded_as_the_kernel_encodes_it() {
    let echo = Echo {
        reply: true,
        ident: 0x6cf0,
        seq: 1,
        payload: (0..56).collect(),
    };
    assert_message(&encode_echo(&echo), &hex(KERNEL_REPLY));
}

#[test]
fn the_kernels_reply_decodes() {
    let echo = decode_echo(&hex(KERNEL_REPLY)).expect("a real reply must decode");
    assert_eq!(
        echo,
        Echo {
            reply: true,
            ident: 0x6cf0,
            seq: 1,
            payload: (0..56).collect()
        }
    );
}

#[test]
fn encode_then_decode_gives_the_same_echo_for_any_fields() {
    let numbers = varying(60);
    for round in 0..20 {
        let echo = Echo {
            reply: numbers[round] & 1 == 0,
            ident: numbers[20 + round],
            seq: numbers[40 + round],
            payload: numbers[..round * 3 % 60].iter().map(|n| *n as u8).collect(),
        };
        let bytes = encode_echo(&echo);
        assert_eq!(bytes.len(), 8 + echo.payload.len());
        assert_eq!(
            internet_checksum(&bytes),
            0,
            "an encoded message must check out: {}",
            show(&bytes)
        );
        assert_eq!(decode_echo(&bytes), Ok(echo));
    }
}

#[test]
fn short_messages_are_refused() {
    for len in 0..8 {
        assert_eq!(
            decode_echo(&hex(KERNEL_REPLY)[..len]),
            Err(DecodeError::TooShort),
            "{len} bytes are not a header"
        );
    }
}

#[test]
fn other_icmp_types_are_not_echoes() {
    // Destination unreachable (type 3), with a correct checksum.
    let mut message = vec![3, 1, 0, 0, 0, 0, 0, 0, 0x45, 0];
    let sum = internet_checksum(&message);
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    assert_eq!(
        decode_echo(&message),
        Err(DecodeError::NotAnEcho { kind: 3 })
    );
}

#[test]
fn any_damaged_byte_is_noticed() {
    let good = hex(KERNEL_REPLY);
    let flips = varying(16);
    for flip in flips {
        let mut bad = good.clone();
        let at = 2 + usize::from(flip) % (good.len() - 2); // keep the type an echo
        let bit = 1u8 << (flip % 8);
        bad[at] ^= bit;
        assert_eq!(
            decode_echo(&bad),
            Err(DecodeError::BadChecksum),
            "byte {at} changed (bit {bit:#04x}): the checksum must catch it"
        );
    }
}
