//! `POST /api/v1/canned-responses`: a new canned response, or (with `_id`) new details for
//! one.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a save-canned-response request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The canned response to change; absent for a new one.
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// 1-64 characters without spaces, unique.
    pub shortcut: String,
    /// The text.
    pub text: String,
    /// `global`, `department` or `user`.
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["global", "department", "user"])))]
    pub scope: String,
    /// Words to find it by.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub tags: Option<Vec<String>>,
    /// The department, for `department` scope.
    #[serde(
        rename = "departmentId",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub department_id: Option<String>,
}

impl Request {
    /// A new canned response of `scope`.
    pub fn new(shortcut: &str, text: &str, scope: &str) -> Self {
        Self {
            id: None,
            shortcut: shortcut.to_owned(),
            text: text.to_owned(),
            scope: scope.to_owned(),
            tags: None,
            department_id: None,
        }
    }
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/canned-responses";
    type Response = Response;
}
