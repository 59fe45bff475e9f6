//! `POST /api/v1/login`: an agent or admin logs in.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, Timestamp};

/// Body of a login request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Username.
    pub user: String,
    /// Password.
    pub password: String,
}

impl Request {
    /// Logs in as `user`.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Self { user: user.into(), password: password.into() }
    }
}

/// Reply to a login request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Always `success`.
    pub status: String,
    /// The credentials.
    pub data: Credentials,
}

/// What later requests send as `X-User-Id` and `X-Auth-Token`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Credentials {
    /// The user's id (`X-User-Id`).
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The auth token (`X-Auth-Token`); also the `resume` token of the realtime login.
    #[serde(rename = "authToken")]
    pub auth_token: String,
    /// When the auth token expires; later requests with it are 401 (not sent by Rocket.Chat).
    #[serde(rename = "tokenExpires", default, skip_serializing_if = "Option::is_none")]
    pub token_expires: Option<Timestamp>,
    /// The user.
    pub me: Me,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user_id", &self.user_id)
            .field("auth_token", &"***")
            .field("token_expires", &self.token_expires)
            .field("me", &self.me)
            .finish()
    }
}

/// The logged-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Me {
    /// User id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// The user's roles, of `user`, `admin`, `livechat-manager` and `livechat-agent`.
    pub roles: Vec<String>,
    /// `available` or `not-available`.
    #[serde(rename = "statusLivechat")]
    pub status_livechat: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/login";
    type Response = Response;
}
