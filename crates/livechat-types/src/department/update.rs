//! `PUT /api/v1/livechat/department/{id}`: new details for a department; the agents given
//! are added or updated.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{AgentIn, DepartmentIn};
use crate::{fill_route, Endpoint, Method};

/// Body of an update-department request; the id travels in the path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The department's id (path).
    #[serde(skip)]
    pub id: String,
    /// The department's details.
    #[serde(deserialize_with = "crate::de::object")]
    pub department: DepartmentIn,
    /// Agents to add or update.
    #[serde(
        default,
        deserialize_with = "crate::de::present_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub agents: Option<Vec<AgentIn>>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Put;
    const ROUTE: &'static str = "/api/v1/livechat/department/{_id}";
    type Response = super::create::Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
