//! Users and their roles (SPEC section 12): creating and removing users, the caller's own
//! account, and the agents and managers of the livechat ([`crate::livechat_users`]).

pub mod create;
pub mod delete;
pub mod me;
pub mod set_status;
pub mod update_own_basic_info;

use serde::{Deserialize, Serialize};

/// A user as managers and the user itself see it (SPEC section 12's U).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct User {
    /// The user's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Presence: `online`, `away`, `busy` or `offline`.
    pub status: String,
    /// Livechat availability: `available` or `not-available`.
    #[serde(rename = "statusLivechat")]
    pub status_livechat: String,
    /// E-mail addresses (none or one).
    pub emails: Vec<Email>,
    /// Roles: `user`, `admin`, `livechat-manager`, `livechat-agent`.
    pub roles: Vec<String>,
    /// The departments the user is an agent of.
    pub departments: Vec<String>,
}

/// An e-mail address of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Email {
    /// The address.
    pub address: String,
    /// Whether it was verified (never, yet).
    pub verified: bool,
}
