//! `livechat/message` and `livechat/messages.history`: the seed's endpoints.
//!
//! A room is always looked up by `rid` and the visitor's token together, and a message by
//! `_id` and `rid` together, so "not yours" and "does not exist" give the same answer.

use actix_web::{web, HttpRequest};
use livechat_types::message::{delete, get, history, send, update};
use livechat_types::{ErrorCode, MessageId, RoomId, Timestamp, VisitorToken};

use super::{now, ok, page, Reply};
use crate::auth::Agent;
use crate::db::messages::{Author, NewMessage, Store};
use crate::db::models::{MessageRow, RoomRow, VisitorRow};
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Params, Query};
use crate::outbox::Hooks;
use crate::{validate, AppState, Config};

/// `POST /api/v1/livechat/message`
pub async fn send(
    state: web::Data<AppState>,
    Body(req): Body<send::Request>,
) -> Reply<send::Response> {
    validate::token(&req.token)?;
    validate::room_id(&req.room_id)?;
    validate::text(&req.text)?;
    if let Some(id) = &req.id {
        validate::message_id(id)?;
    }
    let new = NewMessage {
        author: Author::Visitor { token: req.token.0 },
        rid: req.room_id.0,
        id: req.id.map(|id| id.0),
        text: req.text,
        now: now(),
        max_chars: state.config.message_max_chars,
    };
    let hooks = Hooks::from_values(&*state.settings().await?);
    let row = state.write(Key::Room(new.rid.clone()), Store(new, hooks)).await??;
    state.realtime.message_changed(&row.rid, &row.id);
    if hooks.any() {
        state.outbox.wake();
    }
    ok(send::Response { message: row.into_wire() })
}

fn message_id_from_path(req: &HttpRequest) -> Result<MessageId, ApiError> {
    let id = MessageId::from(path_param(req, "id")?);
    validate::message_id(&id)?;
    Ok(id)
}

/// `GET /api/v1/livechat/message/{id}?token=&rid=`
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    Query(query): Query<get::Request>,
) -> Reply<get::Response> {
    let id = message_id_from_path(&req)?;
    validate::token(&query.token)?;
    validate::room_id(&query.room_id)?;
    let row = state
        .read(move |conn| {
            let visitor = db::visitors::find_by_token(conn, query.token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let room = db::rooms::find_of_visitor(conn, query.room_id.as_str(), &visitor.id)?
                .ok_or(ErrorCode::InvalidRoom)?;
            db::messages::find_in_room(conn, id.as_str(), &room.id)?
                .ok_or_else(|| ErrorCode::InvalidMessage.into())
        })
        .await?;
    ok(get::Response { message: row.to_wire() })
}

/// The visitor with `token` and its room `room_id`, locked for a change.
fn visitor_and_room(
    conn: &mut DbConn,
    token: &VisitorToken,
    room_id: &RoomId,
) -> Result<(VisitorRow, RoomRow), ApiError> {
    let visitor =
        db::visitors::find_by_token(conn, token.as_str())?.ok_or(ErrorCode::InvalidToken)?;
    let room = db::rooms::lock_of_visitor(conn, room_id.as_str(), &visitor.id)?
        .ok_or(ErrorCode::InvalidRoom)?;
    Ok((visitor, room))
}

/// The message `id` of `room`, when `visitor` may change it: only the author, only while
/// editing or deleting is allowed and inside the edit window.
fn own_message(
    conn: &mut DbConn,
    id: &MessageId,
    room: &RoomRow,
    visitor: &VisitorRow,
    allowed: bool,
    config: &Config,
) -> Result<MessageRow, ApiError> {
    let message = db::messages::find_in_room(conn, id.as_str(), &room.id)?
        .ok_or(ErrorCode::InvalidMessage)?;
    let window_ms = i64::try_from(config.edit_window_minutes).unwrap_or(i64::MAX / 60_000) * 60_000;
    let too_late = window_ms > 0 && now().saturating_sub(message.ts) > window_ms;
    if !allowed || !message.is_written_by_visitor(&visitor.id) || too_late {
        return Err(ErrorCode::ActionNotAllowed.into());
    }
    if !room.open {
        return Err(ErrorCode::RoomClosed.into());
    }
    Ok(message)
}

/// `PUT /api/v1/livechat/message/{id}`
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    Body(body): Body<update::Request>,
) -> Reply<update::Response> {
    let id = message_id_from_path(&req)?;
    validate::token(&body.token)?;
    validate::room_id(&body.room_id)?;
    validate::text(&body.text)?;
    let config = state.config.clone();
    let key = Key::Room(body.room_id.as_str().to_owned());
    let hooks = Hooks::from_values(&*state.settings().await?);
    let row = state
        .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let (visitor, room) = visitor_and_room(conn, &body.token, &body.room_id)?;
            let mut message = own_message(conn, &id, &room, &visitor, config.allow_edit, &config)?;
            if validate::chars(&body.text) > config.message_max_chars {
                return Err(ErrorCode::MessageSizeExceeded.into());
            }
            let at = now();
            db::messages::edit(
                conn,
                &message.id,
                &body.text,
                at,
                (&visitor.id, &visitor.username),
            )?;
            message.msg = body.text;
            message.edited_at = Some(at);
            message.edited_by_id = Some(visitor.id);
            message.edited_by_username = Some(visitor.username);
            message.updated_at = at;
            db::messages::message_hook(conn, hooks, &message)?;
            Ok(message)
        })
        .await?;
    state.realtime.message_changed(&row.rid, &row.id);
    if hooks.any() {
        state.outbox.wake();
    }
    ok(update::Response { message: row.to_wire() })
}

/// `DELETE /api/v1/livechat/message/{id}`, `token` and `rid` in the body or the query
/// string. Deleting must prove ownership, so a request without a token is refused.
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    Params(delete::Request { token, room_id, .. }): Params<delete::Request>,
) -> Reply<delete::Response> {
    let id = message_id_from_path(&req)?;
    validate::token(&token)?;
    validate::room_id(&room_id)?;
    let config = state.config.clone();
    let key = room_id.as_str().to_owned();
    let deleted = state
        .write(Key::Room(key.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let (visitor, room) = visitor_and_room(conn, &token, &room_id)?;
            let message = own_message(conn, &id, &room, &visitor, config.allow_delete, &config)?;
            let at = now();
            db::messages::mark_deleted(conn, &message.id, at)?;
            Ok(delete::Deleted { id, ts: Timestamp(at), ls: Timestamp(at) })
        })
        .await?;
    state.realtime.message_deleted(&key, deleted.id.as_str());
    ok(delete::Response { message: deleted })
}

/// Default page size of the history.
const HISTORY_DEFAULT: i64 = 20;
/// Largest page size of the history.
const HISTORY_MAX: i64 = 100;

/// `GET /api/v1/livechat/messages.history/{rid}?token=&limit=&offset=&end=`, for the
/// room's visitor (`token`) or an agent who may act in the room (headers).
pub async fn history(
    state: web::Data<AppState>,
    req: HttpRequest,
    agent: Result<Agent, ApiError>,
    Query(query): Query<history::Request>,
) -> Reply<history::Response> {
    let room_id = RoomId::from(path_param(&req, "rid")?);
    validate::room_id(&room_id)?;
    let agent = match &query.token {
        Some(token) => {
            validate::token(token)?;
            None
        }
        // Agent credentials instead of a token: wrong ones are 401.
        None if req.headers().contains_key("x-auth-token") => {
            let agent = agent?;
            state.require(&agent.0, crate::permissions::VIEW_L_ROOM).await?;
            Some(agent)
        }
        None => return Err(ApiError::Params("must have required property 'token'".into())),
    };
    let (limit, offset) = page(query.limit, query.offset, HISTORY_DEFAULT, HISTORY_MAX)?;
    let end = query.end.map(Timestamp::as_millis);
    let rows = state
        .read(move |conn| {
            let allowed = match (&query.token, agent) {
                (Some(token), _) => {
                    let (token, rid) = (token.as_str(), room_id.as_str());
                    let rows =
                        db::messages::history_of_visitor(conn, token, rid, end, offset, limit)?;
                    if !rows.is_empty() {
                        return Ok(rows);
                    }
                    // An empty page: no messages there, or not this visitor's room.
                    let sender =
                        db::messages::sender(conn, token, rid)?.ok_or(ErrorCode::InvalidToken)?;
                    if sender.open.is_some() {
                        return Ok(rows);
                    }
                    false
                }
                (None, Some(Agent(agent))) => match db::rooms::find(conn, room_id.as_str())? {
                    Some(room) if agent.may_act_in(&room) => true,
                    Some(room) => {
                        let departments = db::departments::of_user(conn, &agent.id)?;
                        agent.may_see(&room, &departments)
                    }
                    None => false,
                },
                (None, None) => false,
            };
            if !allowed {
                return Err(ErrorCode::InvalidRoom.into());
            }
            Ok(db::messages::history(conn, room_id.as_str(), end, offset, limit)?)
        })
        .await?;
    ok(history::Response { messages: rows.into_iter().map(MessageRow::into_wire).collect() })
}
