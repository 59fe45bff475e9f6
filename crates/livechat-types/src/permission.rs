//! Permissions (SPEC Part two): which roles hold each permission id.

pub mod list_all;
pub mod update;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// A permission and the roles that hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Permission {
    /// The permission's id (`view-l-room`).
    #[serde(rename = "_id")]
    pub id: String,
    /// The roles that hold it.
    pub roles: Vec<String>,
    /// When its roles last changed (the server's start for defaults never changed).
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}
