//! Property tests of request parsing, for every request type of the API:
//! - arbitrary JSON values, arbitrary bytes and arbitrary query strings never make a
//!   deserializer panic: each either parses or is an error;
//! - whatever parses is stable: written out and read again, it is the same request;
//! - every valid request survives its wire format (JSON bodies; query strings for `GET`, as
//!   the SDK writes them and the server reads them) unchanged;
//! - every timestamp of years 0 to 9999 is written as `YYYY-MM-DDTHH:MM:SS.mmmZ` and read
//!   back to the same millisecond.
//!
//! Case counts are modest so the suite stays quick in a debug build.

use livechat_types::{
    agent, message, room, setting, visitor, widget, MessageId, RoomId, Timestamp,
};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Field names the request types use, so that arbitrary objects often hit real fields.
const FIELDS: &[&str] = &[
    "token",
    "rid",
    "msg",
    "_id",
    "agent",
    "agentId",
    "username",
    "visitor",
    "name",
    "email",
    "phone",
    "department",
    "customFields",
    "key",
    "value",
    "overwrite",
    "limit",
    "offset",
    "end",
    "ls",
    "user",
    "password",
    "status",
    "open",
    "count",
    "message",
    "roomId",
    "msgId",
    "text",
    "comment",
    "host",
    "pageInfo",
    "$regex",
];

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Any JSON value, a few levels deep, with keys that are often real field names.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(FIELDS).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key(), inner, 0..6).prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(FIELDS).prop_map(str::to_owned), 1 => any::<String>()]
}

/// Parses `value` as a JSON body of type `T`; what parses must survive a second trip.
fn body_is_stable<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    value: &Value,
) -> Result<(), TestCaseError> {
    if let Ok(request) = serde_json::from_value::<T>(value.clone()) {
        let written = serde_json::to_value(&request).map_err(|err| fail(&err))?;
        let again: T = serde_json::from_value(written.clone())
            .map_err(|err| TestCaseError::fail(format!("{written} does not parse again: {err}")))?;
        prop_assert_eq!(again, request);
    }
    Ok(())
}

/// Parses `query` as the query string of type `T`; what parses must survive a second trip.
fn query_is_stable<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    query: &str,
) -> Result<(), TestCaseError> {
    if let Ok(request) = serde_urlencoded::from_str::<T>(query) {
        let written = serde_urlencoded::to_string(&request).map_err(|err| fail(&err))?;
        let again: T = serde_urlencoded::from_str(&written).map_err(|err| {
            TestCaseError::fail(format!("{written:?} does not parse again: {err}"))
        })?;
        prop_assert_eq!(again, request);
    }
    Ok(())
}

fn fail(err: &dyn std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(err.to_string())
}

/// Calls `$check::<T>(&$input)` for every request type sent as a JSON body.
macro_rules! every_body {
    ($check:ident, $input:expr) => {{
        $check::<visitor::register::Request>($input)?;
        $check::<room::close::Request>($input)?;
        $check::<message::send::Request>($input)?;
        $check::<message::update::Request>($input)?;
        $check::<message::delete::Request>($input)?;
        $check::<agent::login::Request>($input)?;
        $check::<agent::logout::Request>($input)?;
        $check::<agent::status::Request>($input)?;
        $check::<agent::chat_send::Request>($input)?;
        $check::<agent::chat_update::Request>($input)?;
        $check::<agent::chat_delete::Request>($input)?;
        $check::<agent::close_room::Request>($input)?;
        $check::<widget::offline_message::Request>($input)?;
        $check::<widget::page_visited::Request>($input)?;
        $check::<widget::visitor_status::Request>($input)?;
        $check::<widget::custom_field::Request>($input)?;
        $check::<setting::set::Request>($input)?;
    }};
}

/// Calls `$check::<T>(&$input)` for every request type read from a query string (`GET`).
macro_rules! every_query {
    ($check:ident, $input:expr) => {{
        $check::<visitor::get::Request>($input)?;
        $check::<room::open::Request>($input)?;
        $check::<room::config::Request>($input)?;
        $check::<message::get::Request>($input)?;
        $check::<message::history::Request>($input)?;
        $check::<agent::rooms::Request>($input)?;
        $check::<agent::info::Request>($input)?;
        $check::<widget::offline_messages::Request>($input)?;
        $check::<setting::get::Request>($input)?;
    }};
}

/// Bytes never make a body deserializer panic.
fn bytes_parse_or_fail<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), TestCaseError> {
    let _ = serde_json::from_slice::<T>(bytes);
    Ok(())
}

/// A query string of parameters the request types know, with arbitrary values.
fn query_string() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        any::<String>(),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("1e308".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("-9223372036854775808".to_owned()),
        Just("true".to_owned()),
        Just("2018-09-14T13:31:33.201Z".to_owned()),
        Just(String::new()),
    ];
    vec((key(), value), 0..6).prop_map(|pairs| {
        let mut query = form_urlencoded_pairs(&pairs);
        // Sometimes malformed percent-escapes and bare keys too.
        if pairs.len() % 3 == 1 {
            query.push_str("&%ZZ=%&&limit");
        }
        query
    })
}

fn form_urlencoded_pairs(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// A valid body written out, with one field, element or byte changed.
fn mutated_body() -> impl Strategy<Value = Vec<u8>> {
    let valid = valid_body_json();
    (valid, any::<prop::sample::Index>(), json(), any::<u8>(), 0..4u8).prop_map(
        |(body, index, replacement, byte, how)| {
            let mut text = body.to_string().into_bytes();
            match how {
                0 => {
                    let mut body = body;
                    if let Some(object) = body.as_object_mut() {
                        if !object.is_empty() {
                            let key = object.keys().nth(index.index(object.len())).cloned();
                            if let Some(key) = key {
                                object.insert(key, replacement);
                            }
                        }
                    }
                    body.to_string().into_bytes()
                }
                1 if !text.is_empty() => {
                    let at = index.index(text.len());
                    text[at] = byte;
                    text
                }
                2 if !text.is_empty() => {
                    text.truncate(index.index(text.len()));
                    text
                }
                _ => {
                    let at = index.index(text.len() + 1);
                    text.insert(at, byte);
                    text
                }
            }
        },
    )
}

/// Any string, and now and then one with a NUL or of an odd length.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        1 => Just("a\u{0}b".to_owned()),
        1 => Just(String::new()),
        1 => "[a-z]{200,300}",
    ]
}

fn maybe<T: std::fmt::Debug + Clone>(
    strategy: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(strategy)
}

/// A valid request of every body type, written as JSON.
fn valid_body_json() -> impl Strategy<Value = Value> {
    fn to_json<T: Serialize>(request: T) -> Value {
        serde_json::to_value(request).unwrap_or(Value::Null)
    }
    prop_oneof![
        register().prop_map(to_json),
        send().prop_map(to_json),
        (text(), text(), text(), text()).prop_map(|(id, token, rid, msg)| {
            to_json(message::update::Request {
                id: id.into(),
                token: token.into(),
                room_id: rid.into(),
                text: msg,
            })
        }),
        chat_send().prop_map(to_json),
        (text(), text(), text(), any::<bool>()).prop_map(|(token, key, value, overwrite)| {
            to_json(widget::custom_field::Request { token: token.into(), key, value, overwrite })
        }),
    ]
}

fn register() -> impl Strategy<Value = visitor::register::Request> {
    let field = (text(), text(), any::<bool>()).prop_map(|(key, value, overwrite)| {
        visitor::register::CustomField { key, value, overwrite }
    });
    (
        text(),
        maybe(text()),
        maybe(text()),
        maybe(text()),
        maybe(text()),
        maybe(text()),
        maybe(vec(field, 0..3)),
    )
        .prop_map(|(token, name, email, phone, username, department, custom_fields)| {
            visitor::register::Request {
                visitor: visitor::register::NewVisitor {
                    token: token.into(),
                    name,
                    email,
                    phone,
                    username,
                    department,
                    custom_fields,
                },
            }
        })
}

fn send() -> impl Strategy<Value = message::send::Request> {
    let hint = (maybe(text()), maybe(text()))
        .prop_map(|(agent_id, username)| message::send::AgentHint { agent_id, username });
    (text(), text(), text(), maybe(text()), maybe(hint)).prop_map(|(token, rid, msg, id, agent)| {
        message::send::Request {
            token: token.into(),
            room_id: rid.into(),
            text: msg,
            id: id.map(MessageId::from),
            agent,
        }
    })
}

fn chat_send() -> impl Strategy<Value = agent::chat_send::Request> {
    (text(), text(), maybe(text())).prop_map(|(rid, msg, id)| agent::chat_send::Request {
        message: agent::chat_send::NewMessage {
            room_id: rid.into(),
            text: msg,
            id: id.map(MessageId::from),
        },
    })
}

/// Timestamps of years 0 to 9999.
fn timestamp() -> impl Strategy<Value = Timestamp> {
    (-62_167_219_200_000_i64..=253_402_300_799_999).prop_map(Timestamp)
}

/// A body request survives JSON unchanged.
fn body_round_trips<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    request: &T,
) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(request).map_err(|err| fail(&err))?;
    let back: T = serde_json::from_str(&text)
        .map_err(|err| TestCaseError::fail(format!("{text} does not parse: {err}")))?;
    prop_assert_eq!(&back, request);
    Ok(())
}

/// A `GET` request survives its query string unchanged (path fields are not in it).
fn query_round_trips<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    request: &T,
) -> Result<(), TestCaseError> {
    let query = serde_urlencoded::to_string(request).map_err(|err| fail(&err))?;
    let back: T = serde_urlencoded::from_str(&query)
        .map_err(|err| TestCaseError::fail(format!("{query:?} does not parse: {err}")))?;
    prop_assert_eq!(&back, request);
    Ok(())
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn arbitrary_json_parses_or_fails_and_what_parses_is_stable(value in json()) {
        every_body!(body_is_stable, &value);
        // The same value wrapped as the body of a `GET` never panics either.
        every_query!(bytes_parse_or_fail, value.to_string().as_bytes());
    }

    #[test]
    fn arbitrary_bytes_parse_or_fail(bytes in vec(any::<u8>(), 0..200)) {
        every_body!(bytes_parse_or_fail, &bytes);
    }

    #[test]
    fn mutated_valid_bodies_parse_or_fail(bytes in mutated_body()) {
        every_body!(bytes_parse_or_fail, &bytes);
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            every_body!(body_is_stable, &value);
        }
    }

    #[test]
    fn arbitrary_query_strings_parse_or_fail_and_what_parses_is_stable(query in query_string()) {
        every_query!(query_is_stable, &query);
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn visitor_bodies_round_trip(
        register in register(),
        send in send(),
        (id, token, rid, msg) in (text(), text(), text(), text()),
    ) {
        body_round_trips(&register)?;
        body_round_trips(&send)?;
        let update = message::update::Request {
            id: MessageId::default(),
            token: token.clone().into(),
            room_id: rid.clone().into(),
            text: msg,
        };
        body_round_trips(&update)?;
        // The path's id is not part of the body.
        let delete = message::delete::Request::new(id.into(), token.clone().into(), rid.clone().into());
        let written = serde_json::to_value(&delete).map_err(|err| fail(&err))?;
        let back: message::delete::Request = serde_json::from_value(written).map_err(|err| fail(&err))?;
        prop_assert_eq!(back, message::delete::Request { id: MessageId::default(), ..delete });
        body_round_trips(&room::close::Request { token: token.clone().into(), room_id: rid.into() })?;
    }

    #[test]
    fn widget_and_agent_bodies_round_trip(
        (a, b, c, d) in (text(), text(), text(), text()),
        (e, f) in (maybe(text()), maybe(text())),
        overwrite in any::<bool>(),
        (g, h) in (text(), text()),
        chat in chat_send(),
    ) {
        body_round_trips(&chat)?;
        body_round_trips(&agent::login::Request { user: a.clone(), password: b.clone() })?;
        body_round_trips(&agent::logout::Request::default())?;
        body_round_trips(&agent::status::Request { status: c.clone() })?;
        let room_id = RoomId::from(a.clone());
        let message_id = MessageId::from(b.clone());
        body_round_trips(&agent::chat_update::Request {
            room_id: room_id.clone(),
            message_id: message_id.clone(),
            text: c.clone(),
        })?;
        body_round_trips(&agent::chat_delete::Request { room_id: room_id.clone(), message_id })?;
        body_round_trips(&agent::close_room::Request::new(room_id.clone(), e.clone()))?;
        body_round_trips(&widget::offline_message::Request {
            name: a.clone(),
            email: b.clone(),
            message: c.clone(),
            department: e.clone(),
            host: f.clone(),
        })?;
        body_round_trips(&widget::page_visited::Request {
            token: d.clone().into(),
            rid: f.map(RoomId::from),
            page_info: widget::page_visited::PageInfo {
                change: g,
                title: h,
                location: widget::page_visited::Location { href: a.clone() },
            },
        })?;
        body_round_trips(&widget::visitor_status::Request { token: d.clone().into(), status: c.clone() })?;
        body_round_trips(&widget::custom_field::Request { token: d.into(), key: a, value: b, overwrite })?;
    }

    #[test]
    fn query_requests_round_trip(
        (token, rid) in (text(), text()),
        (maybe_a, maybe_b) in (maybe(text()), maybe(text())),
        // `i64::MIN` reads back as `-i64::MAX` (the parser saturates); both mean the default.
        (limit, offset) in (maybe(i64::MIN + 1..=i64::MAX), maybe(i64::MIN + 1..=i64::MAX)),
        end in maybe(timestamp()),
        open in maybe(any::<bool>()),
    ) {
        query_round_trips(&room::open::Request {
            token: token.clone().into(),
            room_id: maybe_a.clone().map(RoomId::from),
            agent_id: maybe_b.clone(),
        })?;
        query_round_trips(&room::config::Request {
            token: maybe_a.clone().map(Into::into),
            department: maybe_b.clone(),
        })?;
        query_round_trips(&message::get::Request {
            id: MessageId::default(),
            token: token.clone().into(),
            room_id: rid.clone().into(),
        })?;
        query_round_trips(&message::history::Request {
            room_id: RoomId::default(),
            token: maybe_a.map(Into::into),
            limit,
            offset,
            end,
            ls: maybe_b,
        })?;
        query_round_trips(&agent::rooms::Request {
            open,
            count: limit,
            offset,
            ..agent::rooms::Request::default()
        })?;
        query_round_trips(&widget::offline_messages::Request { count: limit, offset })?;
        query_round_trips(&visitor::get::Request { token: Default::default() })?;
    }

    #[test]
    fn timestamps_are_written_with_milliseconds_and_read_back(time in timestamp()) {
        let written = serde_json::to_value(time).map_err(|err| fail(&err))?;
        let text = written.as_str().unwrap_or_default().to_owned();
        let shape: Vec<bool> = text.bytes().map(|byte| byte.is_ascii_digit()).collect();
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
        prop_assert_eq!(text.len(), 24, "{}", text);
        prop_assert!(digits.iter().all(|&at| shape[at]), "{}", text);
        prop_assert_eq!(&text[23..], "Z");
        let back: Timestamp = serde_json::from_value(written).map_err(|err| fail(&err))?;
        prop_assert_eq!(back, time);
        prop_assert_eq!(Timestamp::parse(&text), Some(time));
    }
}
