//! `POST /api/v1/users.setStatus`: sets a user's presence (its own, or with
//! `edit-other-user-active-status` another's).

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a set-status request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// `online`, `away`, `busy` or `offline`.
    pub status: String,
    /// A status text (Rocket.Chat's); accepted and ignored.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
    /// Whose presence (default: the caller's).
    #[serde(
        rename = "userId",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<String>,
}

impl Request {
    /// Sets the caller's presence.
    pub fn new(status: impl Into<String>) -> Self {
        Self { status: status.into(), ..Self::default() }
    }
}

/// Reply to a set-status request: nothing but `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/users.setStatus";
    type Response = Response;
}
