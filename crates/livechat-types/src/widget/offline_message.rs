//! `POST /api/v1/livechat/offline.message`: a message left while nobody is online.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of an offline message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's name.
    pub name: String,
    /// Where to answer.
    pub email: String,
    /// The message.
    pub message: String,
    /// Department id.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub department: Option<String>,
    /// The widget's optional spam check (accepted and ignored).
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub host: Option<String>,
}

/// Reply to an offline message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// A confirmation for the visitor.
    pub message: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/offline.message";
    type Response = Response;
}
