//! `GET /api/v1/livechat/department/{id}?includeAgents=`: one department, `null` when it
//! does not exist or is out of the caller's reach.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{Department, DepartmentAgent};
use crate::{fill_route, Endpoint, Method};

/// A get-department request; the id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The department's id (path).
    #[serde(skip)]
    pub id: String,
    /// Whether to add its agents (default true).
    #[serde(rename = "includeAgents", default, skip_serializing_if = "Option::is_none")]
    pub include_agents: Option<bool>,
}

/// Reply to a get-department request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The department, or `null`.
    pub department: Option<Department>,
    /// Its agents, unless `includeAgents=false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agents: Option<Vec<DepartmentAgent>>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/department/{_id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
