//! Signing and verifying against one fixed vector, computed outside Rust (Python's `hmac`,
//! checked with `openssl dgst -sha256 -hmac`), which `compat/webhook/fixture.json` shares
//! with the Python and JavaScript checks.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::*;

const SECRET: &str = "whsec-livechat-compat-fixture";
const TIMESTAMP: i64 = 1_714_687_450;
const BODY: &str = r#"{"type":"LivechatOfflineMessage","sentAt":"2024-05-02T22:04:09.870Z","visitor":{"name":"Zoë Ødegård","email":"zoe@example.com"},"message":"Can someone call me back? ☎"}"#;
const SIGNATURE: &str = "sha256=2e80f4138b3568eb22f42170d44be98f12ed8d6a4d1463fae5a3fbee431fd870";

fn at(seconds: i64) -> SystemTime {
    let offset = Duration::from_secs(seconds.unsigned_abs());
    if seconds < 0 {
        SystemTime::UNIX_EPOCH - offset
    } else {
        SystemTime::UNIX_EPOCH + offset
    }
}

fn check(timestamp: &str, signature: &str, body: &[u8], now: i64) -> Result<(), VerifyError> {
    verify(SECRET, timestamp, signature, body, at(now), DEFAULT_TOLERANCE)
}

#[test]
fn the_fixed_vector_signs_and_verifies() {
    assert_eq!(sign(SECRET, TIMESTAMP, BODY.as_bytes()), SIGNATURE);
    assert_eq!(check("1714687450", SIGNATURE, BODY.as_bytes(), TIMESTAMP), Ok(()));
    // The body is an offline message event as receivers parse it.
    let event: WebhookEvent = serde_json::from_str(BODY).expect("parses");
    assert_eq!(event.event_type(), "LivechatOfflineMessage");
}

#[test]
fn the_shared_fixture_is_the_same_vector() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../../../../compat/webhook/fixture.json"))
            .expect("fixture.json is JSON");
    assert_eq!(fixture["secret"], SECRET);
    assert_eq!(fixture["timestamp"], TIMESTAMP.to_string());
    assert_eq!(fixture["body"], BODY);
    assert_eq!(fixture["signature"], SIGNATURE);
}

#[test]
fn sign_covers_the_signature_base() {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).expect("any key");
    mac.update(&signature_base(TIMESTAMP, BODY.as_bytes()));
    let hex: String =
        mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(format!("sha256={hex}"), SIGNATURE);
}

#[test]
fn any_changed_body_byte_is_refused() {
    let body = BODY.as_bytes();
    for index in 0..body.len() {
        let mut changed = body.to_vec();
        changed[index] ^= 0x01;
        assert_eq!(
            check("1714687450", SIGNATURE, &changed, TIMESTAMP),
            Err(VerifyError::BadSignature),
            "byte {index}"
        );
    }
    let mut longer = body.to_vec();
    longer.push(b' ');
    assert_eq!(check("1714687450", SIGNATURE, &longer, TIMESTAMP), Err(VerifyError::BadSignature));
    assert_eq!(check("1714687450", SIGNATURE, b"", TIMESTAMP), Err(VerifyError::BadSignature));
}

#[test]
fn a_changed_timestamp_is_refused() {
    for timestamp in ["1714687451", "1714687449", "01714687450"] {
        assert_eq!(
            check(timestamp, SIGNATURE, BODY.as_bytes(), TIMESTAMP),
            Err(VerifyError::BadSignature),
            "{timestamp}"
        );
    }
}

#[test]
fn a_wrong_secret_is_refused() {
    for secret in ["whsec-livechat-compat-fixturE", "", "whsec-livechat-compat-fixture "] {
        let result = verify(
            secret,
            "1714687450",
            SIGNATURE,
            BODY.as_bytes(),
            at(TIMESTAMP),
            DEFAULT_TOLERANCE,
        );
        assert_eq!(result, Err(VerifyError::BadSignature), "{secret:?}");
    }
}

#[test]
fn timestamps_outside_the_tolerance_are_refused() {
    let body = BODY.as_bytes();
    // Exactly the tolerance either way still passes.
    assert_eq!(check("1714687450", SIGNATURE, body, TIMESTAMP + 300), Ok(()));
    assert_eq!(check("1714687450", SIGNATURE, body, TIMESTAMP - 300), Ok(()));
    assert_eq!(
        check("1714687450", SIGNATURE, body, TIMESTAMP + 301),
        Err(VerifyError::TooOld { timestamp: TIMESTAMP, now: TIMESTAMP + 301 })
    );
    assert_eq!(
        check("1714687450", SIGNATURE, body, TIMESTAMP - 301),
        Err(VerifyError::TooNew { timestamp: TIMESTAMP, now: TIMESTAMP - 301 })
    );
    // A day later (a replayed delivery) and before 1970.
    assert!(matches!(
        check("1714687450", SIGNATURE, body, TIMESTAMP + 86_400),
        Err(VerifyError::TooOld { .. })
    ));
    assert!(matches!(check("1714687450", SIGNATURE, body, -5), Err(VerifyError::TooNew { .. })));
    // The tolerance is the caller's.
    let wide =
        verify(SECRET, "1714687450", SIGNATURE, body, at(TIMESTAMP + 3600), DEFAULT_TOLERANCE * 12);
    assert_eq!(wide, Ok(()));
    let none = verify(SECRET, "1714687450", SIGNATURE, body, at(TIMESTAMP + 1), Duration::ZERO);
    assert!(matches!(none, Err(VerifyError::TooOld { .. })));
}

#[test]
fn malformed_headers_are_refused() {
    let body = BODY.as_bytes();
    let hex = &SIGNATURE["sha256=".len()..];
    let bad_timestamp = VerifyError::MalformedHeader(TIMESTAMP_HEADER);
    for timestamp in [
        "",
        " 1714687450",
        "1714687450 ",
        "+1714687450",
        "-1714687450",
        "1714687450.0",
        "1e9",
        "99999999999999999999",
    ] {
        assert_eq!(
            check(timestamp, SIGNATURE, body, TIMESTAMP),
            Err(bad_timestamp.clone()),
            "{timestamp:?}"
        );
    }
    let bad_signature = VerifyError::MalformedHeader(SIGNATURE_HEADER);
    let upper = format!("sha256={}", hex.to_uppercase());
    let short = format!("sha256={}", &hex[..62]);
    let long = format!("{SIGNATURE}00");
    let not_hex = format!("sha256={}zz", &hex[..62]);
    let spaced = format!("sha256= {}", &hex[..63]);
    let other = format!("sha1={hex}");
    let cases = ["", "sha256=", hex, &upper, &short, &long, &not_hex, &spaced, &other, "SHA256=x"];
    for signature in cases {
        assert_eq!(
            check("1714687450", signature, body, TIMESTAMP),
            Err(bad_signature.clone()),
            "{signature:?}"
        );
    }
    // The error says which header, for the receiver's log.
    assert_eq!(bad_signature.to_string(), "malformed header X-Livechat-Signature");
}

#[test]
fn headers_are_read_from_a_header_map() {
    let body = BODY.as_bytes();
    let now = at(TIMESTAMP + 10);
    let mut headers = HeaderMap::new();
    // Names arrive in any case.
    headers.insert(
        HeaderName::from_static("x-livechat-timestamp"),
        HeaderValue::from_static("1714687450"),
    );
    assert_eq!(
        verify_headers(SECRET, &headers, body, now, DEFAULT_TOLERANCE),
        Err(VerifyError::MissingHeader(SIGNATURE_HEADER))
    );
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_static(SIGNATURE));
    assert_eq!(verify_headers(SECRET, &headers, body, now, DEFAULT_TOLERANCE), Ok(()));
    assert_eq!(
        verify_headers(SECRET, &headers, b"{}", now, DEFAULT_TOLERANCE),
        Err(VerifyError::BadSignature)
    );

    let mut signature_only = HeaderMap::new();
    signature_only.insert(SIGNATURE_HEADER, HeaderValue::from_static(SIGNATURE));
    assert_eq!(
        verify_headers(SECRET, &signature_only, body, now, DEFAULT_TOLERANCE),
        Err(VerifyError::MissingHeader(TIMESTAMP_HEADER))
    );

    // A value that is not visible ASCII cannot be the server's.
    let mut opaque = headers.clone();
    opaque.insert(
        TIMESTAMP_HEADER,
        HeaderValue::from_bytes(b"17146874\xe950").expect("opaque value"),
    );
    assert_eq!(
        verify_headers(SECRET, &opaque, body, now, DEFAULT_TOLERANCE),
        Err(VerifyError::MalformedHeader(TIMESTAMP_HEADER))
    );
}
