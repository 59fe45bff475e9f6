//! Routing (SPEC section 7): a new room goes to the available agent serving the fewest open
//! rooms (ties: idle longest); with nobody available it waits in the queue, which is
//! drained oldest first when an agent becomes available.

use crate::db::models::{MessageRow, RoomRow};
use crate::db::users::UserRow;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::ids::random_id;

/// A room that just got an agent.
pub struct Routed {
    /// The room.
    pub room_id: String,
    /// Its agent.
    pub agent: UserRow,
    /// The id of the `uj` message stored for it (announced on the realtime streams).
    pub joined_id: String,
}

/// Gives `room` to the least busy available agent and stores a `uj` message. Returns the
/// assignment, or `None` when nobody is available (or another instance served the room first).
pub fn route(conn: &mut DbConn, room: &mut RoomRow, now: i64) -> Result<Option<Routed>, ApiError> {
    if room.served_by_id.is_some() || !room.open {
        return Ok(None);
    }
    let Some(agent) = db::users::least_busy_available(conn)? else { return Ok(None) };
    if !db::rooms::assign(conn, &room.id, &agent.id, &agent.username, now)? {
        return Ok(None);
    }
    db::users::touch_assigned(conn, &agent.id, now)?;
    let ts = db::rooms::next_ts(room, now);
    let mut joined =
        MessageRow::from_agent(random_id(), &room.id, &agent, agent.username.clone(), ts);
    joined.kind = Some("uj".to_owned());
    db::messages::insert(conn, &joined)?;
    db::rooms::record_message(conn, &room.id, ts, false)?;
    room.served_by_id = Some(agent.id.clone());
    room.served_by_username = Some(agent.username.clone());
    room.served_at = Some(now);
    room.last_ts = ts;
    room.last_message_at = Some(ts);
    room.updated_at = ts;
    Ok(Some(Routed { room_id: room.id.clone(), agent, joined_id: joined.id }))
}

/// Routes queued rooms, oldest first, while agents are available. Returns the assignments.
pub fn drain_queue(conn: &mut DbConn, now: i64) -> Result<Vec<Routed>, ApiError> {
    let mut routed = Vec::new();
    for queued in db::rooms::queued(conn, 500)? {
        let Some(mut room) = db::rooms::lock(conn, &queued.id)? else { continue };
        match route(conn, &mut room, now)? {
            Some(assignment) => routed.push(assignment),
            None if room.served_by_id.is_none() => break,
            None => {}
        }
    }
    Ok(routed)
}

/// Whether an agent may read and post in `room`: admins always, agents in rooms they serve.
pub fn may_act_in(agent: &UserRow, room: &RoomRow) -> bool {
    agent.is_admin() || room.served_by_id.as_deref() == Some(agent.id.as_str())
}
