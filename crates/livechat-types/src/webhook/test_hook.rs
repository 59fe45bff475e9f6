//! `POST /api/v1/livechat/webhook.test` (managers): sends a sample `LivechatSession` to
//! `Livechat_webhookUrl` now, signed as every webhook is, and says whether it was taken.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a webhook test: nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {}

/// Reply: only `success` (the receiver answered 2xx).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/webhook.test";
    type Response = Response;
}
