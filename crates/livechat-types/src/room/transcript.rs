//! `POST /api/v1/livechat/transcript`: the visitor has its chat mailed to an address (with
//! `Livechat_enable_transcript` and SMTP; at most three times per room).

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, RoomId, VisitorToken};

/// Body of a transcript request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// The visitor's room.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
    /// Where to send it.
    pub email: String,
    /// The subject (default: `Livechat_transcript_email_subject`).
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject: Option<String>,
}

impl Request {
    /// Mails room `room_id`'s transcript to `email`.
    pub fn new(token: VisitorToken, room_id: RoomId, email: impl Into<String>) -> Self {
        Self { token, room_id, email: email.into(), subject: None }
    }
}

/// Reply: `"Livechat transcript sent"` (it is queued for delivery, durably).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// What happened.
    pub message: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/transcript";
    type Response = Response;
}
