//! Request extractors that turn every malformed input into the SPEC's envelope: bodies,
//! query strings and path segments.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt as _;
use livechat_types::{Endpoint, ErrorCode, ParamSource};
use serde::de::{DeserializeOwned, Visitor};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::limits;
use crate::AppState;

/// A JSON body of type `T`, read with the configured size limit.
///
/// A request without a body reads as `{}`; a body that is not `application/json` is 415; a
/// body over the limit is 413; bad JSON, wrong types, unknown fields and NUL characters are
/// 400 `invalid-params`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<actix_web::web::Data<AppState>>();
        let limit = state.map_or(64 * 1024, |state| state.config.body_limit);
        let timeout = state.map_or(Duration::from_secs(10), |state| state.config.request_timeout());
        // Finding the body's token costs a scan of the body: only when tokens are limited.
        let limits_tokens = state.map_or(true, |state| state.limits.limits_tokens());
        let req = req.clone();
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(is_json_content_type);
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|length| length > limit) {
                return Err(ErrorCode::PayloadTooLarge.into());
            }
            let read = async {
                let mut bytes = BytesMut::new();
                while let Some(chunk) = payload.next().await {
                    let chunk =
                        chunk.map_err(|_| ApiError::Params("the body could not be read".into()))?;
                    if bytes.len() + chunk.len() > limit {
                        return Err(ApiError::from(ErrorCode::PayloadTooLarge));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(bytes)
            };
            // A client that trickles its body does not hold a connection and a worker's
            // attention for longer than the request timeout.
            let bytes = tokio::time::timeout(timeout, read)
                .await
                .map_err(|_| ApiError::from(ErrorCode::RequestTimeout))??;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return parse_json(b"{}").map(Body);
            }
            if is_json != Some(true) {
                return Err(ErrorCode::UnsupportedMediaType.into());
            }
            if let Some(token) = limits_tokens.then(|| body_token(&bytes)).flatten() {
                limits::check_token(&req, &token)?;
            }
            parse_json(&bytes).map(Body)
        })
    }
}

/// The parameters of endpoint `E`, from where its type says they travel
/// ([`Endpoint::PARAMS`]): the body as [`Body`] reads it, the query string as [`Query`] reads
/// it, or both, the body's fields first. Path parameters are the handler's to read.
pub struct Params<E>(pub E);

impl<E: Endpoint + DeserializeOwned + 'static> FromRequest for Params<E> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        match E::PARAMS {
            // Upload forms are streamed by their handlers, never read whole.
            ParamSource::Multipart => Box::pin(async {
                Err(ApiError::Internal(anyhow::format_err!("a form read as JSON parameters")))
            }),
            ParamSource::Body => {
                let body = Body::<E>::from_request(req, payload);
                Box::pin(async move { body.await.map(|Body(params)| Params(params)) })
            }
            ParamSource::Query => {
                let query = Query::<E>::from_request(req, payload);
                Box::pin(async move { query.await.map(|Query(params)| Params(params)) })
            }
            ParamSource::BodyOrQuery => {
                let body = Body::<Map<String, Value>>::from_request(req, payload);
                let query = Query::<Vec<(String, String)>>::from_request(req, payload);
                Box::pin(async move {
                    let Body(mut fields) = body.await?;
                    let Query(pairs) = query.await?;
                    // What the body leaves out may come from the query string, as text. Other
                    // query parameters are ignored, as everywhere; a known one given twice is
                    // refused, as by [`Query`]; unknown body fields are refused when `E` is
                    // read.
                    let names = field_names::<E>();
                    let mut from_query = Map::new();
                    for (name, value) in pairs {
                        if !names.contains(&name.as_str()) {
                            continue;
                        }
                        if from_query.insert(name.clone(), Value::String(value)).is_some() {
                            return Err(ApiError::Params(format!("'{name}' is given twice")));
                        }
                    }
                    for (name, value) in from_query {
                        fields.entry(name).or_insert(value);
                    }
                    serde_path_to_error::deserialize(Value::Object(fields))
                        .map(Params)
                        .map_err(describe_error)
                })
            }
        }
    }
}

/// The names of the fields a derived `Deserialize` struct reads, as they are on the wire.
/// Serde hands them to the deserializer, which here stops at that.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Fields<'a>(&'a mut &'static [&'static str]);

    impl<'de> serde::Deserializer<'de> for Fields<'_> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(serde::de::Error::custom("only the field names were wanted"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Fields(&mut names));
    names
}

/// The visitor token a JSON body carries at its top level, if any.
fn body_token(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(borrow, default)]
        token: Option<std::borrow::Cow<'a, str>>,
    }
    let probe: Probe<'_> = serde_json::from_slice(bytes).ok()?;
    probe.token.map(std::borrow::Cow::into_owned)
}

fn is_json_content_type(value: &str) -> bool {
    let mime = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Parses a JSON body, refusing NUL characters anywhere in it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // In JSON a NUL can only appear escaped, as \u0000.
    if contains_escaped_nul(bytes) {
        return Err(ApiError::Params("strings must not contain NUL characters".into()));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    // The body itself must be an object too, not an array of its fields' values.
    let livechat_types::de::Object(value): livechat_types::de::Object<T> =
        serde_path_to_error::deserialize(&mut deserializer).map_err(describe_error)?;
    deserializer.end().map_err(|_| ApiError::Params("the body must be one JSON object".into()))?;
    Ok(value)
}

fn contains_escaped_nul(bytes: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'\\' {
            backslashes += 1;
            continue;
        }
        if byte == b'u'
            && backslashes % 2 == 1
            && bytes.get(index + 1..index + 5).is_some_and(|hex| hex == b"0000")
        {
            return true;
        }
        backslashes = 0;
    }
    false
}

/// The query string parsed as `T`. Unknown parameters are ignored; a NUL character or a
/// value of the wrong form is 400 `invalid-params`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string();
        let token = form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "token");
        let counted = match token {
            Some((_, token)) => limits::check_token(req, &token),
            None => Ok(()),
        };
        std::future::ready(counted.and_then(|()| parse_query(query)).map(Query))
    }
}

/// Parses a query string.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    if pairs.clone().any(|(key, value)| key.contains('\0') || value.contains('\0')) {
        return Err(ApiError::Params("parameters must not contain NUL characters".into()));
    }
    let deserializer = serde_urlencoded::Deserializer::new(pairs);
    serde_path_to_error::deserialize(deserializer).map_err(describe_error)
}

/// A path segment by name, percent-decoded, refused when it contains a NUL.
pub fn path_param(req: &HttpRequest, name: &str) -> Result<String, ApiError> {
    let raw = req.match_info().get(name).unwrap_or_default();
    let decoded: String =
        form_urlencoded::parse(format!("x={}", raw.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
    if decoded.contains('\0') || decoded.is_empty() {
        return Err(ApiError::Params(format!("'{name}' in the path is malformed")));
    }
    if name == "token" {
        limits::check_token(req, &decoded)?;
    }
    Ok(decoded)
}

/// [`describe`] for an error that knows where it happened.
fn describe_error<E: std::fmt::Display>(err: serde_path_to_error::Error<E>) -> ApiError {
    let path = err.path().to_string();
    describe(&path, &err.into_inner().to_string())
}

/// Turns a serde error into a description that never repeats the client's values (they
/// may be tokens).
fn describe(path: &str, message: &str) -> ApiError {
    let quoted = |text: &str| text.split('`').nth(1).map(str::to_owned);
    let qualified = |field: String| match path {
        "" | "." => field,
        parent => format!("{parent}.{field}"),
    };
    let description = if let Some(field) = message.strip_prefix("missing field").and_then(quoted) {
        format!("must have required property '{}'", qualified(field))
    } else if let Some(field) = message.strip_prefix("unknown field").and_then(quoted) {
        // The path of an unknown field already ends with the field itself.
        let name = if path.ends_with(&field) { path.to_owned() } else { qualified(field) };
        format!("must NOT have additional properties '{name}'")
    } else if let Some((_, expected)) = message.split_once(", expected ") {
        let expected = expected.split(" at line ").next().unwrap_or(expected);
        // Serde names Rust types ("struct Request", "a sequence"): say it in JSON terms.
        let expected = if expected.starts_with("struct ") || expected.starts_with("a map") {
            "an object"
        } else if expected == "a sequence" {
            "an array"
        } else {
            expected
        };
        match path {
            "" | "." => format!("the body must be {expected}"),
            _ => format!("'{path}' must be {expected}"),
        }
    } else if message.starts_with("duplicate field") {
        format!("'{path}' is given twice")
    } else if message.contains("at line") || message.contains("EOF") {
        "the body is not valid JSON".to_owned()
    } else if path.is_empty() || path == "." {
        "the request is malformed".to_owned()
    } else {
        format!("'{path}' is malformed")
    };
    ApiError::Params(description)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        token: String,
        limit: Option<i64>,
    }

    fn params_message<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
        match result {
            Err(ApiError::Params(message)) => message,
            other => panic!("expected invalid-params, got {other:?}"),
        }
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        assert_eq!(
            params_message(parse_json::<Sample>(b"{}")),
            "must have required property 'token'"
        );
        assert_eq!(
            params_message(parse_json::<Sample>(br#"{"token":"a","x":1}"#)),
            "must NOT have additional properties 'x'"
        );
    }

    #[test]
    fn wrong_types_do_not_echo_values() {
        let message = params_message(parse_json::<Sample>(br#"{"token":{"$regex":".*"}}"#));
        assert_eq!(message, "'token' must be a string");
        let message = params_message(parse_query::<Sample>("token=a&limit=secretvalue"));
        assert!(!message.contains("secretvalue"), "{message}");
    }

    #[test]
    fn nul_characters_are_refused() {
        assert!(contains_escaped_nul(br#"{"a":"x\u0000"}"#));
        assert!(!contains_escaped_nul(br#"{"a":"x\\u0000"}"#));
        assert!(contains_escaped_nul(br#"{"a":"x\\\u0000"}"#));
        params_message(parse_json::<Sample>(br#"{"token":"a\u0000"}"#));
        params_message(parse_query::<Sample>("token=a%00"));
    }

    #[test]
    fn malformed_json_is_invalid_params() {
        assert_eq!(
            params_message(parse_json::<Sample>(b"{\"token\":")),
            "the body is not valid JSON"
        );
        assert_eq!(
            params_message(parse_json::<Sample>(br#"{"token":"a"} {}"#)),
            "the body must be one JSON object"
        );
    }

    #[test]
    fn field_names_are_the_wire_names() {
        let names = field_names::<livechat_types::message::delete::Request>();
        assert_eq!(names, ["token", "rid"]);
        assert_eq!(field_names::<Sample>(), ["token", "limit"]);
        assert!(field_names::<String>().is_empty());
    }

    #[actix_web::test]
    async fn params_come_from_where_the_endpoint_says() {
        use actix_web::test::TestRequest;
        use livechat_types::message::{delete, get, send};

        let (req, mut payload) = TestRequest::delete()
            .uri("/?token=query&rid=r-query&count=5")
            .insert_header(("content-type", "application/json"))
            .set_payload(r#"{"token":"body","rid":"r-body","msg":"hi"}"#)
            .to_http_parts();

        // One request read three ways; the first reader takes the body.
        let (Ok(Params(send)), Ok(Params(get)), Ok(Params(delete))) = (
            Params::<send::Request>::from_request(&req, &mut payload).await,
            Params::<get::Request>::from_request(&req, &mut Payload::None).await,
            Params::<delete::Request>::from_request(&req, &mut Payload::None).await,
        ) else {
            panic!("refused")
        };
        assert_eq!((send.token.as_str(), send.room_id.as_str()), ("body", "r-body"));
        assert_eq!((get.token.as_str(), get.room_id.as_str()), ("query", "r-query"));
        assert_eq!((delete.token.as_str(), delete.room_id.as_str()), ("query", "r-query"));
    }

    #[actix_web::test]
    async fn body_or_query_prefers_the_body_and_refuses_its_unknown_fields() {
        use actix_web::test::TestRequest;
        use livechat_types::message::delete;

        let read = |query: &str, body: &'static str| {
            let (req, mut payload) = TestRequest::delete()
                .uri(&format!("/{query}"))
                .insert_header(("content-type", "application/json"))
                .set_payload(body)
                .to_http_parts();
            async move { Params::<delete::Request>::from_request(&req, &mut payload).await }
        };

        let Ok(Params(mixed)) = read("?token=query&rid=r-query", r#"{"token":"body"}"#).await
        else {
            panic!("refused")
        };
        assert_eq!((mixed.token.as_str(), mixed.room_id.as_str()), ("body", "r-query"));
        assert_eq!(
            params_message(read("?rid=r", r#"{"extra":1}"#).await.map(|_| ())),
            "must NOT have additional properties 'extra'"
        );
        assert_eq!(
            params_message(read("?rid=r&other=1", "").await.map(|_| ())),
            "must have required property 'token'"
        );
        assert_eq!(
            params_message(read("?token=a&rid=r&token=a", "").await.map(|_| ())),
            "'token' is given twice"
        );
    }

    #[test]
    fn content_types() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("application/json; charset=utf-8"));
        assert!(!is_json_content_type("text/plain"));
    }
}
