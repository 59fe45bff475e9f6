//! The queue (SPEC section 14): `livechat/inquiries.*` and `livechat/queue`.

use std::collections::HashMap;

use actix_web::web;
use livechat_types::inquiry::{get_one, list, queue, queued_for_user, take};
use livechat_types::ErrorCode;

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::rooms::Queues;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{Body, Query};
use crate::{permissions, queue as workflow, validate, AppState};

/// `GET /api/v1/livechat/inquiries.list?department=`: every queued chat (managers), or one
/// department's.
pub async fn list(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<list::Request>>,
) -> Reply<list::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let department = query.department.filter(|department| !department.is_empty());
    if let Some(department) = &department {
        validate::at_most("department", department, validate::bounds::DEPARTMENT)?;
    }
    state.require(&user, permissions::VIEW_LIVECHAT_MANAGER).await?;
    let (inquiries, total) = state
        .read(move |conn| {
            let department = match &department {
                // By id or name; an unknown one has an empty queue.
                Some(key) => match db::departments::find_by_id_or_name(conn, key)? {
                    Some(found) => Some(found.id),
                    None => return Ok((Vec::new(), 0)),
                },
                None => None,
            };
            let queues = department.as_deref().map_or(Queues::All, |id| Queues::Of(Some(id)));
            let (rooms, total) = db::rooms::queue_page(conn, queues, offset, count)?;
            Ok((workflow::inquiries(conn, &rooms)?, total))
        })
        .await?;
    ok(list::Response { count: inquiries.len() as i64, inquiries, offset, total })
}

/// `GET /api/v1/livechat/inquiries.queuedForUser?department=`: the chats the caller may
/// take, longest waiting first.
pub async fn queued_for_user(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<queued_for_user::Request>>,
) -> Reply<queued_for_user::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let department = query.department.filter(|department| !department.is_empty());
    if let Some(department) = &department {
        validate::at_most("department", department, validate::bounds::DEPARTMENT)?;
    }
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let (inquiries, total) = state
        .read(move |conn| {
            let departments = db::departments::of_user(conn, &user.id)?;
            let (rooms, total) = match &department {
                Some(department) => {
                    if !user.sees_queue_of(Some(department), &departments) {
                        return Err(ErrorCode::NotAuthorized.into());
                    }
                    db::rooms::queue_page(conn, Queues::Of(Some(department)), offset, count)?
                }
                None if user.sees_every_room() => {
                    db::rooms::queue_page(conn, Queues::All, offset, count)?
                }
                None => db::rooms::queue_page(conn, Queues::Visible(&departments), offset, count)?,
            };
            Ok((workflow::inquiries(conn, &rooms)?, total))
        })
        .await?;
    ok(queued_for_user::Response { count: inquiries.len() as i64, inquiries, offset, total })
}

/// `GET /api/v1/livechat/inquiries.getOne?roomId=`: the inquiry of an open room the caller
/// may see.
pub async fn get_one(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<get_one::Request>>,
) -> Reply<get_one::Response> {
    validate::plain_id("roomId", query.room_id.as_str())?;
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let inquiry = state
        .read(move |conn| {
            let departments = db::departments::of_user(conn, &user.id)?;
            Ok(workflow::find_inquiry(conn, query.room_id.as_str(), &user, &departments)?)
        })
        .await?;
    ok(get_one::Response { inquiry })
}

/// `POST /api/v1/livechat/inquiries.take`: the caller takes a queued chat, or a manager gives
/// it to `userId`. Of concurrent takes exactly one wins; the others get
/// `error-inquiry-taken`.
pub async fn take(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<take::Request>>,
) -> Reply<take::Response> {
    validate::plain_id("inquiryId", &req.inquiry_id)?;
    if let Some(user_id) = &req.user_id {
        validate::plain_id("userId", user_id)?;
    }
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let for_other = req.user_id.as_ref().is_some_and(|id| *id != user.id);
    if for_other && !user.sees_every_room() {
        return Err(ErrorCode::Unauthorized.into());
    }
    let taker_id = req.user_id.clone().unwrap_or_else(|| user.id.clone());
    let taker = state
        .read(move |conn| {
            let taker = db::users::find(conn, &taker_id)?.filter(|taker| taker.is_agent());
            let taker = taker.ok_or(ErrorCode::TheUserIsInvalid)?;
            let departments = db::departments::of_user(conn, &taker.id)?;
            Ok((taker, departments))
        })
        .await?;
    let rid = req.inquiry_id.clone();
    let routed = state
        .write(Key::Room(rid.clone()), move |conn: &mut DbConn| {
            let (taker, departments) = &taker;
            workflow::take(conn, &rid, taker, departments, now())
        })
        .await?;
    state.realtime.room_routed(&routed);
    ok(take::Response {})
}

/// `GET /api/v1/livechat/queue?agentId=&departmentId=&includeOfflineAgents=`: how many open
/// chats each agent serves, per department, busiest first.
pub async fn queue(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<queue::Request>>,
) -> Reply<queue::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    for (name, id) in [("agentId", &query.agent_id), ("departmentId", &query.department_id)] {
        if let Some(id) = id {
            validate::plain_id(name, id)?;
        }
    }
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let loads = state
        .read(move |conn| {
            let loads = db::rooms::loads(conn)?;
            let mut agents: Vec<String> = loads.iter().map(|(agent, _, _)| agent.clone()).collect();
            agents.sort();
            agents.dedup();
            let users: HashMap<String, db::users::UserRow> = db::users::find_all(conn, &agents)?
                .into_iter()
                .map(|user| (user.id.clone(), user))
                .collect();
            let names: HashMap<String, String> =
                db::departments::names(conn)?.into_iter().collect();
            let include_offline = query.include_offline_agents.unwrap_or(false);
            let mut rows: Vec<queue::Load> = loads
                .into_iter()
                .filter(|(agent, department, _)| {
                    query.agent_id.as_ref().map_or(true, |wanted| wanted == agent)
                        && query
                            .department_id
                            .as_ref()
                            .map_or(true, |wanted| department.as_ref() == Some(wanted))
                })
                .filter_map(|(agent, department, chats)| {
                    let user = users.get(&agent)?;
                    if !include_offline && !user.is_available() {
                        return None;
                    }
                    Some(queue::Load {
                        user: queue::LoadUser {
                            id: user.id.clone(),
                            user_id: user.id.clone(),
                            username: user.username.clone(),
                            status: user.status.clone(),
                        },
                        department: department.and_then(|id| {
                            let name = names.get(&id)?.clone();
                            Some(queue::LoadDepartment { id, name })
                        }),
                        chats,
                    })
                })
                .collect();
            rows.sort_by(|a, b| {
                b.chats.cmp(&a.chats).then_with(|| a.user.username.cmp(&b.user.username))
            });
            Ok::<_, ApiError>(rows)
        })
        .await?;
    let total = loads.len() as i64;
    let page: Vec<queue::Load> = loads
        .into_iter()
        .skip(offset.try_into().unwrap_or(usize::MAX))
        .take(count as usize)
        .collect();
    ok(queue::Response { count: page.len() as i64, queue: page, offset, total })
}
