//! Chats handed on (SPEC section 14): `livechat/room.forward`, the widget's
//! `livechat/room.transfer`, `livechat/transfer.history`, `livechat/room.join`, and
//! `livechat:returnAsInquiry` for the method bridge.

use actix_web::{web, HttpRequest};
use livechat_types::transfer::{forward, history, join, switch};
use livechat_types::{ErrorCode, RoomId};

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::departments::DepartmentRow;
use crate::db::users::UserRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
use crate::queue::{self as workflow, Moved, Routing, Target, Transferrer};
use crate::settings::registry;
use crate::{permissions, validate, AppState};

/// Longest transfer comment, in characters.
const MAX_COMMENT_CHARS: usize = 1000;

/// An enabled department, by id (`error-invalid-department` otherwise).
fn enabled_department(conn: &mut DbConn, id: &str) -> Result<DepartmentRow, ApiError> {
    db::departments::find(conn, id)?
        .filter(|department| department.enabled && !department.archived)
        .ok_or_else(|| ErrorCode::InvalidDepartment.into())
}

/// Announces what a transfer did: the room's new state (its agent to the widget, the old
/// agent losing it, the queue observers), its messages, and the queue it left.
fn announce(state: &AppState, moved: &Moved) {
    state.realtime.room_changed(&moved.room_id);
    for message in &moved.messages {
        state.realtime.message_changed(&moved.room_id, message);
    }
    if moved.from_department != moved.to_department {
        state.realtime.queue_changed(moved.from_department.as_deref());
    }
}

/// `POST /api/v1/livechat/room.forward`: the serving agent (or a manager) hands a chat to
/// an available agent, or to a department.
pub async fn forward(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<forward::Request>>,
) -> Reply<forward::Response> {
    validate::room_id(&req.room_id)?;
    for (name, id) in [("userId", &req.user_id), ("departmentId", &req.department_id)] {
        if let Some(id) = id {
            validate::plain_id(name, id)?;
        }
    }
    if let Some(comment) = &req.comment {
        validate::at_most("comment", comment, MAX_COMMENT_CHARS)?;
    }
    if req.user_id.is_none() && req.department_id.is_none() {
        return Err(ApiError::Params(
            "must have required property 'userId' or 'departmentId'".into(),
        ));
    }
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    state.require(&user, permissions::TRANSFER_LIVECHAT_GUEST).await?;
    let routing = Routing::of(&*state.settings().await?);
    let rid = req.room_id.as_str().to_owned();
    let moved = state
        .write(Key::Room(rid.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let room = db::rooms::lock(conn, &rid)?
                .filter(|room| user.may_act_in(room))
                .ok_or(ErrorCode::ErrorInvalidRoom)?;
            if !room.open {
                return Err(ErrorCode::ConversationAlreadyClosed.into());
            }
            let department = match &req.department_id {
                Some(id) => Some(enabled_department(conn, id)?),
                None => None,
            };
            let target = match &req.user_id {
                Some(agent_id) => {
                    let agent = db::users::find(conn, agent_id)?
                        .filter(UserRow::is_agent)
                        .ok_or(ErrorCode::InvalidUser)?;
                    Target::Agent(Box::new((agent, department)))
                }
                None => match department {
                    Some(department) => Target::Department(department),
                    None => return Err(ErrorCode::InvalidDepartment.into()),
                },
            };
            let by = Transferrer::user(&user);
            workflow::transfer(conn, &room, &by, target, req.comment.clone(), routing, now())
        })
        .await?;
    announce(&state, &moved);
    ok(forward::Response {})
}

/// `POST /api/v1/livechat/room.transfer`: the visitor moves its open chat to another
/// department (when `Livechat_allow_switching_departments` allows it; **fix**: Rocket.Chat
/// only hides the button). The visitor's own department follows.
pub async fn switch(
    state: web::Data<AppState>,
    Body(req): Body<switch::Request>,
) -> Reply<switch::Response> {
    validate::token(&req.token)?;
    validate::room_id(&req.rid)?;
    validate::plain_id("department", &req.department)?;
    let settings = state.settings().await?;
    if !settings.flag(registry::ALLOW_SWITCHING_DEPARTMENTS) {
        return Err(ErrorCode::NotAllowed.into());
    }
    let routing = Routing::of(&settings);
    // The room, then the visitor: the lock order, in a transaction of its own.
    let (moved, room) = state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let visitor = db::visitors::find_by_token(conn, req.token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let room = db::rooms::lock_of_visitor(conn, req.rid.as_str(), &visitor.id)?
                .ok_or(ErrorCode::InvalidRoom)?;
            if !room.open {
                return Err(ErrorCode::RoomClosed.into());
            }
            let department = enabled_department(conn, &req.department)?;
            let by = Transferrer::visitor(&visitor);
            let target = Target::Department(department.clone());
            let moved = workflow::transfer(conn, &room, &by, target, None, routing, now())?;
            // The visitor's row after the room's, as the lock order wants.
            let mut visitor = visitor;
            visitor.department = Some(department.id);
            visitor.updated_at = now();
            db::visitors::update(conn, &visitor)?;
            let room = db::rooms::find(conn, &room.id)?.ok_or(ErrorCode::InvalidRoom)?;
            Ok((moved, room.to_wire(&visitor, true)))
        })
        .await?;
    announce(&state, &moved);
    ok(switch::Response { room })
}

/// `GET /api/v1/livechat/transfer.history/{rid}`: a room's transfers, for managers and the
/// agent serving it.
pub async fn history(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(query)): Authed<Query<history::Request>>,
) -> Reply<history::Response> {
    let rid = RoomId::from(path_param(&http, "rid")?);
    validate::room_id(&rid)?;
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let (history, total) = state
        .read(move |conn| {
            db::rooms::find(conn, rid.as_str())?.filter(|room| user.may_act_in(room)).ok_or_else(
                || ApiError::Described("Invalid room".into(), ErrorCode::ErrorInvalidRoom),
            )?;
            let (rows, total) = db::rooms::transfers(conn, rid.as_str(), offset, count)?;
            let history = rows.iter().filter_map(|data| serde_json::from_str(data).ok()).collect();
            Ok::<_, ApiError>((history, total))
        })
        .await?;
    let history: Vec<livechat_types::transfer::TransferData> = history;
    ok(history::Response { count: history.len() as i64, history, offset, total })
}

/// `GET /api/v1/livechat/room.join?roomId=`: a manager joins any open chat (it may read and
/// write every room already); an agent takes a queued one it may take.
pub async fn join(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<join::Request>>,
) -> Reply<join::Response> {
    validate::plain_id("roomId", query.room_id.as_str())?;
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let rid = query.room_id.as_str().to_owned();
    let routed = state
        .write(Key::Room(rid.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let departments = db::departments::of_user(conn, &user.id)?;
            let room = db::rooms::lock(conn, &rid)?
                .filter(|room| user.may_see(room, &departments) || user.sees_every_room())
                .ok_or(ErrorCode::ErrorInvalidRoom)?;
            if !room.open {
                return Err(ErrorCode::RoomClosed.into());
            }
            if room.served_by_id.is_some() {
                return if user.may_act_in(&room) {
                    Ok(None)
                } else {
                    Err(ErrorCode::NotAllowed.into())
                };
            }
            if !user.is_agent() {
                // A manager who takes no chats joins without taking it.
                return Ok(None);
            }
            match workflow::take(conn, &rid, &user, &departments, now()) {
                Ok(routed) => Ok(Some(routed)),
                Err(ApiError::Described(_, ErrorCode::AgentStatusServiceOffline)) => {
                    Err(ErrorCode::NotAllowed.into())
                }
                Err(err) => Err(err),
            }
        })
        .await?;
    if let Some(routed) = &routed {
        state.realtime.room_routed(routed);
    }
    ok(join::Response {})
}

/// `livechat:returnAsInquiry(rid, departmentId?)`: the serving agent (or a manager) puts an
/// open chat back into the queue (of `department`, when given); with automatic routing it
/// is routed again at once.
pub async fn return_as_inquiry(
    state: &AppState,
    user: &UserRow,
    rid: String,
    department: Option<String>,
) -> Result<(), ApiError> {
    validate::plain_id("rid", &rid)?;
    if let Some(department) = &department {
        validate::plain_id("departmentId", department)?;
    }
    let user = user.clone();
    let moved = state
        .write(Key::Room(rid.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let room = db::rooms::lock(conn, &rid)?
                .filter(|room| user.may_act_in(room))
                .ok_or(ErrorCode::ErrorInvalidRoom)?;
            if !room.open {
                return Err(ErrorCode::RoomClosed.into());
            }
            if room.served_by_id.is_none() {
                return Err(ApiError::Described(
                    "The conversation is already in the queue".into(),
                    ErrorCode::NotAllowed,
                ));
            }
            let department = match &department {
                Some(id) => Some(enabled_department(conn, id)?),
                None => None,
            };
            let by = Transferrer::user(&user);
            let queue = Routing { manual: true, max_chats: 0 };
            workflow::transfer(conn, &room, &by, Target::Queue(department), None, queue, now())
        })
        .await?;
    announce(state, &moved);
    super::drain_queue(state).await;
    Ok(())
}
