//! `GET /api/v1/livechat/visitors.info?visitorId=`: a visitor as the team sees it (never its
//! token).

use serde::{Deserialize, Serialize};

use super::{Email, Phone};
use crate::{Endpoint, ErrorStyle, Method, Timestamp};

/// Query of a visitor-info request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The visitor's `_id`.
    #[serde(rename = "visitorId", default)]
    pub visitor_id: String,
}

impl Request {
    /// The visitor with `_id` `visitor_id`.
    pub fn new(visitor_id: impl Into<String>) -> Self {
        Self { visitor_id: visitor_id.into() }
    }
}

/// A visitor as agents and managers see it: the visitor's own view without its token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct VisitorInfo {
    /// The visitor's `_id`.
    #[serde(rename = "_id")]
    pub id: String,
    /// `guest-<n>`.
    pub username: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail addresses.
    #[serde(rename = "visitorEmails", default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<Email>>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Vec<Phone>>,
    /// Department id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Its custom fields.
    #[serde(rename = "livechatData", default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// Always `online`.
    #[cfg_attr(feature = "openapi", schemars(extend("const" = "online")))]
    pub status: String,
    /// When the visitor was registered.
    pub ts: Timestamp,
    /// When the visitor last changed.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}

/// Reply to a visitor-info request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The visitor.
    pub visitor: VisitorInfo,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/visitors.info";
    // A `livechat/visitor*` endpoint (SPEC section 1); its own code, `visitor-not-found`,
    // is written plain, as Rocket.Chat does.
    const ERRORS: ErrorStyle = ErrorStyle::Bracketed;
    type Response = Response;
}
