//! JSON Schemas of the endpoints, for an OpenAPI 3.1 document (feature `openapi`).
//!
//! [`Collector`] reads, endpoint by endpoint, what such a document needs: method, route, the
//! schema of the request and where it travels ([`Endpoint::PARAMS`]) and the schema of a
//! successful reply, the [`Success`] envelope around the endpoint's `Response`. The
//! schemas are JSON Schema 2020-12, the dialect of OpenAPI 3.1, derived from the same serde
//! attributes that shape the wire format.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::{Endpoint, ErrorBody, Method, ParamSource, Success};

/// An endpoint whose request and reply have JSON Schemas.
pub trait Documented: Endpoint<Response: JsonSchema> + JsonSchema {}

impl<E: Endpoint<Response: JsonSchema> + JsonSchema> Documented for E {}

/// What the document says about one endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSchema {
    /// The endpoint's module below the crate root, dotted: `message.send`.
    pub name: String,
    /// HTTP method.
    pub method: Method,
    /// Route, with path parameters in braces.
    pub route: &'static str,
    /// Where the request's parameters travel.
    pub params: ParamSource,
    /// The request as the server reads it: an object whose properties are the parameters,
    /// wherever [`params`](Self::params) says they travel. Path parameters are not in it.
    /// Self-contained: every subschema is inlined.
    pub request: Value,
    /// The body of a 200 reply: the `Response`'s fields plus `"success": true`. It may `$ref`
    /// the [shared definitions](Collector::definitions).
    pub response: Value,
}

/// Collects the schemas of endpoints and of the error envelope.
pub struct Collector {
    requests: SchemaGenerator,
    replies: SchemaGenerator,
    endpoints: Vec<EndpointSchema>,
}

impl Collector {
    /// A collector whose replies `$ref` shared schemas under `definitions_path`, a JSON
    /// pointer into the document (`/components/schemas` for OpenAPI).
    pub fn new(definitions_path: &str) -> Self {
        let path = definitions_path.to_owned();
        let replies = SchemaSettings::draft2020_12()
            .for_serialize()
            .with(|settings| {
                settings.definitions_path = path.into();
                settings.meta_schema = None;
            })
            .into_generator();
        let requests = SchemaSettings::draft2020_12()
            .for_deserialize()
            .with(|settings| {
                settings.inline_subschemas = true;
                settings.meta_schema = None;
            })
            .into_generator();
        Self { requests, replies, endpoints: Vec::new() }
    }

    /// Adds endpoint `E`.
    pub fn add<E: Documented>(&mut self) -> &mut Self {
        let id = E::schema_id();
        let name = id
            .strip_prefix("livechat_types::")
            .and_then(|id| id.strip_suffix("::Request"))
            .unwrap_or(&id)
            .replace("::", ".");
        let mut request = E::json_schema(&mut self.requests).to_value();
        omit_instead_of_null(&mut request);
        let mut response = <Success<E::Response>>::json_schema(&mut self.replies).to_value();
        omit_instead_of_null(&mut response);
        self.endpoints.push(EndpointSchema {
            name,
            method: E::METHOD,
            route: E::ROUTE,
            params: E::PARAMS,
            request,
            response,
        });
        self
    }

    /// The endpoints added so far, in order.
    pub fn endpoints(&self) -> &[EndpointSchema] {
        &self.endpoints
    }

    /// The schema of every error reply, [`ErrorBody`]: a `$ref` to a shared definition.
    pub fn error_body(&mut self) -> Value {
        self.replies.subschema_for::<ErrorBody>().to_value()
    }

    /// The shared schemas the replies refer to, by name.
    pub fn definitions(&mut self) -> Map<String, Value> {
        let mut definitions = self.replies.take_definitions(true);
        definitions.values_mut().for_each(omit_instead_of_null);
        definitions
    }
}

/// `Success<T>` is `T`'s fields plus `"success": true`.
impl<T: JsonSchema> JsonSchema for Success<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Success_{}", T::schema_name()).into()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("{}::Success<{}>", module_path!(), T::schema_id()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = T::json_schema(generator);
        let object = schema.ensure_object();
        let success = json_schema!({"description": "Always `true`.", "const": true});
        if let Some(properties) =
            object.entry("properties").or_insert_with(|| Value::Object(Map::new())).as_object_mut()
        {
            properties.insert("success".into(), success.to_value());
        }
        if let Some(required) =
            object.entry("required").or_insert_with(|| Value::Array(Vec::new())).as_array_mut()
        {
            required.push("success".into());
        }
        schema
    }
}

/// An optional field is absent or holds a value, never `null`: replies leave it out (every
/// `Option` in a reply type has `skip_serializing_if`), and the SPEC's strict types refuse
/// `null` in requests. So an optional property's schema does not allow `null`; a required
/// one keeps whatever its type says.
fn omit_instead_of_null(schema: &mut Value) {
    let Value::Object(object) = schema else { return };
    let required: Vec<Value> =
        object.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            if !required.contains(&Value::from(name.as_str())) {
                drop_null(property);
            }
        }
    }
    for value in object.values_mut() {
        match value {
            Value::Object(_) => omit_instead_of_null(value),
            Value::Array(items) => items.iter_mut().for_each(omit_instead_of_null),
            _ => {}
        }
    }
}

/// Removes `null` from a schema made nullable by `Option`.
fn drop_null(schema: &mut Value) {
    let Value::Object(object) = schema else { return };
    let is_null = |value: &Value| value.get("type") == Some(&Value::from("null"));
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|kind| kind != "null");
        if let [single] = types.as_slice() {
            let single = single.clone();
            object.insert("type".into(), single);
        }
    } else if let Some(Value::Array(any_of)) = object.get("anyOf") {
        if let [first, second] = any_of.as_slice() {
            let other = match (is_null(first), is_null(second)) {
                (true, false) => Some(second.clone()),
                (false, true) => Some(first.clone()),
                _ => None,
            };
            if let Some(Value::Object(other)) = other {
                object.remove("anyOf");
                object.extend(other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::message;

    #[test]
    fn a_reply_is_its_payload_plus_success() {
        let mut collector = Collector::new("/components/schemas");
        collector.add::<message::delete::Request>();
        let endpoint = &collector.endpoints()[0];
        assert_eq!(endpoint.name, "message.delete");
        assert_eq!(endpoint.method, Method::Delete);
        assert_eq!(endpoint.route, "/api/v1/livechat/message/{id}");
        assert_eq!(endpoint.params, ParamSource::BodyOrQuery);
        assert_eq!(endpoint.response["required"], json!(["message", "success"]));
        assert_eq!(endpoint.response["properties"]["success"]["const"], json!(true));
        let deleted = &endpoint.response["properties"]["message"]["$ref"];
        assert_eq!(deleted, "#/components/schemas/Deleted");
        assert!(collector.definitions().contains_key("Deleted"));
    }

    #[test]
    fn requests_are_inlined_and_closed() {
        let mut collector = Collector::new("/components/schemas");
        collector.add::<message::send::Request>();
        let request = &collector.endpoints()[0].request;
        assert_eq!(request["additionalProperties"], json!(false));
        assert_eq!(request["required"], json!(["token", "rid", "msg"]));
        assert_eq!(request["properties"]["token"]["maxLength"], json!(256));
        assert_eq!(request["properties"]["_id"]["type"], json!("string"));
        assert!(!request.to_string().contains("$ref"), "{request}");
    }

    #[test]
    fn optional_reply_fields_are_omitted_not_null() {
        let mut collector = Collector::new("/components/schemas");
        collector.add::<message::get::Request>();
        let definitions = collector.definitions();
        let message = &definitions["Message"]["properties"];
        assert_eq!(message["alias"]["type"], json!("string"));
        assert_eq!(message["editedAt"]["$ref"], "#/components/schemas/Timestamp");
        assert_eq!(message["u"]["$ref"], "#/components/schemas/MessageUser");
        let error = collector.error_body();
        assert_eq!(error, json!({"$ref": "#/components/schemas/ErrorBody"}));
    }
}
