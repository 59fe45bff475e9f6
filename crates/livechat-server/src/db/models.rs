//! Rows as stored, and their conversion to the wire types.

use diesel::prelude::*;
use livechat_types::message::{Message, MessageUser, UserRef};
use livechat_types::room::{Room, RoomVisitor, ServedBy, Source};
use livechat_types::visitor::{Email, Phone, Visitor};
use livechat_types::{MessageId, RoomId, Timestamp, VisitorToken};

use super::schema::{messages, rooms, visitors};

/// A visitor row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = visitors, treat_none_as_null = true)]
pub struct VisitorRow {
    pub id: String,
    pub token: String,
    pub username: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub department: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl VisitorRow {
    /// The visitor as its owner sees it (token included), with its custom fields
    /// ([`super::visitors::fields`]).
    pub fn to_wire(&self, fields: Option<serde_json::Map<String, serde_json::Value>>) -> Visitor {
        Visitor {
            id: self.id.clone(),
            token: VisitorToken::from(self.token.as_str()),
            username: self.username.clone(),
            name: self.name.clone(),
            emails: self.email.as_ref().map(|address| vec![Email { address: address.clone() }]),
            phone: self.phone.as_ref().map(|number| vec![Phone { phone_number: number.clone() }]),
            department: self.department.clone(),
            custom_fields: fields,
            status: "online".to_owned(),
            ts: Timestamp(self.created_at),
            updated_at: Timestamp(self.updated_at),
        }
    }

    /// The visitor as agents and managers see it: without its token.
    pub fn to_info(
        &self,
        fields: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> livechat_types::visitor::info::VisitorInfo {
        let Visitor {
            id,
            username,
            name,
            emails,
            phone,
            department,
            custom_fields,
            status,
            ts,
            updated_at,
            ..
        } = self.to_wire(fields);
        livechat_types::visitor::info::VisitorInfo {
            id,
            username,
            name,
            emails,
            phone,
            department,
            custom_fields,
            status,
            ts,
            updated_at,
        }
    }

    /// The name shown for this visitor.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.username)
    }
}

/// A room row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = rooms)]
pub struct RoomRow {
    pub id: String,
    pub visitor_id: String,
    pub fname: String,
    pub open: bool,
    pub msgs: i64,
    pub created_at: i64,
    pub last_message_at: Option<i64>,
    pub last_ts: i64,
    pub served_by_id: Option<String>,
    pub served_by_username: Option<String>,
    pub served_at: Option<i64>,
    pub department_id: Option<String>,
    pub closed_at: Option<i64>,
    pub closed_by_id: Option<String>,
    pub closed_by_username: Option<String>,
    pub closer: Option<String>,
    pub source_type: String,
    pub updated_at: i64,
    /// When it entered the queue it waits in (or last waited in).
    pub queued_at: i64,
    /// A JSON array of tags.
    pub tags: String,
    pub topic: Option<String>,
    /// The agent's last message while the visitor has not answered it.
    pub agent_replied_at: Option<i64>,
    /// The visitor's rating: a JSON object of survey item names to values.
    pub survey_feedback: Option<String>,
    /// The widget's call status (`livechat/visitor.callStatus`), stored only.
    pub call_status: Option<String>,
}

impl RoomRow {
    /// The room on the wire. `visitor` is its visitor; the token is included only when
    /// `with_token` is set (replies to that visitor).
    pub fn to_wire(&self, visitor: &VisitorRow, with_token: bool) -> Room {
        Room {
            id: RoomId::from(self.id.as_str()),
            t: "l".to_owned(),
            fname: self.fname.clone(),
            v: RoomVisitor {
                id: visitor.id.clone(),
                username: visitor.username.clone(),
                token: with_token.then(|| VisitorToken::from(visitor.token.as_str())),
                status: "online".to_owned(),
            },
            open: self.open,
            msgs: self.msgs,
            ts: Timestamp(self.created_at),
            lm: self.last_message_at.map(Timestamp),
            served_by: match (&self.served_by_id, &self.served_by_username) {
                (Some(id), Some(username)) => Some(ServedBy {
                    id: id.clone(),
                    username: username.clone(),
                    ts: Timestamp(self.served_at.unwrap_or(self.created_at)),
                }),
                _ => None,
            },
            department_id: self.department_id.clone(),
            closed_at: self.closed_at.map(Timestamp),
            closed_by: match (&self.closed_by_id, &self.closed_by_username) {
                (Some(id), Some(username)) => {
                    Some(UserRef { id: id.clone(), username: username.clone() })
                }
                _ => None,
            },
            closer: self.closer.clone(),
            source: Source { kind: self.source_type.clone() },
            topic: self.topic.clone(),
            livechat_data: None,
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            survey_feedback: self
                .survey_feedback
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok()),
            call_status: self.call_status.clone(),
            updated_at: Timestamp(self.updated_at),
        }
    }
}

/// A message row. Deleted messages stay as tombstones (no text) so their id stays taken.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: String,
    pub rid: String,
    pub msg: String,
    pub ts: i64,
    pub updated_at: i64,
    pub author_id: String,
    pub author_username: String,
    pub author_name: Option<String>,
    pub visitor_id: Option<String>,
    pub alias: Option<String>,
    pub kind: Option<String>,
    pub edited_at: Option<i64>,
    pub edited_by_id: Option<String>,
    pub edited_by_username: Option<String>,
    pub deleted: bool,
    /// What a system message carries beside its text, as JSON.
    pub data: Option<String>,
}

impl MessageRow {
    /// Whether agent `agent_id` wrote this (not a system message).
    pub fn is_written_by_agent(&self, agent_id: &str) -> bool {
        self.kind.is_none() && self.visitor_id.is_none() && self.author_id == agent_id
    }

    /// Whether `visitor_id` wrote this (as a visitor, not a system message).
    pub fn is_written_by_visitor(&self, visitor_id: &str) -> bool {
        self.kind.is_none() && self.visitor_id.as_deref() == Some(visitor_id)
    }

    /// The file it carries, if any.
    pub fn file_ref(&self) -> Option<livechat_types::file::FileRef> {
        file_fields(self.kind.as_deref(), self.data.as_deref()).map(|fields| fields.file)
    }

    /// The message on the wire, moving the row's strings rather than copying them.
    pub fn into_wire(self) -> Message {
        let files = file_fields(self.kind.as_deref(), self.data.as_deref());
        let edited_by = match (self.edited_by_id, self.edited_by_username) {
            (Some(id), Some(username)) => Some(UserRef { id, username }),
            _ => None,
        };
        Message {
            id: MessageId(self.id),
            room_id: RoomId(self.rid),
            text: self.msg,
            ts: Timestamp(self.ts),
            ls: Timestamp(self.updated_at),
            u: MessageUser {
                id: self.author_id,
                username: self.author_username,
                name: self.author_name,
            },
            alias: self.alias,
            updated_at: Timestamp(self.updated_at),
            edited_at: self.edited_at.map(Timestamp),
            edited_by,
            transfer_data: transfer_data(self.kind.as_deref(), self.data.as_deref()),
            file: files.as_ref().map(|files| files.file.clone()),
            files: files.as_ref().map(|files| files.files.clone()),
            attachments: files.map(|files| files.attachments),
            kind: self.kind,
        }
    }

    /// The message on the wire.
    pub fn to_wire(&self) -> Message {
        let files = file_fields(self.kind.as_deref(), self.data.as_deref());
        Message {
            id: MessageId::from(self.id.as_str()),
            room_id: RoomId::from(self.rid.as_str()),
            text: self.msg.clone(),
            ts: Timestamp(self.ts),
            ls: Timestamp(self.updated_at),
            u: MessageUser {
                id: self.author_id.clone(),
                username: self.author_username.clone(),
                name: self.author_name.clone(),
            },
            alias: self.alias.clone(),
            updated_at: Timestamp(self.updated_at),
            edited_at: self.edited_at.map(Timestamp),
            edited_by: match (&self.edited_by_id, &self.edited_by_username) {
                (Some(id), Some(username)) => {
                    Some(UserRef { id: id.clone(), username: username.clone() })
                }
                _ => None,
            },
            transfer_data: transfer_data(self.kind.as_deref(), self.data.as_deref()),
            file: files.as_ref().map(|files| files.file.clone()),
            files: files.as_ref().map(|files| files.files.clone()),
            attachments: files.map(|files| files.attachments),
            kind: self.kind.clone(),
        }
    }
}

/// The file a user's or visitor's message carries in `data`, if any (a deleted message's
/// `data` is gone with its file).
fn file_fields(kind: Option<&str>, data: Option<&str>) -> Option<livechat_types::file::FileFields> {
    match (kind, data) {
        (None, Some(data)) => serde_json::from_str(data).ok(),
        _ => None,
    }
}

/// The `transferData` a message of `kind` carries in `data`, if any.
fn transfer_data(
    kind: Option<&str>,
    data: Option<&str>,
) -> Option<livechat_types::transfer::TransferData> {
    match (kind, data) {
        (Some(crate::queue::TRANSFER_KIND), Some(data)) => serde_json::from_str(data).ok(),
        _ => None,
    }
}
