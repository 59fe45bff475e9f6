//! `POST /api/v1/livechat/tags.delete`: removes a tag (rooms keep the names they were
//! closed with).

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a remove-tag request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The tag's id.
    pub id: String,
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/tags.delete";
    type Response = Response;
}
