//! `POST /api/v1/users.updateOwnBasicInfo`: the caller changes its name, username, e-mail
//! address or password. A new password needs the current one, and ends every other session.

use serde::{Deserialize, Serialize};

use super::User;
use crate::{Endpoint, Method};

/// Body of an update-own-basic-info request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// What changes.
    #[serde(deserialize_with = "crate::de::object")]
    pub data: BasicInfo,
}

/// The fields that change; absent ones stay.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BasicInfo {
    /// New display name.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// New login name.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub username: Option<String>,
    /// New e-mail address.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// The current password, as typed (required with `newPassword`).
    #[serde(
        rename = "currentPassword",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_password: Option<String>,
    /// A new password.
    #[serde(
        rename = "newPassword",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub new_password: Option<String>,
}

impl std::fmt::Debug for BasicInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let masked = |password: &Option<String>| password.as_ref().map(|_| "***");
        f.debug_struct("BasicInfo")
            .field("name", &self.name)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("current_password", &masked(&self.current_password))
            .field("new_password", &masked(&self.new_password))
            .finish()
    }
}

/// Reply to an update-own-basic-info request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The user as it is now.
    pub user: User,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/users.updateOwnBasicInfo";
    type Response = Response;
}
