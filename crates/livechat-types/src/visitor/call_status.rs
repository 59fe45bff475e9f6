//! `POST /api/v1/livechat/visitor.callStatus`: the widget reports its call's status, which
//! is stored on the visitor's own room (only).

use serde::{Deserialize, Serialize};

use crate::{Endpoint, ErrorStyle, Method, RoomId, VisitorToken};

/// Body of a call-status request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// The status (`ringing`, `declined`, `ended`, ...).
    #[serde(rename = "callStatus")]
    pub call_status: String,
    /// The visitor's room.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
    /// The call.
    #[serde(rename = "callId")]
    pub call_id: String,
}

/// Reply: the status stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The status.
    #[serde(rename = "callStatus")]
    pub call_status: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/visitor.callStatus";
    const ERRORS: ErrorStyle = ErrorStyle::Bracketed;
    type Response = Response;
}
