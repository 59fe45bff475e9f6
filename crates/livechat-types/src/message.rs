//! Messages: `livechat/message` and `livechat/messages.history`.

pub mod delete;
pub mod get;
pub mod history;
pub mod send;
pub mod update;

use serde::{Deserialize, Serialize};

use crate::{MessageId, RoomId, Timestamp};

/// A message as the API returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Message {
    /// The message's `_id`.
    #[serde(rename = "_id")]
    pub id: MessageId,
    /// The room it belongs to.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
    /// The text (for `livechat-close`, the closing comment).
    #[serde(rename = "msg")]
    pub text: String,
    /// When it was sent; strictly increasing within a room.
    pub ts: Timestamp,
    /// When it last changed (send, edit or delete).
    pub ls: Timestamp,
    /// Its author.
    pub u: MessageUser,
    /// Display name the author chose for this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Same as `ls`.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
    /// When it was last edited.
    #[serde(rename = "editedAt", default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
    /// Who edited it last.
    #[serde(rename = "editedBy", default, skip_serializing_if = "Option::is_none")]
    pub edited_by: Option<UserRef>,
    /// System message type: `livechat-started`, `uj`, `ul`, `livechat-close`,
    /// `livechat_transfer_history`.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// What a `livechat_transfer_history` message records.
    #[serde(rename = "transferData", default, skip_serializing_if = "Option::is_none")]
    pub transfer_data: Option<crate::transfer::TransferData>,
    /// The file a file message carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<crate::file::FileRef>,
    /// The file and its thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<crate::file::FileRef>>,
    /// How clients draw the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<crate::file::Attachment>>,
}

/// A message's author.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MessageUser {
    /// The visitor's `_id` for visitor messages, the agent's user id for agent messages.
    #[serde(rename = "_id")]
    pub id: String,
    /// The author's username (`guest-4`).
    pub username: String,
    /// The author's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A reference to a user: `{_id, username}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UserRef {
    /// The user's `_id`.
    #[serde(rename = "_id")]
    pub id: String,
    /// The user's username.
    pub username: String,
}
