//! `POST /api/v1/livechat/department`: a new department, with its agents.

use serde::{Deserialize, Serialize};

use super::{AgentIn, Department, DepartmentAgent, DepartmentIn};
use crate::{Endpoint, Method};

/// Body of a create-department request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The department's details.
    #[serde(deserialize_with = "crate::de::object")]
    pub department: DepartmentIn,
    /// Its agents.
    #[serde(
        default,
        deserialize_with = "crate::de::present_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub agents: Option<Vec<AgentIn>>,
}

/// Reply to a create- or update-department request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The department as stored.
    pub department: Department,
    /// Its agents.
    pub agents: Vec<DepartmentAgent>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/department";
    type Response = Response;
}
