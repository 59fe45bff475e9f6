//! Visitors: `livechat/visitor`.

pub mod call_status;
pub mod delete;
pub mod get;
pub mod info;
pub mod register;

use serde::{Deserialize, Serialize};

use crate::{Timestamp, VisitorToken};

/// A visitor as the API returns it to that visitor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Visitor {
    /// The visitor's `_id`.
    #[serde(rename = "_id")]
    pub id: String,
    /// The visitor's token (only ever returned to the visitor itself).
    pub token: VisitorToken,
    /// `guest-<n>` unless the visitor chose one.
    pub username: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail addresses.
    #[serde(rename = "visitorEmails", default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<Email>>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Vec<Phone>>,
    /// Department id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Custom fields set by the visitor.
    #[serde(rename = "livechatData", default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// Always `online`.
    #[cfg_attr(feature = "openapi", schemars(extend("const" = "online")))]
    pub status: String,
    /// When the visitor was registered.
    pub ts: Timestamp,
    /// When the visitor last changed.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}

/// `{address}` entry of `visitorEmails`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Email {
    /// The address.
    pub address: String,
}

/// `{phoneNumber}` entry of `phone`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Phone {
    /// The number.
    #[serde(rename = "phoneNumber")]
    pub phone_number: String,
}
