//! `GET /api/v1/livechat/rooms/filters`: the sources rooms were opened from, to filter by.

use serde::{Deserialize, Serialize};

use crate::room::Source;
use crate::{Endpoint, Method};

/// A room-filters request (no parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {}

/// Reply to a room-filters request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Each source (`{"type": "api"}`, `{"type": "widget"}`) some room has, by type.
    pub filters: Vec<Source>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/rooms/filters";
    type Response = Response;
}
