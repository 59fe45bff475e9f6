//! `livechat/users/{agent,manager}` (SPEC section 12): list, add, get and remove the
//! livechat's agents and managers.

use actix_web::{web, HttpRequest};
use livechat_types::livechat_users::{add, get, list, remove, AGENT, MANAGER};
use livechat_types::ErrorCode;

use super::users::{take_roles, with_departments};
use super::{ok, page, Reply};
use crate::auth::Authed;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
use crate::{permissions, roles, validate, AppState};

/// The role of the path's `{type}`, and the permission that manages it.
fn kind(req: &HttpRequest) -> Result<(&'static [&'static str], &'static str), ApiError> {
    match path_param(req, "type")?.as_str() {
        AGENT => Ok((&[roles::AGENT], permissions::MANAGE_LIVECHAT_AGENTS)),
        MANAGER => Ok((&[roles::MANAGER], permissions::MANAGE_LIVECHAT_MANAGERS)),
        _ => Err(ApiError::Params("'type' in the path must be agent or manager".into())),
    }
}

/// The path's `{_id}`.
fn user_id(req: &HttpRequest) -> Result<String, ApiError> {
    let id = path_param(req, "_id")?;
    validate::plain_id("_id", &id)?;
    Ok(id)
}

/// `GET /api/v1/livechat/users/{type}`: managers (`view-livechat-manager`) list both; agents
/// (`view-l-room`) list the agents (**fix**: an agent may list the agents of its
/// departments, and without departments that is every agent).
pub async fn list(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(caller, Query(query)): Authed<Query<list::Request>>,
) -> Reply<list::Response> {
    let ([role], _) = kind(&http)? else { return Err(ErrorCode::Internal.into()) };
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    if let Some(text) = &query.text {
        validate::at_most("text", text, 256)?;
    }
    let mut limited_to_own_departments = false;
    if !state.allows(&caller, permissions::VIEW_LIVECHAT_MANAGER).await? {
        let agents_listed_by_agent = *role == roles::AGENT;
        if !agents_listed_by_agent {
            return Err(ErrorCode::Unauthorized.into());
        }
        state.require(&caller, permissions::VIEW_L_ROOM).await?;
        limited_to_own_departments = true;
    }
    let only_available = query.only_available.unwrap_or(false);
    let caller_id = caller.id.clone();
    let (found, memberships) = state
        .read(move |conn| {
            let mut found =
                db::users::with_role(conn, role, query.text.as_deref(), only_available)?;
            let ids: Vec<String> = found.iter().map(|user| user.id.clone()).collect();
            let memberships = db::departments::of_users(conn, &ids)?;
            // An agent in departments sees the agents of those; without any, every agent.
            let mine = db::departments::of_user(conn, &caller_id)?;
            if limited_to_own_departments && !mine.is_empty() {
                found.retain(|user| {
                    memberships
                        .iter()
                        .any(|(member, department)| *member == user.id && mine.contains(department))
                });
            }
            Ok((found, memberships))
        })
        .await?;
    let total = found.len() as i64;
    let users: Vec<_> = found
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(0))
        .map(|user| {
            let departments = memberships
                .iter()
                .filter(|(member, _)| *member == user.id)
                .map(|(_, department)| department.clone())
                .collect();
            with_departments(user, departments)
        })
        .collect();
    ok(list::Response { count: users.len() as i64, users, offset, total })
}

/// `POST /api/v1/livechat/users/{type}` (`manage-livechat-agents` or
/// `manage-livechat-managers`). A new agent starts `not-available` (**fix**).
pub async fn add(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(caller, Body(req)): Authed<Body<add::Request>>,
) -> Reply<add::Response> {
    let ([role], permission) = kind(&http)? else { return Err(ErrorCode::Internal.into()) };
    validate::present("username", &req.username)?;
    validate::at_most("username", &req.username, 64)?;
    state.require(&caller, permission).await?;
    let username = req.username.trim().to_owned();
    let user = state
        .read(move |conn| Ok(db::users::find_by_username(conn, &username)?))
        .await?
        .ok_or(ErrorCode::InvalidUser)?;
    let user_id = user.id.clone();
    let user = state
        .write(Key::User(user_id.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let user = db::users::lock(conn, &user_id)?.ok_or(ErrorCode::InvalidUser)?;
            if !user.has_role(role) {
                let mut held = roles::list(&user.roles);
                held.push((*role).to_owned());
                let stored = roles::format(&held).unwrap_or_default();
                db::users::set_roles(conn, &user.id, &stored)?;
                if *role == roles::AGENT {
                    db::users::set_status(conn, &user.id, "not-available")?;
                }
            }
            Ok(user)
        })
        .await?;
    // Its sockets see what the new role lets them see.
    state.realtime.user_changed(&user.id);
    ok(add::Response { user: add::Added { id: user.id, username: user.username } })
}

/// `GET /api/v1/livechat/users/{type}/{_id}` (`view-livechat-manager`): `null` when no user
/// of that type has this id.
pub async fn get(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(caller, Query(_)): Authed<Query<get::Request>>,
) -> Reply<get::Response> {
    let ([role], _) = kind(&http)? else { return Err(ErrorCode::Internal.into()) };
    let id = user_id(&http)?;
    state.require(&caller, permissions::VIEW_LIVECHAT_MANAGER).await?;
    let user = state
        .read(move |conn| {
            let Some(user) = db::users::find(conn, &id)?.filter(|user| user.has_role(role)) else {
                return Ok(None);
            };
            let departments = db::departments::of_user(conn, &user.id)?;
            Ok(Some(with_departments(&user, departments)))
        })
        .await?;
    ok(get::Response { user })
}

/// `DELETE /api/v1/livechat/users/{type}/{_id}` (`manage-livechat-agents` or
/// `manage-livechat-managers`). An agent's open rooms go back to the queue with a `ul`
/// message (**fix**); a user left without any role is logged out everywhere.
pub async fn remove(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(caller, Body(_)): Authed<Body<remove::Request>>,
) -> Reply<remove::Response> {
    let (taken, permission) = kind(&http)?;
    let id = user_id(&http)?;
    state.require(&caller, permission).await?;
    let role = taken[0];
    take_roles(&state, id, taken, false, move |user| user.has_role(role))
        .await?
        .ok_or(ErrorCode::InvalidUser)?;
    ok(remove::Response {})
}
