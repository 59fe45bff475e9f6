//! `GET /api/v1/livechat/agents/{agentId}/departments?enabledDepartmentsOnly=`: the
//! departments an agent belongs to.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::DepartmentAgent;
use crate::{fill_route, Endpoint, Method};

/// An agent-departments request; the agent's id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The agent's user id (path).
    #[serde(skip)]
    pub agent_id: String,
    /// Only enabled departments.
    #[serde(rename = "enabledDepartmentsOnly", default, skip_serializing_if = "Option::is_none")]
    pub enabled_departments_only: Option<bool>,
}

/// Reply to an agent-departments request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The agent's memberships, by department name.
    pub departments: Vec<DepartmentAgent>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/agents/{agentId}/departments";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.agent_id])
    }
}
