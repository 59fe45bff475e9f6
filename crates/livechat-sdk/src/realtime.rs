//! Live room events over the server's DDP WebSocket (`/websocket`), for visitors and agents.
//!
//! [`Client::subscribe_room`] yields every new, edited and deleted message of a room as a
//! [`RoomEvent`]. When the connection drops it reconnects with backoff and catches up
//! through the history endpoint, so no message is lost and none is repeated.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use futures_util::stream::{Stream, StreamExt as _};
use futures_util::SinkExt as _;
use livechat_types::agent::AgentInfo;
use livechat_types::message::{history, Message};
use livechat_types::{MessageId, RoomId, Timestamp, VisitorToken};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::client::Client;
use crate::error::Error;

/// Who subscribes.
#[derive(Clone)]
pub enum Subscriber {
    /// A visitor, by token.
    Visitor(VisitorToken),
    /// An agent, by user id and auth token (see [`crate::AgentSession`]).
    Agent {
        /// `X-User-Id`.
        user_id: String,
        /// `X-Auth-Token`, also the DDP `resume` token.
        auth_token: String,
    },
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Visitor(_) => f.write_str("Visitor(***)"),
            Self::Agent { user_id, .. } => write!(f, "Agent({user_id})"),
        }
    }
}

/// Something that happened in a room.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RoomEvent {
    /// A new message, or a new version of an edited one (same `_id`, later `ls`).
    Message(Box<Message>),
    /// A message was deleted.
    Deleted(MessageId),
    /// Someone started or stopped typing.
    Typing {
        /// Who.
        username: String,
        /// Whether they are typing now.
        typing: bool,
    },
    /// The room's agent changed (`agentData`, visitors only): the agent now serving it, or
    /// `None` when it waits in a queue again.
    Agent(Option<Box<AgentInfo>>),
    /// The room waits in a queue at this place, from 1 (`queueData`, visitors only); sent
    /// on subscribing and whenever the queue moves.
    QueueSpot(i64),
}

impl Client {
    /// Subscribes to a room's events. The stream ends only when it is dropped; connection
    /// failures are retried, and an authorization failure ends it with an error.
    pub async fn subscribe_room(
        &self,
        room_id: RoomId,
        subscriber: Subscriber,
    ) -> Result<impl Stream<Item = Result<RoomEvent, Error>> + Send + 'static, Error> {
        let (events, receiver) = mpsc::channel(1024);
        let mut session = Session {
            client: self.clone(),
            room_id,
            subscriber,
            seen: Seen::default(),
            newest: None,
        };
        // The first connection is made before returning, so events sent after this call
        // returns are never missed.
        let socket = session.connect().await?;
        tokio::spawn(async move { session.run(socket, events).await });
        Ok(futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|event| (event, receiver))
        }))
    }
}

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Which versions of which messages were delivered, to drop repeats after a catch-up.
#[derive(Default)]
struct Seen {
    versions: HashMap<MessageId, Timestamp>,
    order: VecDeque<MessageId>,
}

impl Seen {
    /// Records a version; false when it was delivered already.
    fn first_time(&mut self, message: &Message) -> bool {
        if self.versions.get(&message.id).is_some_and(|ls| *ls >= message.ls) {
            return false;
        }
        if self.versions.insert(message.id.clone(), message.ls).is_none() {
            self.order.push_back(message.id.clone());
            if self.order.len() > 10_000 {
                if let Some(old) = self.order.pop_front() {
                    self.versions.remove(&old);
                }
            }
        }
        true
    }
}

struct Session {
    client: Client,
    room_id: RoomId,
    subscriber: Subscriber,
    seen: Seen,
    /// `ts` of the newest message delivered.
    newest: Option<Timestamp>,
}

/// The server's DDP WebSocket URL for `client`.
fn websocket_url(client: &Client) -> String {
    let base = client.base_url();
    let base = base.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
    format!("{base}/websocket")
}

/// Connects, authenticates as `subscriber` and makes the subscriptions `subs` (stream name,
/// event name), waiting until every one is ready; a refusal is an error.
pub(crate) async fn handshake(
    client: &Client,
    subscriber: &Subscriber,
    subs: &[(&str, String)],
) -> Result<Socket, Error> {
    let (mut socket, _) = tokio_tungstenite::connect_async(websocket_url(client))
        .await
        .map_err(|err| Error::Realtime(err.to_string()))?;
    let send = |value: Value| Frame::text(value.to_string());
    socket
        .send(send(json!({"msg": "connect", "version": "1", "support": ["1"]})))
        .await
        .map_err(ws)?;
    let credentials = match subscriber {
        Subscriber::Visitor(token) => {
            socket
                .send(send(
                    json!({"msg": "method", "id": "setup", "method": "livechat:setUpConnection",
                    "params": [{"token": token.as_str()}]}),
                ))
                .await
                .map_err(ws)?;
            json!({"token": token.as_str(), "visitorToken": token.as_str()})
        }
        Subscriber::Agent { auth_token, .. } => {
            socket
                .send(send(json!({"msg": "method", "id": "login", "method": "login",
                    "params": [{"resume": auth_token}]})))
                .await
                .map_err(ws)?;
            json!({})
        }
    };
    for (n, (name, event)) in subs.iter().enumerate() {
        socket
            .send(send(json!({"msg": "sub", "id": format!("sub-{n}"), "name": name,
                "params": [event, {"useCollection": false, "args": [credentials]}]})))
            .await
            .map_err(ws)?;
    }
    // Wait until every subscription is ready (or refused).
    let mut ready = 0;
    while ready < subs.len() {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .map_err(|_| Error::Realtime("no answer to the subscriptions within 10 s".into()))?
            .ok_or_else(|| Error::Realtime("connection closed during the handshake".into()))?
            .map_err(ws)?;
        let Ok(text) = frame.to_text() else { continue };
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        match value["msg"].as_str() {
            Some("ready") => ready += 1,
            Some("nosub") => {
                return Err(Error::Realtime(format!("subscription refused: {}", value["error"])))
            }
            Some("result") if value["error"].is_object() => {
                return Err(Error::Realtime(format!("authentication refused: {}", value["error"])))
            }
            Some("ping") => socket.send(send(json!({"msg": "pong"}))).await.map_err(ws)?,
            _ => {}
        }
    }
    Ok(socket)
}

impl Session {
    /// Connects, authenticates and subscribes to the room's messages, deletions and typing
    /// notices; a visitor also to the room's own stream (its agent and its place in the
    /// queue), as the widget does.
    async fn connect(&mut self) -> Result<Socket, Error> {
        let rid = self.room_id.as_str();
        let mut subs = vec![
            ("stream-room-messages", rid.to_owned()),
            ("stream-notify-room", format!("{rid}/deleteMessage")),
            ("stream-notify-room", format!("{rid}/typing")),
        ];
        if matches!(self.subscriber, Subscriber::Visitor(_)) {
            subs.push(("stream-livechat-room", rid.to_owned()));
        }
        handshake(&self.client, &self.subscriber, &subs).await
    }

    async fn run(mut self, mut socket: Socket, events: mpsc::Sender<Result<RoomEvent, Error>>) {
        let mut failures = 0u32;
        loop {
            if !self.pump(&mut socket, &events).await {
                return; // the subscriber dropped the stream
            }
            // Reconnect with backoff, then catch up on what was missed.
            loop {
                let wait = Duration::from_millis(100u64 << failures.min(5));
                tokio::time::sleep(wait).await;
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
            match self.catch_up().await {
                Ok(missed) => {
                    for message in missed {
                        if !self.deliver(RoomEvent::Message(Box::new(message)), &events).await {
                            return;
                        }
                    }
                }
                Err(err) => {
                    if events.send(Err(err)).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Forwards events until the connection ends; false when the receiver is gone.
    async fn pump(
        &mut self,
        socket: &mut Socket,
        events: &mpsc::Sender<Result<RoomEvent, Error>>,
    ) -> bool {
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
                        if !self.deliver(event, events).await {
                            return false;
                        }
                    }
                }
                _ => {}
            }
        }
        !events.is_closed()
    }

    async fn deliver(
        &mut self,
        event: RoomEvent,
        events: &mpsc::Sender<Result<RoomEvent, Error>>,
    ) -> bool {
        if let RoomEvent::Message(message) = &event {
            if !self.seen.first_time(message) {
                return true;
            }
            self.newest = Some(self.newest.map_or(message.ts, |newest| newest.max(message.ts)));
        }
        events.send(Ok(event)).await.is_ok()
    }

    /// Messages newer than the newest delivered, oldest first.
    async fn catch_up(&self) -> Result<Vec<Message>, Error> {
        let mut missed = Vec::new();
        let mut end = None;
        loop {
            let mut req = history::Request {
                limit: Some(100),
                end,
                ..history::Request::for_agent(self.room_id.clone())
            };
            let credentials = match &self.subscriber {
                Subscriber::Visitor(token) => {
                    req.token = Some(token.clone());
                    None
                }
                Subscriber::Agent { user_id, auth_token } => {
                    Some((user_id.as_str(), auth_token.as_str()))
                }
            };
            let page = self.client.call_as(&req, credentials).await?.messages;
            let full = page.len() == 100;
            let oldest = page.last().map(|message| message.ts);
            let mut reached = false;
            for message in page {
                if self.newest.is_some_and(|newest| message.ts <= newest) {
                    reached = true;
                    break;
                }
                missed.push(message);
            }
            if reached || !full {
                break;
            }
            end = oldest;
        }
        missed.reverse();
        Ok(missed)
    }
}

pub(crate) fn ws(err: tokio_tungstenite::tungstenite::Error) -> Error {
    Error::Realtime(err.to_string())
}

/// A `changed` frame as a room event.
fn parse_event(frame: &Value) -> Option<RoomEvent> {
    let fields = &frame["fields"];
    let event_name = fields["eventName"].as_str()?;
    let args = fields["args"].as_array()?;
    match frame["collection"].as_str()? {
        "stream-room-messages" => {
            let message: Message =
                serde_json::from_value(from_ejson(args.first()?.clone())).ok()?;
            Some(RoomEvent::Message(Box::new(message)))
        }
        "stream-notify-room" if event_name.ends_with("/deleteMessage") => {
            let id = args.first()?.get("_id")?.as_str()?;
            Some(RoomEvent::Deleted(MessageId::from(id)))
        }
        "stream-notify-room" if event_name.ends_with("/typing") => Some(RoomEvent::Typing {
            username: args.first()?.as_str()?.to_owned(),
            typing: args.get(1)?.as_bool()?,
        }),
        "stream-livechat-room" => {
            let event = args.first()?;
            match event["type"].as_str()? {
                "queueData" => Some(RoomEvent::QueueSpot(event["data"]["spot"].as_i64()?)),
                "agentData" => match event.get("data") {
                    None | Some(Value::Null) => Some(RoomEvent::Agent(None)),
                    Some(data) => {
                        let agent = serde_json::from_value(from_ejson(data.clone())).ok()?;
                        Some(RoomEvent::Agent(Some(Box::new(agent))))
                    }
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// Replaces EJSON dates (`{"$date": ms}`) with the API's ISO timestamps.
pub(crate) fn from_ejson(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            if let (1, Some(millis)) = (map.len(), map.get("$date").and_then(Value::as_i64)) {
                return Value::String(Timestamp(millis).to_string());
            }
            Value::Object(map.into_iter().map(|(key, value)| (key, from_ejson(value))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(from_ejson).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ejson_dates_become_timestamps() {
        let value = from_ejson(json!({"ts": {"$date": 1_536_931_893_201_i64}, "u": {"_id": "a"}}));
        assert_eq!(value, json!({"ts": "2018-09-14T13:31:33.201Z", "u": {"_id": "a"}}));
    }

    #[test]
    fn events_are_parsed() {
        let frame = json!({"msg": "changed", "collection": "stream-notify-room", "id": "id",
            "fields": {"eventName": "r1/deleteMessage", "args": [{"_id": "m1"}]}});
        assert_eq!(parse_event(&frame), Some(RoomEvent::Deleted(MessageId::from("m1"))));
        let frame = json!({"msg": "changed", "collection": "stream-notify-room", "id": "id",
            "fields": {"eventName": "r1/typing", "args": ["guest-1", true]}});
        assert_eq!(
            parse_event(&frame),
            Some(RoomEvent::Typing { username: "guest-1".into(), typing: true })
        );
    }

    #[test]
    fn visitor_room_events_are_parsed() {
        let changed = |args: Value| {
            json!({"msg": "changed", "collection": "stream-livechat-room", "id": "id",
                "fields": {"eventName": "r1", "args": args}})
        };
        let spot = changed(json!([{"type": "queueData", "data": {"spot": 3}}]));
        assert_eq!(parse_event(&spot), Some(RoomEvent::QueueSpot(3)));
        let queued = changed(json!([{"type": "agentData"}]));
        assert_eq!(parse_event(&queued), Some(RoomEvent::Agent(None)));
        let hidden = changed(json!([{"type": "agentData", "data": {"hiddenInfo": true}}]));
        assert_eq!(
            parse_event(&hidden),
            Some(RoomEvent::Agent(Some(Box::new(AgentInfo::hidden()))))
        );
        let unknown = changed(json!([{"type": "visitorData", "data": {}}]));
        assert_eq!(parse_event(&unknown), None);
    }
}
