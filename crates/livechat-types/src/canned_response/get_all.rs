//! `GET /api/v1/canned-responses.get`: every canned response the caller may see.

use serde::{Deserialize, Serialize};

use super::CannedResponse;
use crate::{Endpoint, Method};

/// A request for every visible canned response; it has no parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {}

/// Reply: the canned responses, by shortcut.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The canned responses.
    pub responses: Vec<CannedResponse>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/canned-responses.get";
    type Response = Response;
}
