//! Rooms: `livechat/room`, `livechat/room.close` and `livechat/config`.

pub mod close;
pub mod config;
pub mod messages;
pub mod open;
pub mod save_info;
pub mod survey;
pub mod transcript;

use serde::{Deserialize, Serialize};

use crate::{message::UserRef, RoomId, Timestamp, VisitorToken};

/// A livechat room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Room {
    /// The room's `_id`.
    #[serde(rename = "_id")]
    pub id: RoomId,
    /// Always `l` (livechat).
    #[cfg_attr(feature = "openapi", schemars(extend("const" = "l")))]
    pub t: String,
    /// The visitor's display name.
    pub fname: String,
    /// The visitor.
    pub v: RoomVisitor,
    /// Whether the room is open.
    pub open: bool,
    /// Number of messages.
    pub msgs: i64,
    /// When it was opened.
    pub ts: Timestamp,
    /// Time of the last message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lm: Option<Timestamp>,
    /// The agent serving the room.
    #[serde(rename = "servedBy", default, skip_serializing_if = "Option::is_none")]
    pub served_by: Option<ServedBy>,
    /// Department id.
    #[serde(rename = "departmentId", default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    /// When it was closed.
    #[serde(rename = "closedAt", default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    /// Who closed it.
    #[serde(rename = "closedBy", default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<UserRef>,
    /// `visitor` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["visitor", "user"])))]
    pub closer: Option<String>,
    /// How it was opened.
    pub source: Source,
    /// Its topic, once `livechat/room.saveInfo` set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Its custom fields (those defined for rooms), where the reply carries them.
    #[serde(rename = "livechatData", default, skip_serializing_if = "Option::is_none")]
    pub livechat_data: Option<serde_json::Map<String, serde_json::Value>>,
    /// The tags it was closed with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The visitor's rating (`livechat/room.survey`): survey item names to values.
    #[serde(rename = "surveyFeedback", default, skip_serializing_if = "Option::is_none")]
    pub survey_feedback: Option<std::collections::BTreeMap<String, String>>,
    /// The widget's call status (`livechat/visitor.callStatus`).
    #[serde(rename = "callStatus", default, skip_serializing_if = "Option::is_none")]
    pub call_status: Option<String>,
    /// When it last changed.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}

/// The visitor of a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RoomVisitor {
    /// The visitor's `_id`.
    #[serde(rename = "_id")]
    pub id: String,
    /// The visitor's username.
    pub username: String,
    /// The visitor's token: only in replies to that visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<VisitorToken>,
    /// Always `online`.
    #[cfg_attr(feature = "openapi", schemars(extend("const" = "online")))]
    pub status: String,
}

/// The agent serving a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ServedBy {
    /// The agent's user id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The agent's username.
    pub username: String,
    /// Since when.
    pub ts: Timestamp,
}

/// How a room was opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Source {
    /// `widget` or `api`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["widget", "api"])))]
    pub kind: String,
}
