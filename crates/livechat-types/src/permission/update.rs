//! `POST /api/v1/permissions.update`: sets the roles of permissions (`access-permissions`).
//! Every instance applies the change within a second.

use serde::{Deserialize, Serialize};

use super::Permission;
use crate::{Endpoint, Method};

/// Body of an update request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The permissions to change, each with its new roles.
    #[serde(deserialize_with = "crate::de::objects")]
    pub permissions: Vec<Grant>,
}

/// One permission's new roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The permission's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The roles that hold it from now on.
    pub roles: Vec<String>,
}

impl Request {
    /// Gives permission `id` to exactly `roles`.
    pub fn new<S: Into<String>>(id: impl Into<String>, roles: impl IntoIterator<Item = S>) -> Self {
        let roles = roles.into_iter().map(Into::into).collect();
        Self { permissions: vec![Grant { id: id.into(), roles }] }
    }
}

/// Reply to an update request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Every permission, as it is now.
    pub permissions: Vec<Permission>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/permissions.update";
    type Response = Response;
}
