//! `GET /api/v1/me`: the caller's own account.

use serde::{Deserialize, Serialize};

use super::User;
use crate::{Endpoint, Method};

/// A me request (credentials travel in the headers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {}

/// Reply to a me request: the user's fields at the top level, as Rocket.Chat sends them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The caller.
    #[serde(flatten)]
    pub user: User,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/me";
    type Response = Response;
}
