//! The OpenAPI 3.1 document of the API, served at `GET /api/v1/openapi.json`.
//!
//! It is built from the types of the endpoints in the route table (`routes::api`, which
//! fills a [`Collector`] and serves the result): their
//! methods, routes and JSON Schemas (derived by `schemars` from the same serde attributes
//! that shape the wire format). Nothing in it is written by hand but the envelope's prose.

use livechat_types::openapi::{Collector, EndpointSchema};
use livechat_types::{Method, ParamSource};
use serde_json::{json, Map, Value};

/// Where the document is served.
pub const ROUTE: &str = "/api/v1/openapi.json";

/// Where shared schemas live in the document.
const SCHEMAS: &str = "/components/schemas";

/// A collector for the endpoints of the document.
pub fn collector() -> Collector {
    Collector::new(SCHEMAS)
}

/// Builds the document from the endpoints `collector` gathered.
pub fn document(collector: &mut Collector) -> Value {
    let error = collector.error_body();
    let mut schemas = Map::new();
    let mut paths = Map::new();
    for endpoint in collector.endpoints() {
        let operation = operation(endpoint, &error, &mut schemas);
        let item = paths.entry(endpoint.route).or_insert_with(|| json!({}));
        item[method_name(endpoint.method)] = operation;
    }
    paths.insert(ROUTE.into(), describe_itself(&error));
    for (name, schema) in collector.definitions() {
        insert_unique(&mut schemas, name, schema);
    }
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Livechat API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "The Rocket.Chat Livechat REST API, as this server speaks it.",
            "description": "Every reply is JSON. A success is HTTP 200 with the payload's \
                fields plus `\"success\": true`; every error, the framework's included, is \
                the `ErrorBody` envelope. Replies may carry fields not listed here.",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// One operation: parameters or body, and its replies.
fn operation(endpoint: &EndpointSchema, error: &Value, schemas: &mut Map<String, Value>) -> Value {
    let component = component_name(&endpoint.name);
    let mut parameters: Vec<Value> = path_parameters(endpoint.route).collect();
    let mut operation = json!({
        "operationId": endpoint.name,
        "tags": [endpoint.name.split('.').next().unwrap_or_default()],
    });
    let mut request = endpoint.request.clone();
    if endpoint.params == ParamSource::BodyOrQuery {
        // A parameter is required in one place or the other, which a schema of each place
        // cannot say: neither requires it, and the description does.
        if let Some(request) = request.as_object_mut() {
            request.remove("required");
        }
        operation["description"] = "Each parameter travels in the JSON body or, when the \
            body leaves it out, in the query string; it is required in one of the two."
            .into();
    }
    let has_fields = request["properties"].as_object().is_some_and(|fields| !fields.is_empty());
    let is_form = endpoint.params == ParamSource::Multipart;
    if endpoint.params != ParamSource::Body && !is_form {
        parameters.extend(query_parameters(&request));
    }
    if endpoint.params != ParamSource::Query && has_fields {
        let required = request["required"].as_array().is_some_and(|names| !names.is_empty());
        let name = format!("{component}Request");
        let media_type = if is_form { "multipart/form-data" } else { "application/json" };
        operation["requestBody"] = json!({
            "required": required || is_form,
            "content": {media_type: {"schema": reference(&name)}},
        });
        insert_unique(schemas, name, request);
    }
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    let name = format!("{component}Response");
    let success = endpoint.response["description"].as_str().unwrap_or("Success.");
    operation["responses"] = json!({
        "200": json_reply(success, reference(&name)),
        "4XX": json_reply("Refused; nothing was stored.", error.clone()),
        "5XX": json_reply("Server or database failure; the outcome is unknown.", error.clone()),
    });
    insert_unique(schemas, name, endpoint.response.clone());
    operation
}

/// The document's own entry, so that every path under `/api/v1` is in it.
fn describe_itself(error: &Value) -> Value {
    let document = json!({
        "type": "object",
        "required": ["openapi", "info", "paths"],
        "properties": {"openapi": {"type": "string", "pattern": "^3\\.1\\."}},
    });
    json!({"get": {
        "operationId": "openapi",
        "tags": ["openapi"],
        "responses": {
            "200": json_reply("This OpenAPI document.", document),
            "4XX": json_reply("Refused.", error.clone()),
            "5XX": json_reply("Server failure.", error.clone()),
        },
    }})
}

/// `{name}` segments of a route, as required string parameters.
fn path_parameters(route: &'static str) -> impl Iterator<Item = Value> {
    route.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}')).map(
        |name| {
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": {"type": "string", "minLength": 1},
            })
        },
    )
}

/// The request's fields as query parameters.
fn query_parameters(request: &Value) -> Vec<Value> {
    let required = request["required"].as_array().cloned().unwrap_or_default();
    let Some(fields) = request["properties"].as_object() else { return Vec::new() };
    fields
        .iter()
        .map(|(name, schema)| {
            let mut schema = schema.clone();
            let description =
                schema.as_object_mut().and_then(|schema| schema.remove("description"));
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&Value::from(name.as_str())),
                "schema": schema,
            });
            if let Some(description) = description {
                parameter["description"] = description;
            }
            parameter
        })
        .collect()
}

/// A reply whose body is JSON of `schema`.
fn json_reply(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#{SCHEMAS}/{name}")})
}

/// `message.send` → `MessageSend`.
fn component_name(endpoint: &str) -> String {
    endpoint
        .split(['.', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "get",
        Method::Post => "post",
        Method::Put => "put",
        Method::Delete => "delete",
    }
}

/// Two schemas under one name would silently document the wrong one.
fn insert_unique(schemas: &mut Map<String, Value>, name: String, schema: Value) {
    if let Some(previous) = schemas.insert(name.clone(), schema.clone()) {
        assert_eq!(previous, schema, "two different schemas are named {name}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_documented_with_its_replies() {
        let document = crate::routes::openapi_document();
        assert_eq!(document["openapi"], "3.1.0");
        let send = &document["paths"]["/api/v1/livechat/message"]["post"];
        assert_eq!(send["operationId"], "message.send");
        assert_eq!(
            send["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/MessageSendRequest"
        );
        assert_eq!(
            send["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
        let get = &document["paths"]["/api/v1/livechat/message/{id}"]["get"];
        let parameters = get["parameters"].as_array().cloned().unwrap_or_default();
        let names: Vec<_> =
            parameters.iter().map(|p| (p["name"].clone(), p["in"].clone())).collect();
        assert_eq!(
            names,
            [
                (json!("id"), json!("path")),
                (json!("rid"), json!("query")),
                (json!("token"), json!("query"))
            ]
        );
        assert_eq!(parameters[2]["required"], true);
    }

    #[test]
    fn parameters_of_a_delete_may_travel_in_the_query_string() {
        let document = crate::routes::openapi_document();
        let delete = &document["paths"]["/api/v1/livechat/message/{id}"]["delete"];
        let parameters = delete["parameters"].as_array().cloned().unwrap_or_default();
        let names: Vec<_> = parameters
            .iter()
            .map(|p| (p["name"].clone(), p["in"].clone(), p["required"].clone()))
            .collect();
        assert_eq!(
            names,
            [
                (json!("id"), json!("path"), json!(true)),
                (json!("rid"), json!("query"), json!(false)),
                (json!("token"), json!("query"), json!(false))
            ]
        );
        assert_eq!(delete["requestBody"]["required"], false);
        let body = &document["components"]["schemas"]["MessageDeleteRequest"];
        assert!(body["properties"]["token"].is_object() && body.get("required").is_none());
        assert!(delete["description"].is_string());
        // A body-only endpoint keeps its required body.
        let update = &document["paths"]["/api/v1/livechat/message/{id}"]["put"];
        assert_eq!(update["requestBody"]["required"], true);
        assert_eq!(update["parameters"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn every_reference_resolves() {
        let document = crate::routes::openapi_document();
        let text = document.to_string();
        for name in text.split("\"#/components/schemas/").skip(1) {
            let name = name.split('"').next().unwrap_or_default();
            assert!(document["components"]["schemas"].get(name).is_some(), "{name}");
        }
    }

    #[test]
    fn component_names_are_pascal_case() {
        assert_eq!(component_name("message.send"), "MessageSend");
        assert_eq!(component_name("agent.chat_send"), "AgentChatSend");
    }
}
