//! The OpenAPI document: it is served, it lists every route, and every reply any test
//! receives is checked against it ([`check`], called from `TestApp::read`), so the document
//! cannot drift from what the server answers.

use std::sync::OnceLock;

use livechat_types::{
    agent, livechat_users, message, permission, room, setting, user, visitor, Endpoint,
    Method as Verb,
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::TestApp;

const ROUTE: &str = "/api/v1/openapi.json";

/// The document's operations, with a compiled validator for each documented status.
pub struct Spec {
    document: Value,
    operations: Vec<Operation>,
    error: jsonschema::Validator,
}

struct Operation {
    method: String,
    template: String,
    /// Status keys (`200`, `4XX`, ...) and the schema of their body.
    replies: Vec<(String, jsonschema::Validator)>,
}

static SPEC: OnceLock<Spec> = OnceLock::new();

/// Fetches the document a test server serves. The first one is compiled; the others must
/// equal it. Called once per `TestApp`, so every test makes the same requests.
pub async fn load(client: &reqwest::Client, base: &str) {
    let res = client.get(format!("{base}{ROUTE}")).send().await.expect("openapi.json");
    assert_eq!(res.status(), 200, "{ROUTE}");
    let document: Value = res.json().await.expect("openapi.json is JSON");
    let spec = SPEC.get_or_init(|| Spec::new(document.clone()));
    assert!(spec.document == document, "the served document changed between test servers");
}

/// Asserts that a reply matches the document. Panics with every violation.
#[track_caller]
pub fn check(method: &Method, path: &str, status: u16, body: &Value) {
    let spec = SPEC.get().expect("TestApp::new loads the OpenAPI document");
    let errors = spec.errors(method.as_str(), path, status, body);
    assert!(
        errors.is_empty(),
        "{method} {path} answered {status}, which the OpenAPI document does not allow:\n  {}\nbody: {body}",
        errors.join("\n  ")
    );
}

impl Spec {
    /// Compiles a validator for every reply of every operation.
    pub fn new(document: Value) -> Self {
        let compile = |schema: &Value| {
            // The document's own components travel along, so `#/components/schemas/..`
            // references resolve inside it.
            let root = json!({"components": document["components"], "allOf": [schema]});
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|err| panic!("schema {schema}: {err}"))
        };
        let mut operations = Vec::new();
        let paths = document["paths"].as_object().expect("paths");
        for (template, item) in paths {
            for (method, operation) in item.as_object().expect("path item") {
                let responses = operation["responses"].as_object().expect("responses");
                let replies = responses
                    .iter()
                    .map(|(status, reply)| {
                        let schema = &reply["content"]["application/json"]["schema"];
                        assert!(schema.is_object(), "{method} {template} {status}: no JSON body");
                        (status.clone(), compile(schema))
                    })
                    .collect();
                operations.push(Operation {
                    method: method.to_uppercase(),
                    template: template.clone(),
                    replies,
                });
            }
        }
        let error = compile(&json!({"$ref": "#/components/schemas/ErrorBody"}));
        Self { document, operations, error }
    }

    /// What is wrong with a reply, if anything.
    pub fn errors(&self, method: &str, path: &str, status: u16, body: &Value) -> Vec<String> {
        let path = path.split('?').next().unwrap_or_default();
        let operation = self
            .operations
            .iter()
            .find(|operation| operation.method == method && matches(&operation.template, path));
        let validator = match operation {
            Some(operation) => {
                let exact = status.to_string();
                let range = format!("{}XX", status / 100);
                let reply = operation
                    .replies
                    .iter()
                    .find(|(key, _)| *key == exact)
                    .or_else(|| operation.replies.iter().find(|(key, _)| *key == range))
                    .or_else(|| operation.replies.iter().find(|(key, _)| key == "default"));
                match reply {
                    Some((_, validator)) => validator,
                    None => return vec![format!("status {status} is not documented")],
                }
            }
            // Unknown routes (404) and known paths with another method (405): the envelope.
            None if status >= 400 => &self.error,
            // Operations endpoints (`/healthz`, ...) are not part of the API.
            None if !path.starts_with("/api/") => return Vec::new(),
            None => return vec![format!("{method} {path} is not documented")],
        };
        validator
            .iter_errors(body)
            .map(|err| format!("at '{}': {err}", err.instance_path()))
            .collect()
    }

    /// `(METHOD, template)` of every documented operation.
    fn operations(&self) -> Vec<(String, String)> {
        let mut all: Vec<_> = self
            .operations
            .iter()
            .map(|operation| (operation.method.clone(), operation.template.clone()))
            .collect();
        all.sort();
        all
    }
}

/// Whether `path` fits `template`, where `{name}` stands for one non-empty segment.
fn matches(template: &str, path: &str) -> bool {
    let mut template = template.split('/');
    let mut path = path.split('/');
    loop {
        match (template.next(), path.next()) {
            (None, None) => return true,
            (Some(expected), Some(actual)) => {
                let is_param = expected.starts_with('{') && expected.ends_with('}');
                if (is_param && actual.is_empty()) || (!is_param && expected != actual) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

fn operation_of<E: Endpoint>() -> (String, String) {
    let method = match E::METHOD {
        Verb::Get => "GET",
        Verb::Post => "POST",
        Verb::Put => "PUT",
        Verb::Delete => "DELETE",
    };
    (method.to_owned(), E::ROUTE.to_owned())
}

#[actix_web::test]
async fn the_document_is_openapi_3_1_and_lists_every_route() {
    let app = TestApp::new().await;

    let res = app.get(ROUTE).await;

    assert_eq!(res.status, 200);
    assert_eq!(res.headers["content-type"], "application/json");
    let document = &res.json;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["jsonSchemaDialect"], "https://json-schema.org/draft/2020-12/schema");
    assert!(document["info"]["title"].is_string() && document["info"]["version"].is_string());
    // Routing an endpoint documents it (routes.rs reads one table for both), so this list
    // only guards against an endpoint dropping out of the table.
    let expected = [
        operation_of::<visitor::register::Request>(),
        operation_of::<visitor::get::Request>(),
        operation_of::<visitor::delete::Request>(),
        operation_of::<room::open::Request>(),
        operation_of::<room::close::Request>(),
        operation_of::<room::config::Request>(),
        operation_of::<message::send::Request>(),
        operation_of::<message::get::Request>(),
        operation_of::<message::update::Request>(),
        operation_of::<message::delete::Request>(),
        operation_of::<message::history::Request>(),
        operation_of::<agent::login::Request>(),
        operation_of::<agent::logout::Request>(),
        operation_of::<agent::status::Request>(),
        operation_of::<agent::rooms::Request>(),
        operation_of::<agent::chat_send::Request>(),
        operation_of::<agent::chat_update::Request>(),
        operation_of::<agent::chat_delete::Request>(),
        operation_of::<agent::close_room::Request>(),
        operation_of::<agent::info::Request>(),
        operation_of::<setting::list::Request>(),
        operation_of::<setting::get::Request>(),
        operation_of::<setting::set::Request>(),
        operation_of::<user::create::Request>(),
        operation_of::<user::delete::Request>(),
        operation_of::<user::me::Request>(),
        operation_of::<user::set_status::Request>(),
        operation_of::<user::update_own_basic_info::Request>(),
        operation_of::<livechat_users::list::Request>(),
        operation_of::<livechat_users::add::Request>(),
        operation_of::<livechat_users::get::Request>(),
        operation_of::<livechat_users::remove::Request>(),
        operation_of::<permission::list_all::Request>(),
        operation_of::<permission::update::Request>(),
        ("GET".to_owned(), ROUTE.to_owned()),
    ];
    let spec = Spec::new(document.clone());
    let documented = spec.operations();
    for operation in expected {
        assert!(documented.contains(&operation), "{operation:?} is not documented");
    }
    for (method, template) in spec.operations() {
        let operation = &document["paths"][&template][method.to_lowercase()];
        assert!(operation["operationId"].is_string(), "{method} {template}");
        for status in ["200", "4XX", "5XX"] {
            assert!(operation["responses"][status].is_object(), "{method} {template} {status}");
        }
    }
}

#[actix_web::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::new().await;
    let spec = Spec::new(app.get(ROUTE).await.json);

    for (method, template) in spec.operations() {
        let path = template.replace('{', "x").replace('}', "");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        // Without parameters or credentials the request is refused, but by the endpoint: the
        // reply is checked against that operation's schemas like any other.
        let res = app.request(method.clone(), &path, None).await;
        assert_ne!(res.status, 404, "{method} {path}: {}", res.json);
        assert_ne!(res.status, 405, "{method} {path}: {}", res.json);
    }
}

#[actix_web::test]
async fn the_checker_refuses_replies_that_break_the_document() {
    let app = TestApp::new().await;
    let spec = Spec::new(app.get(ROUTE).await.json);
    let send = "/api/v1/livechat/message";
    let message = json!({
        "_id": "m1", "rid": "r1", "msg": "hi", "u": {"_id": "v1", "username": "guest-1"},
        "ts": "2018-09-14T13:31:33.201Z", "ls": "2018-09-14T13:31:33.201Z",
        "_updatedAt": "2018-09-14T13:31:33.201Z", "extra": "allowed"
    });
    let good = json!({"success": true, "message": message});
    assert_eq!(spec.errors("POST", send, 200, &good), Vec::<String>::new());
    let error = json!({"success": false, "error": "invalid-token"});
    assert_eq!(spec.errors("POST", send, 400, &error), Vec::<String>::new());
    assert_eq!(spec.errors("GET", "/api/v1/nope", 404, &error), Vec::<String>::new());
    assert_eq!(spec.errors("PATCH", send, 405, &error), Vec::<String>::new());
    assert_eq!(spec.errors("GET", "/healthz", 200, &json!({"status": "ok"})), Vec::<String>::new());

    let mut missing = good.clone();
    missing["message"].as_object_mut().map(|message| message.remove("ls"));
    let mut numeric_ts = good.clone();
    numeric_ts["message"]["ts"] = json!(1_536_931_893_201_i64);
    let mut no_millis = good.clone();
    no_millis["message"]["ts"] = json!("2018-09-14T13:31:33Z");
    let mut null_alias = good.clone();
    null_alias["message"]["alias"] = Value::Null;
    let bad = [
        ("POST", send, 200, json!({"success": true})),
        ("POST", send, 200, missing),
        ("POST", send, 200, numeric_ts),
        ("POST", send, 200, no_millis),
        ("POST", send, 200, null_alias),
        ("POST", send, 200, json!({"success": false, "message": message})),
        ("POST", send, 400, json!({"success": false})),
        ("POST", send, 400, json!({"success": true, "error": "invalid-token"})),
        ("GET", "/api/v1/nope", 404, json!({"error": "Resource not found"})),
        ("GET", "/api/v1/nope", 200, json!({"success": true})),
        ("POST", send, 302, error.clone()),
    ];
    for (method, path, status, body) in bad {
        let errors = spec.errors(method, path, status, &body);
        assert!(!errors.is_empty(), "{method} {path} {status} {body} passed");
    }
}

#[test]
fn templates_match_whole_segments() {
    assert!(matches("/api/v1/livechat/message/{id}", "/api/v1/livechat/message/a%2Fb"));
    assert!(!matches("/api/v1/livechat/message/{id}", "/api/v1/livechat/message/"));
    assert!(!matches("/api/v1/livechat/message/{id}", "/api/v1/livechat/message/a/b"));
    assert!(!matches("/api/v1/livechat/message", "/api/v1/livechat/message/a"));
    assert!(matches(
        "/api/v1/livechat/agent.info/{rid}/{token}",
        "/api/v1/livechat/agent.info/r/t"
    ));
}
