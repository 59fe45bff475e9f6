//! `POST /api/v1/users.delete`: an admin removes a user; its open rooms go back to the queue.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a delete-user request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The user's id.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// Rocket.Chat's room-ownership flag; accepted and ignored (users own no rooms here).
    #[serde(
        rename = "confirmRelinquish",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub confirm_relinquish: Option<bool>,
}

impl Request {
    /// Removes user `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self { user_id: user_id.into(), confirm_relinquish: None }
    }
}

/// Reply to a delete-user request: nothing but `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/users.delete";
    type Response = Response;
}
