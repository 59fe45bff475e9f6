//! `GET /api/v1/livechat/department/{_id}/agents?count=&offset=`: a department's agents.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::DepartmentAgent;
use crate::{fill_route, Endpoint, Method};

/// Query of a department-agents request; the id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The department's id (path).
    #[serde(skip)]
    pub id: String,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Agents to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply to a department-agents request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The agents, by `order` then username.
    pub agents: Vec<DepartmentAgent>,
    /// Agents in this page.
    pub count: i64,
    /// Agents skipped.
    pub offset: i64,
    /// Agents in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/department/{_id}/agents";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
