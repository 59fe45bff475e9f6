//! Webhook bodies (SPEC section 18): what the server POSTs to `Livechat_webhookUrl`, and
//! the headers that come with them.
//!
//! A room event ([`RoomEvent`]) is Rocket.Chat's body without `visitor.token`; an offline
//! message ([`OfflineMessageEvent`]) has a body of its own. A receiver reads either with
//! [`WebhookEvent`]. The body is signed as sent, so verify the raw bytes
//! ([`signature_base`]) before parsing them.

pub mod test_hook;

use serde::{de, Deserialize, Deserializer, Serialize};

use crate::{
    file::FileRef,
    message::UserRef,
    room::ServedBy,
    visitor::{Email, Phone},
    MessageId, RoomId, Timestamp,
};

/// `X-RocketChat-Livechat-Token`: the secret itself, as Rocket.Chat sends it. Absent when no
/// secret is set.
pub const TOKEN_HEADER: &str = "X-RocketChat-Livechat-Token";
/// `X-Livechat-Delivery`: the id of one event, the same on every retry of it.
pub const DELIVERY_HEADER: &str = "X-Livechat-Delivery";
/// `X-Livechat-Event`: the body's `type`.
pub const EVENT_HEADER: &str = "X-Livechat-Event";
/// `X-Livechat-Timestamp`: when this attempt was signed, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "X-Livechat-Timestamp";
/// `X-Livechat-Signature`: `sha256=` and the lowercase hex HMAC-SHA256, keyed with the
/// secret, of [`signature_base`]. Absent when no secret is set.
pub const SIGNATURE_HEADER: &str = "X-Livechat-Signature";
/// What the signature header's value starts with.
pub const SIGNATURE_PREFIX: &str = "sha256=";

/// The bytes the signature covers: the timestamp header's decimal digits, `.`, and the body
/// exactly as sent.
pub fn signature_base(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let timestamp = timestamp.to_string();
    let mut base = Vec::with_capacity(timestamp.len() + 1 + body.len());
    base.extend_from_slice(timestamp.as_bytes());
    base.push(b'.');
    base.extend_from_slice(body);
    base
}

/// Any webhook body, told apart by its `type`. Serializes to the body itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// Every event about a room: `LivechatSession*` and `Message` (boxed: it is by far the
    /// largest).
    Room(Box<RoomEvent>),
    /// `LivechatOfflineMessage`.
    OfflineMessage(OfflineMessageEvent),
    /// A `type` this version does not know, kept whole so that a receiver can acknowledge
    /// it instead of failing it.
    Other(serde_json::Map<String, serde_json::Value>),
}

impl WebhookEvent {
    /// The body's `type` (also sent as [`EVENT_HEADER`]).
    pub fn event_type(&self) -> &str {
        match self {
            Self::Room(event) => event.event_type(),
            Self::OfflineMessage(_) => OfflineMessageEvent::EVENT_TYPE,
            Self::Other(body) => body.get("type").and_then(|kind| kind.as_str()).unwrap_or(""),
        }
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_json::Value;

        enum Known {
            Room,
            OfflineMessage,
        }

        let body = serde_json::Map::<String, Value>::deserialize(deserializer)?;
        let known = match body.get("type") {
            Some(Value::String(kind)) if kind == OfflineMessageEvent::EVENT_TYPE => {
                Some(Known::OfflineMessage)
            }
            Some(Value::String(kind)) if RoomEventKind::TYPES.contains(&kind.as_str()) => {
                Some(Known::Room)
            }
            Some(Value::String(_)) => None,
            Some(_) => return Err(de::Error::custom("`type` must be a string")),
            None => return Err(de::Error::missing_field("type")),
        };
        // A known type must parse as that type: only unknown ones fall through to `Other`.
        Ok(match known {
            Some(Known::Room) => {
                Self::Room(serde_json::from_value(body.into()).map_err(de::Error::custom)?)
            }
            Some(Known::OfflineMessage) => Self::OfflineMessage(
                serde_json::from_value(body.into()).map_err(de::Error::custom)?,
            ),
            None => Self::Other(body),
        })
    }
}

/// The body of every room event: the room, its visitor, its agent and its messages, plus
/// what the event adds ([`RoomEventKind`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RoomEvent {
    /// `type`, and the fields that come with it.
    #[serde(flatten)]
    pub kind: RoomEventKind,
    /// The room's `_id`.
    #[serde(rename = "_id")]
    pub room_id: RoomId,
    /// The room's name (its `fname`: the visitor's name).
    pub label: String,
    /// When the room was opened.
    #[serde(rename = "createdAt")]
    pub created_at: Timestamp,
    /// When its last message was sent.
    #[serde(rename = "lastMessageAt")]
    pub last_message_at: Timestamp,
    /// The tags it was closed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Its department.
    #[serde(rename = "departmentId", default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    /// Its visitor (never the token).
    pub visitor: Visitor,
    /// The agent serving it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    /// Its non-system messages and its `livechat-close` message, oldest first; for
    /// `Message`, only the new or edited one.
    pub messages: Vec<Message>,
}

impl RoomEvent {
    /// The body's `type`.
    pub fn event_type(&self) -> &'static str {
        self.kind.event_type()
    }
}

/// The `type` of a room event, and the fields only that type carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "type")]
pub enum RoomEventKind {
    /// `LivechatSessionStart`: the room was opened (`Livechat_webhook_on_start`).
    #[serde(rename = "LivechatSessionStart")]
    Start,
    /// `LivechatSessionQueued`: the room waits for an agent (`Livechat_webhook_on_chat_queued`).
    #[serde(rename = "LivechatSessionQueued")]
    Queued,
    /// `LivechatSessionTaken`: an agent took the room (`Livechat_webhook_on_chat_taken`).
    #[serde(rename = "LivechatSessionTaken")]
    Taken {
        /// The agent who took it.
        #[serde(rename = "servedBy")]
        served_by: ServedBy,
    },
    /// `LivechatSessionForwarded`: the room went to another agent or department
    /// (`Livechat_webhook_on_forward`).
    #[serde(rename = "LivechatSessionForwarded")]
    Forwarded {
        /// The agent serving it now (none: it waits in its new department's queue).
        #[serde(rename = "servedBy", default, skip_serializing_if = "Option::is_none")]
        served_by: Option<ServedBy>,
        /// The department it left, if it changed department.
        #[serde(rename = "oldDepartmentId", default, skip_serializing_if = "Option::is_none")]
        old_department_id: Option<String>,
        /// The agent who served it before, if one did.
        #[serde(rename = "oldServedBy", default, skip_serializing_if = "Option::is_none")]
        old_served_by: Option<ServedBy>,
    },
    /// `LivechatSession`: the room was closed (`Livechat_webhook_on_close`).
    #[serde(rename = "LivechatSession")]
    Closed {
        /// The agent serving it when it closed (none: it closed while queued).
        #[serde(rename = "servedBy", default, skip_serializing_if = "Option::is_none")]
        served_by: Option<ServedBy>,
        /// When it was closed.
        #[serde(rename = "closedAt")]
        closed_at: Timestamp,
        /// Who closed it.
        #[serde(rename = "closedBy")]
        closed_by: UserRef,
        /// `user` (an agent or manager) or `visitor`, as in the room.
        #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["visitor", "user"])))]
        closer: String,
    },
    /// `Message`: a message was sent or edited (`Livechat_webhook_on_visitor_message`,
    /// `Livechat_webhook_on_agent_message`).
    Message,
}

impl RoomEventKind {
    /// Every room event `type`.
    pub const TYPES: [&'static str; 6] = [
        "LivechatSessionStart",
        "LivechatSessionQueued",
        "LivechatSessionTaken",
        "LivechatSessionForwarded",
        "LivechatSession",
        "Message",
    ];

    /// The `type` on the wire.
    pub fn event_type(&self) -> &'static str {
        let index = match self {
            Self::Start => 0,
            Self::Queued => 1,
            Self::Taken { .. } => 2,
            Self::Forwarded { .. } => 3,
            Self::Closed { .. } => 4,
            Self::Message => 5,
        };
        Self::TYPES[index]
    }
}

/// The visitor of a room event. Never the token: the body leaves the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Visitor {
    /// The visitor's `_id`.
    #[serde(rename = "_id")]
    pub id: String,
    /// Display name.
    pub name: String,
    /// `guest-<n>` unless the visitor chose one.
    pub username: String,
    /// The visitor's department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// E-mail addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Vec<Email>>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Vec<Phone>>,
}

/// The agent of a room event.
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
    /// The agent's first e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A message of a room event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Message {
    /// The message's `_id`.
    #[serde(rename = "_id")]
    pub id: MessageId,
    /// Its author's username.
    pub username: String,
    /// The text (for the `livechat-close` message, the closing comment).
    #[serde(rename = "msg")]
    pub text: String,
    /// When it was sent.
    pub ts: Timestamp,
    /// The room.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
    /// When it was last edited.
    #[serde(rename = "editedAt", default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
    /// The author's user id, when the room's agent wrote it.
    #[serde(rename = "agentId", default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `true` on the `livechat-close` message.
    #[serde(rename = "closingMessage", default, skip_serializing_if = "Option::is_none")]
    pub closing_message: Option<bool>,
    /// The file it carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
}

/// `LivechatOfflineMessage`: a visitor left a message through the offline form
/// (`Livechat_webhook_on_offline_msg`). `type` is written on serialization; reading through
/// [`WebhookEvent`] checks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename = "LivechatOfflineMessage")]
pub struct OfflineMessageEvent {
    /// When the visitor sent it.
    #[serde(rename = "sentAt")]
    pub sent_at: Timestamp,
    /// Who sent it.
    pub visitor: OfflineVisitor,
    /// The message.
    pub message: String,
}

impl OfflineMessageEvent {
    /// The body's `type`.
    pub const EVENT_TYPE: &'static str = "LivechatOfflineMessage";
}

/// The sender of an offline message, as the form gave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OfflineVisitor {
    /// The name.
    pub name: String,
    /// The e-mail address.
    pub email: String,
}

#[cfg(test)]
mod tests;
