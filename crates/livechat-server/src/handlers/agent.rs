//! Agent endpoints: login, availability, rooms, replies and closing (SPEC section 6), and
//! `livechat/agent.info` for visitors.

use crate::outbox::Hooks;
use actix_web::{web, HttpMessage as _, HttpRequest};
use livechat_types::agent::{
    chat_delete, chat_send, chat_update, close_room, info, login, logout, next, status,
};
use livechat_types::{ErrorCode, RoomId, Timestamp, VisitorToken};
use serde_json::json;

use super::{now, ok, Reply};
use crate::auth::{self, Authed};
use crate::db::messages::{Author, NewMessage, Store};
use crate::db::models::{MessageRow, RoomRow};
use crate::db::users::UserRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
use crate::limits::ClientIp;
use crate::settings::registry::{
    ALLOW_FORCE_CLOSE, CANNED_RESPONSES_ENABLE, COMMENT_REQUIRED_ON_CLOSE,
};
use crate::{permissions, validate, AppState};

/// `POST /api/v1/login`
pub async fn login(
    state: web::Data<AppState>,
    http: HttpRequest,
    Body(req): Body<login::Request>,
) -> Reply<login::Response> {
    let username = req.user.trim().to_owned();
    // Usernames ignore case, so the limit does too: `ALICE` counts as `alice`.
    state.limits.check_login(&username.to_lowercase())?;
    let client = http.extensions().get::<ClientIp>().map(|ClientIp(ip)| *ip);
    let user = state.read(move |conn| Ok(db::users::find_by_username(conn, &username)?)).await?;
    // Argon2 is deliberately slow and memory-hungry: it runs on the bounded password pool,
    // which answers 429 when it is full. Unknown users cost the same work.
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    let valid = state.passwords.verify(client, req.password, stored).await?;
    // A user without any role (all taken away) cannot log in.
    let user = user.filter(|user| valid && user.has_any_role()).ok_or(ErrorCode::NotLoggedIn)?;
    let token = auth::new_auth_token();
    let (hash, user_id) = (auth::hash_token(&token), user.id.clone());
    let (at, lifetime) = (now(), state.config.token_lifetime_ms());
    state
        .write(Key::User(user_id.clone()), move |conn: &mut DbConn| {
            // In step with a logout of another session, which counts the sessions left.
            db::users::lock(conn, &user_id)?;
            // Its expired tokens go as it makes a new one, so they never pile up.
            db::users::delete_expired_tokens(conn, &user_id, at - lifetime)?;
            Ok::<_, ApiError>(db::users::insert_token(conn, &hash, &user_id, at)?)
        })
        .await?;
    ok(login::Response {
        status: "success".into(),
        data: login::Credentials {
            user_id: user.id.clone(),
            auth_token: token,
            token_expires: Some(Timestamp(at + lifetime)),
            me: me(&user),
        },
    })
}

fn me(user: &UserRow) -> login::Me {
    login::Me {
        id: user.id.clone(),
        username: user.username.clone(),
        name: user.name.clone(),
        roles: crate::roles::list(&user.roles),
        status_livechat: user.status.clone(),
    }
}

/// `POST /api/v1/logout`: revokes the request's token; the user's last session also ends its
/// availability.
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    Authed(user, Body(_)): Authed<Body<logout::Request>>,
) -> Reply<logout::Response> {
    let hash = auth::token_of(&req).map(|token| auth::hash_token(&token)).unwrap_or_default();
    let (user_id, not_before) = (user.id.clone(), now() - state.config.token_lifetime_ms());
    let left = state
        .write(Key::User(user.id.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            // The user's row first: its other sessions' logins and logouts wait for this one.
            let Some(user) = db::users::lock(conn, &user_id)? else { return Ok(false) };
            db::users::delete_token(conn, &hash)?;
            // Its last session ends its availability (as in Rocket.Chat): nobody is left to
            // answer the rooms routing would give it.
            if !user.is_available() || db::users::count_tokens(conn, &user_id, not_before)? > 0 {
                return Ok(false);
            }
            db::users::set_status(conn, &user_id, "not-available")?;
            // Nobody is left to come back: the agent-leave timer stops.
            db::users::set_seen(conn, &user_id, None)?;
            Ok(true)
        })
        .await?;
    // Sockets logged in with that token, on every instance, are logged out.
    state.realtime.user_changed(&user.id);
    if left {
        state.realtime.agent_status_changed(&user.id);
    }
    ok(logout::Response {
        status: "success".into(),
        data: json!({"message": "You've been logged out!"}),
    })
}

/// `POST /api/v1/livechat/agent.status`. Becoming available drains the queue.
pub async fn set_status(
    state: web::Data<AppState>,
    Authed(agent, Body(req)): Authed<Body<status::Request>>,
) -> Reply<status::Response> {
    state.require(&agent, permissions::VIEW_L_ROOM).await?;
    let available = match req.status.as_str() {
        "available" => true,
        "not-available" => false,
        _ => return Err(ApiError::Params("'status' must be available or not-available".into())),
    };
    let new_status = req.status.clone();
    let agent_id = agent.id.clone();
    let set = move |conn: &mut DbConn| db::users::set_status(conn, &agent.id, &new_status);
    state.write(Key::User(agent_id.clone()), set).await?;
    if available {
        // One write per queued room: routing never holds the agent's row and a room's at once.
        super::drain_queue(&state).await;
    }
    state.realtime.agent_status_changed(&agent_id);
    ok(status::Response { status: req.status })
}

/// A room the agent may act in, locked for the change. "Not yours" and "does not exist"
/// are the same answer.
fn agent_room(conn: &mut DbConn, agent: &UserRow, room_id: &RoomId) -> Result<RoomRow, ApiError> {
    db::rooms::lock(conn, room_id.as_str())?
        .filter(|room| agent.may_act_in(room))
        .ok_or_else(|| ErrorCode::InvalidRoom.into())
}

/// `POST /api/v1/chat.sendMessage`: the serving agent (or an admin) replies, retry-safe.
pub async fn send(
    state: web::Data<AppState>,
    Authed(agent, Body(req)): Authed<Body<chat_send::Request>>,
) -> Reply<chat_send::Response> {
    let message = req.message;
    validate::room_id(&message.room_id)?;
    validate::text(&message.text)?;
    if let Some(id) = &message.id {
        validate::message_id(id)?;
    }
    state.require(&agent, permissions::VIEW_L_ROOM).await?;
    let settings = state.settings().await?;
    let (placeholders, hooks) =
        (settings.flag(CANNED_RESPONSES_ENABLE), Hooks::from_values(&settings));
    let new = NewMessage {
        author: Author::Agent { user: agent, placeholders },
        rid: message.room_id.0,
        id: message.id.map(|id| id.0),
        text: message.text,
        now: now(),
        max_chars: state.config.message_max_chars,
    };
    let row = state.write(Key::Room(new.rid.clone()), Store(new, hooks)).await??;
    state.realtime.message_changed(&row.rid, &row.id);
    if hooks.any() {
        state.outbox.wake();
    }
    ok(chat_send::Response { message: row.into_wire() })
}

/// The agent's own message `id` in a room it may act in, while the room is open.
fn own_message(
    conn: &mut DbConn,
    agent: &UserRow,
    room_id: &RoomId,
    id: &str,
) -> Result<(RoomRow, MessageRow), ApiError> {
    let room = agent_room(conn, agent, room_id)?;
    let message =
        db::messages::find_in_room(conn, id, &room.id)?.ok_or(ErrorCode::InvalidMessage)?;
    if !message.is_written_by_agent(&agent.id) {
        return Err(ErrorCode::ActionNotAllowed.into());
    }
    if !room.open {
        return Err(ErrorCode::RoomClosed.into());
    }
    Ok((room, message))
}

/// `POST /api/v1/chat.update`
pub async fn update(
    state: web::Data<AppState>,
    Authed(agent, Body(req)): Authed<Body<chat_update::Request>>,
) -> Reply<chat_update::Response> {
    validate::room_id(&req.room_id)?;
    validate::message_id(&req.message_id)?;
    validate::text(&req.text)?;
    state.require(&agent, permissions::VIEW_L_ROOM).await?;
    let max_chars = state.config.message_max_chars;
    let key = Key::Room(req.room_id.as_str().to_owned());
    let hooks = Hooks::from_values(&*state.settings().await?);
    let row = state
        .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let (_, mut message) =
                own_message(conn, &agent, &req.room_id, req.message_id.as_str())?;
            if validate::chars(&req.text) > max_chars {
                return Err(ErrorCode::MessageSizeExceeded.into());
            }
            let at = now();
            db::messages::edit(conn, &message.id, &req.text, at, (&agent.id, &agent.username))?;
            message.msg = req.text;
            message.edited_at = Some(at);
            message.edited_by_id = Some(agent.id.clone());
            message.edited_by_username = Some(agent.username.clone());
            message.updated_at = at;
            db::messages::message_hook(conn, hooks, &message)?;
            Ok(message)
        })
        .await?;
    state.realtime.message_changed(&row.rid, &row.id);
    if hooks.any() {
        state.outbox.wake();
    }
    ok(chat_update::Response { message: row.to_wire() })
}

/// `POST /api/v1/chat.delete`
pub async fn delete(
    state: web::Data<AppState>,
    Authed(agent, Body(req)): Authed<Body<chat_delete::Request>>,
) -> Reply<chat_delete::Response> {
    validate::room_id(&req.room_id)?;
    validate::message_id(&req.message_id)?;
    state.require(&agent, permissions::VIEW_L_ROOM).await?;
    let key = req.room_id.as_str().to_owned();
    let id = req.message_id.clone();
    let at = state
        .write(Key::Room(key.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let (_, message) = own_message(conn, &agent, &req.room_id, req.message_id.as_str())?;
            let at = now();
            db::messages::mark_deleted(conn, &message.id, at)?;
            Ok(at)
        })
        .await?;
    state.realtime.message_deleted(&key, id.as_str());
    ok(chat_delete::Response { id, ts: Timestamp(at) })
}

/// `POST /api/v1/livechat/room.closeByUser`, with Rocket.Chat's checks in its order: the
/// room, the caller's permission, the room still open (unless forced, where
/// `Omnichannel_allow_force_close_conversations` allows it), a comment where one is required,
/// tags where the room's department asks for them. The tags given join those the room has.
pub async fn close_room(
    state: web::Data<AppState>,
    Authed(agent, Body(req)): Authed<Body<close_room::Request>>,
) -> Reply<close_room::Response> {
    validate::room_id(&req.rid)?;
    let tags = super::canned_response::check_tags(req.tags)?;
    state.require(&agent, permissions::VIEW_L_ROOM).await?;
    let own = state.allows(&agent, permissions::CLOSE_LIVECHAT_ROOM).await?;
    let others = state.allows(&agent, permissions::CLOSE_OTHERS_LIVECHAT_ROOM).await?;
    let settings = state.settings().await?;
    let force = req.force_close == Some(true) && settings.flag(ALLOW_FORCE_CLOSE);
    let comment_required = settings.flag(COMMENT_REQUIRED_ON_CLOSE);
    let key = req.rid.as_str().to_owned();
    let closed_id = state
        .write(Key::Room(key.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let room = agent_room(conn, &agent, &req.rid)?;
            let serves = room.served_by_id.as_deref() == Some(agent.id.as_str());
            if !(if serves { own } else { others }) {
                return Err(ErrorCode::Unauthorized.into());
            }
            if !room.open && !force {
                return Err(ErrorCode::RoomClosed.into());
            }
            let comment = req.comment.unwrap_or_default();
            if comment_required && comment.trim().is_empty() {
                return Err(ErrorCode::CommentRequired.into());
            }
            let department = match &room.department_id {
                Some(id) => db::departments::find(conn, id)?,
                None => None,
            };
            if tags.is_empty() && department.is_some_and(|d| d.request_tag_before_closing) {
                return Err(ErrorCode::TagsRequired.into());
            }
            let mut kept: Vec<String> = serde_json::from_str(&room.tags).unwrap_or_default();
            for tag in tags {
                if !kept.contains(&tag) {
                    kept.push(tag);
                }
            }
            let kept = serde_json::to_string(&kept).map_err(anyhow::Error::from)?;
            db::rooms::set_tags(conn, &room.id, &kept)?;
            let by = (agent.id.clone(), agent.username.clone(), agent.name.clone());
            let closer = (agent.id.as_str(), agent.username.as_str(), "user");
            if !room.open {
                // Forced on a closed room: its closing is recorded again, without a second
                // closing message.
                let closing = db::rooms::Closing {
                    at: now(),
                    by_id: closer.0,
                    by_username: closer.1,
                    closer: closer.2,
                };
                db::rooms::close(conn, &room.id, &closing)?;
                return Ok(None);
            }
            Ok(Some(super::room::close_room(conn, &room, by, closer, comment)?))
        })
        .await?;
    if let Some(closed_id) = closed_id {
        state.realtime.message_changed(&key, &closed_id);
    }
    state.realtime.room_changed(&key);
    super::drain_after_close(&state).await;
    ok(close_room::Response {})
}

/// `GET /api/v1/livechat/agent.info/{rid}/{token}`: the agent serving the visitor's room.
pub async fn info(state: web::Data<AppState>, req: HttpRequest) -> Reply<info::Response> {
    let room_id = RoomId::from(path_param(&req, "rid")?);
    let token = VisitorToken::from(path_param(&req, "token")?);
    validate::room_id(&room_id)?;
    validate::token(&token)?;
    let agent = state
        .read(move |conn| {
            let visitor = db::visitors::find_by_token(conn, token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let room = db::rooms::find_of_visitor(conn, room_id.as_str(), &visitor.id)?
                .ok_or(ErrorCode::InvalidRoom)?;
            let agent_id = room.served_by_id.ok_or(ErrorCode::InvalidAgent)?;
            Ok(db::users::find(conn, &agent_id)?.ok_or(ErrorCode::InvalidAgent)?)
        })
        .await?;
    let view = state.settings().await?.agent_view();
    ok(info::Response { agent: agent.to_public(view) })
}

/// `GET /api/v1/livechat/agent.next/{token}?department=`: the agent a new chat would go to
/// now (of the department, if given); nothing when the visitor already has an open room.
/// The widget's triggers call it before registering, so an unknown token is no error.
pub async fn next(
    state: web::Data<AppState>,
    req: HttpRequest,
    Query(query): Query<next::Request>,
) -> Reply<next::Response> {
    let token = VisitorToken::from(path_param(&req, "token")?);
    validate::token(&token)?;
    let department = query.department.filter(|department| !department.is_empty());
    if let Some(department) = &department {
        validate::at_most("department", department, validate::bounds::DEPARTMENT)?;
    }
    let max_chats = state.settings().await?.max_chats();
    let agent = state
        .read(move |conn| {
            if let Some(visitor) = db::visitors::find_by_token(conn, token.as_str())? {
                if db::rooms::find_open_of_visitor(conn, &visitor.id)?.is_some() {
                    return Ok(None);
                }
            }
            let agent = db::users::least_busy_available(conn, department.as_deref(), max_chats)?;
            Ok(Some(agent.ok_or(ErrorCode::AgentNotFound)?))
        })
        .await?;
    let view = state.settings().await?.agent_view();
    ok(next::Response { agent: agent.map(|agent| agent.to_public(view)) })
}
