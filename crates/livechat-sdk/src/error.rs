//! What the client's calls fail with.

use livechat_types::ErrorCode;

/// A failed call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with the API's error envelope. Displayed as the code and status,
    /// followed by the server's `error` text when it says more than the code.
    #[error("server returned {code} (HTTP {status}){}", detail(.code, .message))]
    Api {
        /// HTTP status.
        status: u16,
        /// The error code (`errorType` when present, else read from `error`).
        code: ErrorCode,
        /// The `error` text as sent.
        message: String,
        /// How long the server asked the client to wait (`Retry-After`, with 429 and 503).
        retry_after: Option<std::time::Duration>,
    },
    /// The request did not complete: connection, timeout, TLS, or a body that could not be
    /// read.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
    /// The server answered with something that is not the API's JSON.
    #[error("unexpected HTTP {status} response: {body}")]
    UnexpectedBody {
        /// HTTP status.
        status: u16,
        /// The body, cut to 1 KiB.
        body: String,
    },
    /// The realtime connection failed or was refused.
    #[error("realtime: {0}")]
    Realtime(String),
    /// The client could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A local file could not be read (an upload from a path) or written (a download saved
    /// to a path).
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The API error code, when the server sent one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::UnexpectedBody { status, .. } => Some(*status),
            Self::Transport(err) => err.status().map(|status| status.as_u16()),
            Self::Build(_) | Self::Realtime(_) | Self::Io(_) => None,
        }
    }

    /// Whether retrying the same request may succeed: transport failures, 503, and 429 once
    /// [`Error::retry_after`] has passed. For a send, only safe with the same `_id`.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(err) => !err.is_builder() && !err.is_decode(),
            Self::Api { status, .. } => matches!(*status, 429 | 503),
            Self::UnexpectedBody { status, .. } => *status == 503,
            Self::Build(_) | Self::Io(_) => false,
            Self::Realtime(reason) => !reason.contains("refused"),
        }
    }

    /// How long the server asked the client to wait before trying again.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// `": <text>"` when the server's `error` text says more than its code, else nothing: a
/// bare `invalid-token` or `[invalid-token]` would only repeat it.
fn detail(code: &ErrorCode, message: &str) -> String {
    let text = message.trim();
    let bracketed = text.strip_prefix('[').and_then(|rest| rest.strip_suffix(']'));
    if text.is_empty() || text == code.as_str() || bracketed == Some(code.as_str()) {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// Building a [`crate::Client`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an `http://` or `https://` URL.
    #[error("invalid base URL {0:?}: expected http://host[:port][/prefix]")]
    InvalidUrl(String),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use livechat_types::ErrorBody;

    use super::*;

    /// The error as the client builds it from a reply body.
    fn api_error(status: u16, body: &str) -> Error {
        let body: ErrorBody = serde_json::from_str(body).expect("an error envelope");
        Error::Api { status, code: body.code(), message: body.error, retry_after: None }
    }

    #[test]
    fn display_keeps_the_servers_detail() {
        let err = api_error(
            400,
            r#"{"success":false,"error":"'msg' must NOT be empty [invalid-params]","errorType":"invalid-params"}"#,
        );
        assert_eq!(
            err.to_string(),
            "server returned invalid-params (HTTP 400): 'msg' must NOT be empty [invalid-params]"
        );
    }

    #[test]
    fn workflow_refusals_carry_their_codes() {
        let taken = api_error(
            400,
            r#"{"success":false,"error":"Inquiry already taken [error-inquiry-taken]","errorType":"error-inquiry-taken"}"#,
        );
        assert_eq!(taken.code(), Some(&ErrorCode::InquiryTaken));
        assert_eq!(
            taken.to_string(),
            "server returned error-inquiry-taken (HTTP 400): Inquiry already taken [error-inquiry-taken]"
        );
        for (wire, code) in [
            ("error-user-is-offline", ErrorCode::UserIsOffline),
            ("error-forwarding-chat-same-department", ErrorCode::ForwardingToSameDepartment),
            ("error-invalid-shortcut", ErrorCode::InvalidShortcut),
            ("error-tags-must-be-assigned-before-closing-chat", ErrorCode::TagsRequired),
            ("This_conversation_is_already_closed", ErrorCode::ConversationAlreadyClosed),
        ] {
            let body = format!(r#"{{"success":false,"error":"Refused [{wire}]"}}"#);
            assert_eq!(api_error(400, &body).code(), Some(&code), "{wire}");
        }
    }

    #[test]
    fn display_does_not_repeat_a_bare_code() {
        let err = api_error(400, r#"{"success":false,"error":"invalid-token"}"#);
        assert_eq!(err.to_string(), "server returned invalid-token (HTTP 400)");
        let err = api_error(
            400,
            r#"{"success":false,"error":"[invalid-token]","errorType":"invalid-token"}"#,
        );
        assert_eq!(err.to_string(), "server returned invalid-token (HTTP 400)");
        let err =
            api_error(401, r#"{"success":false,"error":"You must be logged in to do this."}"#);
        assert_eq!(err.to_string(), "server returned You must be logged in to do this. (HTTP 401)");
    }
}
