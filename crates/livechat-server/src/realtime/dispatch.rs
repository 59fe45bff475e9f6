//! The dispatcher: turns notifications (ids) into DDP frames and hands them to the hub.
//!
//! It runs on a thread of its own and handles notifications in order, so a room's events
//! reach its sockets in the order they were announced. Each event costs at most one read
//! per instance, and none when nobody on this instance listens to the room.

use std::sync::Arc;

use diesel::prelude::*;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use livechat_types::inquiry::InquiryEvent;

use super::hub::{Frame, Hub, Topic};
use super::{ddp, Notification};
use crate::db::canned_responses::Audience;
use crate::db::models::RoomRow;
use crate::db::schema::rooms;
use crate::db::{self, DbManager, DbPool};
use crate::settings::Settings;

/// How many notifications are handled with one pooled connection.
const BATCH: usize = 256;
/// How many visitors of one queue hear their place when it changes (the rest hear it when
/// they move up).
const SPOTS: i64 = 1000;

type PooledConn = r2d2::PooledConnection<DbManager>;

/// Starts the dispatcher thread. It stops when every sender of `queue` is gone.
pub(super) fn start(
    hub: Arc<Hub>,
    pool: DbPool,
    queue: mpsc::Receiver<Notification>,
    instance: String,
    token_lifetime_ms: i64,
    settings: Arc<Settings>,
    permissions: Arc<crate::permissions::Cache>,
) {
    let dispatcher = Dispatcher { hub, pool, instance, token_lifetime_ms, settings, permissions };
    let spawned = std::thread::Builder::new()
        .name("realtime-dispatch".into())
        .spawn(move || dispatcher.run(queue));
    if let Err(err) = spawned {
        tracing::error!(error = %err, "cannot start the realtime dispatcher");
    }
}

struct Dispatcher {
    hub: Arc<Hub>,
    pool: DbPool,
    instance: String,
    /// How long an auth token is valid (logins are read again with it).
    token_lifetime_ms: i64,
    /// The settings, which decide what visitors see of their agent.
    settings: Arc<Settings>,
    /// The instance's cached grants, dropped when permissions change.
    permissions: Arc<crate::permissions::Cache>,
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
                        let frame = topic.changed(json!([ddp::message(&row)]));
                        self.publish(conn, &topic, &frame, None);
                    }
                    // Deleted since, or not this room's: nothing to show.
                    Some(_) => {}
                    None => self.hub.kick_topic(&topic),
                }
            }
            Notification::Deleted { rid, id } => {
                let topic = Topic::notify(&rid, "deleteMessage");
                let frame = topic.changed(json!([{ "_id": id }]));
                self.publish(conn, &topic, &frame, None);
            }
            Notification::Typing { rid, username, typing, origin } => {
                let topic = Topic::notify(&rid, "typing");
                let skip = origin
                    .strip_prefix(self.instance.as_str())
                    .and_then(|rest| rest.strip_prefix(':'))
                    .and_then(|socket| socket.parse().ok());
                let frame = topic.changed(json!([username, typing]));
                self.publish(conn, &topic, &frame, skip);
            }
            Notification::AgentStatus { agent } => {
                let Some((status, rooms)) = self.read(conn, |conn| served_rooms(conn, &agent))
                else {
                    return;
                };
                let event = json!([{ "type": "agentStatus", "status": status }]);
                for room in rooms {
                    let topic = Topic::livechat(&room.id);
                    if self.hub.has_subscribers(&topic) {
                        let frame = topic.changed(event.clone());
                        self.hub.publish_to_viewers(&topic, &frame, None, Some(&room));
                    }
                }
            }
            Notification::Room { rid } => {
                let topics = Topic::all_of(&rid);
                let heard = topics.iter().any(|topic| self.hub.has_subscribers(topic));
                let queues = self.hub.queue_topics();
                let settings = &self.settings;
                match self.read(conn, |conn| room_event(conn, &rid, settings)) {
                    Some(Some((room, event))) => {
                        if heard {
                            // Whoever may no longer see the room stops hearing it, first.
                            self.hub.recheck_room(&room);
                            let topic = Topic::livechat(&rid);
                            if let Some(event) = event {
                                let frame = topic.changed(json!([event]));
                                self.hub.publish(&topic, &frame, None);
                            }
                        }
                        if !queues.is_empty() {
                            self.publish_inquiry(conn, &room, &queues);
                        }
                        if self.hub.tracks_served_rooms() {
                            let server = room.served_by_id.as_deref().filter(|_| room.open);
                            self.hub.publish_rooms_changed(&room.id, server);
                        }
                        // It joined or left its queue, or changed in it: the places there.
                        self.publish_spots(conn, room.department_id.as_deref());
                    }
                    Some(None) => {
                        let frame = json!([{ "_id": rid, "rid": rid, "type": "removed" }]);
                        for topic in &queues {
                            self.hub.publish(topic, &topic.changed(frame.clone()), None);
                        }
                        self.hub.publish_rooms_changed(&rid, None);
                    }
                    None => {
                        for topic in topics.iter().chain(&queues) {
                            self.hub.kick_topic(topic);
                        }
                        self.hub.kick_rooms_changed();
                    }
                }
            }
            Notification::Queue { department } => self.publish_spots(conn, department.as_deref()),
            Notification::CannedResponse { id, user, department, removed } => {
                let topic = Topic::canned_responses();
                if !self.hub.has_subscribers(&topic) {
                    return;
                }
                let audience = Audience { user_id: user, department_id: department };
                match self.read(conn, |conn| canned_event(conn, &id, &audience, removed)) {
                    Some(Some((event, members))) => {
                        let frame = topic.changed(json!([event]));
                        self.hub.publish_to_users(&topic, &frame, |user| {
                            audience.includes(user, |_| members.contains(&user.id))
                        });
                    }
                    // Removed since: its own event follows.
                    Some(None) => {}
                    None => self.hub.kick_topic(&topic),
                }
            }
            Notification::Permissions => self.permissions.invalidate(),
            Notification::User { user } => {
                sweep(&self.hub, &self.pool, self.token_lifetime_ms, Some(&user));
            }
            Notification::Settings { .. } => self.settings.forget(),
        }
    }

    /// Publishes `frame` to the subscribers of `topic` who may see its room now; reads the
    /// room only when a subscription was granted through a login (a visitor's own room
    /// stays its own). Kicks the topic's sockets when the read fails.
    fn publish(
        &self,
        conn: &mut Option<PooledConn>,
        topic: &Topic,
        frame: &Frame,
        skip: Option<u64>,
    ) {
        if !self.hub.needs_room(topic) {
            self.hub.publish(topic, frame, skip);
            return;
        }
        match self.read(conn, |conn| db::rooms::find(conn, topic.room())) {
            Some(Some(room)) => {
                self.hub.publish_to_viewers(topic, frame, skip, Some(&room));
            }
            Some(None) => {}
            None => self.hub.kick_topic(topic),
        }
    }

    /// Tells the queue observers where `room` stands: `added` to the queue it waits in,
    /// `removed` (only its ids) from every other queue.
    fn publish_inquiry(&self, conn: &mut Option<PooledConn>, room: &RoomRow, queues: &[Topic]) {
        let waiting = room.open && room.served_by_id.is_none();
        let home = Topic::queue(room.department_id.as_deref());
        let added = if waiting && queues.contains(&home) {
            let read = self.read(conn, |conn| {
                let Some(visitor) = db::visitors::find(conn, &room.visitor_id)? else {
                    return Ok(None);
                };
                let message = db::rooms::first_visitor_message(conn, &room.id)?.unwrap_or_default();
                Ok(Some(crate::queue::inquiry(room, &visitor, message)))
            });
            read.flatten()
        } else {
            None
        };
        let removed = json!([{ "_id": room.id, "rid": room.id, "type": "removed" }]);
        for topic in queues {
            match &added {
                Some(inquiry) if *topic == home => {
                    let event = InquiryEvent { inquiry: inquiry.clone(), kind: "added".into() };
                    let frame = topic.changed(json!([event]));
                    self.hub.publish_to_queue(topic, &frame);
                }
                _ => {
                    self.hub.publish(topic, &topic.changed(removed.clone()), None);
                }
            }
        }
    }

    /// Tells the visitors waiting in the queue of `department` their places (`queueData`),
    /// those whose room someone listens to on this instance.
    fn publish_spots(&self, conn: &mut Option<PooledConn>, department: Option<&str>) {
        let Some(waiting) = self.read(conn, |conn| db::rooms::queue_ids(conn, department, SPOTS))
        else {
            return;
        };
        for (index, rid) in waiting.iter().enumerate() {
            let topic = Topic::livechat(rid);
            if self.hub.has_subscribers(&topic) {
                let event = json!([{ "type": "queueData", "data": { "spot": index + 1 } }]);
                self.hub.publish(&topic, &topic.changed(event), None);
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

/// Room `rid` and its `stream-livechat-room` event: `agentData` when an agent serves it,
/// `agentData` without data when it waits in a queue again.
fn room_event(
    conn: &mut db::DbConn,
    rid: &str,
    settings: &Settings,
) -> db::Result<Option<(RoomRow, Option<Value>)>> {
    let Some(room) = db::rooms::find(conn, rid)? else { return Ok(None) };
    let Some(agent_id) = room.served_by_id.clone() else {
        let event = room.open.then(|| json!({ "type": "agentData" }));
        return Ok(Some((room, event)));
    };
    let agent = db::users::find(conn, &agent_id)?;
    let view = settings.load(conn)?.agent_view();
    let event = agent.map(|agent| json!({ "type": "agentData", "data": ddp::agent(&agent, view) }));
    Ok(Some((room, event)))
}

/// The `stream-canned-responses` event of canned response `id` (`None` when it was saved but
/// is gone since), and the members of its department, who may see it.
fn canned_event(
    conn: &mut db::DbConn,
    id: &str,
    audience: &Audience,
    removed: bool,
) -> db::Result<Option<(Value, Vec<String>)>> {
    let members = match (&audience.user_id, &audience.department_id) {
        (None, Some(department)) => db::canned_responses::department_members(conn, department)?,
        _ => Vec::new(),
    };
    if removed {
        return Ok(Some((json!({ "type": "removed", "_id": id }), members)));
    }
    let Some(row) = db::canned_responses::find(conn, id)? else { return Ok(None) };
    let mut event = serde_json::to_value(row.to_wire()).unwrap_or_default();
    if let Value::Object(fields) = &mut event {
        fields.insert("type".into(), Value::from("changed"));
        fields.insert("_createdAt".into(), ddp::date(row.created_at));
        fields.insert("_updatedAt".into(), ddp::date(row.updated_at));
    }
    Ok(Some((event, members)))
}

/// Agent `agent_id`'s status as visitors see it, and the open rooms it serves.
fn served_rooms(conn: &mut db::DbConn, agent_id: &str) -> db::Result<(Value, Vec<RoomRow>)> {
    let Some(agent) = db::users::find(conn, agent_id)? else { return Ok((Value::Null, vec![])) };
    let status = Value::from(agent.presence());
    let rooms = rooms::table
        .filter(rooms::served_by_id.eq(agent_id))
        .filter(rooms::open.eq(true))
        .select(RoomRow::as_select())
        .load(conn)?;
    Ok((status, rooms))
}

/// How often every login of this instance is read again (a token revoked, a user removed or
/// changed by another process, such as `livechat-server user remove`).
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Starts the thread that reads every login again each [`SWEEP_EVERY`]. It stops with the
/// hub.
pub(super) fn start_sweeper(hub: std::sync::Weak<Hub>, pool: DbPool, token_lifetime_ms: i64) {
    let spawned = std::thread::Builder::new().name("realtime-sweep".into()).spawn(move || loop {
        std::thread::sleep(SWEEP_EVERY);
        let Some(hub) = hub.upgrade() else { break };
        sweep(&hub, &pool, token_lifetime_ms, None);
    });
    if let Err(err) = spawned {
        tracing::error!(error = %err, "cannot start the realtime login sweeper");
    }
}

/// Reads the logins of this instance again (only `of_user`'s, if given): a socket whose
/// token no longer exists or has expired (tokens live `token_lifetime_ms`) is logged out, and one whose user changed stops hearing the
/// rooms it may no longer see. Each subscription it loses ends with `nosub`.
pub(super) fn sweep(hub: &Hub, pool: &DbPool, token_lifetime_ms: i64, of_user: Option<&str>) {
    let logins = hub.logins(of_user);
    if logins.is_empty() {
        return;
    }
    let mut hashes: Vec<String> = logins.iter().map(|(_, hash, _)| hash.clone()).collect();
    hashes.sort();
    hashes.dedup();
    let read = pool.get().map_err(db::Error::from).and_then(|mut conn| {
        let now = livechat_types::Timestamp::now().as_millis();
        let not_before = now.saturating_sub(token_lifetime_ms);
        let valid = db::users::find_by_tokens(&mut conn, &hashes, not_before)?;
        let mut users: Vec<String> = valid.iter().map(|(_, user)| user.id.clone()).collect();
        users.sort();
        users.dedup();
        let memberships = db::departments::of_users(&mut conn, &users)?;
        let mut changed = Vec::new();
        for (socket, hash, user_id) in &logins {
            let user = valid
                .iter()
                .find(|(valid_hash, user)| valid_hash == hash && user.id == *user_id)
                .map(|(_, user)| {
                    let departments: Vec<String> = memberships
                        .iter()
                        .filter(|(member, _)| *member == user.id)
                        .map(|(_, department)| department.clone())
                        .collect();
                    (user.clone(), departments)
                });
            let rooms = match &user {
                Some((user, departments)) if !hub.login_changed(*socket, user, departments) => {
                    hub.keep_login(*socket, user.clone());
                    continue;
                }
                Some(_) => {
                    let ids = hub.rooms_of_login(*socket);
                    db::rooms::find_all(&mut conn, &ids)?
                }
                None => Vec::new(),
            };
            changed.push((*socket, user, rooms));
        }
        Ok(changed)
    });
    match read {
        Ok(changed) => {
            for (socket, user, rooms) in changed {
                hub.refresh_login(socket, user, &rooms);
            }
        }
        Err(err) => tracing::warn!(error = %err, "realtime login sweep failed"),
    }
}
