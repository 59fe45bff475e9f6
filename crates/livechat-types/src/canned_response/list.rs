//! `GET /api/v1/canned-responses?shortcut=&text=&scope=&tags[]=&departmentId=&count=&offset=`:
//! a page of the canned responses the caller may see.

use serde::{Deserialize, Serialize};

use super::CannedResponse;
use crate::{Endpoint, Method};

/// Query of a canned-responses request. `tags` travel as `tags[]=a&tags[]=b` (as
/// Rocket.Chat's clients send them) or as `tags=a,b`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only shortcuts containing this (ignoring case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcut: Option<String>,
    /// Only texts containing this (ignoring case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Only this scope: `global`, `department` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Only those with one of these tags, separated by commas (or repeated as `tags[]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// Only those of this department.
    #[serde(rename = "departmentId", default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Canned responses to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply to a canned-responses request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The canned responses of this page, by shortcut.
    #[serde(rename = "cannedResponses")]
    pub canned_responses: Vec<CannedResponse>,
    /// Canned responses in this page.
    pub count: i64,
    /// Canned responses skipped.
    pub offset: i64,
    /// Canned responses in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/canned-responses";
    type Response = Response;
}
