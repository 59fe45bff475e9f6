//! `POST /api/v1/livechat/page.visited`: the widget reports a page view (acknowledged, not
//! stored).

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, RoomId, VisitorToken};

/// Body of a page-visited report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// The visitor's room, if any (an unknown one is ignored).
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub rid: Option<RoomId>,
    /// `{change, title, location: {href}}`.
    #[serde(rename = "pageInfo")]
    pub page_info: serde_json::Value,
}

/// Reply to a page-visited report: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/page.visited";
    type Response = Response;
}
