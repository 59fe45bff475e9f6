//! `GET /api/v1/livechat/departments/archived?text=&count=&offset=`: archived departments.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Query of an archived-departments request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only departments whose name contains this, ignoring case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Departments to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/departments/archived";
    type Response = super::list::Response;
}
