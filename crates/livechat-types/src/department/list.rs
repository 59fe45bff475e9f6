//! `GET /api/v1/livechat/department?text=&enabled=&onlyMyDepartments=&count=&offset=`:
//! departments, by name.

use serde::{Deserialize, Serialize};

use super::Department;
use crate::{Endpoint, Method};

/// Query of a departments request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only departments whose name contains this, ignoring case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Only enabled (`true`) or disabled (`false`) ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Only the caller's own departments (agents only ever see theirs).
    #[serde(rename = "onlyMyDepartments", default, skip_serializing_if = "Option::is_none")]
    pub only_my_departments: Option<bool>,
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

/// Reply to a departments request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Departments, by name.
    pub departments: Vec<Department>,
    /// Departments in this page.
    pub count: i64,
    /// Departments skipped.
    pub offset: i64,
    /// Departments in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/department";
    type Response = Response;
}
