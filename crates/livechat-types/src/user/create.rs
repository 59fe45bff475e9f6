//! `POST /api/v1/users.create`: an admin creates a user.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a create-user request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Login name: 1-64 of `A-Z a-z 0-9 . _ -`, unique ignoring case.
    pub username: String,
    /// Password (the server's password policy applies).
    pub password: String,
    /// Display name.
    pub name: String,
    /// E-mail address, unique ignoring case.
    pub email: String,
    /// Roles, of `user`, `admin`, `livechat-manager`, `livechat-agent` (default: `user`).
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub roles: Option<Vec<String>>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("username", &self.username)
            .field("password", &"***")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("roles", &self.roles)
            .finish()
    }
}

impl Request {
    /// A user with these fields and the default role.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<String>,
        name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            name: name.into(),
            email: email.into(),
            roles: None,
        }
    }

    /// The same request with these roles.
    pub fn with_roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        self.roles = Some(roles.into_iter().map(Into::into).collect());
        self
    }
}

/// Reply to a create-user request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The new user.
    pub user: Created,
}

/// What the reply says of a new user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Created {
    /// The user's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Roles.
    pub roles: Vec<String>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/users.create";
    type Response = Response;
}
