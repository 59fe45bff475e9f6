//! `stream-notify-user` `<uid>/rooms-changed`: the open rooms a user comes to serve
//! (`inserted`) or stops serving (`removed`), so that an agent's console shows a routed chat
//! at once and drops one forwarded, returned to the queue or closed.
//!
//! Each socket with such a subscription remembers the rooms it was told (or found, when it
//! subscribed) that its user serves. Every room change is compared with that set: nothing
//! is said twice, and a room the user never served is never mentioned. The set starts from
//! the database, read after the subscription was recorded; a room changed while that read
//! runs is decided from the change (read later than the commit that caused it), not from
//! the read.

use std::collections::HashSet;

use serde_json::json;

use super::{Hub, Inner, Stream};

/// The rooms one socket's user serves, as its `rooms-changed` subscription knows them.
#[derive(Debug)]
pub(super) struct Served {
    rooms: HashSet<String>,
    /// Until the first read of the served rooms came in: the rooms changed since the
    /// subscription was recorded, which that read does not overrule.
    decided: Option<HashSet<String>>,
}

impl Served {
    /// A subscription whose served rooms are still being read.
    pub(super) fn unseeded() -> Self {
        Self { rooms: HashSet::new(), decided: Some(HashSet::new()) }
    }

    /// Room `rid` is now served by `serving` or not: the event that tells the change, if it
    /// is one.
    fn update(&mut self, rid: &str, serving: bool) -> Option<&'static str> {
        if let Some(decided) = &mut self.decided {
            decided.insert(rid.to_owned());
        }
        match (serving, self.rooms.contains(rid)) {
            (true, false) => {
                self.rooms.insert(rid.to_owned());
                Some("inserted")
            }
            (false, true) => {
                self.rooms.remove(rid);
                Some("removed")
            }
            _ => None,
        }
    }

    /// The served rooms as read from the database, but for those changed since.
    fn seed(&mut self, rooms: Vec<String>) {
        let Some(decided) = self.decided.take() else { return };
        self.rooms.extend(rooms.into_iter().filter(|rid| !decided.contains(rid)));
    }
}

impl Inner {
    /// Ends the `stream-notify-user` subscriptions of socket `id` that are not about user
    /// `keep` (all of them for `None`).
    pub(super) fn revoke_user_streams(&mut self, id: u64, keep: Option<&str>) {
        let Some(socket) = self.sockets.get(&id) else { return };
        let ended: Vec<String> = socket
            .subs
            .iter()
            .filter(|(_, sub)| sub.topic.user().is_some_and(|uid| Some(uid) != keep))
            .map(|(name, _)| name.clone())
            .collect();
        for sub in ended {
            self.end(id, &sub, Some(super::revoked()));
        }
    }
}

impl Hub {
    /// The rooms socket `id`'s user served when its `rooms-changed` subscription began, as
    /// read since. Returns false when the socket has no such subscription any more (it was
    /// ended meanwhile, and told so).
    pub fn seed_served(&self, id: u64, rooms: Vec<String>) -> bool {
        let mut inner = self.lock();
        let Some(served) = inner.sockets.get_mut(&id).and_then(|s| s.served.as_mut()) else {
            return false;
        };
        served.seed(rooms);
        true
    }

    /// Whether some socket listens to a `rooms-changed` event.
    pub fn tracks_served_rooms(&self) -> bool {
        self.lock().topics.keys().any(|topic| topic.stream == Stream::NotifyUser)
    }

    /// Room `rid` is now served by user `server` (`None`: by nobody, or it is closed or
    /// gone): tells each `rooms-changed` subscriber whether it gained or lost the room.
    /// Never waits, like [`Hub::publish`]. Returns how many sockets got an event.
    pub fn publish_rooms_changed(&self, rid: &str, server: Option<&str>) -> usize {
        let mut inner = self.lock();
        let Inner { sockets, topics } = &mut *inner;
        let mut delivered = 0;
        let mut fallen_behind = Vec::new();
        for (topic, members) in topics.iter() {
            let Some(uid) = topic.user() else { continue };
            for id in members {
                let Some(socket) = sockets.get_mut(id) else { continue };
                // Only the user's own login hears its rooms (a new login ends the rest).
                if !socket.login.as_ref().is_some_and(|login| login.user.id == uid) {
                    continue;
                }
                let Some(served) = socket.served.as_mut() else { continue };
                let Some(kind) = served.update(rid, server == Some(uid)) else { continue };
                let frame = topic.changed(json!([{ "type": kind, "_id": rid }]));
                match socket.outbox.try_send(frame) {
                    Ok(()) => delivered += 1,
                    Err(_) => fallen_behind.push(*id),
                }
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

    /// Kicks every socket that listens to a `rooms-changed` event (a room change could not
    /// be read, so what they were told may be wrong).
    pub fn kick_rooms_changed(&self) {
        let topics: Vec<_> = {
            let inner = self.lock();
            inner
                .topics
                .keys()
                .filter(|topic| topic.stream == Stream::NotifyUser)
                .cloned()
                .collect()
        };
        for topic in &topics {
            self.kick_topic(topic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Grant, Login, Topic};
    use super::*;
    use crate::db::users::UserRow;

    fn user(id: &str) -> UserRow {
        UserRow {
            id: id.into(),
            username: id.into(),
            name: id.into(),
            password_hash: String::new(),
            status: "available".into(),
            created_at: 0,
            roles: "livechat-agent".into(),
            presence: "online".into(),
            email: None,
            seen_at: None,
        }
    }

    fn logged_in(hub: &Hub, uid: &str) -> super::super::Membership {
        let socket = hub.join();
        let login = Login { user: user(uid), token_hash: "h".into(), departments: Vec::new() };
        hub.log_in(socket.id, login);
        socket
    }

    fn events(socket: &mut super::super::Membership) -> Vec<serde_json::Value> {
        let mut events = Vec::new();
        while let Ok(frame) = socket.outbox.try_recv() {
            let frame: serde_json::Value = serde_json::from_str(&frame).expect("json");
            events.push(frame["fields"]["args"][0].clone());
        }
        events
    }

    #[test]
    fn each_user_hears_the_rooms_it_gains_and_loses_once() {
        let hub = Hub::new(8);
        let mut ann = logged_in(&hub, "ann");
        let mut bob = logged_in(&hub, "bob");
        for (socket, uid) in [(&ann, "ann"), (&bob, "bob")] {
            assert!(hub.subscribe(socket.id, "s", Topic::rooms_changed(uid), Grant::User));
        }
        assert!(hub.seed_served(ann.id, vec!["r1".into()]));
        assert!(hub.seed_served(bob.id, Vec::new()));
        assert!(hub.tracks_served_rooms());

        hub.publish_rooms_changed("r1", Some("ann"));
        hub.publish_rooms_changed("r2", None);
        assert!(events(&mut ann).is_empty(), "r1 was served already; r2 never was");
        hub.publish_rooms_changed("r1", Some("bob"));
        assert_eq!(events(&mut ann), [json!({"type": "removed", "_id": "r1"})]);
        assert_eq!(events(&mut bob), [json!({"type": "inserted", "_id": "r1"})]);
        hub.publish_rooms_changed("r1", None);
        assert!(events(&mut ann).is_empty());
        assert_eq!(events(&mut bob), [json!({"type": "removed", "_id": "r1"})]);
    }

    #[test]
    fn a_change_seen_before_the_seed_wins_over_it() {
        let hub = Hub::new(8);
        let mut ann = logged_in(&hub, "ann");
        hub.subscribe(ann.id, "s", Topic::rooms_changed("ann"), Grant::User);
        // r1 is given away while the seed (which still has it) is being read.
        hub.publish_rooms_changed("r1", Some("bob"));
        hub.publish_rooms_changed("r3", Some("ann"));
        hub.seed_served(ann.id, vec!["r1".into(), "r2".into()]);
        assert_eq!(events(&mut ann), [json!({"type": "inserted", "_id": "r3"})]);
        hub.publish_rooms_changed("r1", None);
        hub.publish_rooms_changed("r2", None);
        hub.publish_rooms_changed("r3", None);
        assert_eq!(
            events(&mut ann),
            [json!({"type": "removed", "_id": "r2"}), json!({"type": "removed", "_id": "r3"})]
        );
    }

    #[test]
    fn the_subscription_ends_with_the_login_or_a_login_as_someone_else() {
        let hub = Hub::new(8);
        let mut ann = logged_in(&hub, "ann");
        hub.subscribe(ann.id, "s", Topic::rooms_changed("ann"), Grant::User);
        let again = Login { user: user("ann"), token_hash: "h2".into(), departments: Vec::new() };
        hub.log_in(ann.id, again);
        assert_eq!(hub.subscriptions(ann.id), 1, "the same user logging in again keeps it");
        let other = Login { user: user("bob"), token_hash: "h3".into(), departments: Vec::new() };
        hub.log_in(ann.id, other);
        assert_eq!(hub.subscriptions(ann.id), 0);
        let nosub = ann.outbox.try_recv().expect("nosub");
        assert!(nosub.contains("\"nosub\""), "{nosub}");
        assert!(!hub.seed_served(ann.id, Vec::new()), "nothing left to seed");
        assert!(!hub.tracks_served_rooms());

        let login = Login { user: user("ann"), token_hash: "h".into(), departments: Vec::new() };
        hub.log_in(ann.id, login);
        hub.subscribe(ann.id, "t", Topic::rooms_changed("ann"), Grant::User);
        hub.log_out(ann.id);
        assert_eq!(hub.subscriptions(ann.id), 0);
        assert!(!hub.tracks_served_rooms());
    }
}
