//! `GET /api/v1/permissions.listAll?updatedSince=`: every permission and its roles.

use serde::{Deserialize, Serialize};

use super::Permission;
use crate::{Endpoint, Method, Timestamp};

/// Query of a list-all request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only permissions changed after this time.
    #[serde(rename = "updatedSince", default, skip_serializing_if = "Option::is_none")]
    pub updated_since: Option<Timestamp>,
}

/// Reply to a list-all request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The permissions (changed since `updatedSince`, if given).
    pub update: Vec<Permission>,
    /// Removed permissions: always empty (permissions are never removed).
    pub remove: Vec<Permission>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/permissions.listAll";
    type Response = Response;
}
