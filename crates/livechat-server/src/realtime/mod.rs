//! Realtime delivery (SPEC section 8): Meteor DDP over WebSocket at `/websocket`.
//!
//! Handlers announce what changed, by id only, after their write committed
//! ([`Realtime::message_changed`] and friends). On SQLite the announcement goes straight to
//! this instance's dispatcher. On PostgreSQL it goes out with `pg_notify` and comes back
//! through the `LISTEN` connection of every instance, the sender's included, so each
//! instance sees each event exactly once, whichever instance caused it. The dispatcher reads
//! the message once per event (not once per socket), builds the DDP frame once and hands it
//! to the [`hub::Hub`], which queues it for the sockets subscribed to that room.
//!
//! Nothing here ever blocks a request: announcing is a `try_send` into a bounded queue.

mod ddp;
mod dispatch;
mod frames;
pub mod hub;
mod methods;
mod pg;
mod session;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

pub use pg::notify_in_transaction;
pub use session::websocket;

use crate::db::canned_responses::Audience;
use crate::db::{Backend, DbManager, DbPool};
use crate::routing;
use crate::settings::Settings;
use hub::Hub;

/// How many frames a socket may have waiting before it counts as fallen behind.
const SOCKET_BUFFER: usize = 256;
/// How many announcements may wait for the dispatcher (or the PostgreSQL notifier).
const QUEUE_DEPTH: usize = 16 * 1024;

/// What changed, as announced by handlers and carried by PostgreSQL notifications (ids only:
/// a `NOTIFY` payload must stay under 8000 bytes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Notification {
    /// Message `id` of room `rid` was stored or edited.
    Message {
        /// The room.
        rid: String,
        /// The message.
        id: String,
    },
    /// Message `id` of room `rid` was deleted.
    Deleted {
        /// The room.
        rid: String,
        /// The message.
        id: String,
    },
    /// Room `rid` changed (an agent was assigned, it was closed).
    Room {
        /// The room.
        rid: String,
    },
    /// Agent `agent` changed its availability (`agentStatus` in the rooms it serves).
    AgentStatus {
        /// The agent's user id.
        agent: String,
    },
    /// User `user` logged out, lost a token, a role or its account: its logins on every
    /// instance are read again.
    User {
        /// The user's id.
        user: String,
    },
    /// Setting `id` changed: every instance drops its cached settings. Sent by the write
    /// that stores the setting ([`notify_in_transaction`]), so it cannot be lost between the
    /// commit and the announcement.
    Settings {
        /// The setting.
        id: String,
    },
    /// Permissions changed: every instance drops its cached grants.
    Permissions,
    /// The queue of `department` (`None`: the general queue) changed: its waiting visitors
    /// hear their new places (`queueData`).
    Queue {
        /// The department.
        department: Option<String>,
    },
    /// Canned response `id` was saved (or `removed`); `user` and `department` say who may
    /// see it (see [`crate::db::canned_responses::Audience`]).
    CannedResponse {
        /// The canned response.
        id: String,
        /// Its owner (`user` scope).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<String>,
        /// Its department (`department` scope).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        department: Option<String>,
        /// Whether it was removed.
        removed: bool,
    },
    /// Someone in room `rid` started or stopped typing.
    Typing {
        /// The room.
        rid: String,
        /// Who types.
        username: String,
        /// Typing or not.
        typing: bool,
        /// The socket it came from (`<instance>:<socket>`), which does not get it back.
        origin: String,
    },
}

/// The realtime service of one server instance.
pub struct Realtime {
    hub: Arc<Hub>,
    /// Where announcements go: the dispatcher (SQLite) or the notifier (PostgreSQL).
    outlet: mpsc::Sender<Notification>,
    /// This instance's id, to recognise its own sockets in notifications.
    instance: String,
    /// Tells the PostgreSQL listener to stop when the server goes away.
    stop: Arc<AtomicBool>,
}

impl Realtime {
    /// Starts the dispatcher and, on PostgreSQL, the notifier and the listener. `pool`
    /// serves the dispatcher's reads; `settings` and `permissions` are the caches it drops
    /// when a setting or a grant changes.
    pub fn start(
        config: &crate::Config,
        pool: DbPool,
        settings: Arc<Settings>,
        permissions: Arc<crate::permissions::Cache>,
    ) -> Self {
        let (backend, timeout) = (config.backend(), config.db_timeout());
        let hub = Arc::new(Hub::new(SOCKET_BUFFER));
        let instance = crate::ids::random_id();
        let stop = Arc::new(AtomicBool::new(false));
        let (dispatch, queue) = mpsc::channel(QUEUE_DEPTH);
        let lifetime = config.token_lifetime_ms();
        dispatch::start_sweeper(Arc::downgrade(&hub), pool.clone(), lifetime);
        dispatch::start(
            hub.clone(),
            pool,
            queue,
            instance.clone(),
            lifetime,
            settings,
            permissions,
        );
        let outlet = match &backend {
            Backend::Sqlite(_) => dispatch,
            Backend::Postgres(_) => {
                let manager = DbManager::new(backend.clone(), timeout);
                pg::start_listener(manager.clone(), dispatch, hub.clone(), stop.clone());
                pg::start_notifier(manager, QUEUE_DEPTH)
            }
        };
        Self { hub, outlet, instance, stop }
    }

    /// Message `id` of room `rid` was stored or edited. Call after the write returned Ok.
    pub fn message_changed(&self, rid: &str, id: &str) {
        self.announce(Notification::Message { rid: rid.to_owned(), id: id.to_owned() });
    }

    /// Message `id` of room `rid` was deleted. Call after the write returned Ok.
    pub fn message_deleted(&self, rid: &str, id: &str) {
        self.announce(Notification::Deleted { rid: rid.to_owned(), id: id.to_owned() });
    }

    /// Room `rid` changed (its agent, its state). Call after the write returned Ok.
    pub fn room_changed(&self, rid: &str) {
        self.announce(Notification::Room { rid: rid.to_owned() });
    }

    /// Agent `agent_id` changed its availability. Call after the write returned Ok.
    pub fn agent_status_changed(&self, agent_id: &str) {
        self.announce(Notification::AgentStatus { agent: agent_id.to_owned() });
    }

    /// User `user_id`'s logins changed (logout, a revoked token, a removed role or
    /// account). Call after the write returned Ok.
    pub fn user_changed(&self, user_id: &str) {
        self.announce(Notification::User { user: user_id.to_owned() });
    }

    /// Permissions changed. Call after the write returned Ok (and after dropping this
    /// instance's cache, which need not wait for the notification).
    pub fn permissions_changed(&self) {
        self.announce(Notification::Permissions);
    }

    /// The queue of `department` (`None`: the general queue) changed beyond the rooms
    /// announced with [`Realtime::room_changed`] (a room left it for another queue).
    pub fn queue_changed(&self, department: Option<&str>) {
        self.announce(Notification::Queue { department: department.map(str::to_owned) });
    }

    /// Canned response `id`, seen by `audience`, was saved. Call after the write returned Ok.
    pub fn canned_response_changed(&self, id: &str, audience: &Audience) {
        self.canned_response(id, audience, false);
    }

    /// Canned response `id`, seen by `audience`, was removed. Call after the write returned
    /// Ok.
    pub fn canned_response_removed(&self, id: &str, audience: &Audience) {
        self.canned_response(id, audience, true);
    }

    fn canned_response(&self, id: &str, audience: &Audience, removed: bool) {
        self.announce(Notification::CannedResponse {
            id: id.to_owned(),
            user: audience.user_id.clone(),
            department: audience.department_id.clone(),
            removed,
        });
    }

    /// A room got an agent (see [`routing::Routed`]): `agentData` and its `uj` message.
    pub fn room_routed(&self, routed: &routing::Routed) {
        self.room_changed(&routed.room_id);
        self.message_changed(&routed.room_id, &routed.joined_id);
    }

    /// `username` started or stopped typing in room `rid`, from socket `socket`.
    fn typing(&self, rid: &str, username: &str, typing: bool, socket: u64) {
        let origin = format!("{}:{socket}", self.instance);
        let (rid, username) = (rid.to_owned(), username.to_owned());
        self.announce(Notification::Typing { rid, username, typing, origin });
    }

    fn announce(&self, notification: Notification) {
        match self.outlet.try_send(notification) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Dropping an event silently would leave clients behind without knowing it;
                // closing their sockets makes them reconnect and catch up with the history.
                tracing::warn!("realtime queue full; closing every socket of this instance");
                self.hub.kick_all();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::warn!("realtime dispatcher stopped; event dropped");
            }
        }
    }

    /// The hub of this instance's sockets.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The hub, shared: for whoever must reach the sockets after handing the state over
    /// (the stop signal tells them to go away).
    pub fn shared_hub(&self) -> Arc<Hub> {
        self.hub.clone()
    }
}

impl Drop for Realtime {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_small_tagged_json() {
        let notification = Notification::Message { rid: "r1".into(), id: "m1".into() };
        let text = serde_json::to_string(&notification).expect("json");
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value, serde_json::json!({"kind": "message", "rid": "r1", "id": "m1"}));
        assert_eq!(serde_json::from_str::<Notification>(&text).ok(), Some(notification));
        let changed = Notification::Settings { id: "Livechat_enabled".into() };
        let value = serde_json::to_value(&changed).expect("json");
        assert_eq!(value, serde_json::json!({"kind": "settings", "id": "Livechat_enabled"}));
        let text = serde_json::to_string(&Notification::Permissions).expect("json");
        assert_eq!(text, r#"{"kind":"permissions"}"#);
        let canned = Notification::CannedResponse {
            id: "c1".into(),
            user: None,
            department: None,
            removed: true,
        };
        let value = serde_json::to_value(&canned).expect("json");
        assert_eq!(
            value,
            serde_json::json!({"kind": "cannedResponse", "id": "c1", "removed": true})
        );
    }
}
