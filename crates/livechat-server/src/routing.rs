//! Routing (SPEC sections 7 and 13): a new room goes to the available agent serving the
//! fewest open rooms (ties: idle longest), among its department's agents when it has one;
//! with nobody available it waits in the queue (its department's), which is drained oldest
//! first when an agent becomes available.
//!
//! Routing a room locks that room's row and nothing else (no agent row: an agent's load and
//! idle time are read from the rooms), so it keeps the storage layer's lock order wherever
//! it runs: in the write that opens the room, or in a write of its own per queued room.

use crate::db::messages::{Author, NewMessage};
use crate::db::models::RoomRow;
use crate::db::users::UserRow;
use crate::db::{self, Database, DbConn, Key};

/// A room that just got an agent.
pub struct Routed {
    /// The room.
    pub room_id: String,
    /// Its agent.
    pub agent: UserRow,
    /// The id of the `uj` message stored for it (announced on the realtime streams).
    pub joined_id: String,
}

/// Gives `room` (open, unserved, locked or created by the caller) to the least busy
/// available agent (of its department, when it has one) serving fewer than `max_chats` open
/// rooms (0: no limit) and stores a `uj` message. `None` when nobody is available.
pub fn route(
    conn: &mut DbConn,
    room: &RoomRow,
    now: i64,
    max_chats: i64,
) -> db::Result<Option<Routed>> {
    if room.served_by_id.is_some() || !room.open {
        return Ok(None);
    }
    let department = room.department_id.as_deref();
    let Some(agent) = db::users::least_busy_available(conn, department, max_chats)? else {
        return Ok(None);
    };
    if !db::rooms::assign(conn, &room.id, &agent.id, &agent.username, now)? {
        return Ok(None);
    }
    let joined = NewMessage {
        author: Author::System {
            kind: "uj",
            by: (agent.id.clone(), agent.username.clone(), agent.name.clone()),
            data: None,
        },
        rid: room.id.clone(),
        id: None,
        text: agent.username.clone(),
        now,
        max_chars: usize::MAX,
    };
    let joined = db::messages::store(conn, &joined)?.map_err(|refusal| {
        anyhow::format_err!("the join message of a locked room was refused: {refusal:?}")
    })?;
    let served_by = livechat_types::room::ServedBy {
        id: agent.id.clone(),
        username: agent.username.clone(),
        ts: livechat_types::Timestamp(now),
    };
    let taken = livechat_types::webhook::RoomEventKind::Taken { served_by };
    crate::outbox::hooks::room_event_as_stored(conn, crate::outbox::Event::Taken, &room.id, taken)?;
    Ok(Some(Routed { room_id: room.id.clone(), agent, joined_id: joined.id }))
}

/// A room put back into the queue: its id and the `ul` message stored in it.
pub struct Requeued {
    /// The room.
    pub room_id: String,
    /// The `ul` (agent left) message.
    pub left_id: String,
}

/// Puts the open rooms `agent` serves back into the queue, each with a `ul` message (the
/// agent was removed or lost its role). Locks those rooms, in id order: call it first in a
/// write of its own ([`Key::Many`]), before anything of the agent's.
pub fn requeue_all(conn: &mut DbConn, agent: &UserRow, now: i64) -> db::Result<Vec<Requeued>> {
    let mut requeued = Vec::new();
    for room_id in db::rooms::unassign_all(conn, &agent.id, now)? {
        let left = NewMessage {
            author: Author::System {
                kind: "ul",
                by: (agent.id.clone(), agent.username.clone(), agent.name.clone()),
                data: None,
            },
            rid: room_id.clone(),
            id: None,
            text: agent.username.clone(),
            now,
            max_chars: usize::MAX,
        };
        let left = db::messages::store(conn, &left)?.map_err(|refusal| {
            anyhow::format_err!("the leave message of a locked room was refused: {refusal:?}")
        })?;
        let queued = livechat_types::webhook::RoomEventKind::Queued;
        crate::outbox::hooks::room_event_as_stored(
            conn,
            crate::outbox::Event::Queued,
            &room_id,
            queued,
        )?;
        requeued.push(Requeued { room_id, left_id: left.id });
    }
    Ok(requeued)
}

/// What routing one queued room came to.
pub enum Queued {
    /// It got an agent (boxed: it is by far the largest).
    Routed(Box<Routed>),
    /// Nobody is available: it stays in the queue.
    NobodyAvailable,
    /// It is no longer waiting (closed, or served meanwhile).
    Gone,
}

/// Routes queued room `room_id` if it still waits (see [`route`] for `max_chats`). Locks
/// that room (key [`Key::Room`]).
pub fn route_queued(
    conn: &mut DbConn,
    room_id: &str,
    now: i64,
    max_chats: i64,
) -> db::Result<Queued> {
    let Some(room) = db::rooms::lock(conn, room_id)? else { return Ok(Queued::Gone) };
    if !room.open || room.served_by_id.is_some() {
        return Ok(Queued::Gone);
    }
    Ok(match route(conn, &room, now, max_chats)? {
        Some(routed) => Queued::Routed(Box::new(routed)),
        None => Queued::NobodyAvailable,
    })
}

/// How many queued rooms one drain looks at.
const DRAIN_BATCH: i64 = 500;

/// Routes queued rooms, oldest first, one write each, while agents are available (below
/// `max_chats` open rooms, when above 0). Returns the assignments.
pub async fn drain_queue(db: &Database, max_chats: i64) -> db::Result<Vec<Routed>> {
    let queued = db.read(|conn| db::rooms::queued(conn, DRAIN_BATCH)).await?;
    let mut routed = Vec::new();
    let mut unstaffed = Unstaffed::default();
    for room in queued {
        if unstaffed.skips(&room) {
            continue;
        }
        let (room_id, department) = (room.id.clone(), room.department_id.clone());
        let routing = move |conn: &mut DbConn| route_queued(conn, &room_id, now(), max_chats);
        match db.write(Key::Room(room.id), routing).await? {
            Queued::Routed(assignment) => routed.push(*assignment),
            Queued::NobodyAvailable if unstaffed.found(department) => break,
            Queued::NobodyAvailable | Queued::Gone => {}
        }
    }
    Ok(routed)
}

/// The queues a drain found nobody for: their later rooms are skipped. Nobody for a room
/// without a department means nobody available at all, which ends the drain.
#[derive(Default)]
struct Unstaffed(std::collections::HashSet<String>);

impl Unstaffed {
    fn skips(&self, room: &RoomRow) -> bool {
        room.department_id.as_ref().is_some_and(|department| self.0.contains(department))
    }

    /// Records that `department`'s queue has nobody; true when the drain should end.
    fn found(&mut self, department: Option<String>) -> bool {
        match department {
            Some(department) => {
                self.0.insert(department);
                false
            }
            None => true,
        }
    }
}

/// [`drain_queue`] on a connection of its own (the command line): one transaction per room,
/// with the stored `Livechat_maximum_chats_per_agent`.
pub fn drain_queue_on(conn: &mut DbConn) -> db::Result<Vec<Routed>> {
    use diesel::Connection as _;
    let max_chats = crate::settings::Values::from_rows(&db::settings::all(conn)?).max_chats();
    let mut routed = Vec::new();
    let mut unstaffed = Unstaffed::default();
    for room in db::rooms::queued(conn, DRAIN_BATCH)? {
        if unstaffed.skips(&room) {
            continue;
        }
        match conn.transaction(|conn| route_queued(conn, &room.id, now(), max_chats))? {
            Queued::Routed(assignment) => routed.push(*assignment),
            Queued::NobodyAvailable if unstaffed.found(room.department_id.clone()) => break,
            Queued::NobodyAvailable | Queued::Gone => {}
        }
    }
    Ok(routed)
}

fn now() -> i64 {
    livechat_types::Timestamp::now().as_millis()
}
