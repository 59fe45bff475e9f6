//! `POST /api/v1/livechat/custom.fields`: sets several custom fields of a visitor (or of its
//! open room, for room fields) at once.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, VisitorToken};

/// Body of a set-custom-fields request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// The fields.
    #[serde(rename = "customFields")]
    pub custom_fields: Vec<crate::visitor::register::CustomField>,
}

/// One field of the reply, in Rocket.Chat's spelling (`Key`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Field {
    /// Field name.
    #[serde(rename = "Key")]
    pub key: String,
    /// Field value.
    pub value: String,
    /// Whether the request asked to replace.
    pub overwrite: bool,
}

/// Reply to a set-custom-fields request: the fields as asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The fields.
    pub fields: Vec<Field>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/custom.fields";
    type Response = Response;
}
