//! `GET /api/v1/livechat/triggers?count=&offset=`: the triggers, for managers.

use serde::{Deserialize, Serialize};

use super::Trigger;
use crate::{Endpoint, Method};

/// Query of a triggers request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Triggers to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply to a triggers request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Triggers, by name.
    pub triggers: Vec<Trigger>,
    /// Triggers in this page.
    pub count: i64,
    /// Triggers skipped.
    pub offset: i64,
    /// Triggers in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/triggers";
    type Response = Response;
}
