//! `POST /api/v1/livechat/department/{_id}/agents`: adds, updates and removes agents of a
//! department.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{AgentIn, AgentOut};
use crate::{fill_route, Endpoint, Method};

/// Body of a department-agents change; the id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The department's id (path).
    #[serde(skip)]
    pub id: String,
    /// Agents to add or update.
    #[serde(
        default,
        deserialize_with = "crate::de::present_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub upsert: Option<Vec<AgentIn>>,
    /// Agents to remove.
    #[serde(
        default,
        deserialize_with = "crate::de::present_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub remove: Option<Vec<AgentOut>>,
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/department/{_id}/agents";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
