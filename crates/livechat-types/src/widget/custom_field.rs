//! `POST /api/v1/livechat/custom.field`: sets one custom field of the visitor.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, VisitorToken};

/// Body of a custom-field request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// Field name.
    pub key: String,
    /// Field value.
    pub value: String,
    /// Whether to replace a value that is already set.
    #[serde(default)]
    pub overwrite: bool,
}

/// Reply to a custom-field request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The field as stored.
    pub field: Field,
}

/// A stored custom field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Field {
    /// Field name.
    pub key: String,
    /// Field value.
    pub value: String,
    /// Whether the request asked to replace.
    pub overwrite: bool,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/custom.field";
    type Response = Response;
}
