//! The queue (SPEC section 14): chats waiting for an agent, as Rocket.Chat's inquiries.
//! An inquiry's `_id` is its room's id; it exists while the room is open.

pub mod get_one;
pub mod list;
pub mod queue;
pub mod queued_for_user;
pub mod take;

use serde::{Deserialize, Serialize};

use crate::{RoomId, Timestamp};

/// A chat in the queue (or taken from it), without the visitor's token (**fix**: Rocket.Chat
/// hands agents the visitor's credential).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Inquiry {
    /// The inquiry's id (its room's id).
    #[serde(rename = "_id")]
    pub id: String,
    /// Its room.
    pub rid: RoomId,
    /// The visitor's display name.
    pub name: String,
    /// Since when it waits.
    pub ts: Timestamp,
    /// The visitor's first message, `""` when it has written none yet.
    pub message: String,
    /// `queued` or `taken`.
    #[cfg_attr(feature = "openapi", schemars(extend("enum" = ["queued", "taken"])))]
    pub status: String,
    /// The visitor.
    pub v: InquiryVisitor,
    /// The department whose queue it waits in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Always `l`.
    #[cfg_attr(feature = "openapi", schemars(extend("const" = "l")))]
    pub t: String,
    /// When it last changed.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
}

/// The visitor of an inquiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InquiryVisitor {
    /// The visitor's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its username (`guest-N`).
    pub username: String,
    /// Always `online`.
    pub status: String,
}

/// An event of the inquiry-queue stream (`stream-livechat-inquiry-queue-observer`): the
/// inquiry and what happened to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InquiryEvent {
    /// The inquiry as it is now.
    #[serde(flatten)]
    pub inquiry: Inquiry,
    /// `added` (it waits in this queue, new or changed) or `removed` (taken, closed, or moved
    /// to another queue).
    #[serde(rename = "type")]
    pub kind: String,
}
