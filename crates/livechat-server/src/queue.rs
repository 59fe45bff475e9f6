//! The queue and chats handed on (SPEC section 14): taking a chat from the queue, forwarding
//! it to an agent or a department, the visitor switching department, returning it to the
//! queue. Each runs inside one write that holds the room's lock (key [`Key::Room`], or
//! [`Key::Many`] when the visitor's row changes too), so of any number of concurrent takes,
//! forwards and closes of one room, each sees the room as the one before left it: exactly one
//! take wins, and a forward of a room closed meanwhile is refused.
//!
//! An inquiry is the queue's view of an open room: its `_id` is the room's.
//!
//! [`Key::Room`]: crate::db::Key::Room
//! [`Key::Many`]: crate::db::Key::Many

use crate::outbox::{hooks, Event};
use crate::webhooks;
use livechat_types::inquiry::{Inquiry, InquiryVisitor};
use livechat_types::room::ServedBy;
use livechat_types::transfer::{AgentRef, DepartmentRef, TransferData, TransferredBy};
use livechat_types::webhook::RoomEventKind;
use livechat_types::{ErrorCode, RoomId, Timestamp};

use crate::db::departments::DepartmentRow;
use crate::db::messages::{Author, NewMessage};
use crate::db::models::{RoomRow, VisitorRow};
use crate::db::users::UserRow;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::routing::Routed;

/// The type of the system message that records a transfer (its `data` is the
/// `transferData`).
pub const TRANSFER_KIND: &str = "livechat_transfer_history";

/// `room` as an inquiry (`queued` while nobody serves it, else `taken`).
pub fn inquiry(room: &RoomRow, visitor: &VisitorRow, message: String) -> Inquiry {
    let status = if room.served_by_id.is_some() { "taken" } else { "queued" };
    Inquiry {
        id: room.id.clone(),
        rid: RoomId::from(room.id.as_str()),
        name: room.fname.clone(),
        ts: Timestamp(room.queued_at),
        message,
        status: status.to_owned(),
        v: InquiryVisitor {
            id: visitor.id.clone(),
            username: visitor.username.clone(),
            status: "online".to_owned(),
        },
        department: room.department_id.clone(),
        t: "l".to_owned(),
        updated_at: Timestamp(room.updated_at),
    }
}

/// The inquiries of `rooms` (each with its visitor's first message).
pub fn inquiries(conn: &mut DbConn, rooms: &[(RoomRow, VisitorRow)]) -> db::Result<Vec<Inquiry>> {
    rooms
        .iter()
        .map(|(room, visitor)| {
            let message = db::rooms::first_visitor_message(conn, &room.id)?.unwrap_or_default();
            Ok(inquiry(room, visitor, message))
        })
        .collect()
}

/// The inquiry of open room `rid`, if `viewer` (a member of `departments`) may see it.
pub fn find_inquiry(
    conn: &mut DbConn,
    rid: &str,
    viewer: &UserRow,
    departments: &[String],
) -> db::Result<Option<Inquiry>> {
    let Some(room) = db::rooms::find(conn, rid)? else { return Ok(None) };
    if !room.open || !viewer.may_see(&room, departments) {
        return Ok(None);
    }
    let Some(visitor) = db::visitors::find(conn, &room.visitor_id)? else { return Ok(None) };
    let message = db::rooms::first_visitor_message(conn, &room.id)?.unwrap_or_default();
    Ok(Some(inquiry(&room, &visitor, message)))
}

/// "Inquiry not found", Meteor style.
fn inquiry_not_found() -> ApiError {
    ApiError::Described("Inquiry not found".into(), ErrorCode::ErrorNotFound)
}

/// Gives queued room `rid` to `agent` (a member of `departments`) and stores its `uj`
/// message. Refused when the room is not waiting in a queue the agent may take from, when
/// someone took it first, or when the agent is not available. Locks the room.
pub fn take(
    conn: &mut DbConn,
    rid: &str,
    agent: &UserRow,
    departments: &[String],
    now: i64,
) -> Result<Routed, ApiError> {
    let room =
        db::rooms::lock(conn, rid)?.filter(|room| room.open).ok_or_else(inquiry_not_found)?;
    if room.served_by_id.is_some() {
        return Err(ApiError::Described("Inquiry already taken".into(), ErrorCode::InquiryTaken));
    }
    if !agent.sees_queue_of(room.department_id.as_deref(), departments) {
        return Err(inquiry_not_found());
    }
    // The taker as it is now, under its own row's order after the room's.
    let agent = db::users::find(conn, &agent.id)?
        .filter(|agent| agent.is_agent())
        .ok_or(ErrorCode::TheUserIsInvalid)?;
    if !agent.is_available() {
        return Err(ApiError::Described(
            "Agent status is offline or Omnichannel service is not active".into(),
            ErrorCode::AgentStatusServiceOffline,
        ));
    }
    if !db::rooms::assign(conn, &room.id, &agent.id, &agent.username, now)? {
        return Err(ApiError::Described("Inquiry already taken".into(), ErrorCode::InquiryTaken));
    }
    let joined_id = system_message(conn, &room.id, "uj", &agent, None, now)?;
    let served_by =
        ServedBy { id: agent.id.clone(), username: agent.username.clone(), ts: Timestamp(now) };
    let taken = RoomEventKind::Taken { served_by };
    hooks::room_event_as_stored(conn, Event::Taken, &room.id, taken)?;
    Ok(Routed { room_id: room.id, agent, joined_id })
}

/// How chats handed to a department are routed.
#[derive(Clone, Copy, Debug)]
pub struct Routing {
    /// Routing is manual: the chat waits in the department's queue.
    pub manual: bool,
    /// `Livechat_maximum_chats_per_agent` (0: no limit).
    pub max_chats: i64,
}

impl Routing {
    /// As `settings` say.
    pub fn of(settings: &crate::settings::Values) -> Self {
        Self { manual: settings.manual_routing(), max_chats: settings.max_chats() }
    }
}

/// Who hands a chat on.
#[derive(Clone, Debug)]
pub struct Transferrer {
    /// A user's or the visitor's id.
    pub id: String,
    /// Its username.
    pub username: String,
    /// Its display name.
    pub name: String,
    /// `agent` (a user) or `visitor`.
    pub user_type: &'static str,
}

impl Transferrer {
    /// A user handing a chat on.
    pub fn user(user: &UserRow) -> Self {
        Self {
            id: user.id.clone(),
            username: user.username.clone(),
            name: user.name.clone(),
            user_type: "agent",
        }
    }

    /// The room's visitor handing its chat on.
    pub fn visitor(visitor: &VisitorRow) -> Self {
        Self {
            id: visitor.id.clone(),
            username: visitor.username.clone(),
            name: visitor.display_name().to_owned(),
            user_type: "visitor",
        }
    }
}

/// Where a chat goes.
#[derive(Clone, Debug)]
pub enum Target {
    /// To this agent (in this department, when given; boxed: the largest by far).
    Agent(Box<(UserRow, Option<DepartmentRow>)>),
    /// To this department: its least busy available agent, or its queue (manual routing).
    Department(DepartmentRow),
    /// Back to the queue (of this department, when given, else its own).
    Queue(Option<DepartmentRow>),
}

/// What a transfer did.
#[derive(Clone, Debug, Default)]
pub struct Moved {
    /// The room.
    pub room_id: String,
    /// Its department before.
    pub from_department: Option<String>,
    /// Its department now.
    pub to_department: Option<String>,
    /// The messages stored (the transfer record, `ul`, `uj`), in order.
    pub messages: Vec<String>,
    /// Whether it waits in a queue now.
    pub queued: bool,
}

/// Hands open `room` (locked by the caller) to `target` on behalf of `by`, with `comment`:
/// stores the transfer record, the old agent's `ul` and the new agent's `uj`. Nothing changes
/// when the transfer is refused.
pub fn transfer(
    conn: &mut DbConn,
    room: &RoomRow,
    by: &Transferrer,
    target: Target,
    comment: Option<String>,
    routing: Routing,
    now: i64,
) -> Result<Moved, ApiError> {
    if !room.open {
        return Err(ErrorCode::ConversationAlreadyClosed.into());
    }
    let previous = room.served_by_id.clone();
    let (agent, department, scope) = match target {
        Target::Agent(to) => {
            let (agent, department) = *to;
            if !agent.is_available() {
                return Err(ErrorCode::UserIsOffline.into());
            }
            if previous.as_deref() == Some(agent.id.as_str()) {
                return Err(ErrorCode::SelectedAgentIsRoomAgent.into());
            }
            if let Some(department) = &department {
                if !db::departments::of_user(conn, &agent.id)?.contains(&department.id) {
                    return Err(ErrorCode::UserNotInDepartment.into());
                }
            }
            (Some(agent), department, "agent")
        }
        Target::Department(department) => {
            if room.department_id.as_deref() == Some(department.id.as_str()) {
                return Err(ErrorCode::ForwardingToSameDepartment.into());
            }
            let agent = if routing.manual {
                None
            } else {
                let agent =
                    db::users::least_busy_available(conn, Some(&department.id), routing.max_chats)?;
                Some(agent.ok_or(ErrorCode::NoAgentsAvailableInDepartment)?)
            };
            (agent, Some(department), "department")
        }
        Target::Queue(department) => (None, department, "queue"),
    };
    let to_department = match &department {
        Some(department) => Some(department.id.clone()),
        None => room.department_id.clone(),
    };
    let data = TransferData {
        transferred_by: TransferredBy {
            id: by.id.clone(),
            username: by.username.clone(),
            user_type: by.user_type.to_owned(),
        },
        ts: Timestamp(now),
        scope: scope.to_owned(),
        comment: comment.filter(|comment| !comment.trim().is_empty()),
        previous_department: room.department_id.clone(),
        next_department: department.as_ref().map(|department| DepartmentRef {
            id: department.id.clone(),
            name: department.name.clone(),
        }),
        transferred_to: agent.as_ref().map(|agent| AgentRef {
            id: agent.id.clone(),
            username: agent.username.clone(),
            name: Some(agent.name.clone()),
        }),
    };
    let data = serde_json::to_string(&data).map_err(anyhow::Error::from)?;
    let mut moved = Moved {
        room_id: room.id.clone(),
        from_department: room.department_id.clone(),
        to_department: to_department.clone(),
        messages: Vec::new(),
        queued: false,
    };
    let transferrer = (by.id.clone(), by.username.clone(), by.name.clone());
    moved.messages.push(store(
        conn,
        &room.id,
        TRANSFER_KIND,
        transferrer,
        String::new(),
        Some(data),
        now,
    )?);
    if to_department != room.department_id {
        db::rooms::set_department(conn, &room.id, to_department.as_deref(), now)?;
    }
    let stays = previous.is_some() && agent.as_ref().map(|agent| &agent.id) == previous.as_ref();
    if let (Some(previous), false) = (&previous, stays) {
        if let Some(old) = db::users::find(conn, previous)? {
            moved.messages.push(system_message(conn, &room.id, "ul", &old, None, now)?);
        }
    }
    match agent {
        Some(agent) if !stays => {
            db::rooms::reassign(conn, &room.id, &agent.id, &agent.username, now)?;
            moved.messages.push(system_message(conn, &room.id, "uj", &agent, None, now)?);
        }
        Some(_) => {}
        None => {
            db::rooms::unassign(conn, &room.id, now)?;
            moved.queued = true;
        }
    }
    if scope == "queue" {
        hooks::room_event_as_stored(conn, Event::Queued, &room.id, RoomEventKind::Queued)?;
    } else {
        let now_served =
            db::rooms::find(conn, &room.id)?.and_then(|room| webhooks::served_by(&room));
        let forwarded = RoomEventKind::Forwarded {
            served_by: now_served,
            old_department_id: room
                .department_id
                .clone()
                .filter(|_| moved.to_department != moved.from_department),
            old_served_by: webhooks::served_by(room),
        };
        hooks::room_event_as_stored(conn, Event::Forward, &room.id, forwarded)?;
    }
    Ok(moved)
}

/// Stores system message `kind` in room `rid` attributed to `user`; returns its id.
fn system_message(
    conn: &mut DbConn,
    rid: &str,
    kind: &'static str,
    user: &UserRow,
    data: Option<String>,
    now: i64,
) -> Result<String, ApiError> {
    let by = (user.id.clone(), user.username.clone(), user.name.clone());
    store(conn, rid, kind, by, user.username.clone(), data, now)
}

fn store(
    conn: &mut DbConn,
    rid: &str,
    kind: &'static str,
    by: (String, String, String),
    text: String,
    data: Option<String>,
    now: i64,
) -> Result<String, ApiError> {
    let message = NewMessage {
        author: Author::System { kind, by, data },
        rid: rid.to_owned(),
        id: None,
        text,
        now,
        max_chars: usize::MAX,
    };
    let stored = db::messages::store(conn, &message)?.map_err(|refusal| {
        anyhow::format_err!("a locked room refused a system message: {refusal:?}")
    })?;
    Ok(stored.id)
}
