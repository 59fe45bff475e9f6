//! Users (SPEC section 12): `users.create`, `users.delete`, `me`, `users.setStatus`,
//! `users.updateOwnBasicInfo`, and what removing a user or a role does to its sessions and
//! rooms.

use actix_web::{web, HttpMessage as _, HttpRequest};
use livechat_types::user::{create, delete, me, set_status, update_own_basic_info, Email, User};
use livechat_types::ErrorCode;

use super::{now, ok, Reply};
use crate::auth::{self, Agent, Authed};
use crate::db::users::UserRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::Body;
use crate::limits::ClientIp;
use crate::password::policy;
use crate::{permissions, roles, routing, validate, AppState};

/// A user as the API shows it (SPEC section 12's U).
pub fn to_wire(user: &UserRow) -> User {
    with_departments(user, Vec::new())
}

/// [`to_wire`] with the departments the user is an agent of.
pub fn with_departments(user: &UserRow, departments: Vec<String>) -> User {
    User {
        id: user.id.clone(),
        username: user.username.clone(),
        name: user.name.clone(),
        status: user.presence.clone(),
        status_livechat: user.status.clone(),
        emails: user
            .email
            .iter()
            .map(|address| Email { address: address.clone(), verified: false })
            .collect(),
        roles: roles::list(&user.roles),
        departments,
    }
}

/// A username as the API accepts it: 1-64 of `A-Z a-z 0-9 . _ -` (ASCII keeps "ignoring
/// case" the same on both databases).
fn check_username(username: &str) -> Result<(), ApiError> {
    let valid = (1..=64).contains(&username.len())
        && username.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"._-".contains(&byte));
    if valid {
        Ok(())
    } else {
        Err(ApiError::Params("'username' must be 1-64 of A-Z a-z 0-9 . _ -".into()))
    }
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(ApiError::Params("'name' must be 1-100 characters".into()));
    }
    Ok(())
}

fn check_email(email: &str) -> Result<(), ApiError> {
    if email.chars().count() > 254 || !validate::is_email(email) {
        return Err(ApiError::Params("'email' must be an e-mail address".into()));
    }
    Ok(())
}

/// A new password, checked against the policy (at most 256 characters).
fn check_password(state: &AppState, password: &str) -> Result<(), ApiError> {
    if password.chars().count() > 256 {
        return Err(ApiError::Params("'password' must be at most 256 characters".into()));
    }
    policy::check(password, state.config.password_min_chars as usize).map_err(|refusal| {
        ApiError::Described(refusal.to_string(), ErrorCode::PasswordPolicyNotMet)
    })
}

/// Which of `username` and `email` another user has, after the unique indexes refused a
/// change by user `id`. Read after the write: on PostgreSQL the refused write's transaction
/// can read nothing more.
async fn unavailable(
    state: &AppState,
    id: String,
    username: String,
    email: Option<String>,
) -> ApiError {
    let reason = state
        .read(move |conn| {
            let taken = |found: Option<UserRow>| found.is_some_and(|other| other.id != id);
            if taken(db::users::find_by_username(conn, &username)?) {
                return Ok(format!("{username} is already in use :("));
            }
            match email {
                Some(email) if taken(db::users::find_by_email(conn, &email)?) => {
                    Ok(format!("{email} is already in use :("))
                }
                _ => Ok("The username or e-mail address is already in use :(".to_owned()),
            }
        })
        .await;
    match reason {
        Ok(reason) => ApiError::Described(reason, ErrorCode::FieldUnavailable),
        Err(err) => err,
    }
}

/// Whether a write was refused by a unique index (the caller then asks [`unavailable`]).
fn is_conflict<T>(result: &Result<T, ApiError>) -> bool {
    matches!(result, Err(ApiError::Client(ErrorCode::FieldUnavailable)))
}

/// `POST /api/v1/users.create` (`create-user`; roles other than `user` need
/// `assign-roles`, `admin` needs `assign-admin-role`).
pub async fn create(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(caller, Body(req)): Authed<Body<create::Request>>,
) -> Reply<create::Response> {
    let username = req.username.trim().to_owned();
    check_username(&username)?;
    check_name(&req.name)?;
    let email = req.email.trim().to_owned();
    check_email(&email)?;
    // No roles (or none given) is `user`: a user without any role could not log in.
    let given = req.roles.clone().filter(|given| !given.is_empty());
    let given = given.unwrap_or_else(|| vec![roles::USER.to_owned()]);
    let stored = roles::format(&given).map_err(|unknown| {
        ApiError::Described(format!("Invalid role: {unknown}"), ErrorCode::InvalidRole)
    })?;
    check_password(&state, &req.password)?;
    state.require(&caller, permissions::CREATE_USER).await?;
    if roles::parse(&stored).any(|role| role != roles::USER) {
        state.require(&caller, permissions::ASSIGN_ROLES).await?;
    }
    if roles::contains(&stored, roles::ADMIN) {
        state.require(&caller, permissions::ASSIGN_ADMIN_ROLE).await?;
    }
    let client = http.extensions().get::<ClientIp>().map(|ClientIp(ip)| *ip);
    let password_hash =
        state.passwords.hash(client, req.password).await?.map_err(ApiError::Internal)?;
    let row = UserRow {
        id: crate::ids::random_id(),
        username,
        name: req.name.trim().to_owned(),
        password_hash,
        status: "not-available".into(),
        created_at: now(),
        roles: stored,
        presence: "offline".into(),
        email: Some(email),
        seen_at: None,
    };
    let created = create::Created {
        id: row.id.clone(),
        username: row.username.clone(),
        name: row.name.clone(),
        roles: roles::list(&row.roles),
    };
    let (id, username, email) = (row.id.clone(), row.username.clone(), row.email.clone());
    let inserted = state
        .write(Key::Fresh, move |conn: &mut DbConn| match db::users::insert(conn, &row) {
            Err(db::Error::Conflict(_)) => Err(ErrorCode::FieldUnavailable.into()),
            other => Ok::<_, ApiError>(other?),
        })
        .await;
    if is_conflict(&inserted) {
        return Err(unavailable(&state, id, username, email).await);
    }
    inserted?;
    ok(create::Response { user: created })
}

/// What taking roles away (or the whole user) did, to announce once it committed.
pub struct Taken {
    /// The user's id.
    pub user_id: String,
    /// Its rooms that went back to the queue.
    pub requeued: Vec<routing::Requeued>,
}

/// Takes roles away from user `user_id`, or removes it when `remove`: its open rooms go back
/// to the queue with a `ul` message when it stops being an agent, and its tokens are revoked
/// when it is left without any role. Locks those rooms, then the user (in a transaction of
/// its own, [`Key::Many`]). `None` when there is no such user, or `keep` says it is out of
/// reach.
pub async fn take_roles(
    state: &AppState,
    user_id: String,
    taken: &'static [&'static str],
    remove: bool,
    keep: impl FnOnce(&UserRow) -> bool + Send + 'static,
) -> Result<Option<Taken>, ApiError> {
    let taken = state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let Some(user) = db::users::find(conn, &user_id)?.filter(|user| keep(user)) else {
                return Ok(None);
            };
            let left: Vec<&str> =
                roles::parse(&user.roles).filter(|role| !taken.contains(role)).collect();
            let stays_agent = !remove && left.contains(&roles::AGENT);
            // Rooms first, in the lock order.
            let requeued =
                if stays_agent { Vec::new() } else { routing::requeue_all(conn, &user, now())? };
            db::users::lock(conn, &user.id)?;
            if remove {
                db::users::delete(conn, &user.id)?;
            } else {
                let stored = roles::format(&left).unwrap_or_default();
                db::users::set_roles(conn, &user.id, &stored)?;
                if left.is_empty() {
                    db::users::delete_tokens(conn, &user.id, None)?;
                }
            }
            Ok(Some(Taken { user_id: user.id, requeued }))
        })
        .await?;
    if let Some(taken) = &taken {
        announce_taken(state, taken).await?;
    }
    Ok(taken)
}

/// Tells every instance what [`take_roles`] did, and routes the rooms it put back.
async fn announce_taken(state: &AppState, taken: &Taken) -> Result<(), ApiError> {
    // Its sockets, on every instance, are read again: logged out, or seeing less.
    state.realtime.user_changed(&taken.user_id);
    state.realtime.agent_status_changed(&taken.user_id);
    for requeued in &taken.requeued {
        state.realtime.room_changed(&requeued.room_id);
        state.realtime.message_changed(&requeued.room_id, &requeued.left_id);
    }
    if !taken.requeued.is_empty() {
        let max_chats = state.settings().await?.max_chats();
        for assignment in routing::drain_queue(&state.db, max_chats).await? {
            state.realtime.room_routed(&assignment);
        }
    }
    Ok(())
}

/// `POST /api/v1/users.delete` (`delete-user`): the user's open rooms go back to the queue,
/// its sessions end on every instance.
pub async fn delete(
    state: web::Data<AppState>,
    Authed(caller, Body(req)): Authed<Body<delete::Request>>,
) -> Reply<delete::Response> {
    validate::present("userId", &req.user_id)?;
    validate::at_most("userId", &req.user_id, 64)?;
    state.require(&caller, permissions::DELETE_USER).await?;
    take_roles(&state, req.user_id, &[], true, |_| true).await?.ok_or(ErrorCode::InvalidUser)?;
    ok(delete::Response {})
}

/// `GET /api/v1/me`
pub async fn me(state: web::Data<AppState>, Agent(user): Agent) -> Reply<me::Response> {
    let id = user.id.clone();
    let departments = state.read(move |conn| Ok(db::departments::of_user(conn, &id)?)).await?;
    ok(me::Response { user: with_departments(&user, departments) })
}

/// `POST /api/v1/users.setStatus`: presence, not the livechat availability.
pub async fn set_status(
    state: web::Data<AppState>,
    Authed(caller, Body(req)): Authed<Body<set_status::Request>>,
) -> Reply<set_status::Response> {
    if !["online", "away", "busy", "offline"].contains(&req.status.as_str()) {
        return Err(ApiError::Params("'status' must be online, away, busy or offline".into()));
    }
    let user_id = req.user_id.unwrap_or_else(|| caller.id.clone());
    validate::at_most("userId", &user_id, 64)?;
    if user_id != caller.id {
        state.require(&caller, permissions::EDIT_OTHER_USER_ACTIVE_STATUS).await?;
    }
    let status = req.status;
    state
        .write(Key::User(user_id.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            db::users::lock(conn, &user_id)?.ok_or(ErrorCode::InvalidUser)?;
            Ok(db::users::set_presence(conn, &user_id, &status)?)
        })
        .await?;
    ok(set_status::Response {})
}

/// `POST /api/v1/users.updateOwnBasicInfo`: a new password needs the current one and ends
/// every other session of the user, on every instance.
pub async fn update_own_basic_info(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(caller, Body(req)): Authed<Body<update_own_basic_info::Request>>,
) -> Reply<update_own_basic_info::Response> {
    let data = req.data;
    let username = data.username.as_deref().map(str::trim).unwrap_or(&caller.username).to_owned();
    let name = data.name.as_deref().map(str::trim).unwrap_or(&caller.name).to_owned();
    let email = match data.email.as_deref().map(str::trim) {
        Some(email) => Some(email.to_owned()),
        None => caller.email.clone(),
    };
    check_username(&username)?;
    check_name(&name)?;
    if let Some(email) = &email {
        check_email(email)?;
    }
    let client = http.extensions().get::<ClientIp>().map(|ClientIp(ip)| *ip);
    let new_hash = match data.new_password {
        Some(new_password) => {
            check_password(&state, &new_password)?;
            let current = data.current_password.ok_or_else(|| {
                ApiError::Described(
                    "The current password is required".into(),
                    ErrorCode::InvalidPassword,
                )
            })?;
            let stored = Some(caller.password_hash.clone());
            if !state.passwords.verify(client, current, stored).await? {
                return Err(ApiError::Described(
                    "The current password is not right".into(),
                    ErrorCode::InvalidPassword,
                ));
            }
            Some(state.passwords.hash(client, new_password).await?.map_err(ApiError::Internal)?)
        }
        None => None,
    };
    let kept = auth::token_of(&http).map(|token| auth::hash_token(&token)).unwrap_or_default();
    let (user_id, changes_password) = (caller.id.clone(), new_hash.is_some());
    let wanted = (caller.id.clone(), username.clone(), email.clone());
    let updated = state
        .write(Key::User(user_id.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            db::users::lock(conn, &user_id)?.ok_or(ErrorCode::NotLoggedIn)?;
            match db::users::set_basic_info(conn, &user_id, &name, &username, email.as_deref()) {
                Err(db::Error::Conflict(_)) => return Err(ErrorCode::FieldUnavailable.into()),
                other => other?,
            }
            if let Some(hash) = &new_hash {
                db::users::set_password(conn, &user_id, hash)?;
                // The session that changed it stays; every other one ends.
                db::users::delete_tokens(conn, &user_id, Some(&kept))?;
            }
            Ok(db::users::find(conn, &user_id)?.ok_or(ErrorCode::NotLoggedIn)?)
        })
        .await;
    if is_conflict(&updated) {
        let (id, username, email) = wanted;
        return Err(unavailable(&state, id, username, email).await);
    }
    let user = updated?;
    if changes_password {
        state.realtime.user_changed(&user.id);
    }
    ok(update_own_basic_info::Response { user: to_wire(&user) })
}
