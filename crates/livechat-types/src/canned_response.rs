//! Canned responses: texts agents insert by typing a shortcut. Each one is private to its
//! author (`user`), shared with a department (`department`) or with everyone (`global`).

pub mod get;
pub mod get_all;
pub mod list;
pub mod remove;
pub mod save;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// A canned response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CannedResponse {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// What an agent types to insert it (no spaces, unique).
    pub shortcut: String,
    /// The text; `{{contact.name}}` and the like are filled in when an agent sends it.
    pub text: String,
    /// Who sees it: `global`, `department` or `user`.
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["global", "department", "user"])))]
    pub scope: String,
    /// Words to find it by.
    pub tags: Vec<String>,
    /// The department it is shared with (`department` scope).
    #[serde(rename = "departmentId", default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    /// Its owner (`user` scope).
    #[serde(rename = "userId", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Who created it.
    #[serde(rename = "createdBy")]
    pub created_by: CreatedBy,
    /// When it was created.
    #[serde(rename = "_createdAt")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}

/// The user who created a canned response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreatedBy {
    /// The user's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The user's username.
    pub username: String,
}
