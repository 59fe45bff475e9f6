//! The queue, live: chats that start and stop waiting in a queue an agent may take from
//! (`stream-livechat-inquiry-queue-observer`).
//!
//! [`AgentSession::subscribe_queue`] yields a [`QueueEvent`] whenever a chat starts waiting
//! in the queue (or changes there) and when it leaves it (taken, closed, moved to another
//! queue). When the connection drops it reconnects with backoff and catches up through
//! `livechat/inquiries.queuedForUser`, so the caller's picture of the queue stays whole.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::stream::{Stream, StreamExt as _};
use futures_util::SinkExt as _;
use livechat_types::inquiry::{queued_for_user, Inquiry, InquiryEvent};
use livechat_types::RoomId;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::agent::AgentSession;
use crate::error::Error;
use crate::realtime::{from_ejson, handshake, Socket};

/// The stream's name on the server.
const STREAM: &str = "stream-livechat-inquiry-queue-observer";

/// Something that happened in a queue.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum QueueEvent {
    /// A chat waits in the queue: new, or changed (its first message arrived).
    Added(Box<Inquiry>),
    /// A chat left the queue: taken, closed, or moved to another queue.
    Removed {
        /// The inquiry's id (its room's id).
        id: String,
        /// Its room.
        room_id: RoomId,
    },
}

impl QueueEvent {
    /// The room the event is about.
    pub fn room_id(&self) -> &RoomId {
        match self {
            Self::Added(inquiry) => &inquiry.rid,
            Self::Removed { room_id, .. } => room_id,
        }
    }
}

impl AgentSession {
    /// Subscribes to a queue: the general one (`department` `None`, event `public`) or a
    /// department's (`department/<id>`). Only queues this agent may take from (managers:
    /// every queue); another is refused with [`Error::Realtime`]. The stream ends only when
    /// it is dropped; connection failures are retried.
    pub async fn subscribe_queue(
        &self,
        department: Option<&str>,
    ) -> Result<impl Stream<Item = Result<QueueEvent, Error>> + Send + 'static, Error> {
        let (events, receiver) = mpsc::channel(1024);
        let session = QueueSession {
            agent: self.clone(),
            department: department.map(str::to_owned),
            known: HashSet::new(),
        };
        // The first connection is made before returning, so no event after it is missed.
        let socket = session.connect().await?;
        tokio::spawn(async move { session.run(socket, events).await });
        Ok(futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|event| (event, receiver))
        }))
    }
}

struct QueueSession {
    agent: AgentSession,
    department: Option<String>,
    /// The rooms waiting in the queue as far as the subscriber was told.
    known: HashSet<RoomId>,
}

type Sender = mpsc::Sender<Result<QueueEvent, Error>>;

impl QueueSession {
    fn event_name(&self) -> String {
        match &self.department {
            Some(id) => format!("department/{id}"),
            None => "public".to_owned(),
        }
    }

    async fn connect(&self) -> Result<Socket, Error> {
        let subs = [(STREAM, self.event_name())];
        handshake(self.agent.client(), &self.agent.subscriber(), &subs).await
    }

    async fn run(mut self, mut socket: Socket, events: Sender) {
        let mut failures = 0u32;
        loop {
            if !self.pump(&mut socket, &events).await {
                return; // the subscriber dropped the stream
            }
            loop {
                tokio::time::sleep(Duration::from_millis(100u64 << failures.min(5))).await;
                match self.connect().await {
                    Ok(fresh) => {
                        socket = fresh;
                        failures = 0;
                        break;
                    }
                    Err(err @ Error::Realtime(_)) if err.to_string().contains("refused") => {
                        let _ = events.send(Err(err)).await;
                        return;
                    }
                    Err(_) => failures += 1,
                }
                if events.is_closed() {
                    return;
                }
            }
            let caught_up = match self.catch_up().await {
                Ok(missed) => missed.into_iter().map(Ok).collect(),
                Err(err) => vec![Err(err)],
            };
            for event in caught_up {
                if !self.deliver(event, &events).await {
                    return;
                }
            }
        }
    }

    /// Forwards events until the connection ends; false when the receiver is gone.
    async fn pump(&mut self, socket: &mut Socket, events: &Sender) -> bool {
        while let Some(frame) = socket.next().await {
            let Ok(frame) = frame else { break };
            let Ok(text) = frame.to_text() else { continue };
            let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            match value["msg"].as_str() {
                Some("ping") => {
                    let pong = json!({"msg": "pong", "id": value.get("id")});
                    if socket.send(Frame::text(pong.to_string())).await.is_err() {
                        break;
                    }
                }
                Some("changed") => {
                    if let Some(event) = parse_event(&value) {
                        if !self.deliver(Ok(event), events).await {
                            return false;
                        }
                    }
                }
                _ => {}
            }
        }
        !events.is_closed()
    }

    async fn deliver(&mut self, event: Result<QueueEvent, Error>, events: &Sender) -> bool {
        match &event {
            Ok(QueueEvent::Added(inquiry)) => {
                self.known.insert(inquiry.rid.clone());
            }
            Ok(QueueEvent::Removed { room_id, .. }) => {
                self.known.remove(room_id);
            }
            Err(_) => {}
        }
        events.send(event).await.is_ok()
    }

    /// What changed while the connection was down: `Removed` for the rooms that left the
    /// queue, `Added` for those that joined it.
    async fn catch_up(&self) -> Result<Vec<QueueEvent>, Error> {
        let mut waiting = Vec::new();
        let mut offset = 0;
        loop {
            let req = queued_for_user::Request {
                department: self.department.clone(),
                count: Some(100),
                offset: Some(offset),
            };
            let page = self.agent.call(&req).await?;
            let full = page.inquiries.len() == 100;
            offset += page.count;
            // Without a department the server lists the agent's departments' queues too.
            waiting.extend(
                page.inquiries.into_iter().filter(|inquiry| inquiry.department == self.department),
            );
            if !full || offset >= page.total {
                break;
            }
        }
        let now: HashSet<&RoomId> = waiting.iter().map(|inquiry| &inquiry.rid).collect();
        let mut missed: Vec<QueueEvent> = self
            .known
            .iter()
            .filter(|rid| !now.contains(rid))
            .map(|rid| QueueEvent::Removed { id: rid.as_str().to_owned(), room_id: rid.clone() })
            .collect();
        missed.extend(
            waiting
                .into_iter()
                .filter(|inquiry| !self.known.contains(&inquiry.rid))
                .map(|inquiry| QueueEvent::Added(Box::new(inquiry))),
        );
        Ok(missed)
    }
}

/// A `changed` frame of the queue stream as an event.
fn parse_event(frame: &Value) -> Option<QueueEvent> {
    if frame["collection"].as_str()? != STREAM {
        return None;
    }
    let event = frame["fields"]["args"].as_array()?.first()?;
    match event["type"].as_str()? {
        "added" => {
            let event: InquiryEvent = serde_json::from_value(from_ejson(event.clone())).ok()?;
            Some(QueueEvent::Added(Box::new(event.inquiry)))
        }
        "removed" => {
            let id = event["_id"].as_str()?.to_owned();
            let room_id = RoomId::from(event["rid"].as_str().unwrap_or(&id));
            Some(QueueEvent::Removed { id, room_id })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_events_are_parsed() {
        let added = json!({"msg": "changed", "collection": STREAM, "id": "id",
            "fields": {"eventName": "public", "args": [{
                "_id": "r1", "rid": "r1", "name": "Guest", "ts": {"$date": 1_536_931_893_201_i64},
                "message": "Hello", "status": "queued",
                "v": {"_id": "v1", "username": "guest-1", "status": "online"},
                "t": "l", "_updatedAt": "2018-09-14T13:31:33.201Z", "type": "added"}]}});
        let Some(QueueEvent::Added(inquiry)) = parse_event(&added) else {
            panic!("not an added inquiry: {:?}", parse_event(&added));
        };
        assert_eq!((inquiry.rid.as_str(), inquiry.message.as_str()), ("r1", "Hello"));
        assert_eq!(inquiry.department, None);

        let removed = json!({"msg": "changed", "collection": STREAM, "id": "id",
            "fields": {"eventName": "department/d1",
                "args": [{"_id": "r1", "rid": "r1", "type": "removed"}]}});
        assert_eq!(
            parse_event(&removed),
            Some(QueueEvent::Removed { id: "r1".into(), room_id: RoomId::from("r1") })
        );
        let other = json!({"msg": "changed", "collection": "stream-room-messages", "id": "id",
            "fields": {"eventName": "r1", "args": [{"type": "removed", "_id": "r1"}]}});
        assert_eq!(parse_event(&other), None);
    }
}
