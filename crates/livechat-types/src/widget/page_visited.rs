//! `POST /api/v1/livechat/page.visited`: the widget reports a page view, kept on the
//! visitor's room.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, RoomId, VisitorToken};

/// Body of a page-visited report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The page.
    #[serde(rename = "pageInfo", deserialize_with = "crate::de::object")]
    pub page_info: PageInfo,
}

/// A page view as the widget reports it: `{change, title, location: {href}}`. Other fields
/// the page may add are ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PageInfo {
    /// What changed (`url` for a new address).
    pub change: String,
    /// The page's title.
    pub title: String,
    /// Where the page is.
    #[serde(deserialize_with = "crate::de::object")]
    pub location: Location,
}

/// The address of a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Location {
    /// The full URL.
    pub href: String,
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
