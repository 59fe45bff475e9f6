//! Agents and admins: login, availability, their rooms and their messages.

pub mod chat_delete;
pub mod chat_send;
pub mod chat_update;
pub mod close_room;
pub mod info;
pub mod login;
pub mod logout;
pub mod next;
pub mod rooms;
pub mod rooms_filters;
pub mod status;

use serde::{Deserialize, Serialize};

/// An agent as visitors see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Agent {
    /// The agent's user id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Presence as the widget draws it: `online` or `offline`.
    pub status: String,
    /// The agent's e-mail addresses, with `Livechat_show_agent_email` on and when it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<AgentEmail>>,
}

/// An e-mail address of an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AgentEmail {
    /// The address.
    pub address: String,
}

/// What visitors learn of the agent serving them: the agent, or only that it is hidden
/// (`Livechat_show_agent_info` off).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum AgentInfo {
    /// The agent.
    Shown(Agent),
    /// `{"hiddenInfo": true}`.
    Hidden(HiddenAgent),
}

/// An agent whose details are hidden from visitors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HiddenAgent {
    /// Always `true`.
    #[serde(rename = "hiddenInfo")]
    #[cfg_attr(feature = "openapi", schemars(extend("const" = true)))]
    pub hidden_info: bool,
}

impl AgentInfo {
    /// The hidden form.
    pub fn hidden() -> Self {
        Self::Hidden(HiddenAgent { hidden_info: true })
    }

    /// The agent, unless hidden.
    pub fn agent(&self) -> Option<&Agent> {
        match self {
            Self::Shown(agent) => Some(agent),
            Self::Hidden(_) => None,
        }
    }
}
