//! `POST /api/v1/livechat/visitor`: register a visitor, or update the one with this token.

use serde::{Deserialize, Serialize};

use super::Visitor;
use crate::{Endpoint, ErrorStyle, Method, VisitorToken};

/// Body of a register-visitor request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's details.
    #[serde(deserialize_with = "crate::de::object")]
    pub visitor: NewVisitor,
}

/// The visitor's details. Only `token` is required.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewVisitor {
    /// The visitor's token, chosen by the client (1-256 characters).
    pub token: VisitorToken,
    /// Display name.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// Phone number.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<String>,
    /// Accepted and ignored (the stock widget and older clients send it): the server names
    /// every visitor `guest-<n>`.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub username: Option<String>,
    /// Department id.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub department: Option<String>,
    /// Custom fields.
    #[serde(
        rename = "customFields",
        default,
        deserialize_with = "crate::de::present_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_fields: Option<Vec<CustomField>>,
}

/// One custom field of a visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CustomField {
    /// Field name.
    pub key: String,
    /// Field value.
    pub value: String,
    /// Whether to replace a value that is already set.
    #[serde(default)]
    pub overwrite: bool,
}

impl Request {
    /// Registers a visitor with just a token.
    pub fn new(token: VisitorToken) -> Self {
        Self { visitor: NewVisitor { token, ..NewVisitor::default() } }
    }
}

/// Reply to a register-visitor request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The registered visitor.
    pub visitor: Visitor,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/visitor";
    const ERRORS: ErrorStyle = ErrorStyle::Bracketed;
    type Response = Response;
}
