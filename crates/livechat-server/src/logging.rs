//! Request logging and request ids.
//!
//! Tokens travel in paths and query strings, so a request is logged by its route pattern
//! (`/api/v1/livechat/visitor/{token}`), never by its URL; and by its method's label
//! ([`crate::metrics::method_label`]), never by the method as sent, which may be any text.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;

/// The header that carries a request's id in both directions.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs one line per request (method, route pattern, status, latency, request id) and
/// answers with an `X-Request-Id`: the client's when it is a plausible id, else a new one.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_plausible_id(value))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let method = req.method().clone();
    let mut res = next.call(req).await?;
    let route = res.request().match_pattern().unwrap_or_else(|| "(unmatched)".to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    let micros = elapsed.as_micros() as u64;
    if let Some(state) = res.request().app_data::<actix_web::web::Data<crate::AppState>>() {
        state.metrics.observe(&route, &method, status, elapsed.as_secs_f64());
    }
    let method = crate::metrics::method_label(&method);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    if status >= 500 {
        tracing::warn!(method, %route, status, micros, request_id, "request");
    } else {
        tracing::info!(method, %route, status, micros, request_id, "request");
    }
    Ok(res)
}

fn is_plausible_id(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}
