//! Tags agents put on chats when they close them, offered to the departments listed (to
//! every department when none is).

pub mod get;
pub mod list;
pub mod remove;
pub mod save;

use serde::{Deserialize, Serialize};

/// A tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Tag {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its name (unique).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The departments it is offered to; empty: all.
    pub departments: Vec<String>,
    /// How many departments it is offered to.
    #[serde(rename = "numDepartments")]
    pub num_departments: i64,
}
