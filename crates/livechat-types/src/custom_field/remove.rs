//! `POST /api/v1/livechat/custom-fields.remove` `{_id}`: removes a definition; the values
//! stored under it go too.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a remove-custom-field request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The field's key.
    #[serde(rename = "_id")]
    pub id: String,
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/custom-fields.remove";
    type Response = Response;
}
