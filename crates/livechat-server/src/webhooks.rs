//! Webhooks (SPEC section 18): the bodies, built when their cause is written, and one
//! signed delivery attempt.
//!
//! Bodies are Rocket.Chat's without the visitor's token. Each attempt is signed afresh:
//! `X-Livechat-Timestamp` is the attempt's time and `X-Livechat-Signature` the HMAC-SHA256,
//! under `Livechat_secret_token` as it is at that moment, of that timestamp, a dot and the
//! body. `X-Livechat-Delivery` stays the same on every attempt, so receivers can drop
//! repeats.

use std::time::Duration;

use hmac::{Hmac, Mac};
use livechat_types::room::ServedBy;
use livechat_types::visitor::{Email, Phone};
use livechat_types::webhook::{self, Agent, Message, RoomEvent, RoomEventKind, Visitor};
use livechat_types::{MessageId, RoomId, Timestamp};
use sha2::Sha256;

use crate::db::models::{MessageRow, RoomRow};
use crate::db::outbox::DeliveryRow;
use crate::db::{self, DbConn};
use crate::outbox::Outcome;
use crate::settings::{registry, Values};

/// How many messages a room event carries at most: the newest.
pub const MAX_MESSAGES: i64 = 1000;

/// The agent serving `room`, as webhooks name it.
pub fn served_by(room: &RoomRow) -> Option<ServedBy> {
    match (&room.served_by_id, &room.served_by_username) {
        (Some(id), Some(username)) => Some(ServedBy {
            id: id.clone(),
            username: username.clone(),
            ts: Timestamp(room.served_at.unwrap_or(room.created_at)),
        }),
        _ => None,
    }
}

/// The body of `kind` for room `rid` as the caller's transaction sees it; `message` is the
/// one message of a `Message` event (else the room's conversation goes with it). `None`
/// when the room is gone.
pub fn room_event(
    conn: &mut DbConn,
    rid: &str,
    kind: RoomEventKind,
    message: Option<&MessageRow>,
) -> db::Result<Option<RoomEvent>> {
    let Some(room) = db::rooms::find(conn, rid)? else { return Ok(None) };
    let Some(visitor) = db::visitors::find(conn, &room.visitor_id)? else { return Ok(None) };
    let agent = match &room.served_by_id {
        Some(id) => db::users::find(conn, id)?.map(|user| Agent {
            id: user.id,
            username: user.username,
            name: user.name,
            email: user.email,
        }),
        None => None,
    };
    let messages = match message {
        Some(message) => vec![wire_message(message)],
        None => {
            db::messages::conversation(conn, rid, MAX_MESSAGES)?.iter().map(wire_message).collect()
        }
    };
    let tags: Vec<String> = serde_json::from_str(&room.tags).unwrap_or_default();
    Ok(Some(RoomEvent {
        kind,
        room_id: RoomId::from(room.id.as_str()),
        label: room.fname.clone(),
        created_at: Timestamp(room.created_at),
        last_message_at: Timestamp(room.last_message_at.unwrap_or(room.created_at)),
        tags: (!tags.is_empty()).then_some(tags),
        department_id: room.department_id.clone(),
        visitor: Visitor {
            name: visitor.display_name().to_owned(),
            id: visitor.id,
            username: visitor.username,
            department: visitor.department,
            email: visitor.email.map(|address| vec![Email { address }]),
            phone: visitor.phone.map(|phone_number| vec![Phone { phone_number }]),
        },
        agent,
        messages,
    }))
}

/// A message as webhooks carry it.
fn wire_message(row: &MessageRow) -> Message {
    let by_user = row.kind.is_none() && row.visitor_id.is_none();
    Message {
        id: MessageId::from(row.id.as_str()),
        username: row.author_username.clone(),
        text: row.msg.clone(),
        ts: Timestamp(row.ts),
        room_id: RoomId::from(row.rid.as_str()),
        edited_at: row.edited_at.map(Timestamp),
        agent_id: by_user.then(|| row.author_id.clone()),
        closing_message: (row.kind.as_deref() == Some("livechat-close")).then_some(true),
        file: row.file_ref(),
    }
}

/// `sha256=<hex>`: the signature of `body` sent at `timestamp` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length.
        Err(_) => return String::new(),
    };
    mac.update(&webhook::signature_base(timestamp, body));
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(webhook::SIGNATURE_PREFIX.len() + 64);
    out.push_str(webhook::SIGNATURE_PREFIX);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The HTTP client of deliveries: no redirects, no proxies from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("livechat/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// One attempt of delivery `row` to the URL `settings` name now, within `timeout`.
pub async fn send(
    client: &reqwest::Client,
    settings: &Values,
    row: &DeliveryRow,
    timeout: Duration,
) -> Outcome {
    let url = settings.text(registry::WEBHOOK_URL).trim();
    if url.is_empty() {
        return Outcome::Final("Livechat_webhookUrl is not set".into());
    }
    let secret = settings.text(registry::SECRET_TOKEN);
    post(client, url, secret, &row.id, &row.event, row.body.as_bytes(), timeout).await
}

/// POSTs `body` as event `event` with delivery id `id`, signed with `secret` (none: no
/// token and no signature), and says how it went.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    id: &str,
    event: &str,
    body: &[u8],
    timeout: Duration,
) -> Outcome {
    let timestamp = chrono::Utc::now().timestamp();
    let mut request = client
        .post(url)
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(webhook::DELIVERY_HEADER, id)
        .header(webhook::EVENT_HEADER, event)
        .header(webhook::TIMESTAMP_HEADER, timestamp.to_string());
    if !secret.is_empty() {
        request = request
            .header(webhook::TOKEN_HEADER, secret)
            .header(webhook::SIGNATURE_HEADER, signature(secret, timestamp, body));
    }
    match request.body(body.to_vec()).send().await {
        Ok(response) => outcome_of(response.status().as_u16()),
        Err(err) if err.is_builder() => Outcome::Final(format!("bad webhook URL: {err}")),
        Err(err) if err.is_timeout() => Outcome::Retry(format!("no answer within {timeout:?}")),
        Err(err) => Outcome::Retry(format!("network: {}", without_url(&err))),
    }
}

/// What an answer's status means: 2xx delivered; 408, 429 and 5xx passing failures;
/// anything else (other 4xx, redirects, which are not followed) final.
pub fn outcome_of(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => Outcome::Retry(format!("answered {status}")),
        _ => Outcome::Final(format!("answered {status}")),
    }
}

/// An error's text without the URL (which may carry credentials).
fn without_url(err: &reqwest::Error) -> String {
    let mut text = String::from(if err.is_connect() { "cannot connect" } else { "failed" });
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_timestamp_dot_body_with_hmac_sha256() {
        // The vector of compat/webhook/fixture.json, which every language's check uses.
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../../compat/webhook/fixture.json"))
                .expect("fixture");
        let secret = fixture["secret"].as_str().expect("secret");
        let timestamp = fixture["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .or_else(|| fixture["timestamp"].as_i64());
        let body = fixture["body"].as_str().expect("body");
        let expected = fixture["signature"].as_str().expect("signature");
        assert_eq!(signature(secret, timestamp.expect("timestamp"), body.as_bytes()), expected);
    }

    #[test]
    fn statuses_sort_into_delivered_retried_and_final() {
        assert!(matches!(outcome_of(200), Outcome::Delivered));
        assert!(matches!(outcome_of(204), Outcome::Delivered));
        for status in [408, 429, 500, 502, 503] {
            assert!(matches!(outcome_of(status), Outcome::Retry(_)), "{status}");
        }
        for status in [301, 302, 400, 401, 404, 410] {
            assert!(matches!(outcome_of(status), Outcome::Final(_)), "{status}");
        }
    }
}
