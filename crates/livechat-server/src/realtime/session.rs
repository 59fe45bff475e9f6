//! One DDP connection: the handler of `GET /websocket` and the socket's loop.
//!
//! The loop reads the client's frames, writes what the hub queued for the socket, pings
//! the client when it is quiet, and closes the socket when the hub kicked it (it fell
//! behind, or the server stops), when the client stopped answering, or when a write stalls.
//!
//! Every write has a deadline (`--write-timeout-ms`). A write here only queues the frame
//! for actix, which sends it when the client's TCP window lets it; a client that stops
//! reading therefore blocks the queue, the deadline passes and the session ends. Its TCP
//! connection goes too: actix would wait for the client forever to take the bytes it
//! holds, but every connection carries the same deadline as `TCP_USER_TIMEOUT` (see
//! `crate::bind`), so the kernel drops it once its data has waited that long, and actix
//! then lets go of it.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, FromRequest as _, HttpMessage as _, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use tokio::time::{timeout, Instant};

use super::ddp;
use super::frames::Bounded;
use super::hub::{Frame, Hub};
use crate::limits::ClientIp;
use crate::AppState;

/// How often a quiet client is pinged (more often when half the idle timeout is shorter).
const PING_EVERY: Duration = Duration::from_secs(25);
/// How long the close frame may take to go out (less when the write timeout is shorter).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Largest frame a client may send.
const MAX_FRAME: usize = 64 * 1024;

/// `GET /websocket`: upgrades to a DDP session.
pub async fn websocket(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    // Frames over the limit end the connection from their header on (see `frames.rs`).
    let oversized = Arc::new(AtomicBool::new(false));
    let bounded = Bounded::new(body.into_inner(), MAX_FRAME, oversized.clone());
    type Boxed = std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>>>,
    >;
    let mut bounded = actix_web::dev::Payload::from(Box::pin(bounded) as Boxed);
    let Ok(body) = web::Payload::from_request(&req, &mut bounded).await else {
        return HttpResponse::InternalServerError().finish();
    };
    let Ok((response, session, stream)) = actix_ws::handle(&req, body) else {
        let code = livechat_types::ErrorCode::InvalidParams;
        let body = livechat_types::ErrorBody::described("expected a WebSocket upgrade", &code);
        return HttpResponse::BadRequest().json(body);
    };
    let stream =
        stream.max_frame_size(MAX_FRAME).aggregate_continuations().max_continuation_size(MAX_FRAME);
    let client = req.extensions().get::<ClientIp>().map(|ClientIp(ip)| *ip);
    let state = state.into_inner();
    let membership = state.realtime.hub().join();
    let connection = Connection {
        hub: HubSeat { hub: state.realtime.hub.clone(), id: membership.id },
        write_timeout: state.config.write_timeout(),
        idle_timeout: state.config.socket_idle_timeout(),
        state,
        session,
        kicked: membership.kicked,
        session_id: crate::ids::random_id(),
        connected: false,
        visitor_token: None,
        client,
        oversized,
    };
    actix_web::rt::spawn(connection.run(stream, membership.outbox));
    response
}

/// Leaves the hub when the connection ends, however it ends.
pub(super) struct HubSeat {
    pub(super) hub: Arc<Hub>,
    pub(super) id: u64,
}

impl Drop for HubSeat {
    fn drop(&mut self) {
        self.hub.leave(self.id);
    }
}

/// The state of one DDP connection.
pub(super) struct Connection {
    pub(super) state: Arc<AppState>,
    pub(super) hub: HubSeat,
    session: Session,
    kicked: Arc<Notify>,
    /// How long a frame may wait for the client to take it.
    write_timeout: Duration,
    /// How long the client may stay silent.
    idle_timeout: Duration,
    /// The DDP session id, also the `connectionId` of `livechat:setUpConnection`.
    pub(super) session_id: String,
    connected: bool,
    /// The visitor token from `livechat:setUpConnection`.
    pub(super) visitor_token: Option<String>,
    /// The client's address: its method calls and subscriptions count against the same
    /// per-address limit as its REST requests.
    client: Option<IpAddr>,
    /// Set when the client announced a frame over the limit.
    oversized: Arc<AtomicBool>,
}

/// Why the loop ended: `None` for a normal close.
pub(super) type Ending = Option<CloseReason>;

impl Connection {
    async fn run(mut self, mut stream: AggregatedMessageStream, mut outbox: mpsc::Receiver<Frame>) {
        let ping_every = PING_EVERY.min(self.idle_timeout / 2);
        let mut keepalive = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
        let mut heard = Instant::now();
        // Fires at the idle deadline as of when it was set; `heard` may have moved it since.
        let silence = tokio::time::sleep(self.idle_timeout);
        tokio::pin!(silence);
        let kicked = self.kicked.clone();
        let ending: Ending = loop {
            tokio::select! {
                incoming = stream.recv() => {
                    heard = Instant::now();
                    match incoming {
                        Some(Ok(AggregatedMessage::Text(text))) => {
                            if let Err(ending) = self.on_frame(&text).await {
                                break ending;
                            }
                        }
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            // Like every write, bounded: a client that pings but does not
                            // read is closed, not waited for.
                            match timeout(self.write_timeout, self.session.pong(&bytes)).await {
                                Ok(Ok(())) => {}
                                Ok(Err(_closed)) => break None,
                                Err(_elapsed) => break Some(catch_up()),
                            }
                        }
                        Some(Ok(AggregatedMessage::Close(_))) | None => break None,
                        Some(Ok(_)) => {}
                        Some(Err(_)) if self.oversized.load(Ordering::Relaxed) => {
                            break Some(CloseCode::Size.into());
                        }
                        Some(Err(_)) => break Some(CloseCode::Protocol.into()),
                    }
                }
                frame = outbox.recv() => match frame {
                    Some(frame) => {
                        if let Err(ending) = self.send(&frame).await {
                            break ending;
                        }
                    }
                    // The hub dropped this socket: it kicked it.
                    None => break Some(self.kick_reason()),
                },
                () = kicked.notified() => break Some(self.kick_reason()),
                () = &mut silence => {
                    let deadline = heard + self.idle_timeout;
                    if Instant::now() >= deadline {
                        break Some(CloseReason { code: CloseCode::Away, description: Some("timeout".into()) });
                    }
                    silence.as_mut().reset(deadline);
                }
                _ = keepalive.tick() => {
                    if let Err(ending) = self.send(r#"{"msg":"ping"}"#).await {
                        break ending;
                    }
                }
            }
        };
        // A client that stopped reading will not read the close frame either.
        let close_timeout = CLOSE_TIMEOUT.min(self.write_timeout);
        let _ = timeout(close_timeout, self.session.close(ending)).await;
    }

    /// Writes one frame; gives up when the client does not take it in time, or when the
    /// hub kicks the socket meanwhile.
    pub(super) async fn send(&mut self, text: &str) -> Result<(), Ending> {
        let kicked = self.kicked.clone();
        let written = tokio::select! {
            written = timeout(self.write_timeout, self.session.text(text.to_owned())) => written,
            () = kicked.notified() => return Err(Some(self.kick_reason())),
        };
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_closed)) => Err(None),
            Err(_elapsed) => Err(Some(catch_up())),
        }
    }

    /// Why the hub kicked this socket: the server stops, or the socket fell behind.
    fn kick_reason(&self) -> CloseReason {
        if self.state.realtime.hub().going_away() {
            CloseReason { code: CloseCode::Away, description: Some("server stopping".into()) }
        } else {
            catch_up()
        }
    }

    /// Handles one text frame from the client.
    async fn on_frame(&mut self, text: &str) -> Result<(), Ending> {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            return self.send(&ddp::protocol_error("Bad request", None)).await;
        };
        let kind = frame.get("msg").and_then(Value::as_str).unwrap_or_default();
        if !self.connected && kind != "connect" {
            return self.send(&ddp::protocol_error("Must connect first", Some(&frame))).await;
        }
        match kind {
            "connect" => self.on_connect(&frame).await,
            "ping" => self.send(&ddp::pong(frame.get("id"))).await,
            "pong" => Ok(()),
            "method" | "sub" if self.rate_limited() => {
                let id = frame.get("id").cloned().unwrap_or(Value::Null);
                let error = ddp::error(json!("too-many-requests"), "Too many requests");
                match kind {
                    "method" => self.send(&ddp::result(&id, Err(error))).await,
                    _ => self.send(&ddp::nosub(&id, Some(error))).await,
                }
            }
            "method" => self.on_method(&frame).await,
            "sub" => self.on_sub(&frame).await,
            "unsub" => {
                let id = frame.get("id").cloned().unwrap_or(Value::Null);
                if let Some(sub) = id.as_str() {
                    self.state.realtime.hub().unsubscribe(self.hub.id, sub);
                }
                self.send(&ddp::nosub(&id, None)).await
            }
            _ => self.send(&ddp::protocol_error("Bad request", Some(&frame))).await,
        }
    }

    /// Whether the client is over its per-address limit (each method call and subscription
    /// counts as a request).
    fn rate_limited(&self) -> bool {
        self.client.is_some_and(|ip| self.state.limits.check_ip(ip).is_err())
    }

    async fn on_connect(&mut self, frame: &Value) -> Result<(), Ending> {
        let version = frame.get("version").and_then(Value::as_str);
        let supports_1 = frame
            .get("support")
            .and_then(Value::as_array)
            .is_some_and(|versions| versions.iter().any(|version| version == "1"));
        if version != Some("1") && !supports_1 {
            self.send(r#"{"msg":"failed","version":"1"}"#).await?;
            return Err(None);
        }
        self.connected = true;
        let reply = serde_json::json!({ "msg": "connected", "session": self.session_id });
        self.send(&reply.to_string()).await
    }
}

/// How a socket is closed when it may have missed events: its client reconnects and catches
/// up with the history.
fn catch_up() -> CloseReason {
    CloseReason { code: CloseCode::Again, description: Some("reconnect and catch up".into()) }
}
