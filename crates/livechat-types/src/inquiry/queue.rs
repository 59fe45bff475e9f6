//! `GET /api/v1/livechat/queue?agentId=&departmentId=&includeOfflineAgents=&count=&offset=`:
//! how many open chats each agent serves, per department, busiest first (Rocket.Chat's queue
//! metrics).

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Query of a queue-metrics request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only this agent.
    #[serde(rename = "agentId", default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Only this department.
    #[serde(rename = "departmentId", default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    /// `true`: also agents that are not available.
    #[serde(rename = "includeOfflineAgents", default, skip_serializing_if = "Option::is_none")]
    pub include_offline_agents: Option<bool>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Rows to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// One agent's load in one department (or in none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Load {
    /// The agent.
    pub user: LoadUser,
    /// The department, when the chats have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<LoadDepartment>,
    /// Open chats it serves there.
    pub chats: i64,
}

/// The agent of a [`Load`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LoadUser {
    /// The agent's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The agent's id again, as Rocket.Chat writes it.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// Its username.
    pub username: String,
    /// Its availability (`available` or `not-available`).
    pub status: String,
}

/// The department of a [`Load`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LoadDepartment {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its name.
    pub name: String,
}

/// Reply: agents' loads, busiest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The page.
    pub queue: Vec<Load>,
    /// Rows in this page.
    pub count: i64,
    /// Rows skipped.
    pub offset: i64,
    /// Rows in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/queue";
    type Response = Response;
}
