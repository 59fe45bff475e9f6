//! `GET /api/v1/livechat/inquiries.queuedForUser?department=&count=&offset=`: the queue an
//! agent may take from (its departments' and the general one), longest waiting first.

use serde::{Deserialize, Serialize};

use super::Inquiry;
use crate::{Endpoint, Method};

/// Query of an inquiries request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only this department's queue (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Inquiries to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply: queued inquiries, longest waiting first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The page.
    pub inquiries: Vec<Inquiry>,
    /// Inquiries in this page.
    pub count: i64,
    /// Inquiries skipped.
    pub offset: i64,
    /// Inquiries in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/inquiries.queuedForUser";
    type Response = Response;
}
