//! Departments (SPEC section 13): teams of agents a chat can be routed to ("Sales",
//! "Billing"), managed by managers and admins.

pub mod agents;
pub mod agents_update;
pub mod archive;
pub mod archived;
pub mod autocomplete;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod list_by_ids;
pub mod of_agent;
pub mod unarchive;
pub mod update;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// A department as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Department {
    /// Department id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its name, unique ignoring case.
    pub name: String,
    /// Whether visitors may choose it and chats are routed to it.
    pub enabled: bool,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the widget's registration form offers it.
    #[serde(rename = "showOnRegistration")]
    pub show_on_registration: bool,
    /// Whether the widget's offline form offers it.
    #[serde(rename = "showOnOfflineForm")]
    pub show_on_offline_form: bool,
    /// Where its offline messages go (`""`: the general address).
    pub email: String,
    /// Whether closing one of its chats needs a tag.
    #[serde(rename = "requestTagBeforeClosingChat")]
    pub request_tag_before_closing_chat: bool,
    /// The tags its chats may be closed with.
    #[serde(rename = "chatClosingTags")]
    pub chat_closing_tags: Vec<String>,
    /// How many agents it has.
    #[serde(rename = "numAgents")]
    pub num_agents: i64,
    /// Whether it is archived (then also disabled).
    pub archived: bool,
    /// When it last changed.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}

/// A department's details as a manager sends them. Rocket.Chat's forwarding, unit and
/// business-hour keys are accepted and ignored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DepartmentIn {
    /// Its name: 1-100 characters, unique ignoring case.
    pub name: String,
    /// Whether visitors may choose it and chats are routed to it.
    pub enabled: bool,
    /// Whether the widget's registration form offers it.
    #[serde(rename = "showOnRegistration")]
    pub show_on_registration: bool,
    /// Whether the widget's offline form offers it.
    #[serde(rename = "showOnOfflineForm")]
    pub show_on_offline_form: bool,
    /// Where its offline messages go: `""` or an e-mail address.
    pub email: String,
    /// What it is for.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
    /// Whether closing one of its chats needs a tag.
    #[serde(
        rename = "requestTagBeforeClosingChat",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_tag_before_closing_chat: Option<bool>,
    /// The tags its chats may be closed with.
    #[serde(
        rename = "chatClosingTags",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub chat_closing_tags: Option<Vec<String>>,
    /// Ignored (Rocket.Chat's forwarding).
    #[serde(rename = "departmentsAllowedToForward", default, skip_serializing)]
    pub departments_allowed_to_forward: Option<serde_json::Value>,
    /// Ignored (Rocket.Chat's forwarding).
    #[serde(rename = "fallbackForwardDepartment", default, skip_serializing)]
    pub fallback_forward_department: Option<serde_json::Value>,
    /// Ignored (Rocket.Chat's forwarding).
    #[serde(rename = "allowReceiveForwardOffline", default, skip_serializing)]
    pub allow_receive_forward_offline: Option<serde_json::Value>,
    /// Ignored (Rocket.Chat's business units).
    #[serde(rename = "unitId", default, skip_serializing)]
    pub unit_id: Option<serde_json::Value>,
    /// Ignored (Rocket.Chat's queue settings).
    #[serde(rename = "maxNumberSimultaneousChat", default, skip_serializing)]
    pub max_number_simultaneous_chat: Option<serde_json::Value>,
    /// Ignored (Rocket.Chat's queue settings).
    #[serde(rename = "waitingQueueMessage", default, skip_serializing)]
    pub waiting_queue_message: Option<serde_json::Value>,
    /// Ignored (Rocket.Chat's inactivity settings).
    #[serde(rename = "visitorInactivityTimeoutInSeconds", default, skip_serializing)]
    pub visitor_inactivity_timeout_in_seconds: Option<serde_json::Value>,
    /// Ignored (Rocket.Chat's inactivity settings).
    #[serde(rename = "abandonedRoomsCloseCustomMessage", default, skip_serializing)]
    pub abandoned_rooms_close_custom_message: Option<serde_json::Value>,
    /// Ignored (Rocket.Chat's offline channel).
    #[serde(rename = "offlineMessageChannelName", default, skip_serializing)]
    pub offline_message_channel_name: Option<serde_json::Value>,
}

/// An agent to add to a department, or to update in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentIn {
    /// The agent's user id.
    #[serde(rename = "agentId")]
    pub agent_id: String,
    /// Its username (sent by Rocket.Chat's clients; the server uses its own).
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub username: Option<String>,
    /// Chats it has taken in this department (a Rocket.Chat load counter).
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Its place in the department's list.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub order: Option<i64>,
}

/// An agent to remove from a department.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentOut {
    /// The agent's user id.
    #[serde(rename = "agentId")]
    pub agent_id: String,
    /// Its username (ignored).
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub username: Option<String>,
}

/// An agent of a department.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DepartmentAgent {
    /// The membership's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The agent's user id.
    #[serde(rename = "agentId")]
    pub agent_id: String,
    /// The department.
    #[serde(rename = "departmentId")]
    pub department_id: String,
    /// The agent's username.
    pub username: String,
    /// Chats it has taken in this department.
    pub count: i64,
    /// Its place in the department's list.
    pub order: i64,
}

/// A department as the widget lists it (`livechat/config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PublicDepartment {
    /// Department id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether the registration form offers it.
    #[serde(rename = "showOnRegistration")]
    pub show_on_registration: bool,
    /// Whether the offline form offers it.
    #[serde(rename = "showOnOfflineForm")]
    pub show_on_offline_form: bool,
}
