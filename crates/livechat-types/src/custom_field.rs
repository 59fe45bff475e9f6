//! Custom fields as Rocket.Chat defines them: a manager defines each field (its key, label,
//! whether it belongs to the visitor or to the room, whether the registration form shows
//! it); visitors and rooms keep values only for defined fields.

pub mod get;
pub mod list;
pub mod remove;
pub mod save;
pub mod set_many;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// A custom field's definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CustomField {
    /// The field's key, as values are stored under it.
    #[serde(rename = "_id")]
    pub id: String,
    /// What forms call it.
    pub label: String,
    /// `visitor` or `room`: whose value it is.
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["visitor", "room"])))]
    pub scope: String,
    /// `visible` (the widget's registration form asks for it) or `hidden`.
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["visible", "hidden"])))]
    pub visibility: String,
    /// A regular expression values must match (`""`: any).
    pub regexp: String,
    /// Whether agents may search by it.
    pub searchable: bool,
    /// `input` or `select`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["input", "select"])))]
    pub kind: String,
    /// Whether the registration form requires it.
    pub required: bool,
    /// The value forms start with.
    #[serde(rename = "defaultValue")]
    pub default_value: String,
    /// The choices of a `select`, separated by commas.
    pub options: String,
    /// Whether visitors' clients may read it.
    pub public: bool,
    /// When it last changed.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}

/// A custom field as the widget's registration form shows it (`livechat/config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FormField {
    /// The field's key.
    #[serde(rename = "_id")]
    pub id: String,
    /// What the form calls it.
    pub label: String,
    /// A regular expression values must match (`""`: any).
    pub regexp: String,
    /// Whether the form requires it.
    pub required: bool,
    /// `input` or `select`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value the form starts with.
    #[serde(rename = "defaultValue")]
    pub default_value: String,
    /// The choices of a `select`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
}
