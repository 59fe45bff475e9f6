//! The server's error type: every failure becomes the SPEC's JSON envelope.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use livechat_types::{ErrorBody, ErrorCode};

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A failure the client caused and can act on, in the plain style (`"error":"code"`).
    #[error("client error: {0}")]
    Client(ErrorCode),
    /// A client failure in the bracketed style (`"error":"[code]"`). The router turns
    /// [`Client`](Self::Client) into this for endpoints that declare
    /// [`ErrorStyle::Bracketed`](livechat_types::ErrorStyle::Bracketed).
    #[error("client error: {0}")]
    Bracketed(ErrorCode),
    /// A client failure with Rocket.Chat's reason (Meteor style): `"<reason> [code]"` with
    /// `errorType`.
    #[error("client error: {1}")]
    Described(String, ErrorCode),
    /// A refused upload: the plain code plus Rocket.Chat's `reason` (the same code), which
    /// the stock widget reads.
    #[error("file refused: {0}")]
    File(ErrorCode),
    /// 404 with Rocket.Chat's words for what is missing (`"Tag not found"`).
    #[error("not found: {0}")]
    Missing(&'static str),
    /// A malformed request: `"<description> [invalid-params]"`.
    #[error("invalid params: {0}")]
    Params(String),
    /// A rate limit engaged: 429 with `Retry-After`.
    #[error("rate limited")]
    RateLimited {
        /// When the client may try again.
        retry_after: std::time::Duration,
    },
    /// The database is unreachable or timed out: 503, the outcome is unknown, retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else. Logged with its cause; the client sees only "Internal server error".
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 503 with a reason for the log.
    pub fn unavailable(reason: &str) -> Self {
        Self::Unavailable(reason.to_owned())
    }

    /// The error code this error carries.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client(code)
            | Self::Bracketed(code)
            | Self::Described(_, code)
            | Self::File(code) => code.clone(),
            Self::Params(_) => ErrorCode::InvalidParams,
            Self::Missing(_) => ErrorCode::NotFound,
            Self::RateLimited { .. } => ErrorCode::TooManyRequests,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The reply body.
    pub fn body(&self) -> ErrorBody {
        match self {
            Self::Client(code) | Self::File(code) => ErrorBody::plain(code),
            Self::Bracketed(code) => ErrorBody::bracketed(code),
            Self::Described(reason, code) => ErrorBody::described(reason, code),
            Self::Missing(what) => {
                ErrorBody { success: false, error: (*what).into(), error_type: None }
            }
            Self::Params(description) => {
                ErrorBody::described(description, &ErrorCode::InvalidParams)
            }
            Self::RateLimited { .. } | Self::Unavailable(_) | Self::Internal(_) => {
                ErrorBody::plain(&self.code())
            }
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::Client(code)
    }
}

/// The one place a storage error becomes an HTTP error.
impl From<crate::db::Error> for ApiError {
    fn from(err: crate::db::Error) -> Self {
        use crate::db::Error;
        match err {
            Error::Unavailable(reason) => Self::Unavailable(reason),
            // A unique constraint no write expected: a bug, not the client's doing.
            Error::Conflict(what) => Self::Internal(anyhow::format_err!("conflict: {what}")),
            Error::Internal(cause) => Self::Internal(cause),
        }
    }
}

/// Why a message was not stored, as the SPEC's error codes.
impl From<crate::db::messages::Refusal> for ApiError {
    fn from(refusal: crate::db::messages::Refusal) -> Self {
        use crate::db::messages::Refusal;
        Self::Client(match refusal {
            Refusal::UnknownToken => ErrorCode::InvalidToken,
            Refusal::NoSuchRoom => ErrorCode::InvalidRoom,
            Refusal::IdTaken => ErrorCode::DuplicateMessageId,
            Refusal::RoomClosed => ErrorCode::RoomClosed,
            Refusal::TooLong => ErrorCode::MessageSizeExceeded,
        })
    }
}

/// For extractors that cannot fail, such as `()`.
impl From<std::convert::Infallible> for ApiError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::Internal(anyhow::format_err!("blocking task failed: {err}"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        if let Self::RateLimited { retry_after } = self {
            // Whole seconds, rounded up: never earlier than the limit allows.
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            res.insert_header((actix_web::http::header::RETRY_AFTER, seconds.max(1)));
        }
        if let Self::File(code) = self {
            let body = self.body();
            return res.json(serde_json::json!({
                "success": false,
                "error": body.error,
                "reason": code.as_str(),
            }));
        }
        res.json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;
    use serde_json::{json, Value};

    use super::*;

    fn body_of(err: &ApiError) -> (u16, Value) {
        let res = err.error_response();
        let status = res.status().as_u16();
        let bytes = res.into_body().try_into_bytes().unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let (status, body) = body_of(&ApiError::Internal(anyhow::format_err!("secret detail")));
        assert_eq!(status, 500);
        assert_eq!(body, json!({"success": false, "error": "Internal server error"}));
    }

    #[test]
    fn unavailable_is_503() {
        let (status, body) = body_of(&ApiError::unavailable("pool timed out"));
        assert_eq!(status, 503);
        assert_eq!(body, json!({"success": false, "error": "service-unavailable"}));
    }

    #[test]
    fn rate_limited_is_429_with_retry_after() {
        let err = ApiError::RateLimited { retry_after: std::time::Duration::from_millis(1500) };
        let res = err.error_response();
        assert_eq!(res.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"2"[..]));
        let (status, body) = body_of(&err);
        assert_eq!(status, 429);
        assert_eq!(
            body,
            json!({"success": false, "error": "Too many requests, try again later [error-too-many-requests]"})
        );
    }

    #[test]
    fn params_carry_a_description() {
        let (status, body) =
            body_of(&ApiError::Params("must have required property 'token'".into()));
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({
                "success": false,
                "error": "must have required property 'token' [invalid-params]",
                "errorType": "invalid-params"
            })
        );
    }

    #[test]
    fn bracketed_errors_carry_error_type() {
        let (_, body) = body_of(&ApiError::Bracketed(ErrorCode::InvalidToken));
        assert_eq!(
            body,
            json!({"success": false, "error": "[invalid-token]", "errorType": "invalid-token"})
        );
    }
}
