//! `GET /api/v1/livechat/custom-fields?text=&count=&offset=`: the defined custom fields.

use serde::{Deserialize, Serialize};

use super::CustomField;
use crate::{Endpoint, Method};

/// Query of a custom-fields request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only fields whose key or label contains this, ignoring case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Fields to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply to a custom-fields request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Fields, by key.
    #[serde(rename = "customFields")]
    pub custom_fields: Vec<CustomField>,
    /// Fields in this page.
    pub count: i64,
    /// Fields skipped.
    pub offset: i64,
    /// Fields in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/custom-fields";
    type Response = Response;
}
