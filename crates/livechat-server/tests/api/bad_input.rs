//! Bad input, field by field (SPEC section 1): every operation of the OpenAPI document, every
//! field of its JSON body, query string and path, with wrong JSON types, NUL characters,
//! invalid UTF-8, oversized values and absurd numbers. Each is refused with the envelope and
//! changes nothing.
//!
//! The operations and their fields are read from the served OpenAPI document, which is built
//! from the route table, so a new endpoint or field is covered without touching this file.

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::{AgentSession, Res, TestApp};

/// What every request in this file may touch: visitor A with a room, a message and an
/// admin's reply in it; visitor B with a room. The admin is not available.
struct World {
    app: TestApp,
    admin: AgentSession,
    room_a: String,
    message_a: String,
    reply_a: String,
    room_b: String,
    department: String,
    document: Value,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let room_a = app.visitor_with_room("tok-a").await;
    let message_a = app.send_with_id("tok-a", &room_a, "msg-a", "hello").await.ok()["message"]
        ["_id"]
        .as_str()
        .expect("message id")
        .to_owned();
    let admin = app.agent("boss", "admin").await;
    let body = json!({"message": {"rid": room_a, "msg": "reply", "_id": "reply-a"}});
    let reply = app
        .request_with(Method::POST, "/api/v1/chat.sendMessage", Some(body), &admin.headers())
        .await
        .ok();
    let reply_a = reply["message"]["_id"].as_str().expect("reply id").to_owned();
    let room_b = app.visitor_with_room("tok-b").await;
    let body = json!({"department": {"name": "Sales", "enabled": true,
        "showOnRegistration": true, "showOnOfflineForm": true, "email": ""}});
    let department = app
        .request_with(Method::POST, "/api/v1/livechat/department", Some(body), &admin.headers())
        .await
        .ok()["department"]["_id"]
        .as_str()
        .expect("department id")
        .to_owned();
    let document = app.get("/api/v1/openapi.json").await.json;
    World { app, admin, room_a, message_a, reply_a, room_b, department, document }
}

/// One documented operation.
#[derive(Clone, Debug)]
struct Operation {
    method: Method,
    template: String,
    name: String,
    /// `(name, schema, required)` of the path parameters, in order.
    path: Vec<(String, Value, bool)>,
    /// `(name, schema, required)` of the query parameters.
    query: Vec<(String, Value, bool)>,
    /// The JSON body's schema, when it has one.
    body: Option<Value>,
}

impl World {
    /// Every operation of the document but the document itself.
    fn operations(&self) -> Vec<Operation> {
        let mut operations = Vec::new();
        let paths = self.document["paths"].as_object().expect("paths");
        for (template, item) in paths {
            for (method, operation) in item.as_object().expect("path item") {
                let name = operation["operationId"].as_str().unwrap_or_default().to_owned();
                if name == "openapi" {
                    continue;
                }
                let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
                let of = |place: &str| -> Vec<(String, Value, bool)> {
                    parameters
                        .iter()
                        .filter(|parameter| parameter["in"] == place)
                        .map(|p| {
                            let name = p["name"].as_str().expect("name").to_owned();
                            (name, self.resolve(&p["schema"]), p["required"] == true)
                        })
                        .collect()
                };
                let body = operation["requestBody"]["content"]["application/json"]["schema"]
                    .as_object()
                    .map(|schema| self.resolve(&Value::Object(schema.clone())));
                operations.push(Operation {
                    method: Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
                    template: template.clone(),
                    name,
                    path: of("path"),
                    query: of("query"),
                    body,
                });
            }
        }
        assert!(operations.len() >= 20, "only {} operations documented", operations.len());
        operations
    }

    /// A schema with a top-level `$ref` into the document's components resolved.
    fn resolve(&self, schema: &Value) -> Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let pointer = reference.trim_start_matches('#');
                self.resolve(self.document.pointer(pointer).expect("reference resolves"))
            }
            None => schema.clone(),
        }
    }

    /// A plausible value for a string field of operation `op`, by the field's name, so that
    /// the one bad field is the only thing wrong with a request.
    fn value_for(&self, op: &Operation, name: &str) -> String {
        match name {
            // A new visitor for registration, so a wrongly accepted request would show.
            "token" if op.name == "visitor.register" => "tok-new".into(),
            "token" => "tok-a".into(),
            // A real setting, so that a wrongly accepted request would change it.
            "_id" if op.name.starts_with("setting.") => "Livechat_enabled".into(),
            "rid" | "roomId" => self.room_a.clone(),
            "id" => self.message_a.clone(),
            "msgId" => self.reply_a.clone(),
            "_id" if op.name.starts_with("department.") => self.department.clone(),
            "_id" => "fresh-id".into(),
            // `livechat/users/{type}`: a type the endpoint knows.
            "type" => "agent".into(),
            "email" => "new@example.com".into(),
            "user" => "boss".into(),
            "password" => crate::AGENT_PASSWORD.into(),
            _ => format!("some {name}"),
        }
    }

    /// A valid instance of `schema` for operation `op`: every property present.
    fn valid(&self, op: &Operation, name: &str, schema: &Value) -> Value {
        let schema = self.resolve(schema);
        if let Some(value) = schema.get("const") {
            return value.clone();
        }
        if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
            return first.clone();
        }
        if let Some(alternatives) = schema["anyOf"].as_array().or(schema["oneOf"].as_array()) {
            let alternative = alternatives.iter().find(|alternative| alternative["type"] != "null");
            return self.valid(op, name, alternative.unwrap_or(&Value::Null));
        }
        match kind(&schema) {
            Some("string") if schema["format"] == "date-time" => json!("2100-01-01T00:00:00.000Z"),
            Some("string") => Value::from(self.value_for(op, name)),
            Some("boolean") => Value::from(false),
            Some("integer") | Some("number") => Value::from(1),
            Some("array") => Value::Array(vec![self.valid(op, name, &schema["items"])]),
            Some("object") => {
                let mut object = Map::new();
                for (field, field_schema) in schema["properties"].as_object().into_iter().flatten()
                {
                    object.insert(field.clone(), self.valid(op, field, field_schema));
                }
                Value::Object(object)
            }
            // A schema without a type: any JSON value.
            _ => json!({}),
        }
    }

    /// The operation's concrete path with plausible path parameters, `replace` swapping one.
    fn path(&self, op: &Operation, replace: Option<(&str, &str)>) -> String {
        let mut path = op.template.clone();
        for (name, _, _) in &op.path {
            let value = match replace {
                Some((replaced, raw)) if replaced == name => raw.to_owned(),
                _ => livechat_types::encode_path_segment(&self.value_for(op, name)),
            };
            path = path.replace(&format!("{{{name}}}"), &value);
        }
        path
    }

    /// The operation's query string (with `?`), `replace` swapping one parameter's raw,
    /// already encoded value.
    fn query(&self, op: &Operation, replace: Option<(&str, &str)>) -> String {
        let mut pairs = Vec::new();
        for (name, schema, _) in &op.query {
            let value = match replace {
                Some((replaced, raw)) if replaced == name => raw.to_owned(),
                _ => {
                    let value = self.valid(op, name, schema);
                    let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                    livechat_types::encode_path_segment(&text)
                }
            };
            pairs.push(format!("{name}={value}"));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }

    /// Sends a raw body (or none) with the admin's credentials.
    async fn send(&self, op: &Operation, path_and_query: &str, body: Option<Vec<u8>>) -> Sent {
        let url = format!("{}{path_and_query}", self.app.base);
        let mut req = self.app.client.request(op.method.clone(), url);
        for (name, value) in self.admin.headers() {
            req = req.header(name, value);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        match req.send().await {
            Ok(res) => Sent::Reply(TestApp::read(op.method.clone(), res).await),
            Err(err) => Sent::Failed(format!("no reply: {err}")),
        }
    }

    /// Everything the requests of this file could change, read back.
    async fn snapshot(&self) -> Value {
        let app = &self.app;
        let as_admin = |path: String| async move {
            app.request_with(Method::GET, &path, None, &self.admin.headers()).await.json
        };
        json!({
            "history a": app.history("tok-a", &self.room_a).await,
            "history b": app.history("tok-b", &self.room_b).await,
            "visitor a": app.get("/api/v1/livechat/visitor/tok-a").await.json,
            "visitor b": app.get("/api/v1/livechat/visitor/tok-b").await.json,
            "new visitor": app.get("/api/v1/livechat/visitor/tok-new").await.json,
            // The text the wrong values of this file carry (`["x"]`), read as a token.
            "visitor x": app.get("/api/v1/livechat/visitor/x").await.json,
            "config": app.get("/api/v1/livechat/config?token=tok-a").await.json,
            "rooms": as_admin("/api/v1/livechat/rooms?count=100".into()).await,
            "offline": as_admin("/api/v1/livechat/offline.messages?count=100".into()).await,
            "setting": as_admin("/api/v1/settings/Livechat_enabled".into()).await,
            "agents": as_admin("/api/v1/livechat/users/agent?count=100".into()).await,
            "managers": as_admin("/api/v1/livechat/users/manager?count=100".into()).await,
            "me": as_admin("/api/v1/me".into()).await,
            "permissions": as_admin("/api/v1/permissions.listAll".into()).await,
        })
    }
}

/// What a request got.
enum Sent {
    Reply(Res),
    Failed(String),
}

/// The JSON type a schema names (the first one that is not `null`).
fn kind(schema: &Value) -> Option<&str> {
    match &schema["type"] {
        Value::String(kind) => Some(kind.as_str()),
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).find(|kind| *kind != "null"),
        _ => None,
    }
}

/// What a reply must be.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// 400 `invalid-params`.
    InvalidParams,
    /// 413 `error-payload-too-large`.
    TooLarge,
    /// Any 4xx with the envelope (the SPEC leaves the exact code open).
    Refused,
    /// A 200, or 400 `invalid-params` (a value the SPEC clamps or leaves open).
    AcceptedOrInvalidParams,
    /// A 200, or any 4xx with the envelope (an optional parameter the server may ignore).
    AcceptedOrRefused,
}

/// What is wrong with a reply, if anything. Replies were already checked against the OpenAPI
/// document (and for errors, the content type) by `TestApp::read`.
fn judge(sent: &Sent, expect: Expect) -> Option<String> {
    let res = match sent {
        Sent::Reply(res) => res,
        Sent::Failed(why) => return Some(why.clone()),
    };
    let content_type = res.headers.get("content-type").and_then(|value| value.to_str().ok());
    if content_type != Some("application/json") {
        return Some(format!("content type {content_type:?}"));
    }
    let is_envelope = res.json["success"] == false && res.json["error"].is_string();
    let described = |status: u16, code: &str| {
        res.status == status
            && is_envelope
            && res.json["errorType"] == code
            && res.json["error"]
                .as_str()
                .is_some_and(|error| error.ends_with(&format!(" [{code}]")))
    };
    let fine = match expect {
        Expect::InvalidParams => described(400, "invalid-params"),
        Expect::TooLarge => described(413, "error-payload-too-large"),
        Expect::Refused => (400..500).contains(&res.status) && is_envelope,
        Expect::AcceptedOrInvalidParams => {
            (res.status == 200 && res.json["success"] == true) || described(400, "invalid-params")
        }
        Expect::AcceptedOrRefused => {
            (res.status == 200 && res.json["success"] == true)
                || ((400..500).contains(&res.status) && is_envelope)
        }
    };
    (!fine).then(|| format!("expected {expect:?}, got {} {}", res.status, res.json))
}

/// Collects failures, then reports them all at once.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, what: String, sent: &Sent, expect: Expect) {
        if let Some(why) = judge(sent, expect) {
            self.0.push(format!("{what}: {why}"));
        }
    }

    #[track_caller]
    fn assert_none(&self, checked: usize) {
        assert!(checked > 0, "nothing was checked");
        assert!(
            self.0.is_empty(),
            "{} of {checked} bad requests were not refused as the SPEC says:\n  {}",
            self.0.len(),
            self.0.join("\n  ")
        );
    }
}

/// The bad values for a field of `schema`, each with what the reply must be. JSON text, so
/// numbers beyond `f64` and `u64` travel verbatim.
fn wrong_values(schema: &Value) -> Vec<(&'static str, String)> {
    let of_other_types: &[(&str, &str)] = &[
        ("an object", r#"{"$regex":".*"}"#),
        ("an array", r#"["x"]"#),
        ("a number", "42"),
        ("1e308", "1e308"),
        ("-1", "-1"),
        ("2^64", "18446744073709551616"),
        ("a fraction", "0.5"),
        ("true", "true"),
        ("null", "null"),
        ("a string", r#""1""#),
        ("an empty object", "{}"),
    ];
    let own = match kind(schema) {
        Some("string") => vec!["a string"],
        Some("boolean") => vec!["true"],
        Some("object") => vec!["an object", "an empty object"],
        Some("array") => vec!["an array"],
        // A schema without a type takes any JSON value.
        _ => return Vec::new(),
    };
    of_other_types
        .iter()
        .filter(|(name, _)| !own.contains(name))
        .map(|(name, text)| (*name, (*text).to_owned()))
        .collect()
}

/// Every field of a body schema, depth first: its path (object keys; `None` for an array's
/// element) and its schema.
fn fields(
    world: &World,
    schema: &Value,
    prefix: &[Option<String>],
) -> Vec<(Vec<Option<String>>, Value)> {
    let schema = world.resolve(schema);
    let mut found = Vec::new();
    for (name, field) in schema["properties"].as_object().into_iter().flatten() {
        let mut path = prefix.to_vec();
        path.push(Some(name.clone()));
        let field = world.resolve(field);
        found.push((path.clone(), field.clone()));
        match kind(&field) {
            Some("object") => found.extend(fields(world, &field, &path)),
            Some("array") if kind(&world.resolve(&field["items"])) == Some("object") => {
                let mut element = path.clone();
                element.push(None);
                let items = world.resolve(&field["items"]);
                found.push((element.clone(), items.clone()));
                found.extend(fields(world, &items, &element));
            }
            _ => {}
        }
    }
    found
}

/// `body` with the value at `path` replaced by a placeholder string; returns the JSON text
/// in which the placeholder (quotes included) is to be replaced by raw bytes.
fn with_placeholder(body: &Value, path: &[Option<String>]) -> String {
    let mut body = body.clone();
    let mut slot = &mut body;
    for step in path {
        slot = match step {
            Some(key) => &mut slot[key.as_str()],
            None => &mut slot[0],
        };
    }
    *slot = Value::from(PLACEHOLDER);
    body.to_string()
}

const PLACEHOLDER: &str = "@@BAD-VALUE@@";

/// Replaces the quoted placeholder in `text` by `raw`.
fn splice(text: &str, raw: &[u8]) -> Vec<u8> {
    let quoted = format!("\"{PLACEHOLDER}\"");
    let (before, after) = text.split_once(&quoted).expect("placeholder in body");
    let mut bytes = before.as_bytes().to_vec();
    bytes.extend_from_slice(raw);
    bytes.extend_from_slice(after.as_bytes());
    bytes
}

fn label(op: &Operation) -> String {
    format!("{} {} ({})", op.method, op.template, op.name)
}

fn dotted(path: &[Option<String>]) -> String {
    let parts: Vec<&str> = path.iter().map(|step| step.as_deref().unwrap_or("[0]")).collect();
    parts.join(".")
}

/// Checks that a batch of requests left everything as it was.
/// Reports what changed since `before`, then makes the current state the new `before`.
async fn unchanged(world: &World, before: &mut Value, what: &str, failures: &mut Failures) {
    let after = world.snapshot().await;
    let changed: Vec<String> = before
        .as_object()
        .expect("snapshot")
        .iter()
        .filter(|(key, value)| after[key.as_str()] != **value)
        .map(|(key, value)| {
            format!("{key}:\n    before {value}\n    after  {}", after[key.as_str()])
        })
        .collect();
    if !changed.is_empty() {
        failures.0.push(format!("{what} changed what it must not: {}", changed.join("\n  ")));
    }
    *before = after;
}

#[actix_web::test]
async fn every_body_field_refuses_wrong_types_nul_invalid_utf8_and_huge_strings() {
    let world = world().await;
    let mut before = world.snapshot().await;
    let mut failures = Failures::default();
    let mut checked = 0;
    let huge = format!("\"{}\"", "x".repeat(1024 * 1024));

    for op in world.operations() {
        let Some(schema) = &op.body else { continue };
        let valid = world.valid(&op, "", schema);
        let target = format!("{}{}", world.path(&op, None), world.query(&op, None));
        for (path, field) in fields(&world, schema, &[]) {
            let text = with_placeholder(&valid, &path);
            let what = |bad: &str| format!("{} field {} as {bad}", label(&op), dotted(&path));
            let mut cases: Vec<(String, Vec<u8>, Expect)> = wrong_values(&field)
                .into_iter()
                .map(|(name, raw)| {
                    (what(name), splice(&text, raw.as_bytes()), Expect::InvalidParams)
                })
                .collect();
            if kind(&field) == Some("string") {
                let bad = [
                    ("an escaped NUL", &br#""a\u0000b""#[..], Expect::InvalidParams),
                    ("a raw NUL byte", b"\"a\0b\"", Expect::InvalidParams),
                    ("invalid UTF-8", b"\"a\xff\xfeb\"", Expect::InvalidParams),
                    ("a lone surrogate", br#""a\ud800b""#, Expect::InvalidParams),
                    ("1 MiB", huge.as_bytes(), Expect::TooLarge),
                ];
                for (name, raw, expect) in bad {
                    cases.push((what(name), splice(&text, raw), expect));
                }
            }
            for (what, body, expect) in cases {
                let sent = world.send(&op, &target, Some(body)).await;
                failures.check(what, &sent, expect);
                checked += 1;
            }
        }
        unchanged(&world, &mut before, &label(&op), &mut failures).await;
    }
    failures.assert_none(checked);
}

#[actix_web::test]
async fn every_body_refuses_other_json_types_unknown_fields_and_bad_bytes() {
    let world = world().await;
    let mut before = world.snapshot().await;
    let mut failures = Failures::default();
    let mut checked = 0;

    for op in world.operations() {
        let Some(schema) = &op.body else { continue };
        let target = format!("{}{}", world.path(&op, None), world.query(&op, None));
        let mut extra = world.valid(&op, "", schema);
        extra["unexpectedField"] = json!("x");
        let mut padded = world.valid(&op, "", schema).to_string().into_bytes();
        padded.resize(64 * 1024 + 1, b' ');
        // The body's required fields, in order, as an array: serde reads a struct from that.
        let valid = world.valid(&op, "", schema);
        let required = schema["required"].as_array().cloned().unwrap_or_default();
        let values: Vec<Value> =
            required.iter().filter_map(|name| valid.get(name.as_str()?).cloned()).collect();
        let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
            ("an array", b"[]".to_vec(), Expect::InvalidParams),
            (
                "its values as an array",
                Value::Array(values).to_string().into_bytes(),
                Expect::InvalidParams,
            ),
            ("a string", br#""{}""#.to_vec(), Expect::InvalidParams),
            ("a number", b"1e308".to_vec(), Expect::InvalidParams),
            ("true", b"true".to_vec(), Expect::InvalidParams),
            ("null", b"null".to_vec(), Expect::InvalidParams),
            ("truncated JSON", b"{\"a\":".to_vec(), Expect::InvalidParams),
            ("two objects", b"{} {}".to_vec(), Expect::InvalidParams),
            ("invalid UTF-8", b"\xff\xfe{}".to_vec(), Expect::InvalidParams),
            ("an unknown field", extra.to_string().into_bytes(), Expect::InvalidParams),
            ("64 KiB + 1 byte", padded, Expect::TooLarge),
            ("1 MiB", vec![b' '; 1024 * 1024], Expect::TooLarge),
        ];
        for (name, body, expect) in cases {
            let sent = world.send(&op, &target, Some(body)).await;
            failures.check(format!("{} body as {name}", label(&op)), &sent, expect);
            checked += 1;
        }
        unchanged(&world, &mut before, &label(&op), &mut failures).await;
    }
    failures.assert_none(checked);
}

#[actix_web::test]
async fn every_query_parameter_refuses_nul_and_unparsable_values() {
    let world = world().await;
    let mut before = world.snapshot().await;
    let mut failures = Failures::default();
    let mut checked = 0;

    for op in world.operations() {
        let path = world.path(&op, None);
        for (name, schema, required) in &op.query {
            let mut cases: Vec<(&str, String, Expect)> = vec![
                ("an encoded NUL", "a%00b".into(), Expect::InvalidParams),
                ("only a NUL", "%00".into(), Expect::InvalidParams),
                // Decoded leniently or refused: never a 5xx, never a change.
                ("invalid UTF-8", "a%FF%FEb".into(), Expect::Refused),
                ("16 KiB", "x".repeat(16 * 1024), Expect::Refused),
            ];
            // The same parameter twice: read as one of them, or refused; never a 5xx.
            let valid = world.valid(&op, name, schema);
            let text = valid.as_str().map_or_else(|| valid.to_string(), str::to_owned);
            let once = livechat_types::encode_path_segment(&text);
            cases.push(("given twice", format!("{once}&{name}={once}"), Expect::AcceptedOrRefused));
            match kind(schema) {
                Some("integer") => cases.extend([
                    ("a word", "abc".into(), Expect::InvalidParams),
                    ("1e308", "1e308".into(), Expect::InvalidParams),
                    ("a fraction", "0.5".into(), Expect::InvalidParams),
                    ("hex", "0x10".into(), Expect::InvalidParams),
                    ("empty", String::new(), Expect::InvalidParams),
                    // SPEC: `limit` <= 0 means the default, a huge one is clamped.
                    ("-1", "-1".into(), Expect::AcceptedOrInvalidParams),
                    ("2^64", "18446744073709551616".into(), Expect::AcceptedOrInvalidParams),
                    ("-2^64", "-18446744073709551616".into(), Expect::AcceptedOrInvalidParams),
                ]),
                Some("boolean") => cases.extend([
                    ("a word", "maybe".into(), Expect::InvalidParams),
                    ("a number", "2".into(), Expect::InvalidParams),
                    ("empty", String::new(), Expect::InvalidParams),
                ]),
                _ => {}
            }
            if schema["format"] == "date-time" || name == "end" {
                cases.extend([
                    ("not a time", "yesterday".into(), Expect::InvalidParams),
                    ("a number", "1536931893201".into(), Expect::InvalidParams),
                    ("a far year", "99999-01-01T00:00:00.000Z".into(), Expect::InvalidParams),
                ]);
            }
            for (bad, raw, expect) in cases {
                let expect = match expect {
                    // An optional text (`department`, `ls`) may be read leniently or ignored.
                    Expect::Refused if !required => Expect::AcceptedOrRefused,
                    other => other,
                };
                let target = format!("{path}{}", world.query(&op, Some((name, &raw))));
                let sent = world.send(&op, &target, None).await;
                failures.check(format!("{} query {name} as {bad}", label(&op)), &sent, expect);
                checked += 1;
            }
        }
        unchanged(&world, &mut before, &label(&op), &mut failures).await;
    }
    failures.assert_none(checked);
}

#[actix_web::test]
async fn every_path_parameter_refuses_nul_and_odd_segments() {
    let world = world().await;
    let mut before = world.snapshot().await;
    let mut failures = Failures::default();
    let mut checked = 0;

    for op in world.operations() {
        let query = world.query(&op, None);
        for (name, _, _) in &op.path {
            let long = "x".repeat(16 * 1024);
            let cases: [(&str, &str, Expect); 7] = [
                ("an encoded NUL", "a%00b", Expect::InvalidParams),
                ("only a NUL", "%00", Expect::InvalidParams),
                ("invalid UTF-8", "a%FF%FEb", Expect::Refused),
                ("an encoded slash", "a%2Fb", Expect::Refused),
                ("dot-dot", "..%2F..%2Fetc", Expect::Refused),
                ("a JSON object", "%7B%22%24regex%22%3A%22.*%22%7D", Expect::Refused),
                ("16 KiB", &long, Expect::Refused),
            ];
            for (bad, raw, expect) in cases {
                let target = format!("{}{query}", world.path(&op, Some((name, raw))));
                let sent = world.send(&op, &target, None).await;
                failures.check(format!("{} path {name} as {bad}", label(&op)), &sent, expect);
                checked += 1;
            }
        }
        unchanged(&world, &mut before, &label(&op), &mut failures).await;
    }
    failures.assert_none(checked);
}

/// A request sent over a plain TCP connection, for what an HTTP client refuses to build (URLs
/// over 64 KiB), with `extra_header` (complete lines) added. Reads the reply until the server
/// closes the connection.
async fn raw_request(world: &World, method: &str, target: &str, extra_header: &str) -> Sent {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let address = world.app.base.trim_start_matches("http://").to_owned();
    let mut stream = match tokio::net::TcpStream::connect(&address).await {
        Ok(stream) => stream,
        Err(err) => return Sent::Failed(format!("cannot connect: {err}")),
    };
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {address}\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n\
         {extra_header}Connection: close\r\n\r\n",
        world.admin.id, world.admin.token
    );
    // The server may answer and close before it has read everything; a failed write is not
    // the end, the reply may be there to read.
    let _ = stream.write_all(head.as_bytes()).await;
    let mut reply = Vec::new();
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(60), stream.read_to_end(&mut reply));
    if let Ok(Err(err)) = read.await {
        if reply.is_empty() {
            return Sent::Failed(format!("no reply: {err}"));
        }
    }
    let text = String::from_utf8_lossy(&reply).into_owned();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Sent::Failed(format!("no reply, or not HTTP: {text:?}"));
    };
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .unwrap_or(0);
    let mut headers = reqwest::header::HeaderMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()),
                reqwest::header::HeaderValue::from_str(value.trim()),
            ) {
                headers.append(name, value);
            }
        }
    }
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    if !json.is_object() {
        return Sent::Failed(format!("{status} with a body that is not the envelope: {body:?}"));
    }
    Sent::Reply(Res { status, json, headers })
}

/// The HTTP layer reads URLs of up to 64 KiB and request heads of up to 128 KiB; a value that
/// fits is the API's to refuse, with the envelope.
#[actix_web::test]
async fn a_huge_value_in_the_request_head_is_refused_with_the_envelope() {
    let world = world().await;
    let mut before = world.snapshot().await;
    let mut failures = Failures::default();
    let huge = "x".repeat(60 * 1024);
    let operations = world.operations();
    let history = operations.iter().find(|op| op.name == "message.history").expect("history");
    let visitor = operations.iter().find(|op| op.name == "visitor.get").expect("visitor.get");

    let history_path = world.path(history, None);
    let big_header = format!("X-Padding: {}\r\n", "x".repeat(100 * 1024));
    let targets = [
        (
            history,
            format!("{history_path}?token={huge}"),
            String::new(),
            "a 60 KiB URL",
            Expect::Refused,
        ),
        (
            visitor,
            world.path(visitor, Some(("token", &huge))),
            String::new(),
            "a 60 KiB path",
            Expect::Refused,
        ),
        (
            history,
            format!("{history_path}?token=tok-a&{}", "a=b&".repeat(12_000)),
            String::new(),
            "48 KB of unknown query parameters",
            Expect::AcceptedOrRefused,
        ),
        (
            history,
            format!("{history_path}?token=tok-a"),
            big_header,
            "a 100 KiB header",
            Expect::AcceptedOrRefused,
        ),
    ];
    for (op, target, header, what, expect) in &targets {
        let sent = raw_request(&world, op.method.as_str(), target, header).await;
        failures.check(format!("{} with {what}", label(op)), &sent, *expect);
    }

    unchanged(&world, &mut before, "60 KiB values", &mut failures).await;
    failures.assert_none(targets.len());
}

/// A URL over 64 KiB or a head over 128 KiB is refused by the HTTP layer before there is a
/// request to answer: a bare `400` or `431` (the README's limits section says so), the
/// connection closed, nothing changed.
#[actix_web::test]
async fn a_request_head_over_the_http_limit_is_refused_and_changes_nothing() {
    let world = world().await;
    let mut before = world.snapshot().await;
    let mut failures = Failures::default();
    let huge = "x".repeat(1024 * 1024);
    let operations = world.operations();
    let history = operations.iter().find(|op| op.name == "message.history").expect("history");
    let visitor = operations.iter().find(|op| op.name == "visitor.get").expect("visitor.get");
    let history_path = world.path(history, None);
    let targets = [
        (history, format!("{history_path}?token={}", "x".repeat(70 * 1024)), String::new()),
        (history, format!("{history_path}?token={huge}"), String::new()),
        (visitor, world.path(visitor, Some(("token", &huge))), String::new()),
        (history, format!("{history_path}?token=tok-a"), format!("X-Padding: {huge}\r\n")),
    ];
    for (op, target, header) in &targets {
        let status = raw_status(&world, op.method.as_str(), target, header).await;
        if !matches!(status, Some(400 | 431)) {
            failures.0.push(format!("{}: {status:?} instead of 400 or 431", label(op)));
        }
    }
    unchanged(&world, &mut before, "1 MiB heads", &mut failures).await;
    failures.assert_none(targets.len());
}

/// The status line of the reply to a raw request, whatever its body.
async fn raw_status(world: &World, method: &str, target: &str, extra_header: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let address = world.app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {address}\r\n{extra_header}Connection: close\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let mut reply = Vec::new();
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(60), stream.read_to_end(&mut reply));
    assert!(read.await.is_ok(), "the connection stayed open");
    let text = String::from_utf8_lossy(&reply);
    text.lines().next()?.split_whitespace().nth(1)?.parse().ok()
}
