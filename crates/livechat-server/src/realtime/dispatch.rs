//! The dispatcher: turns notifications (ids) into DDP frames and hands them to the hub.
//!
//! It runs on a thread of its own and handles notifications in order, so a room's events
//! reach its sockets in the order they were announced. Each event costs at most one read
//! per instance, and none when nobody on this instance listens to the room.

use std::sync::Arc;

use diesel::prelude::*;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::hub::{Hub, Topic};
use super::{ddp, Notification};
use crate::db::schema::rooms;
use crate::db::{self, DbManager, DbPool};

/// How many notifications are handled with one pooled connection.
const BATCH: usize = 256;

type PooledConn = r2d2::PooledConnection<DbManager>;

/// Starts the dispatcher thread. It stops when every sender of `queue` is gone.
pub(super) fn start(
    hub: Arc<Hub>,
    pool: DbPool,
    queue: mpsc::Receiver<Notification>,
    instance: String,
) {
    let spawned = std::thread::Builder::new()
        .name("realtime-dispatch".into())
        .spawn(move || Dispatcher { hub, pool, instance }.run(queue));
    if let Err(err) = spawned {
        tracing::error!(error = %err, "cannot start the realtime dispatcher");
    }
}

struct Dispatcher {
    hub: Arc<Hub>,
    pool: DbPool,
    instance: String,
}

impl Dispatcher {
    fn run(self, mut queue: mpsc::Receiver<Notification>) {
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(first) = queue.blocking_recv() {
            batch.push(first);
            while batch.len() < BATCH {
                match queue.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            // One checkout for the batch, taken only if some event needs a read.
            let mut conn = None;
            for notification in batch.drain(..) {
                self.deliver(notification, &mut conn);
            }
        }
    }

    fn deliver(&self, notification: Notification, conn: &mut Option<PooledConn>) {
        match notification {
            Notification::Message { rid, id } => {
                let topic = Topic::messages(&rid);
                if !self.hub.has_subscribers(&topic) {
                    return;
                }
                let read = self.read(conn, |conn| db::messages::find(conn, &id));
                match read {
                    Some(Some(row)) if !row.deleted && row.rid == rid => {
                        self.hub.publish(
                            &topic,
                            &ddp::changed(&topic, json!([ddp::message(&row)])),
                            None,
                        );
                    }
                    // Deleted since, or not this room's: nothing to show.
                    Some(_) => {}
                    None => self.hub.kick_topic(&topic),
                }
            }
            Notification::Deleted { rid, id } => {
                let topic = Topic::notify(&rid, "deleteMessage");
                self.hub.publish(&topic, &ddp::changed(&topic, json!([{ "_id": id }])), None);
            }
            Notification::Typing { rid, username, typing, origin } => {
                let topic = Topic::notify(&rid, "typing");
                let skip = origin
                    .strip_prefix(self.instance.as_str())
                    .and_then(|rest| rest.strip_prefix(':'))
                    .and_then(|socket| socket.parse().ok());
                self.hub.publish(&topic, &ddp::changed(&topic, json!([username, typing])), skip);
            }
            Notification::AgentStatus { agent } => {
                let Some((status, rooms)) = self.read(conn, |conn| served_rooms(conn, &agent))
                else {
                    return;
                };
                let event = json!([{ "type": "agentStatus", "status": status }]);
                for rid in rooms {
                    let topic = Topic::livechat(&rid);
                    if self.hub.has_subscribers(&topic) {
                        self.hub.publish(&topic, &ddp::changed(&topic, event.clone()), None);
                    }
                }
            }
            Notification::Room { rid } => {
                let topic = Topic::livechat(&rid);
                if !self.hub.has_subscribers(&topic) {
                    return;
                }
                match self.read(conn, |conn| room_event(conn, &rid)) {
                    Some(Some(event)) => {
                        self.hub.publish(&topic, &ddp::changed(&topic, json!([event])), None);
                    }
                    Some(None) => {}
                    None => self.hub.kick_topic(&topic),
                }
            }
        }
    }

    /// Runs `read` on the batch's connection; `None` when the database failed (the
    /// connection is then given back, and the next read checks out a fresh one).
    fn read<T>(
        &self,
        conn: &mut Option<PooledConn>,
        read: impl FnOnce(&mut db::DbConn) -> db::Result<T>,
    ) -> Option<T> {
        if conn.is_none() {
            match self.pool.get() {
                Ok(fresh) => *conn = Some(fresh),
                Err(err) => {
                    tracing::warn!(error = %err, "realtime dispatcher cannot read the database");
                    return None;
                }
            }
        }
        let checked_out = conn.as_mut()?;
        match read(checked_out) {
            Ok(value) => Some(value),
            Err(err) => {
                tracing::warn!(error = %err, "realtime dispatcher read failed");
                *conn = None;
                None
            }
        }
    }
}

/// The `stream-livechat-room` event for room `rid`: `agentData` when an agent serves it.
fn room_event(conn: &mut db::DbConn, rid: &str) -> db::Result<Option<Value>> {
    let Some(room) = db::rooms::find(conn, rid)? else { return Ok(None) };
    let Some(agent_id) = room.served_by_id else { return Ok(None) };
    let agent = db::users::find(conn, &agent_id)?;
    Ok(agent.map(|agent| json!({ "type": "agentData", "data": ddp::agent(&agent) })))
}

/// Agent `agent_id`'s status as visitors see it, and the open rooms it serves.
fn served_rooms(conn: &mut db::DbConn, agent_id: &str) -> db::Result<(Value, Vec<String>)> {
    let Some(agent) = db::users::find(conn, agent_id)? else { return Ok((Value::Null, vec![])) };
    let status = ddp::agent(&agent)["status"].clone();
    let rooms = rooms::table
        .filter(rooms::served_by_id.eq(agent_id))
        .filter(rooms::open.eq(true))
        .select(rooms::id)
        .load(conn)?;
    Ok((status, rooms))
}
