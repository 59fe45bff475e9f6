//! `POST /api/v1/livechat/custom-fields.save`: defines a custom field, or changes one.

use serde::{Deserialize, Serialize};

use super::CustomField;
use crate::{Endpoint, Method};

/// Body of a save-custom-field request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The key of the field to change; `null` or absent for a new one.
    #[serde(rename = "customFieldId", default, skip_serializing_if = "Option::is_none")]
    pub custom_field_id: Option<String>,
    /// The definition.
    #[serde(rename = "customFieldData", deserialize_with = "crate::de::object")]
    pub data: Data,
}

/// A custom field's definition as a manager sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Data {
    /// The key: 1-64 characters of `[A-Za-z0-9_-]`.
    pub field: String,
    /// What forms call it.
    pub label: String,
    /// `visitor` or `room`.
    pub scope: String,
    /// `visible` or `hidden`.
    pub visibility: String,
    /// A regular expression values must match.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub regexp: Option<String>,
    /// Whether agents may search by it.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub searchable: Option<bool>,
    /// `input` (default) or `select`.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// Whether the registration form requires it.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub required: Option<bool>,
    /// The value forms start with.
    #[serde(
        rename = "defaultValue",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_value: Option<String>,
    /// The choices of a `select`, separated by commas.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub options: Option<String>,
    /// Whether visitors' clients may read it.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub public: Option<bool>,
}

/// Reply to a save-custom-field request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The definition as stored.
    #[serde(rename = "customField")]
    pub custom_field: CustomField,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/custom-fields.save";
    type Response = Response;
}
