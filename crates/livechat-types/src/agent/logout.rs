//! `POST /api/v1/logout`: revokes the auth token of the request.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// A logout request (credentials travel in the headers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {}

/// Reply to a logout request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Always `success`.
    pub status: String,
    /// `{"message": "You've been logged out!"}`.
    pub data: serde_json::Value,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/logout";
    type Response = Response;
}
