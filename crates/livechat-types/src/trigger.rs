//! Triggers: what the widget does on its own, such as greeting a visitor who has spent some
//! time on a page. Managers define them; `livechat/config` delivers the enabled ones.

pub mod delete;
pub mod get;
pub mod list;
pub mod save;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// A trigger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Trigger {
    /// Trigger id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Whether the widget runs it.
    pub enabled: bool,
    /// Whether it runs only once per visitor.
    #[serde(rename = "runOnce")]
    pub run_once: bool,
    /// When it runs.
    pub conditions: Vec<Condition>,
    /// What it does.
    pub actions: Vec<Action>,
    /// When it last changed.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}

/// When a trigger runs: `page-url` (the page's address matches `value`, a regular
/// expression), `time-on-site` (after `value` seconds), `chat-opened-by-visitor`,
/// `after-guest-registration`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The kind of condition.
    #[cfg_attr(
        feature = "openapi",
        schemars(extend("enum" = ["page-url", "time-on-site", "chat-opened-by-visitor", "after-guest-registration"]))
    )]
    pub name: String,
    /// Its value: a string, or a number of seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// What a trigger does: `send-message`, a message shown in the widget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The kind of action.
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["send-message"])))]
    pub name: String,
    /// Its parameters.
    #[serde(deserialize_with = "crate::de::object")]
    pub params: ActionParams,
}

/// A message a trigger shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionParams {
    /// `queue` (shown as from the agent `livechat/agent.next` names) or `custom` (as from
    /// `name`).
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["queue", "custom"])))]
    pub sender: String,
    /// The message.
    pub msg: String,
    /// The sender's name, for `custom`.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
}
