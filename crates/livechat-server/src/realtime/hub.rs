//! The hub: in-process pub/sub from the dispatcher to the sockets of this instance.
//!
//! Every socket has a bounded outbox. Publishing never waits: a socket whose outbox is full
//! has fallen behind (or stopped reading), so it loses its subscriptions and is told to close
//! ("kicked"); its client reconnects and catches up with `messages.history`. One slow socket
//! therefore costs the others nothing.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{mpsc, Notify};

/// One serialized DDP frame, shared by every socket it goes to.
pub type Frame = Arc<str>;

/// The DDP streams this server publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    /// `stream-room-messages`: new and edited messages; the event name is the room id.
    RoomMessages,
    /// `stream-notify-room`: `<rid>/typing`, `<rid>/deleteMessage`.
    NotifyRoom,
    /// `stream-livechat-room`: `agentData` and other room changes; the event name is the rid.
    LivechatRoom,
}

impl Stream {
    /// The stream's DDP name.
    pub fn name(self) -> &'static str {
        match self {
            Self::RoomMessages => "stream-room-messages",
            Self::NotifyRoom => "stream-notify-room",
            Self::LivechatRoom => "stream-livechat-room",
        }
    }

    /// The stream with this DDP name, if this server publishes it.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::RoomMessages, Self::NotifyRoom, Self::LivechatRoom]
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
    /// Subscription id → topic.
    subs: HashMap<String, Topic>,
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
        for topic in socket.subs.values() {
            if let Some(members) = self.topics.get_mut(topic) {
                members.remove(&id);
                if members.is_empty() {
                    self.topics.remove(topic);
                }
            }
        }
        Some(socket)
    }
}

/// The sockets of this instance and their subscriptions.
pub struct Hub {
    inner: Mutex<Inner>,
    next_id: AtomicU64,
    buffer: usize,
}

impl Hub {
    /// A hub whose sockets buffer at most `buffer` frames each.
    pub fn new(buffer: usize) -> Self {
        Self { inner: Mutex::default(), next_id: AtomicU64::new(1), buffer: buffer.max(1) }
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
        let socket = Socket { outbox, kicked: kicked.clone(), subs: HashMap::new() };
        self.lock().sockets.insert(id, socket);
        Membership { id, outbox: receiver, kicked }
    }

    /// Removes a socket (it closed).
    pub fn leave(&self, id: u64) {
        self.lock().remove(id);
    }

    /// Subscribes socket `id` to `topic` under subscription id `sub`. Returns false when
    /// the socket is no longer in the hub (it was kicked).
    pub fn subscribe(&self, id: u64, sub: &str, topic: Topic) -> bool {
        let mut inner = self.lock();
        let Some(socket) = inner.sockets.get_mut(&id) else { return false };
        if let Some(previous) = socket.subs.insert(sub.to_owned(), topic.clone()) {
            // Re-using a subscription id replaces the old subscription.
            let still_used = socket.subs.values().any(|other| *other == previous);
            if !still_used {
                if let Some(members) = inner.topics.get_mut(&previous) {
                    members.remove(&id);
                }
            }
        }
        inner.topics.entry(topic).or_default().insert(id);
        true
    }

    /// Ends subscription `sub` of socket `id`.
    pub fn unsubscribe(&self, id: u64, sub: &str) {
        let mut inner = self.lock();
        let Some(socket) = inner.sockets.get_mut(&id) else { return };
        let Some(topic) = socket.subs.remove(sub) else { return };
        if socket.subs.values().any(|other| *other == topic) {
            return;
        }
        if let Some(members) = inner.topics.get_mut(&topic) {
            members.remove(&id);
            if members.is_empty() {
                inner.topics.remove(&topic);
            }
        }
    }

    /// How many subscriptions socket `id` has.
    pub fn subscriptions(&self, id: u64) -> usize {
        self.lock().sockets.get(&id).map_or(0, |socket| socket.subs.len())
    }

    /// Whether any socket listens to `topic` (the dispatcher skips the read otherwise).
    pub fn has_subscribers(&self, topic: &Topic) -> bool {
        self.lock().topics.contains_key(topic)
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
        assert!(hub.subscribe(a.id, "1", Topic::messages("r1")));
        assert!(hub.subscribe(b.id, "1", Topic::messages("r2")));
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
        hub.subscribe(slow.id, "s", topic.clone());
        hub.subscribe(fast.id, "s", topic.clone());
        for n in 0..10 {
            hub.publish(&topic, &frame(&n.to_string()), None);
            assert_eq!(fast.outbox.try_recv().ok().as_deref(), Some(n.to_string().as_str()));
        }
        assert_eq!(hub.subscriptions(slow.id), 0, "the slow socket lost its subscriptions");
        assert!(!hub.subscribe(slow.id, "t", topic.clone()), "a kicked socket cannot resubscribe");
        // The kick was signalled (a stored permit completes at once).
        let kicked =
            tokio::time::timeout(std::time::Duration::from_secs(1), slow.kicked.notified());
        assert!(kicked.await.is_ok());
    }

    #[test]
    fn unsubscribing_keeps_other_subscriptions_to_the_same_topic() {
        let hub = Hub::new(8);
        let mut socket = hub.join();
        let topic = Topic::livechat("r1");
        hub.subscribe(socket.id, "a", topic.clone());
        hub.subscribe(socket.id, "b", topic.clone());
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
    fn kick_all_empties_the_hub() {
        let hub = Hub::new(8);
        let socket = hub.join();
        hub.subscribe(socket.id, "a", Topic::messages("r1"));
        hub.kick_all();
        assert!(!hub.has_subscribers(&Topic::messages("r1")));
    }
}
