//! The hub: in-process pub/sub from the dispatcher to the sockets of this instance.
//!
//! It also holds who each socket is: the agent logged in on it (if any) and, for every
//! subscription, through whom it was granted (a visitor's token, or that login), and the
//! rooms its user's `rooms-changed` subscription was told it serves ([`served`]). Access is
//! decided again whenever an event is delivered ([`Hub::publish_to_viewers`]) and whenever
//! a room or a login changes: a subscription whose viewer may no longer see its room ends
//! with `nosub` before any later event of that room.
//!
//! Every socket has a bounded outbox. Publishing never waits: a socket whose outbox is full
//! has fallen behind (or stopped reading), so it loses its subscriptions and is told to close
//! ("kicked"); its client reconnects and catches up with `messages.history`. One slow socket
//! therefore costs the others nothing.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::json;
use tokio::sync::{mpsc, Notify};

use crate::db::models::RoomRow;
use crate::db::users::UserRow;

pub use super::ddp::Frame;

mod served;

/// The DDP streams this server publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    /// `stream-room-messages`: new and edited messages; the event name is the room id.
    RoomMessages,
    /// `stream-notify-room`: `<rid>/typing`, `<rid>/deleteMessage`.
    NotifyRoom,
    /// `stream-livechat-room`: `agentData` and other room changes; the event name is the rid.
    LivechatRoom,
    /// `stream-livechat-inquiry-queue-observer`: the queue, for agents; the event name is
    /// `public` (the general queue) or `department/<id>`.
    InquiryQueue,
    /// `stream-canned-responses`: event `canned-responses`, for logged-in users, each
    /// getting only the canned responses it may see ([`Hub::publish_to_users`]).
    CannedResponses,
    /// `stream-notify-user`: event `<uid>/rooms-changed`, for that user alone: the open
    /// rooms it comes to serve or stops serving ([`Hub::publish_rooms_changed`]).
    NotifyUser,
}

impl Stream {
    /// The stream's DDP name.
    pub fn name(self) -> &'static str {
        match self {
            Self::RoomMessages => "stream-room-messages",
            Self::NotifyRoom => "stream-notify-room",
            Self::LivechatRoom => "stream-livechat-room",
            Self::InquiryQueue => "stream-livechat-inquiry-queue-observer",
            Self::CannedResponses => "stream-canned-responses",
            Self::NotifyUser => "stream-notify-user",
        }
    }

    /// The stream with this DDP name, if this server publishes it.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::RoomMessages,
            Self::NotifyRoom,
            Self::LivechatRoom,
            Self::InquiryQueue,
            Self::CannedResponses,
            Self::NotifyUser,
        ]
        .into_iter()
        .find(|stream| stream.name() == name)
    }
}

/// What a subscription listens to: a stream and an event name in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Topic {
    /// The stream.
    pub stream: Stream,
    /// The event name, e.g. a room id or `<rid>/typing`.
    pub event: String,
}

impl Topic {
    /// New and edited messages of room `rid`.
    pub fn messages(rid: &str) -> Self {
        Self { stream: Stream::RoomMessages, event: rid.to_owned() }
    }

    /// Event `<rid>/<name>` of `stream-notify-room`.
    pub fn notify(rid: &str, name: &str) -> Self {
        Self { stream: Stream::NotifyRoom, event: format!("{rid}/{name}") }
    }

    /// Changes of room `rid` on `stream-livechat-room`.
    pub fn livechat(rid: &str) -> Self {
        Self { stream: Stream::LivechatRoom, event: rid.to_owned() }
    }

    /// The queue of `department` (`None`: the general queue) on the inquiry-queue stream.
    pub fn queue(department: Option<&str>) -> Self {
        let event = department.map_or_else(|| "public".to_owned(), |id| format!("department/{id}"));
        Self { stream: Stream::InquiryQueue, event }
    }

    /// The department whose queue this topic is (`Some(None)`: the general queue); `None`
    /// when it is no queue topic.
    pub fn queue_department(&self) -> Option<Option<&str>> {
        if self.stream != Stream::InquiryQueue {
            return None;
        }
        match self.event.as_str() {
            "public" => Some(None),
            event => event.strip_prefix("department/").filter(|id| !id.is_empty()).map(Some),
        }
    }

    /// The one topic of `stream-canned-responses`.
    pub fn canned_responses() -> Self {
        Self { stream: Stream::CannedResponses, event: "canned-responses".to_owned() }
    }

    /// The rooms user `uid` comes to serve or stops serving, on `stream-notify-user`.
    pub fn rooms_changed(uid: &str) -> Self {
        Self { stream: Stream::NotifyUser, event: format!("{uid}/rooms-changed") }
    }

    /// The user this topic is about, for a `stream-notify-user` topic.
    pub fn user(&self) -> Option<&str> {
        match self.stream {
            Stream::NotifyUser => self.event.split_once('/').map(|(uid, _)| uid),
            _ => None,
        }
    }

    /// The DDP frame of an event on this topic.
    pub fn changed(&self, args: serde_json::Value) -> Frame {
        super::ddp::changed(self.stream.name(), &self.event, args)
    }

    /// The room this topic is about (`""` for the queue's, the canned responses' and the
    /// user's).
    pub fn room(&self) -> &str {
        match self.stream {
            Stream::NotifyRoom => self.event.split_once('/').map_or("", |(rid, _)| rid),
            Stream::RoomMessages | Stream::LivechatRoom => &self.event,
            Stream::InquiryQueue => "",
            Stream::CannedResponses | Stream::NotifyUser => "",
        }
    }

    /// Every topic of room `rid` a socket may subscribe to.
    pub fn all_of(rid: &str) -> [Self; 4] {
        [
            Self::messages(rid),
            Self::livechat(rid),
            Self::notify(rid, "typing"),
            Self::notify(rid, "deleteMessage"),
        ]
    }
}

/// Through whom a subscription was granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// The room's visitor, by its token: a room never changes visitor, so this lasts.
    Visitor,
    /// The agent logged in on the socket: lasts while that login does and
    /// [`UserRow::may_see`] the room.
    User,
}

/// An agent logged in on a socket.
#[derive(Clone, Debug)]
pub struct Login {
    /// The user, as last read.
    pub user: UserRow,
    /// The hash of the auth token it logged in with.
    pub token_hash: String,
    /// The departments the user belongs to, as last read (agents see their queues).
    pub departments: Vec<String>,
}

/// One subscription of a socket.
#[derive(Clone, Debug)]
struct Sub {
    topic: Topic,
    grant: Grant,
}

/// What a socket gets when it joins the hub.
pub struct Membership {
    /// The socket's id in the hub.
    pub id: u64,
    /// Frames published to the socket's subscriptions, in order.
    pub outbox: mpsc::Receiver<Frame>,
    /// Signalled when the socket fell behind and must close.
    pub kicked: Arc<Notify>,
}

struct Socket {
    outbox: mpsc::Sender<Frame>,
    kicked: Arc<Notify>,
    /// Subscription id → what it listens to and through whom.
    subs: HashMap<String, Sub>,
    /// The agent logged in on it.
    login: Option<Login>,
    /// The rooms its `rooms-changed` subscription knows as served, while it has one.
    served: Option<served::Served>,
}

#[derive(Default)]
struct Inner {
    sockets: HashMap<u64, Socket>,
    topics: HashMap<Topic, HashSet<u64>>,
}

impl Inner {
    /// Removes a socket and every subscription it had; returns it.
    fn remove(&mut self, id: u64) -> Option<Socket> {
        let socket = self.sockets.remove(&id)?;
        for sub in socket.subs.values() {
            if let Some(members) = self.topics.get_mut(&sub.topic) {
                members.remove(&id);
                if members.is_empty() {
                    self.topics.remove(&sub.topic);
                }
            }
        }
        Some(socket)
    }

    /// Ends subscription `sub` of socket `id`: drops it, and tells the client with `nosub`
    /// (`error` when the server ended it). A socket whose outbox is full is kicked instead.
    fn end(&mut self, id: u64, sub: &str, error: Option<serde_json::Value>) {
        let Some(socket) = self.sockets.get_mut(&id) else { return };
        let Some(ended) = socket.subs.remove(sub) else { return };
        let still_listening = socket.subs.values().any(|other| other.topic == ended.topic);
        if !still_listening && ended.topic.stream == Stream::NotifyUser {
            // A later subscription starts again from what the database says.
            socket.served = None;
        }
        if error.is_some() {
            let frame: Frame = Arc::from(super::ddp::nosub(&json!(sub), error).as_str());
            if socket.outbox.try_send(frame).is_err() {
                if let Some(socket) = self.remove(id) {
                    socket.kicked.notify_one();
                }
                return;
            }
        }
        if !still_listening {
            if let Some(members) = self.topics.get_mut(&ended.topic) {
                members.remove(&id);
                if members.is_empty() {
                    self.topics.remove(&ended.topic);
                }
            }
        }
    }

    /// Ends every subscription of socket `id` granted through its login that may no longer
    /// see `room`; all of them when `room` is `None`. Only subscriptions to `room`'s topics
    /// are looked at, unless `room` is `None`.
    fn revoke(&mut self, id: u64, room: Option<&RoomRow>) {
        let Some(socket) = self.sockets.get(&id) else { return };
        let login = socket.login.as_ref();
        let ended: Vec<String> = socket
            .subs
            .iter()
            .filter(|(_, sub)| sub.grant == Grant::User)
            .filter(|(_, sub)| match room {
                Some(room) => {
                    sub.topic.room() == room.id
                        && !login.is_some_and(|login| login.user.may_see(room, &login.departments))
                }
                None => true,
            })
            .map(|(name, _)| name.clone())
            .collect();
        for sub in ended {
            self.end(id, &sub, Some(revoked()));
        }
    }
}

impl Inner {
    /// Ends every queue subscription of socket `id` whose login may no longer see that
    /// queue (it left the department, lost its role, logged out).
    fn revoke_queues(&mut self, id: u64) {
        let Some(socket) = self.sockets.get(&id) else { return };
        let login = socket.login.as_ref();
        let ended: Vec<String> = socket
            .subs
            .iter()
            .filter_map(|(name, sub)| {
                let department = sub.topic.queue_department()?;
                let sees = login
                    .is_some_and(|login| login.user.sees_queue_of(department, &login.departments));
                (!sees).then(|| name.clone())
            })
            .collect();
        for sub in ended {
            self.end(id, &sub, Some(revoked()));
        }
    }
}

/// The error of a subscription the server ended: its viewer may no longer see the room.
fn revoked() -> serde_json::Value {
    super::ddp::error(json!("not-allowed"), "Not allowed")
}

/// The sockets of this instance and their subscriptions.
pub struct Hub {
    inner: Mutex<Inner>,
    next_id: AtomicU64,
    buffer: usize,
    /// Set when the server stops: every socket is told to go away, new ones at once.
    stopping: AtomicBool,
}

impl Hub {
    /// A hub whose sockets buffer at most `buffer` frames each.
    pub fn new(buffer: usize) -> Self {
        Self {
            inner: Mutex::default(),
            next_id: AtomicU64::new(1),
            buffer: buffer.max(1),
            stopping: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves the maps consistent, so a poisoned lock is usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a socket.
    pub fn join(&self) -> Membership {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (outbox, receiver) = mpsc::channel(self.buffer);
        let kicked = Arc::new(Notify::new());
        let socket = Socket {
            outbox,
            kicked: kicked.clone(),
            subs: HashMap::new(),
            login: None,
            served: None,
        };
        let mut inner = self.lock();
        // Read under the lock: a stop either finds this socket or is seen here.
        if self.going_away() {
            kicked.notify_one();
        } else {
            inner.sockets.insert(id, socket);
        }
        Membership { id, outbox: receiver, kicked }
    }

    /// Removes a socket (it closed).
    pub fn leave(&self, id: u64) {
        self.lock().remove(id);
    }

    /// Subscribes socket `id` to `topic` under subscription id `sub`, granted through
    /// `grant`. Returns false when the socket is no longer in the hub (it was kicked).
    pub fn subscribe(&self, id: u64, sub: &str, topic: Topic, grant: Grant) -> bool {
        let mut inner = self.lock();
        if !inner.sockets.contains_key(&id) {
            return false;
        }
        // Re-using a subscription id replaces the old subscription.
        inner.end(id, sub, None);
        let Some(socket) = inner.sockets.get_mut(&id) else { return false };
        if topic.stream == Stream::NotifyUser && socket.served.is_none() {
            socket.served = Some(served::Served::unseeded());
        }
        socket.subs.insert(sub.to_owned(), Sub { topic: topic.clone(), grant });
        inner.topics.entry(topic).or_default().insert(id);
        true
    }

    /// Ends subscription `sub` of socket `id` (the client unsubscribed).
    pub fn unsubscribe(&self, id: u64, sub: &str) {
        self.lock().end(id, sub, None);
    }

    /// Records the agent logged in on socket `id`. A login as another user ends the
    /// subscriptions to the previous user's own stream.
    pub fn log_in(&self, id: u64, login: Login) {
        let mut inner = self.lock();
        inner.revoke_user_streams(id, Some(&login.user.id));
        if let Some(socket) = inner.sockets.get_mut(&id) {
            socket.login = Some(login);
        }
    }

    /// Logs socket `id` out: every subscription granted through its login ends (queue
    /// subscriptions are granted through it too).
    pub fn log_out(&self, id: u64) {
        let mut inner = self.lock();
        inner.revoke(id, None);
        if let Some(socket) = inner.sockets.get_mut(&id) {
            socket.login = None;
        }
    }

    /// The agent logged in on socket `id`, as last read.
    pub fn login(&self, id: u64) -> Option<UserRow> {
        self.lock().sockets.get(&id)?.login.as_ref().map(|login| login.user.clone())
    }

    /// The agent logged in on socket `id` and its departments, as last read.
    pub fn login_with_departments(&self, id: u64) -> Option<(UserRow, Vec<String>)> {
        let inner = self.lock();
        let login = inner.sockets.get(&id)?.login.as_ref()?;
        Some((login.user.clone(), login.departments.clone()))
    }

    /// The queue topics someone listens to.
    pub fn queue_topics(&self) -> Vec<Topic> {
        let inner = self.lock();
        inner.topics.keys().filter(|topic| topic.stream == Stream::InquiryQueue).cloned().collect()
    }

    /// Queues `frame` for the subscribers of queue topic `topic` who may still see that
    /// queue (the others' subscriptions end first).
    pub fn publish_to_queue(&self, topic: &Topic, frame: &Frame) -> usize {
        {
            let mut inner = self.lock();
            let members: Vec<u64> = inner
                .topics
                .get(topic)
                .map(|members| members.iter().copied().collect())
                .unwrap_or_default();
            for id in members {
                inner.revoke_queues(id);
            }
        }
        self.publish(topic, frame, None)
    }

    /// Every login of this instance: `(socket, token hash, user id)`, optionally only those
    /// of one user.
    pub fn logins(&self, of_user: Option<&str>) -> Vec<(u64, String, String)> {
        let inner = self.lock();
        inner
            .sockets
            .iter()
            .filter_map(|(id, socket)| {
                let login = socket.login.as_ref()?;
                let wanted = of_user.map_or(true, |user| user == login.user.id);
                wanted.then(|| (*id, login.token_hash.clone(), login.user.id.clone()))
            })
            .collect()
    }

    /// Whether `user` (a member of `departments`) differs from socket `id`'s login in what
    /// decides what it may see: its roles and departments (its availability and `seen_at`,
    /// which the timers write every few seconds, change nothing of that).
    pub fn login_changed(&self, id: u64, user: &UserRow, departments: &[String]) -> bool {
        let inner = self.lock();
        let Some(login) = inner.sockets.get(&id).and_then(|socket| socket.login.as_ref()) else {
            return false;
        };
        login.user.roles != user.roles || login.departments != departments
    }

    /// Keeps the fresh `user` of socket `id`'s login (nothing that decides access changed).
    pub fn keep_login(&self, id: u64, user: UserRow) {
        if let Some(login) = self.lock().sockets.get_mut(&id).and_then(|s| s.login.as_mut()) {
            login.user = user;
        }
    }

    /// The rooms socket `id` listens to through its login.
    pub fn rooms_of_login(&self, id: u64) -> Vec<String> {
        let inner = self.lock();
        let Some(socket) = inner.sockets.get(&id) else { return Vec::new() };
        let mut rooms: Vec<String> = socket
            .subs
            .values()
            .filter(|sub| sub.grant == Grant::User)
            .map(|sub| sub.topic.room().to_owned())
            .filter(|room| !room.is_empty())
            .collect();
        rooms.sort();
        rooms.dedup();
        rooms
    }

    /// Socket `id`'s login was read again: keeps the fresh user (`None`: the token is no
    /// longer valid, the socket is logged out), then ends what it may no longer see of
    /// `rooms`.
    pub fn refresh_login(&self, id: u64, user: Option<(UserRow, Vec<String>)>, rooms: &[RoomRow]) {
        let mut inner = self.lock();
        let Some((user, departments)) = user else {
            inner.revoke(id, None);
            if let Some(socket) = inner.sockets.get_mut(&id) {
                socket.login = None;
            }
            return;
        };
        let Some(socket) = inner.sockets.get_mut(&id) else { return };
        let Some(login) = socket.login.as_mut() else { return };
        login.user = user;
        login.departments = departments;
        for room in rooms {
            inner.revoke(id, Some(room));
        }
        inner.revoke_queues(id);
    }

    /// Room `room` changed (its agent, its state): ends every subscription to it whose
    /// viewer may no longer see it.
    pub fn recheck_room(&self, room: &RoomRow) {
        let mut inner = self.lock();
        let mut members: Vec<u64> = Topic::all_of(&room.id)
            .iter()
            .filter_map(|topic| inner.topics.get(topic))
            .flatten()
            .copied()
            .collect();
        members.sort_unstable();
        members.dedup();
        for id in members {
            inner.revoke(id, Some(room));
        }
    }

    /// Whether some subscription to `topic` was granted through a login: delivering its
    /// events needs the room, to decide again who may see them.
    pub fn needs_room(&self, topic: &Topic) -> bool {
        let inner = self.lock();
        let Some(members) = inner.topics.get(topic) else { return false };
        members.iter().filter_map(|id| inner.sockets.get(id)).any(|socket| {
            socket.subs.values().any(|sub| sub.grant == Grant::User && sub.topic == *topic)
        })
    }

    /// How many subscriptions socket `id` has.
    pub fn subscriptions(&self, id: u64) -> usize {
        self.lock().sockets.get(&id).map_or(0, |socket| socket.subs.len())
    }

    /// Whether any socket listens to `topic` (the dispatcher skips the read otherwise).
    pub fn has_subscribers(&self, topic: &Topic) -> bool {
        self.lock().topics.contains_key(topic)
    }

    /// Queues `frame` for every socket subscribed to `topic` that may see `room` now (the
    /// others' subscriptions end first), except `skip`; see [`Hub::publish`]. `room` is the
    /// topic's room as it is now; `None` when no subscription needs it ([`Hub::needs_room`]).
    pub fn publish_to_viewers(
        &self,
        topic: &Topic,
        frame: &Frame,
        skip: Option<u64>,
        room: Option<&RoomRow>,
    ) -> usize {
        if let Some(room) = room {
            let mut inner = self.lock();
            let members: Vec<u64> = inner
                .topics
                .get(topic)
                .map(|members| members.iter().copied().collect())
                .unwrap_or_default();
            for id in members {
                inner.revoke(id, Some(room));
            }
        }
        self.publish(topic, frame, skip)
    }

    /// Queues `frame` for every socket subscribed to `topic`, except `skip` (the socket
    /// that caused the event, where the protocol does not echo it). Never waits: sockets
    /// whose outbox is full are kicked. Returns how many sockets got the frame.
    pub fn publish(&self, topic: &Topic, frame: &Frame, skip: Option<u64>) -> usize {
        let mut inner = self.lock();
        let Some(members) = inner.topics.get(topic) else { return 0 };
        let mut delivered = 0;
        let mut fallen_behind = Vec::new();
        for id in members.iter().copied().filter(|id| Some(*id) != skip) {
            let Some(socket) = inner.sockets.get(&id) else { continue };
            match socket.outbox.try_send(frame.clone()) {
                Ok(()) => delivered += 1,
                Err(_) => fallen_behind.push(id),
            }
        }
        for id in fallen_behind {
            if let Some(socket) = inner.remove(id) {
                tracing::warn!(socket = id, "realtime socket fell behind; closing it");
                socket.kicked.notify_one();
            }
        }
        delivered
    }

    /// Queues `frame` for every socket subscribed to `topic` whose logged-in user `may_hear`
    /// (as last read); sockets without a login get nothing. Never waits, like
    /// [`Hub::publish`]. Returns how many sockets got the frame.
    pub fn publish_to_users(
        &self,
        topic: &Topic,
        frame: &Frame,
        may_hear: impl Fn(&UserRow) -> bool,
    ) -> usize {
        let mut inner = self.lock();
        let Some(members) = inner.topics.get(topic) else { return 0 };
        let mut delivered = 0;
        let mut fallen_behind = Vec::new();
        for id in members.iter().copied() {
            let Some(socket) = inner.sockets.get(&id) else { continue };
            let Some(login) = &socket.login else { continue };
            if !may_hear(&login.user) {
                continue;
            }
            match socket.outbox.try_send(frame.clone()) {
                Ok(()) => delivered += 1,
                Err(_) => fallen_behind.push(id),
            }
        }
        for id in fallen_behind {
            if let Some(socket) = inner.remove(id) {
                tracing::warn!(socket = id, "realtime socket fell behind; closing it");
                socket.kicked.notify_one();
            }
        }
        delivered
    }

    /// Kicks every socket subscribed to `topic` (their events could not be delivered).
    pub fn kick_topic(&self, topic: &Topic) {
        let mut inner = self.lock();
        let members: Vec<u64> = inner
            .topics
            .get(topic)
            .map(|members| members.iter().copied().collect())
            .unwrap_or_default();
        for id in members {
            if let Some(socket) = inner.remove(id) {
                socket.kicked.notify_one();
            }
        }
    }

    /// The server stops: kicks every socket, and every socket that joins from now on, so
    /// that they close ([`Hub::going_away`] tells them why) and their clients reconnect
    /// elsewhere.
    pub fn go_away(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.kick_all();
    }

    /// Whether the server stops (see [`Hub::go_away`]).
    pub fn going_away(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Kicks every socket: events may have been missed (the notification channel was
    /// down), so clients reconnect and catch up.
    pub fn kick_all(&self) {
        let mut inner = self.lock();
        let ids: Vec<u64> = inner.sockets.keys().copied().collect();
        for id in ids {
            if let Some(socket) = inner.remove(id) {
                socket.kicked.notify_one();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> Frame {
        Arc::from(text)
    }

    #[test]
    fn frames_go_only_to_the_topic_subscribers() {
        let hub = Hub::new(8);
        let mut a = hub.join();
        let mut b = hub.join();
        assert!(hub.subscribe(a.id, "1", Topic::messages("r1"), Grant::Visitor));
        assert!(hub.subscribe(b.id, "1", Topic::messages("r2"), Grant::Visitor));
        assert_eq!(hub.publish(&Topic::messages("r1"), &frame("x"), None), 1);
        assert_eq!(a.outbox.try_recv().ok().as_deref(), Some("x"));
        assert!(b.outbox.try_recv().is_err());
        assert_eq!(hub.publish(&Topic::messages("r1"), &frame("y"), Some(a.id)), 0);
    }

    #[tokio::test]
    async fn a_full_socket_is_kicked_and_the_others_still_receive() {
        let hub = Hub::new(2);
        let slow = hub.join();
        let mut fast = hub.join();
        let topic = Topic::notify("r1", "typing");
        hub.subscribe(slow.id, "s", topic.clone(), Grant::Visitor);
        hub.subscribe(fast.id, "s", topic.clone(), Grant::Visitor);
        for n in 0..10 {
            hub.publish(&topic, &frame(&n.to_string()), None);
            assert_eq!(fast.outbox.try_recv().ok().as_deref(), Some(n.to_string().as_str()));
        }
        assert_eq!(hub.subscriptions(slow.id), 0, "the slow socket lost its subscriptions");
        assert!(
            !hub.subscribe(slow.id, "t", topic.clone(), Grant::Visitor),
            "a kicked socket cannot resubscribe"
        );
        // The kick was signalled (a stored permit completes at once).
        let kicked =
            tokio::time::timeout(std::time::Duration::from_secs(1), slow.kicked.notified());
        assert!(kicked.await.is_ok());
    }

    #[tokio::test]
    async fn going_away_kicks_every_socket_and_every_later_one() {
        let hub = Hub::new(8);
        let before = hub.join();
        assert!(!hub.going_away());
        hub.go_away();
        assert!(hub.going_away());
        let after = hub.join();
        assert!(!hub.subscribe(after.id, "s", Topic::messages("r1"), Grant::Visitor));
        for socket in [before, after] {
            let kicked =
                tokio::time::timeout(std::time::Duration::from_secs(1), socket.kicked.notified());
            assert!(kicked.await.is_ok());
        }
    }

    #[test]
    fn unsubscribing_keeps_other_subscriptions_to_the_same_topic() {
        let hub = Hub::new(8);
        let mut socket = hub.join();
        let topic = Topic::livechat("r1");
        hub.subscribe(socket.id, "a", topic.clone(), Grant::Visitor);
        hub.subscribe(socket.id, "b", topic.clone(), Grant::Visitor);
        hub.unsubscribe(socket.id, "a");
        assert!(hub.has_subscribers(&topic));
        assert_eq!(hub.publish(&topic, &frame("x"), None), 1, "one frame per socket");
        assert!(socket.outbox.try_recv().is_ok());
        hub.unsubscribe(socket.id, "b");
        assert!(!hub.has_subscribers(&topic));
        hub.leave(socket.id);
        assert_eq!(hub.subscriptions(socket.id), 0);
    }

    #[test]
    fn only_roles_make_a_login_change() {
        let hub = Hub::new(8);
        let socket = hub.join();
        let user = UserRow {
            id: "u1".into(),
            username: "ann".into(),
            name: "Ann".into(),
            password_hash: String::new(),
            status: "available".into(),
            created_at: 0,
            roles: "livechat-agent".into(),
            presence: "online".into(),
            email: None,
            seen_at: None,
        };
        hub.log_in(
            socket.id,
            Login { user: user.clone(), token_hash: "h".into(), departments: Vec::new() },
        );
        let seen = UserRow { seen_at: Some(5), status: "not-available".into(), ..user.clone() };
        assert!(!hub.login_changed(socket.id, &seen, &[]), "seen_at and status are no change");
        let promoted = UserRow { roles: "livechat-agent,livechat-manager".into(), ..user };
        assert!(hub.login_changed(socket.id, &promoted, &[]));
    }

    #[test]
    fn kick_all_empties_the_hub() {
        let hub = Hub::new(8);
        let socket = hub.join();
        hub.subscribe(socket.id, "a", Topic::messages("r1"), Grant::Visitor);
        hub.kick_all();
        assert!(!hub.has_subscribers(&Topic::messages("r1")));
    }
}
