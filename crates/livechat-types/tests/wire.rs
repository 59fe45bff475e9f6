//! Locks the wire format against the examples of the message API document, kept as
//! fixtures in `tests/fixtures`.

use livechat_types::message::{delete, send, update, Message, MessageUser};
use livechat_types::{MessageId, RoomId, Success, Timestamp};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// Every key of `expected` (recursively, for objects) is present in `actual` with a value of
/// the same JSON type.
fn assert_has_fields(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, value) in expected {
                let Some(found) = actual.get(key) else {
                    panic!("{path}.{key} is missing from {actual:?}");
                };
                assert_has_fields(value, found, &format!("{path}.{key}"));
            }
        }
        (expected, actual) => assert_eq!(
            std::mem::discriminant(expected),
            std::mem::discriminant(actual),
            "{path}: {expected} vs {actual}"
        ),
    }
}

fn sample_message(text: &str) -> Message {
    let ts = Timestamp::parse("2018-09-14T13:31:33.201Z").expect("timestamp");
    Message {
        id: MessageId::from("ZKWP8LfGnRHQ3ozWa"),
        room_id: RoomId::from("zRAeTszXor8CCPceB"),
        text: text.to_owned(),
        ts,
        ls: ts,
        u: MessageUser {
            id: "YgEoq2djbGdjjZnsL".into(),
            username: "guest-4".into(),
            name: Some("Livechat Visitor".into()),
        },
        alias: None,
        updated_at: ts,
        edited_at: None,
        edited_by: None,
        kind: None,
        transfer_data: None,
        file: None,
        files: None,
        attachments: None,
    }
}

#[test]
fn documented_requests_parse() {
    let send: send::Request =
        serde_json::from_value(fixture("send-request.json")).expect("send request");
    assert_eq!(send.token.as_str(), "iNKE8a6k6cjbqWhWd");
    assert_eq!(send.room_id.as_str(), "zRAeTszXor8CCPceB");
    assert_eq!(send.text, "sending livechat message..");
    assert_eq!(send.id, None);

    let update: update::Request =
        serde_json::from_value(fixture("update-request.json")).expect("update request");
    assert_eq!(update.text, "editing a livechat message..");
}

#[test]
fn send_reply_has_every_documented_field() {
    let reply =
        Success::new(send::Response { message: sample_message("sending livechat message..") });
    let ours = serde_json::to_value(&reply).expect("serialize");
    assert_has_fields(&fixture("send-response.json"), &ours, "");
    for extra in ["rid", "ts", "_updatedAt"] {
        assert!(ours["message"].get(extra).is_some(), "{extra} missing");
    }
    assert_eq!(ours["message"]["ls"], "2018-09-14T13:31:33.201Z");
    // Our reply parses back into the same value.
    let back: Success<send::Response> = serde_json::from_value(ours).expect("deserialize");
    assert_eq!(back, reply);
}

#[test]
fn update_reply_has_every_documented_field() {
    let reply = Success::new(update::Response { message: sample_message("edited") });
    let ours = serde_json::to_value(&reply).expect("serialize");
    assert_has_fields(&fixture("update-response.json"), &ours, "");
}

#[test]
fn delete_reply_has_every_documented_field() {
    let ts = Timestamp::parse("2018-09-14T13:31:33.279Z").expect("timestamp");
    let reply = Success::new(delete::Response {
        message: delete::Deleted { id: MessageId::from("ZKWP8LfGnRHQ3ozWa"), ts, ls: ts },
    });
    let ours = serde_json::to_value(&reply).expect("serialize");
    assert_has_fields(&fixture("delete-response.json"), &ours, "");
    assert_eq!(ours["message"]["ls"], "2018-09-14T13:31:33.279Z");
}

#[test]
fn unknown_fields_are_refused() {
    let mut body = fixture("send-request.json");
    body["extra"] = Value::Bool(true);
    assert!(serde_json::from_value::<send::Request>(body).is_err());
}

#[test]
fn wrong_types_are_refused() {
    let mut body = fixture("send-request.json");
    body["token"] = serde_json::json!({"$regex": ".*"});
    assert!(serde_json::from_value::<send::Request>(body).is_err());
}
