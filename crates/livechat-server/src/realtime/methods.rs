//! DDP methods and subscriptions of one connection, and who may see which room.
//!
//! A visitor (by token, from the subscription's `args` or from `livechat:setUpConnection`)
//! sees only its own rooms. An agent (after `login`) sees what [`UserRow::may_see`] allows:
//! the rooms it serves and the queued rooms it may take; an admin every room. Visibility is
//! checked when subscribing, and again by the hub whenever the room or the login changes and
//! whenever an event is delivered (see [`super::hub`]).

use serde_json::{json, Value};

use super::ddp;
use super::hub::{Grant, Login, Stream, Topic};
use super::session::{Connection, Ending};
use crate::auth;
use crate::db::users::UserRow;
use crate::db::{self, DbConn};

/// Most subscriptions one connection may hold.
const MAX_SUBSCRIPTIONS: usize = 256;
/// Longest method or subscription id (Meteor's clients use short random or counting ids).
const MAX_ID_CHARS: usize = 128;
/// Longest event name: a room id (at most 64 characters) and a suffix such as `/typing`.
const MAX_EVENT_CHARS: usize = 96;

/// The id of a method call or subscription, if it is a string short enough to keep.
fn frame_id(frame: &Value) -> Option<Value> {
    let id = frame.get("id")?;
    (id.as_str()?.chars().count() <= MAX_ID_CHARS).then(|| id.clone())
}

impl Connection {
    /// `{"msg":"method"}`: every call gets a `result`, with `result` or `error`.
    pub(super) async fn on_method(&mut self, frame: &Value) -> Result<(), Ending> {
        let Some(id) = frame_id(frame) else {
            return self.send(&ddp::protocol_error("Bad request", None)).await;
        };
        let method = frame.get("method").and_then(Value::as_str).unwrap_or_default();
        let params = frame.get("params").and_then(Value::as_array).cloned().unwrap_or_default();
        let outcome = match method {
            "livechat:setUpConnection" => self.set_up_connection(&params),
            "login" => self.login(&params).await,
            "logout" => {
                self.state.realtime.hub().log_out(self.hub.id);
                Ok(Value::Null)
            }
            "stream-notify-room" => self.notify_room(&params).await,
            _ => {
                let shown: String = method.chars().take(100).collect();
                Err(ddp::error(json!(404), &format!("Method '{shown}' not found")))
            }
        };
        self.send(&ddp::result(&id, outcome)).await
    }

    /// `livechat:setUpConnection [{token}]`: remembers the visitor token for this connection.
    fn set_up_connection(&mut self, params: &[Value]) -> Result<Value, Value> {
        let token = params.first().and_then(|arg| arg.get("token")).and_then(Value::as_str);
        let token = token.filter(|token| valid_token(token)).ok_or_else(match_failed)?;
        self.visitor_token = Some(token.to_owned());
        Ok(json!({ "connectionId": self.session_id }))
    }

    /// `login [{resume: authToken}]`: an agent signs in with a token from `POST login`.
    async fn login(&mut self, params: &[Value]) -> Result<Value, Value> {
        let Some(token) = params.first().and_then(|arg| arg.get("resume")).and_then(Value::as_str)
        else {
            return Err(ddp::error(json!(400), "Unrecognized options for login request"));
        };
        let token_hash = auth::hash_token(token);
        let (resume, lifetime) = (token.to_owned(), self.state.config.token_lifetime_ms());
        let session = self
            .state
            .db
            .read(move |conn| {
                let Some(session) = auth::session(conn, &resume, lifetime)? else {
                    return Ok(None);
                };
                let departments = db::departments::of_user(conn, &session.user.id)?;
                Ok(Some((session, departments)))
            })
            .await
            .map_err(server_error)?;
        // An expired token is refused like an unknown one.
        let Some((session, departments)) = session else {
            let reason = "You've been logged out by the server. Please log in again.";
            return Err(ddp::error(json!(403), reason));
        };
        let reply = json!({
            "id": session.user.id,
            "token": token,
            "tokenExpires": ddp::date(session.expires_at),
            "type": "resume",
        });
        if session.user.is_agent() {
            // The agent-leave timer restarts from this login (see `crate::timers`).
            crate::timers::seen_now(&self.state, &session.user.id).await.map_err(server_error)?;
        }
        let login = Login { user: session.user, token_hash, departments };
        self.state.realtime.hub().log_in(self.hub.id, login);
        Ok(reply)
    }

    /// `stream-notify-room ["<rid>/typing", username, bool, {token}]`: relays a typing flag
    /// to the room's other subscribers, under the caller's own username.
    async fn notify_room(&mut self, params: &[Value]) -> Result<Value, Value> {
        let event = params.first().and_then(Value::as_str).ok_or_else(match_failed)?;
        if event.chars().count() > MAX_EVENT_CHARS {
            return Err(match_failed());
        }
        let (rid, name) = event.split_once('/').ok_or_else(match_failed)?;
        let typing = params.get(2).and_then(Value::as_bool).ok_or_else(match_failed)?;
        if name != "typing" {
            return Err(not_allowed());
        }
        let token = params.get(3).and_then(token_of).or_else(|| self.visitor_token.clone());
        match self.viewer(rid, token).await.map_err(server_error)? {
            Some((username, _)) => {
                self.state.realtime.typing(rid, &username, typing, self.hub.id);
                Ok(Value::Null)
            }
            None => Err(not_allowed()),
        }
    }

    /// `{"msg":"sub"}`: `ready` when the caller may see the room, else `nosub` with an error.
    pub(super) async fn on_sub(&mut self, frame: &Value) -> Result<(), Ending> {
        let Some(id) = frame_id(frame) else {
            return self.send(&ddp::protocol_error("Bad request", None)).await;
        };
        let name = frame.get("name").and_then(Value::as_str).unwrap_or_default();
        let params = frame.get("params").and_then(Value::as_array).cloned().unwrap_or_default();
        let Some(stream) = Stream::from_name(name) else {
            let shown: String = name.chars().take(100).collect();
            let error = ddp::error(json!(404), &format!("Subscription '{shown}' not found"));
            return self.send(&ddp::nosub(&id, Some(error))).await;
        };
        let event = params.first().and_then(Value::as_str);
        let Some(event) = event.filter(|event| event.chars().count() <= MAX_EVENT_CHARS) else {
            return self.send(&ddp::nosub(&id, Some(match_failed()))).await;
        };
        let rid = match stream {
            Stream::NotifyRoom => event.split_once('/').map_or("", |(rid, _)| rid),
            Stream::RoomMessages | Stream::LivechatRoom => event,
            Stream::InquiryQueue | Stream::CannedResponses | Stream::NotifyUser => "",
        };
        let hub = self.state.realtime.hub();
        if hub.subscriptions(self.hub.id) >= MAX_SUBSCRIPTIONS {
            let error = ddp::error(json!("too-many-subscriptions"), "Too many subscriptions");
            return self.send(&ddp::nosub(&id, Some(error))).await;
        }
        if stream == Stream::InquiryQueue {
            // The queue of a department, or the general one, for agents who may take from it.
            let topic = Topic { stream, event: event.to_owned() };
            let login = hub.login_with_departments(self.hub.id);
            let sees = topic.queue_department().is_some_and(|department| {
                login
                    .is_some_and(|(user, departments)| user.sees_queue_of(department, &departments))
            });
            if !sees {
                return self.send(&ddp::nosub(&id, Some(not_allowed()))).await;
            }
            let sub = id.as_str().unwrap_or_default();
            hub.subscribe(self.hub.id, sub, topic, Grant::User);
            return self.send(&ddp::ready(&id)).await;
        }
        if stream == Stream::CannedResponses {
            // Logged-in users only; each event goes to those who may see its response.
            if event != "canned-responses" || hub.login(self.hub.id).is_none() {
                return self.send(&ddp::nosub(&id, Some(not_allowed()))).await;
            }
            let sub = id.as_str().unwrap_or_default();
            hub.subscribe(self.hub.id, sub, Topic::canned_responses(), Grant::User);
            return self.send(&ddp::ready(&id)).await;
        }
        if stream == Stream::NotifyUser {
            return self.sub_rooms_changed(&id, event).await;
        }
        let token = params.iter().skip(1).find_map(token_of).or_else(|| self.visitor_token.clone());
        let grant = match self.viewer(rid, token).await {
            Ok(Some((_, grant))) => grant,
            Ok(None) => return self.send(&ddp::nosub(&id, Some(not_allowed()))).await,
            Err(err) => return self.send(&ddp::nosub(&id, Some(server_error(err)))).await,
        };
        let topic = Topic { stream, event: event.to_owned() };
        let sub = id.as_str().unwrap_or_default();
        // A false return means the socket was kicked; the loop closes it next.
        self.state.realtime.hub().subscribe(self.hub.id, sub, topic.clone(), grant);
        self.send(&ddp::ready(&id)).await?;
        if stream == Stream::LivechatRoom {
            // A visitor waiting for an agent learns its place at once (the widget shows it).
            let rid = rid.to_owned();
            let spot = self.state.db.read(move |conn| {
                Ok::<_, db::Error>(match db::rooms::find(conn, &rid)? {
                    Some(room) if room.open && room.served_by_id.is_none() => {
                        Some(db::rooms::spot(conn, &room)?)
                    }
                    _ => None,
                })
            });
            if let Ok(Some(spot)) = spot.await {
                let event = json!([{ "type": "queueData", "data": { "spot": spot } }]);
                self.send(&topic.changed(event)).await?;
            }
        }
        Ok(())
    }

    /// `stream-notify-user` `<uid>/rooms-changed`: the logged-in user's own event only. The
    /// rooms it serves now are read after the subscription is recorded (see
    /// [`super::hub::Hub::seed_served`]), and `ready` follows that read.
    async fn sub_rooms_changed(&mut self, id: &Value, event: &str) -> Result<(), Ending> {
        let hub = self.state.realtime.hub();
        let user = hub.login(self.hub.id).map(|user| user.id);
        let Some(uid) = user.filter(|uid| Topic::rooms_changed(uid).event == event) else {
            return self.send(&ddp::nosub(id, Some(not_allowed()))).await;
        };
        let sub = id.as_str().unwrap_or_default().to_owned();
        if !hub.subscribe(self.hub.id, &sub, Topic::rooms_changed(&uid), Grant::User) {
            // Kicked: the loop closes the socket next.
            return Ok(());
        }
        let read = self.state.db.read(move |conn| db::rooms::open_of_agent(conn, &uid)).await;
        let hub = self.state.realtime.hub();
        match read {
            Ok(rooms) => {
                if hub.seed_served(self.hub.id, rooms) {
                    self.send(&ddp::ready(id)).await
                } else {
                    // Ended meanwhile (logged out): its `nosub` went out already.
                    Ok(())
                }
            }
            Err(err) => {
                hub.unsubscribe(self.hub.id, &sub);
                self.send(&ddp::nosub(id, Some(server_error(err)))).await
            }
        }
    }

    /// The username under which this connection may see room `rid`, if it may, and through
    /// whom: the room's visitor (by `token`), or the logged-in agent.
    async fn viewer(
        &self,
        rid: &str,
        token: Option<String>,
    ) -> db::Result<Option<(String, Grant)>> {
        if rid.is_empty() || rid.chars().count() > 64 {
            return Ok(None);
        }
        let (rid, agent) = (rid.to_owned(), self.state.realtime.hub().login(self.hub.id));
        let token = token.filter(|token| valid_token(token));
        self.state.db.read(move |conn| viewer(conn, &rid, token.as_deref(), agent)).await
    }
}

fn viewer(
    conn: &mut DbConn,
    rid: &str,
    token: Option<&str>,
    agent: Option<UserRow>,
) -> db::Result<Option<(String, Grant)>> {
    let Some(room) = db::rooms::find(conn, rid)? else { return Ok(None) };
    if let Some(token) = token {
        if let Some(visitor) = db::visitors::find_by_token(conn, token)? {
            if visitor.id == room.visitor_id {
                return Ok(Some((visitor.username, Grant::Visitor)));
            }
        }
    }
    let Some(agent) = agent else { return Ok(None) };
    let departments = db::departments::of_user(conn, &agent.id)?;
    Ok(agent.may_see(&room, &departments).then_some((agent.username, Grant::User)))
}

/// The visitor token in a subscription or method argument: `{token}` or `{visitorToken}`,
/// directly or inside `args` (`{useCollection: false, args: [{token, visitorToken}]}`).
fn token_of(arg: &Value) -> Option<String> {
    let direct = ["token", "visitorToken"]
        .iter()
        .find_map(|key| arg.get(key).and_then(Value::as_str))
        .map(str::to_owned);
    direct.or_else(|| arg.get("args")?.as_array()?.iter().find_map(token_of))
}

/// A visitor token: 1-256 characters, not blank (as on the REST API).
fn valid_token(token: &str) -> bool {
    !token.trim().is_empty() && token.chars().count() <= 256
}

fn match_failed() -> Value {
    ddp::error(json!(400), "Match failed")
}

fn not_allowed() -> Value {
    ddp::error(json!("not-allowed"), "Not allowed")
}

/// A database failure, as a DDP error; the cause is logged, never sent.
fn server_error(err: db::Error) -> Value {
    match err {
        db::Error::Unavailable(_) => ddp::error(json!(503), "service-unavailable"),
        other => {
            tracing::error!(error = %other, "realtime request failed");
            ddp::error(json!(500), "Internal server error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_where_clients_put_them() {
        let sub = json!({"useCollection": false, "args": [{"token": "t1", "visitorToken": "t1"}]});
        assert_eq!(token_of(&sub).as_deref(), Some("t1"));
        assert_eq!(token_of(&json!({"visitorToken": "t2"})).as_deref(), Some("t2"));
        assert_eq!(token_of(&json!({"args": [false]})), None);
        assert_eq!(token_of(&json!(false)), None);
        assert!(!valid_token("  "));
        assert!(!valid_token(&"x".repeat(257)));
    }
}
