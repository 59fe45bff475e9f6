//! `POST /api/v1/livechat/inquiries.take`: an agent takes a chat from the queue (a manager
//! may give it to another agent). Of any number of concurrent takes exactly one wins.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a take request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The inquiry (its room's id).
    #[serde(rename = "inquiryId")]
    pub inquiry_id: String,
    /// The agent to give it to (managers only); the caller by default.
    #[serde(rename = "userId", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Rocket.Chat's client options (`clientAction`, `forwardingToDepartment`): accepted and
    /// ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Request {
    /// Takes inquiry `inquiry_id` for the caller.
    pub fn new(inquiry_id: impl Into<String>) -> Self {
        Self { inquiry_id: inquiry_id.into(), user_id: None, options: None }
    }
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/inquiries.take";
    type Response = Response;
}
