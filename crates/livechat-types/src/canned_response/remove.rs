//! `DELETE /api/v1/canned-responses`: removes a canned response.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a remove-canned-response request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The canned response's id.
    #[serde(rename = "_id")]
    pub id: String,
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Delete;
    const ROUTE: &'static str = "/api/v1/canned-responses";
    type Response = Response;
}
