//! `GET /api/v1/canned-responses/{_id}`: one canned response the caller may see.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::CannedResponse;
use crate::{fill_route, Endpoint, Method};

/// A get-canned-response request; the id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The canned response's id (path).
    #[serde(skip)]
    pub id: String,
}

/// Reply to a get-canned-response request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The canned response.
    #[serde(rename = "cannedResponse")]
    pub canned_response: CannedResponse,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/canned-responses/{_id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
