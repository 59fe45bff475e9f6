//! `GET /api/v1/livechat/tags?text=&viewAll=&department=&count=&offset=`: a page of the tags
//! the caller may use.

use serde::{Deserialize, Serialize};

use super::Tag;
use crate::{Endpoint, Method};

/// Query of a tags request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only names containing this (ignoring case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `true`: every tag, for managers (agents still see only theirs).
    #[serde(rename = "viewAll", default, skip_serializing_if = "Option::is_none")]
    pub view_all: Option<String>,
    /// Only tags offered to this department (or to all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Tags to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply to a tags request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The tags of this page, by name.
    pub tags: Vec<Tag>,
    /// Tags in this page.
    pub count: i64,
    /// Tags skipped.
    pub offset: i64,
    /// Tags in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/tags";
    type Response = Response;
}
