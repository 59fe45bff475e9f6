//! DDP frames (Meteor's protocol, version 1) and EJSON values, as Rocket.Chat sends them.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::db::models::MessageRow;
use crate::db::users::{AgentView, UserRow};

/// An EJSON date: `{"$date": <epoch ms>}`. The widget drops messages whose `ts` is a string.
pub fn date(millis: i64) -> Value {
    json!({ "$date": millis })
}

/// A message as the streams carry it: the REST shape with EJSON dates.
pub fn message(row: &MessageRow) -> Value {
    let mut value = serde_json::to_value(row.to_wire()).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        fields.insert("ts".into(), date(row.ts));
        fields.insert("ls".into(), date(row.updated_at));
        fields.insert("_updatedAt".into(), date(row.updated_at));
        if let Some(edited_at) = row.edited_at {
            fields.insert("editedAt".into(), date(edited_at));
        }
    }
    value
}

/// What visitors see of an agent (`agentData`): the same as `livechat/agent.info`.
pub fn agent(agent: &UserRow, view: AgentView) -> Value {
    serde_json::to_value(agent.to_public(view)).unwrap_or(Value::Null)
}

/// One serialized DDP frame, shared by every socket it goes to.
pub type Frame = Arc<str>;

/// An event `event` on stream `collection`:
/// `{"msg":"changed","collection":<stream>,"id":"id","fields":{"eventName","args"}}`.
pub fn changed(collection: &str, event: &str, args: Value) -> Frame {
    let frame = json!({
        "msg": "changed",
        "collection": collection,
        "id": "id",
        "fields": { "eventName": event, "args": args },
    });
    Arc::from(frame.to_string())
}

/// A Meteor error object, as in `result` and `nosub` frames.
pub fn error(code: Value, reason: &str) -> Value {
    let shown = match &code {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    json!({
        "isClientSafe": true,
        "error": code,
        "reason": reason,
        "message": format!("{reason} [{shown}]"),
        "errorType": "Meteor.Error",
    })
}

/// The answer to a method call.
pub fn result(id: &Value, outcome: Result<Value, Value>) -> String {
    match outcome {
        Ok(Value::Null) => json!({ "msg": "result", "id": id }),
        Ok(result) => json!({ "msg": "result", "id": id, "result": result }),
        Err(error) => json!({ "msg": "result", "id": id, "error": error }),
    }
    .to_string()
}

/// A subscription is ready.
pub fn ready(id: &Value) -> String {
    json!({ "msg": "ready", "subs": [id] }).to_string()
}

/// A subscription ended or was refused (`error`).
pub fn nosub(id: &Value, error: Option<Value>) -> String {
    match error {
        Some(error) => json!({ "msg": "nosub", "id": id, "error": error }),
        None => json!({ "msg": "nosub", "id": id }),
    }
    .to_string()
}

/// A protocol-level error (bad frame).
pub fn protocol_error(reason: &str, offending: Option<&Value>) -> String {
    match offending {
        Some(offending) => {
            json!({ "msg": "error", "reason": reason, "offendingMessage": offending })
        }
        None => json!({ "msg": "error", "reason": reason }),
    }
    .to_string()
}

/// `pong`, echoing the ping's id when it had one.
pub fn pong(id: Option<&Value>) -> String {
    match id {
        Some(id) => json!({ "msg": "pong", "id": id }),
        None => json!({ "msg": "pong" }),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_ejson_dates() {
        let mut row = MessageRow {
            id: "m1".into(),
            rid: "r1".into(),
            msg: "hi".into(),
            ts: 1_000,
            updated_at: 1_000,
            author_id: "a1".into(),
            author_username: "agent".into(),
            author_name: Some("Agent".into()),
            visitor_id: None,
            alias: None,
            kind: None,
            edited_at: None,
            edited_by_id: None,
            edited_by_username: None,
            deleted: false,
            data: None,
        };
        row.edited_at = Some(2_000);
        row.updated_at = 2_000;
        let value = message(&row);
        assert_eq!(value["ts"], json!({"$date": 1000}));
        assert_eq!(value["_updatedAt"], json!({"$date": 2000}));
        assert_eq!(value["editedAt"], json!({"$date": 2000}));
        assert_eq!(value["rid"], "r1");
        assert_eq!(value["msg"], "hi");
        assert_eq!(value["u"]["_id"], "a1");
    }

    #[test]
    fn frames_have_the_ddp_shape() {
        let frame = changed("stream-notify-room", "r1/typing", json!(["guest-1", true]));
        let value: Value = serde_json::from_str(&frame).expect("json");
        assert_eq!(
            value,
            json!({"msg": "changed", "collection": "stream-notify-room", "id": "id",
                   "fields": {"eventName": "r1/typing", "args": ["guest-1", true]}})
        );
        let error = error(json!(404), "Method 'x' not found");
        assert_eq!(error["message"], "Method 'x' not found [404]");
        let reply: Value =
            serde_json::from_str(&result(&json!("1"), Ok(Value::Null))).expect("json");
        assert_eq!(reply, json!({"msg": "result", "id": "1"}));
    }
}
