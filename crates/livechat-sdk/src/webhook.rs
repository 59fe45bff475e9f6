//! Receiving webhooks: checking `X-Livechat-Signature` (SPEC section 18), and the bodies
//! themselves (re-exported from [`livechat_types::webhook`]).
//!
//! The server signs every attempt with `X-Livechat-Timestamp` (Unix seconds) and
//! `X-Livechat-Signature: sha256=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>`.
//! Check the raw body before parsing it, and refuse old timestamps, so that a recorded
//! delivery cannot be replayed later:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//!
//! use livechat_sdk::webhook::{self, WebhookEvent};
//! use reqwest::header::HeaderMap;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secret = "the Livechat_secret_token setting";
//! let body = br#"{"type":"LivechatOfflineMessage","sentAt":"2024-05-02T22:04:09.870Z","visitor":{"name":"Ada","email":"ada@example.com"},"message":"Call me"}"#;
//! // What the server sent along (built here with `sign`).
//! let mut headers = HeaderMap::new();
//! headers.insert(webhook::TIMESTAMP_HEADER, "1714687450".parse()?);
//! headers.insert(webhook::SIGNATURE_HEADER, webhook::sign(secret, 1714687450, body).parse()?);
//! // In a receiver this is `SystemTime::now()`; the timestamp above is from 2024.
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1714687460);
//!
//! webhook::verify_headers(secret, &headers, body, now, webhook::DEFAULT_TOLERANCE)?;
//! let event: WebhookEvent = serde_json::from_slice(body)?;
//! assert_eq!(event.event_type(), "LivechatOfflineMessage");
//!
//! // A body changed on the way does not pass.
//! let forged = br#"{"type":"LivechatOfflineMessage","message":"Call me now"}"#;
//! assert_eq!(
//!     webhook::verify_headers(secret, &headers, forged, now, webhook::DEFAULT_TOLERANCE),
//!     Err(webhook::VerifyError::BadSignature)
//! );
//! # Ok(())
//! # }
//! ```

use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use sha2::Sha256;

pub use livechat_types::webhook::*;

/// How far `X-Livechat-Timestamp` may be from the receiver's clock, either way: 5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Why a delivery failed verification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The header is absent: the server has no secret set, or this is not from the server.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// The header is not what the server writes: the timestamp is not decimal digits, or
    /// the signature is not `sha256=` and 64 lowercase hex digits.
    #[error("malformed header {0}")]
    MalformedHeader(&'static str),
    /// The signature does not match the timestamp, the body and the secret.
    #[error("the signature does not match")]
    BadSignature,
    /// Correctly signed, but longer ago than the tolerance: a replay, or a clock behind.
    #[error("signed at {timestamp}, too long before now ({now})")]
    TooOld {
        /// The timestamp header, in Unix seconds.
        timestamp: i64,
        /// The receiver's time, in Unix seconds.
        now: i64,
    },
    /// Correctly signed, but further in the future than the tolerance: a clock ahead.
    #[error("signed at {timestamp}, too far after now ({now})")]
    TooNew {
        /// The timestamp header, in Unix seconds.
        timestamp: i64,
        /// The receiver's time, in Unix seconds.
        now: i64,
    },
}

/// The `X-Livechat-Signature` value of `body` sent at `timestamp` (Unix seconds):
/// `sha256=` and the lowercase hex HMAC-SHA256 of [`signature_base`].
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp.to_string().as_bytes(), body).finalize().into_bytes();
    let mut value = String::with_capacity(SIGNATURE_PREFIX.len() + 2 * digest.len());
    value.push_str(SIGNATURE_PREFIX);
    for byte in digest {
        value.push(char::from(HEX[usize::from(byte >> 4)]));
        value.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    value
}

/// Checks a delivery from the values of its `X-Livechat-Timestamp` and
/// `X-Livechat-Signature` headers and its raw body: the signature must match (compared in
/// constant time), then the timestamp must be within `tolerance` of `now`.
pub fn verify(
    secret: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let signed_at = parse_timestamp(timestamp)?;
    let expected = parse_signature(signature)?;
    // The header's own digits are what was signed.
    mac(secret, timestamp.as_bytes(), body)
        .verify_slice(&expected)
        .map_err(|_| VerifyError::BadSignature)?;
    let now = unix_seconds(now);
    let tolerance = i128::from(tolerance.as_secs());
    let age = i128::from(now) - i128::from(signed_at);
    if age > tolerance {
        return Err(VerifyError::TooOld { timestamp: signed_at, now });
    }
    if -age > tolerance {
        return Err(VerifyError::TooNew { timestamp: signed_at, now });
    }
    Ok(())
}

/// [`verify`] with the headers of the request (`http` 1's `HeaderMap`, as reqwest, axum and
/// hyper 1 use it; header names are matched without regard to case).
pub fn verify_headers(
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let header = |name: &'static str| {
        let value = headers.get(name).ok_or(VerifyError::MissingHeader(name))?;
        value.to_str().map_err(|_| VerifyError::MalformedHeader(name))
    };
    verify(secret, header(TIMESTAMP_HEADER)?, header(SIGNATURE_HEADER)?, body, now, tolerance)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn mac(secret: &str, timestamp: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp);
    mac.update(b".");
    mac.update(body);
    mac
}

fn parse_timestamp(text: &str) -> Result<i64, VerifyError> {
    let malformed = VerifyError::MalformedHeader(TIMESTAMP_HEADER);
    // `str::parse` would also take a sign; the server writes digits only.
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(malformed);
    }
    text.parse().map_err(|_| malformed)
}

fn parse_signature(text: &str) -> Result<[u8; 32], VerifyError> {
    let malformed = VerifyError::MalformedHeader(SIGNATURE_HEADER);
    let hex = text.strip_prefix(SIGNATURE_PREFIX).ok_or(malformed.clone())?;
    if hex.len() != 64 {
        return Err(malformed);
    }
    let digit = |byte: u8| match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        _ => None,
    };
    let mut digest = [0; 32];
    for (out, pair) in digest.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        *out = digit(pair[0])
            .zip(digit(pair[1]))
            .map(|(high, low)| high << 4 | low)
            .ok_or(malformed.clone())?;
    }
    Ok(digest)
}

/// `now` in Unix seconds (negative before 1970), saturating far outside `i64`.
fn unix_seconds(now: SystemTime) -> i64 {
    match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |secs| -secs),
    }
}

#[cfg(test)]
mod tests;
