//! Every webhook body, written out as it goes on the wire (SPEC section 18).

use serde_json::{json, Value};

use super::*;

/// Parses `body` as a receiver would, checks what it became, and writes it back unchanged.
fn round_trip(body: Value) -> WebhookEvent {
    let event: WebhookEvent = serde_json::from_value(body.clone()).expect("parses");
    assert_eq!(serde_json::to_value(&event).ok(), Some(body.clone()));
    assert_eq!(event.event_type(), body["type"].as_str().unwrap_or_default());
    event
}

fn room(event: WebhookEvent) -> RoomEvent {
    match event {
        WebhookEvent::Room(room) => *room,
        other => panic!("not a room event: {other:?}"),
    }
}

fn served_by(id: &str, username: &str, ts: &str) -> ServedBy {
    ServedBy {
        id: id.into(),
        username: username.into(),
        ts: Timestamp::parse(ts).unwrap_or_default(),
    }
}

#[test]
fn a_started_room_has_only_the_required_fields() {
    let event = room(round_trip(json!({
        "type": "LivechatSessionStart",
        "_id": "Ga2T4rWxQNcpMSLvi",
        "label": "guest-7",
        "createdAt": "2024-05-02T09:15:00.120Z",
        "lastMessageAt": "2024-05-02T09:15:01.004Z",
        "visitor": {"_id": "Zx9k3F7hQm2PdsLrT", "name": "guest-7", "username": "guest-7"},
        "messages": [{
            "_id": "c-1",
            "username": "guest-7",
            "msg": "Hello?",
            "ts": "2024-05-02T09:15:01.004Z",
            "rid": "Ga2T4rWxQNcpMSLvi"
        }]
    })));
    assert_eq!(event.kind, RoomEventKind::Start);
    assert_eq!(event.room_id, RoomId::from("Ga2T4rWxQNcpMSLvi"));
    assert_eq!(event.created_at.as_millis(), 1_714_641_300_120);
    assert!(event.agent.is_none() && event.tags.is_none() && event.department_id.is_none());
    let message = &event.messages[0];
    assert_eq!((message.id.as_str(), message.text.as_str()), ("c-1", "Hello?"));
    assert!(message.agent_id.is_none() && message.closing_message.is_none());
}

#[test]
fn a_queued_room_carries_its_department_and_the_visitors_contacts() {
    let event = room(round_trip(json!({
        "type": "LivechatSessionQueued",
        "_id": "Ga2T4rWxQNcpMSLvi",
        "label": "Ada Lovelace",
        "createdAt": "2024-05-02T09:15:00.120Z",
        "lastMessageAt": "2024-05-02T09:15:01.004Z",
        "departmentId": "sR8vFq3LmZ2kXwTcd",
        "visitor": {
            "_id": "Zx9k3F7hQm2PdsLrT",
            "name": "Ada Lovelace",
            "username": "guest-7",
            "department": "sR8vFq3LmZ2kXwTcd",
            "email": [{"address": "ada@example.com"}],
            "phone": [{"phoneNumber": "+44 20 7946 0000"}]
        },
        "messages": []
    })));
    assert_eq!(event.kind, RoomEventKind::Queued);
    assert_eq!(event.department_id.as_deref(), Some("sR8vFq3LmZ2kXwTcd"));
    assert_eq!(event.visitor.email, Some(vec![Email { address: "ada@example.com".into() }]));
    assert_eq!(event.visitor.phone, Some(vec![Phone { phone_number: "+44 20 7946 0000".into() }]));
}

#[test]
fn a_taken_room_names_its_agent() {
    let event = room(round_trip(json!({
        "type": "LivechatSessionTaken",
        "_id": "Ga2T4rWxQNcpMSLvi",
        "label": "guest-7",
        "createdAt": "2024-05-02T09:15:00.120Z",
        "lastMessageAt": "2024-05-02T09:15:01.004Z",
        "visitor": {"_id": "Zx9k3F7hQm2PdsLrT", "name": "guest-7", "username": "guest-7"},
        "agent": {"_id": "hW4nB8sKc2YtRpQzx", "username": "alice", "name": "Alice", "email": "alice@example.com"},
        "servedBy": {"_id": "hW4nB8sKc2YtRpQzx", "username": "alice", "ts": "2024-05-02T09:16:10.000Z"},
        "messages": []
    })));
    assert_eq!(
        event.kind,
        RoomEventKind::Taken {
            served_by: served_by("hW4nB8sKc2YtRpQzx", "alice", "2024-05-02T09:16:10.000Z")
        }
    );
    assert_eq!(event.agent.and_then(|agent| agent.email).as_deref(), Some("alice@example.com"));
}

#[test]
fn a_forwarded_room_says_where_it_came_from_when_it_knows() {
    let event = room(round_trip(json!({
        "type": "LivechatSessionForwarded",
        "_id": "Ga2T4rWxQNcpMSLvi",
        "label": "guest-7",
        "createdAt": "2024-05-02T09:15:00.120Z",
        "lastMessageAt": "2024-05-02T09:15:01.004Z",
        "departmentId": "pT6dL9wQx3NmKr2Bv",
        "visitor": {"_id": "Zx9k3F7hQm2PdsLrT", "name": "guest-7", "username": "guest-7"},
        "agent": {"_id": "jK7mC3vNd8ZsWqLpe", "username": "bob", "name": "Bob"},
        "servedBy": {"_id": "jK7mC3vNd8ZsWqLpe", "username": "bob", "ts": "2024-05-02T09:20:00.000Z"},
        "oldDepartmentId": "sR8vFq3LmZ2kXwTcd",
        "oldServedBy": {"_id": "hW4nB8sKc2YtRpQzx", "username": "alice", "ts": "2024-05-02T09:16:10.000Z"},
        "messages": []
    })));
    let RoomEventKind::Forwarded { served_by: now, old_department_id, old_served_by } = event.kind
    else {
        panic!("not forwarded: {:?}", event.kind);
    };
    assert_eq!(now.map(|agent| agent.username).as_deref(), Some("bob"));
    assert_eq!(old_department_id.as_deref(), Some("sR8vFq3LmZ2kXwTcd"));
    assert_eq!(old_served_by.map(|agent| agent.username).as_deref(), Some("alice"));

    // Within one department, from the queue: neither old field.
    let event = room(round_trip(json!({
        "type": "LivechatSessionForwarded",
        "_id": "Ga2T4rWxQNcpMSLvi",
        "label": "guest-7",
        "createdAt": "2024-05-02T09:15:00.120Z",
        "lastMessageAt": "2024-05-02T09:15:01.004Z",
        "visitor": {"_id": "Zx9k3F7hQm2PdsLrT", "name": "guest-7", "username": "guest-7"},
        "servedBy": {"_id": "jK7mC3vNd8ZsWqLpe", "username": "bob", "ts": "2024-05-02T09:20:00.000Z"},
        "messages": []
    })));
    assert!(matches!(
        event.kind,
        RoomEventKind::Forwarded { old_department_id: None, old_served_by: None, .. }
    ));
}

#[test]
fn a_closed_room_carries_every_message_field() {
    let event = room(round_trip(json!({
        "type": "LivechatSession",
        "_id": "Ga2T4rWxQNcpMSLvi",
        "label": "Ada Lovelace",
        "createdAt": "2024-05-02T09:15:00.120Z",
        "lastMessageAt": "2024-05-02T09:31:12.500Z",
        "tags": ["billing", "vip"],
        "departmentId": "sR8vFq3LmZ2kXwTcd",
        "visitor": {"_id": "Zx9k3F7hQm2PdsLrT", "name": "Ada Lovelace", "username": "guest-7"},
        "agent": {"_id": "hW4nB8sKc2YtRpQzx", "username": "alice", "name": "Alice"},
        "servedBy": {"_id": "hW4nB8sKc2YtRpQzx", "username": "alice", "ts": "2024-05-02T09:16:10.000Z"},
        "closedAt": "2024-05-02T09:31:12.500Z",
        "closedBy": {"_id": "hW4nB8sKc2YtRpQzx", "username": "alice"},
        "closer": "user",
        "messages": [
            {
                "_id": "c-1",
                "username": "guest-7",
                "msg": "My invoice is wrong",
                "ts": "2024-05-02T09:15:01.004Z",
                "rid": "Ga2T4rWxQNcpMSLvi",
                "editedAt": "2024-05-02T09:15:30.000Z"
            },
            {
                "_id": "Jq3vX8mTn2RkWpLsa",
                "username": "guest-7",
                "msg": "",
                "ts": "2024-05-02T09:15:40.250Z",
                "rid": "Ga2T4rWxQNcpMSLvi",
                "file": {"_id": "Fm2pQ7xLs9KdNvTwr", "name": "invoice.pdf", "type": "application/pdf", "size": 48213}
            },
            {
                "_id": "Lw5nR2kPq8XmTsVbc",
                "username": "alice",
                "msg": "Fixed, sorry about that.",
                "ts": "2024-05-02T09:30:00.000Z",
                "rid": "Ga2T4rWxQNcpMSLvi",
                "agentId": "hW4nB8sKc2YtRpQzx"
            },
            {
                "_id": "Pz8kW3nTq6LmXrVsd",
                "username": "alice",
                "msg": "Resolved",
                "ts": "2024-05-02T09:31:12.500Z",
                "rid": "Ga2T4rWxQNcpMSLvi",
                "agentId": "hW4nB8sKc2YtRpQzx",
                "closingMessage": true
            }
        ]
    })));
    assert_eq!(
        event.kind,
        RoomEventKind::Closed {
            served_by: Some(served_by("hW4nB8sKc2YtRpQzx", "alice", "2024-05-02T09:16:10.000Z")),
            closed_at: Timestamp(1_714_642_272_500),
            closed_by: UserRef { id: "hW4nB8sKc2YtRpQzx".into(), username: "alice".into() },
            closer: "user".into(),
        }
    );
    assert_eq!(event.tags, Some(vec!["billing".to_owned(), "vip".to_owned()]));
    let [edited, file, reply, closing] = &event.messages[..] else {
        panic!("four messages: {:?}", event.messages);
    };
    assert_eq!(edited.edited_at, Timestamp::parse("2024-05-02T09:15:30.000Z"));
    assert_eq!(file.file.as_ref().and_then(|file| file.size), Some(48_213));
    assert_eq!(reply.agent_id.as_deref(), Some("hW4nB8sKc2YtRpQzx"));
    assert_eq!(closing.closing_message, Some(true));
}

#[test]
fn a_message_event_carries_that_message() {
    let event = room(round_trip(json!({
        "type": "Message",
        "_id": "Ga2T4rWxQNcpMSLvi",
        "label": "guest-7",
        "createdAt": "2024-05-02T09:15:00.120Z",
        "lastMessageAt": "2024-05-02T09:17:45.310Z",
        "visitor": {"_id": "Zx9k3F7hQm2PdsLrT", "name": "guest-7", "username": "guest-7"},
        "agent": {"_id": "hW4nB8sKc2YtRpQzx", "username": "alice", "name": "Alice"},
        "messages": [{
            "_id": "c-2",
            "username": "guest-7",
            "msg": "Thanks!",
            "ts": "2024-05-02T09:17:45.310Z",
            "rid": "Ga2T4rWxQNcpMSLvi"
        }]
    })));
    assert_eq!(event.kind, RoomEventKind::Message);
    assert_eq!(event.messages.len(), 1);
}

#[test]
fn an_offline_message_has_a_body_of_its_own() {
    let event = round_trip(json!({
        "type": "LivechatOfflineMessage",
        "sentAt": "2024-05-02T22:04:09.870Z",
        "visitor": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "message": "Please call me back tomorrow."
    }));
    let expected = OfflineMessageEvent {
        sent_at: Timestamp(1_714_687_449_870),
        visitor: OfflineVisitor { name: "Ada Lovelace".into(), email: "ada@example.com".into() },
        message: "Please call me back tomorrow.".into(),
    };
    // Written on its own, the event still says what it is.
    assert_eq!(
        serde_json::to_value(&expected).ok().as_ref().and_then(|body| body.get("type")),
        Some(&json!("LivechatOfflineMessage"))
    );
    assert_eq!(event, WebhookEvent::OfflineMessage(expected));
}

#[test]
fn every_room_type_has_its_own_name() {
    let at = Timestamp(0);
    let agent = served_by("a", "alice", "1970-01-01T00:00:00.000Z");
    let kinds = [
        RoomEventKind::Start,
        RoomEventKind::Queued,
        RoomEventKind::Taken { served_by: agent.clone() },
        RoomEventKind::Forwarded {
            served_by: Some(agent.clone()),
            old_department_id: None,
            old_served_by: None,
        },
        RoomEventKind::Closed {
            served_by: Some(agent),
            closed_at: at,
            closed_by: UserRef { id: "a".into(), username: "alice".into() },
            closer: "user".into(),
        },
        RoomEventKind::Message,
    ];
    for (kind, name) in kinds.iter().zip(RoomEventKind::TYPES) {
        assert_eq!(kind.event_type(), name);
        // The wire's `type` is the same name.
        assert_eq!(
            serde_json::to_value(kind).ok().map(|body| body["type"].clone()),
            Some(json!(name))
        );
    }
}

#[test]
fn a_known_type_must_be_complete_and_an_unknown_one_is_kept() {
    // `LivechatSessionTaken` without `servedBy` is a broken body, not an unknown event.
    let broken = json!({
        "type": "LivechatSessionTaken",
        "_id": "Ga2T4rWxQNcpMSLvi",
        "label": "guest-7",
        "createdAt": "2024-05-02T09:15:00.120Z",
        "lastMessageAt": "2024-05-02T09:15:01.004Z",
        "visitor": {"_id": "Zx9k3F7hQm2PdsLrT", "name": "guest-7", "username": "guest-7"},
        "messages": []
    });
    let err = serde_json::from_value::<WebhookEvent>(broken).err().map(|err| err.to_string());
    assert!(err.is_some_and(|err| err.contains("servedBy")));

    let future = json!({"type": "LivechatSessionTransferred", "_id": "Ga2T4rWxQNcpMSLvi"});
    let event = round_trip(future.clone());
    assert_eq!(event, WebhookEvent::Other(future.as_object().cloned().unwrap_or_default()));

    for body in [json!({"_id": "x"}), json!({"type": 7}), json!(["Message"])] {
        assert!(serde_json::from_value::<WebhookEvent>(body.clone()).is_err(), "{body}");
    }
}

#[test]
fn a_visitor_token_is_never_written() {
    // A body that carries one (Rocket.Chat's) still parses; ours never writes it back.
    let body = json!({
        "_id": "Zx9k3F7hQm2PdsLrT",
        "name": "guest-7",
        "username": "guest-7",
        "token": "secret-visitor-token"
    });
    let visitor: Visitor = serde_json::from_value(body).expect("parses");
    let written = serde_json::to_string(&visitor).unwrap_or_default();
    assert!(!written.contains("token") && !written.contains("secret-visitor-token"), "{written}");
}

#[test]
fn the_signature_covers_timestamp_dot_body() {
    assert_eq!(signature_base(1_714_641_300, br#"{"a":1}"#), br#"1714641300.{"a":1}"#);
    assert_eq!(signature_base(0, b""), b"0.");
}
