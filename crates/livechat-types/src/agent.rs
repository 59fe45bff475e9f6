//! Agents and admins: login, availability, their rooms and their messages.

pub mod chat_delete;
pub mod chat_send;
pub mod chat_update;
pub mod close_room;
pub mod info;
pub mod login;
pub mod logout;
pub mod rooms;
pub mod status;

use serde::{Deserialize, Serialize};

/// An agent as visitors see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Agent {
    /// The agent's user id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// `available` or `not-available`.
    pub status: String,
}
