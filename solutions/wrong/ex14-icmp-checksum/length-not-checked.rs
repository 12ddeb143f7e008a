//! Known-wrong solution to ex14-icmp-checksum (a realistic beginner bug; see exercises/README.md).
//!
//! bug: the length is not checked first: a short message makes decode index past its end
//! catches: short_messages_are_refused

/// An echo request or reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echo {
    /// `true` for a reply (type 0), `false` for a request (type 8).
    pub reply: bool,
    /// Chosen by the sender to recognise its own replies.
    pub ident: u16,
    /// Counts the requests: 1, 2, 3...
    pub seq: u16,
    /// The data, which the reply carries back unchanged.
    pub payload: Vec<u8>,
}

/// Why bytes are not a valid echo message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer than 8 bytes: not even a header.
    TooShort,
    /// An ICMP message of another type (e.g. 3, destination unreachable).
    NotAnEcho {
        /// The type byte.
        kind: u8,
    },
    /// The checksum does not match the bytes: the message was damaged.
    BadChecksum,
}

/// The Internet checksum of `data` (RFC 1071).
pub fn internet_checksum(data: &[u8]) -> u16 {
    let mut sum: u64 = 0;
    let mut words = data.chunks_exact(2);
    for word in &mut words {
        sum += u64::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = words.remainder() {
        sum += u64::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The bytes of `echo` as an ICMP message, checksum included.
pub fn encode_echo(echo: &Echo) -> Vec<u8> {
    let mut message = vec![if echo.reply { 0 } else { 8 }, 0, 0, 0];
    message.extend_from_slice(&echo.ident.to_be_bytes());
    message.extend_from_slice(&echo.seq.to_be_bytes());
    message.extend_from_slice(&echo.payload);
    let sum = internet_checksum(&message);
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    message
}

/// Reads an echo request or reply, refusing short, foreign and damaged messages.
pub fn decode_echo(message: &[u8]) -> Result<Echo, DecodeError> {
    let reply = match message[0] {
        0 => true,
        8 => false,
        kind => return Err(DecodeError::NotAnEcho { kind }),
    };
    if internet_checksum(message) != 0 {
        return Err(DecodeError::BadChecksum);
    }
    Ok(Echo {
        reply,
        ident: u16::from_be_bytes([message[4], message[5]]),
        seq: u16::from_be_bytes([message[6], message[7]]),
        payload: message[8..].to_vec(),
    })
}
