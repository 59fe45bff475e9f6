//! Chats handed on (SPEC section 14): forwarded by an agent or a manager, switched to another
//! department by the visitor, returned to the queue, joined by a manager; and their history.

pub mod forward;
pub mod history;
pub mod join;
pub mod switch;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// One transfer of a room (`transferData` of its `livechat_transfer_history` message).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TransferData {
    /// Who handed the chat on.
    #[serde(rename = "transferredBy")]
    pub transferred_by: TransferredBy,
    /// When.
    pub ts: Timestamp,
    /// `agent` (to an agent), `department` (to a department) or `queue` (back to a queue).
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["agent", "department", "queue"])))]
    pub scope: String,
    /// Why, as the transferrer wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The department the room was in before.
    #[serde(rename = "previousDepartment", default, skip_serializing_if = "Option::is_none")]
    pub previous_department: Option<String>,
    /// The department it went to.
    #[serde(rename = "nextDepartment", default, skip_serializing_if = "Option::is_none")]
    pub next_department: Option<DepartmentRef>,
    /// The agent it went to.
    #[serde(rename = "transferredTo", default, skip_serializing_if = "Option::is_none")]
    pub transferred_to: Option<AgentRef>,
}

/// Who handed a chat on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TransferredBy {
    /// Its id (a user's or the visitor's).
    #[serde(rename = "_id")]
    pub id: String,
    /// Its username.
    pub username: String,
    /// `agent` (a user) or `visitor`.
    #[serde(rename = "userType")]
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["agent", "visitor"])))]
    pub user_type: String,
}

/// A department a chat went to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DepartmentRef {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its name.
    pub name: String,
}

/// An agent a chat went to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AgentRef {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its username.
    pub username: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}
