//! `GET /api/v1/livechat/config?token=&department=`: what the widget needs to start.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Room;
use crate::{visitor::Visitor, Endpoint, Method, VisitorToken};

/// Query of a config request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// A visitor token: adds the visitor, its open room and its agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<VisitorToken>,
    /// Department id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// Reply to a config request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The configuration.
    pub config: Config,
}

/// The livechat configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Config {
    /// Whether livechat is enabled.
    pub enabled: bool,
    /// Whether an agent is available: chat when true, the offline form when false.
    pub online: bool,
    /// Widget settings.
    pub settings: Map<String, Value>,
    /// Widget theme.
    pub theme: Map<String, Value>,
    /// Widget texts.
    pub messages: Map<String, Value>,
    /// The enabled departments that have agents, for the widget's pickers.
    pub departments: Vec<crate::department::PublicDepartment>,
    /// Triggers.
    pub triggers: Vec<Value>,
    /// The custom fields the registration form asks for (visible visitor fields).
    #[serde(rename = "customFields", default)]
    pub custom_fields: Vec<crate::custom_field::FormField>,
    /// Resources such as `sound`.
    pub resources: Map<String, Value>,
    /// The visitor, when a known token was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest: Option<Visitor>,
    /// The visitor's open room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<Room>,
    /// The agent serving that room, or `{"hiddenInfo": true}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<crate::agent::AgentInfo>,
    /// The room's place in its queue, while it waits for an agent.
    #[serde(rename = "queueInfo", default, skip_serializing_if = "Option::is_none")]
    pub queue_info: Option<QueueInfo>,
    /// What the rating screen asks (`livechat/room.survey`).
    #[serde(default)]
    pub survey: Survey,
}

/// The survey's items and the values each takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Survey {
    /// The items.
    pub items: Vec<String>,
    /// Their values.
    pub values: Vec<String>,
}

impl Default for Survey {
    fn default() -> Self {
        Self {
            items: super::survey::ITEMS.map(str::to_owned).to_vec(),
            values: super::survey::VALUES.map(str::to_owned).to_vec(),
        }
    }
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/config";
    type Response = Response;
}

/// Where a waiting room stands in its queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct QueueInfo {
    /// Its place, from 1.
    pub spot: i64,
}
