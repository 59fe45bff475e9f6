//! Canned responses (SPEC section 19): texts agents insert by shortcut. Agents see their own
//! private ones, the global ones and those of their departments, and write only their own
//! private ones; managers and admins see and write all of them. `Canned_Responses_Enable`
//! off answers 403 on every endpoint.

use actix_web::{web, HttpRequest};
use livechat_types::canned_response::{get, get_all, list, remove, save};
use livechat_types::ErrorCode;

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::canned_responses::{self as canned, Audience, CannedRow};
use crate::db::users::UserRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
use crate::ids::random_id;
use crate::settings::registry::CANNED_RESPONSES_ENABLE;
use crate::{permissions, validate, AppState};

/// A canned response's text.
const TEXT_MAX: usize = 10_000;
/// Tags of one canned response, and the length of each.
const TAGS_MAX: usize = 20;
const TAG_MAX: usize = 100;
/// A shortcut.
const SHORTCUT_MAX: usize = 64;

/// 403 when canned responses are switched off, else what `user` may see: `None` for all,
/// or the user's id and departments.
async fn reach(
    state: &AppState,
    user: &UserRow,
) -> Result<Option<(String, Vec<String>)>, ApiError> {
    if !state.settings().await?.flag(CANNED_RESPONSES_ENABLE) {
        return Err(ErrorCode::Unauthorized.into());
    }
    state.require(user, permissions::VIEW_CANNED_RESPONSES).await?;
    if user.sees_every_room() {
        return Ok(None);
    }
    let id = user.id.clone();
    let departments = state.read(move |conn| Ok(db::departments::of_user(conn, &id)?)).await?;
    Ok(Some((user.id.clone(), departments)))
}

/// Whether `reach` (from [`reach`]) sees `row`.
fn sees(reach: &Option<(String, Vec<String>)>, row: &CannedRow) -> bool {
    match reach {
        None => true,
        Some((user_id, departments)) => match (&row.user_id, &row.department_id) {
            (Some(owner), _) => owner == user_id,
            (None, Some(department)) => departments.contains(department),
            (None, None) => true,
        },
    }
}

fn not_found() -> ApiError {
    ApiError::Described("Canned response not found".into(), ErrorCode::CannedResponseNotFound)
}

fn not_allowed() -> ApiError {
    ApiError::Described("Not allowed".into(), ErrorCode::Unknown("error-not-allowed".into()))
}

fn invalid_shortcut(reason: &str) -> ApiError {
    ApiError::Described(reason.into(), ErrorCode::InvalidShortcut)
}

/// `GET /api/v1/canned-responses.get`: every canned response the caller sees.
pub async fn get_all(
    state: web::Data<AppState>,
    Authed(user, Query(_)): Authed<Query<get_all::Request>>,
) -> Reply<get_all::Response> {
    let reach = reach(&state, &user).await?;
    let filter = canned::Filter { reach, ..canned::Filter::default() };
    let rows = state.read(move |conn| Ok(canned::list(conn, &filter)?)).await?;
    ok(get_all::Response { responses: rows.iter().map(CannedRow::to_wire).collect() })
}

/// `GET /api/v1/canned-responses`: a filtered page of what the caller sees.
pub async fn list(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(query)): Authed<Query<list::Request>>,
) -> Reply<list::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let nonempty = |value: Option<String>| value.filter(|value| !value.is_empty());
    let (shortcut, text) = (nonempty(query.shortcut), nonempty(query.text));
    validate::at_most("shortcut", shortcut.as_deref().unwrap_or_default(), SHORTCUT_MAX)?;
    validate::at_most("text", text.as_deref().unwrap_or_default(), TEXT_MAX)?;
    let scope = nonempty(query.scope);
    if scope.as_deref().is_some_and(|scope| !matches!(scope, "global" | "department" | "user")) {
        return Err(ApiError::Params("'scope' must be global, department or user".into()));
    }
    let department_id = nonempty(query.department_id);
    if let Some(department) = &department_id {
        validate::plain_id("departmentId", department)?;
    }
    let tags: Vec<String> = form_urlencoded::parse(http.query_string().as_bytes())
        .filter(|(key, _)| key == "tags[]")
        .map(|(_, value)| value.into_owned())
        .chain(query.tags.iter().flat_map(|tags| tags.split(',').map(str::to_owned)))
        .map(|tag| tag.trim().to_owned())
        .filter(|tag| !tag.is_empty())
        .collect();
    if tags.len() > TAGS_MAX || tags.iter().any(|tag| validate::chars(tag) > TAG_MAX) {
        return Err(ApiError::Params(format!("at most {TAGS_MAX} 'tags' of {TAG_MAX} characters")));
    }
    let reach = reach(&state, &user).await?;
    let filter = canned::Filter { reach, shortcut, text, scope, department_id };
    let rows = state.read(move |conn| Ok(canned::list(conn, &filter)?)).await?;
    let found: Vec<_> = rows
        .iter()
        .map(CannedRow::to_wire)
        .filter(|response| tags.is_empty() || response.tags.iter().any(|tag| tags.contains(tag)))
        .collect();
    let total = i64::try_from(found.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(0);
    let canned_responses: Vec<_> = found.into_iter().skip(skip).take(take).collect();
    let count = i64::try_from(canned_responses.len()).unwrap_or(i64::MAX);
    ok(list::Response { canned_responses, count, offset, total })
}

/// `GET /api/v1/canned-responses/{_id}`: 404 for one the caller does not see.
pub async fn get(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(_)): Authed<Query<get::Request>>,
) -> Reply<get::Response> {
    let id = path_param(&http, "_id")?;
    validate::plain_id("_id", &id)?;
    let reach = reach(&state, &user).await?;
    let row = state.read(move |conn| Ok(canned::find(conn, &id)?)).await?;
    let row = row.filter(|row| sees(&reach, row)).ok_or(ApiError::from(ErrorCode::NotFound))?;
    ok(get::Response { canned_response: row.to_wire() })
}

/// What the caller may write: `(all scopes, its departments' ones)`.
async fn writes(state: &AppState, user: &UserRow) -> Result<(bool, bool), ApiError> {
    let all = state.allows(user, permissions::SAVE_ALL_CANNED_RESPONSES).await?;
    let department = state.allows(user, permissions::SAVE_DEPARTMENT_CANNED_RESPONSES).await?;
    Ok((all, department))
}

/// Whether a user with `writes` (from [`writes`]) and `departments` may write `row`.
fn may_write(
    user: &UserRow,
    (all, department): (bool, bool),
    departments: &[String],
    row: &CannedRow,
) -> bool {
    match row.scope.as_str() {
        _ if all => true,
        "department" => {
            department && row.department_id.as_ref().is_some_and(|id| departments.contains(id))
        }
        "user" => row.user_id.as_deref() == Some(user.id.as_str()),
        _ => false,
    }
}

/// Checks a shortcut: 1-64 characters, no whitespace.
fn check_shortcut(shortcut: &str) -> Result<(), ApiError> {
    let length = validate::chars(shortcut);
    if length == 0 || length > SHORTCUT_MAX || shortcut.chars().any(char::is_whitespace) {
        return Err(invalid_shortcut("Invalid shortcut"));
    }
    if shortcut.contains('\0') {
        return Err(ApiError::Params("'shortcut' must not contain NUL".into()));
    }
    Ok(())
}

/// Tags: at most 20 of 1-100 characters, repeated ones once, in their order.
pub(crate) fn check_tags(tags: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let mut kept: Vec<String> = Vec::new();
    for tag in tags.unwrap_or_default() {
        let tag = tag.trim().to_owned();
        if tag.is_empty() || validate::chars(&tag) > TAG_MAX {
            return Err(ApiError::Params(format!("each tag must be 1-{TAG_MAX} characters")));
        }
        if !kept.contains(&tag) {
            kept.push(tag);
        }
    }
    if kept.len() > TAGS_MAX {
        return Err(ApiError::Params(format!("at most {TAGS_MAX} 'tags'")));
    }
    Ok(kept)
}

/// `POST /api/v1/canned-responses`: a new canned response, or new details for `_id`.
pub async fn save(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<save::Request>>,
) -> Reply<save::Response> {
    if let Some(id) = &req.id {
        validate::plain_id("_id", id)?;
    }
    check_shortcut(&req.shortcut)?;
    validate::present("text", &req.text)?;
    validate::at_most("text", &req.text, TEXT_MAX)?;
    if !matches!(req.scope.as_str(), "global" | "department" | "user") {
        return Err(ApiError::Params("'scope' must be global, department or user".into()));
    }
    let tags = check_tags(req.tags)?;
    let department_id = match (req.scope.as_str(), req.department_id) {
        ("department", Some(id)) if validate::plain_id("departmentId", &id).is_ok() => Some(id),
        ("department", _) => {
            return Err(ApiError::Described(
                "Invalid department".into(),
                ErrorCode::InvalidDepartment,
            ))
        }
        (_, _) => None,
    };
    reach(&state, &user).await?;
    state.require(&user, permissions::SAVE_CANNED_RESPONSES).await?;
    let writes = writes(&state, &user).await?;
    let at = now();
    let mut row = CannedRow {
        id: req.id.clone().unwrap_or_else(random_id),
        shortcut: req.shortcut,
        text: req.text,
        scope: req.scope,
        tags: serde_json::to_string(&tags).map_err(anyhow::Error::from)?,
        user_id: None,
        department_id,
        created_by_id: user.id.clone(),
        created_by_username: user.username.clone(),
        created_at: at,
        updated_at: at,
    };
    let existing = req.id.is_some();
    let before = state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let departments = db::departments::of_user(conn, &user.id)?;
            let before = if existing {
                let old = canned::find(conn, &row.id)?.ok_or_else(not_found)?;
                if !old.audience().includes(&user, |id| departments.iter().any(|mine| mine == id)) {
                    return Err(not_found());
                }
                if !may_write(&user, writes, &departments, &old) {
                    return Err(not_allowed());
                }
                row.created_by_id = old.created_by_id.clone();
                row.created_by_username = old.created_by_username.clone();
                row.created_at = old.created_at;
                // A private one stays its owner's when someone else (a manager) changes it.
                row.user_id = (row.scope == "user")
                    .then(|| old.user_id.clone().unwrap_or_else(|| user.id.clone()));
                Some(old)
            } else {
                row.user_id = (row.scope == "user").then(|| user.id.clone());
                None
            };
            if let Some(department) = &row.department_id {
                if db::departments::find(conn, department)?.is_none() {
                    return Err(ApiError::Described(
                        "Invalid department".into(),
                        ErrorCode::InvalidDepartment,
                    ));
                }
            }
            if !may_write(&user, writes, &departments, &row) {
                return Err(not_allowed());
            }
            let stored =
                if existing { canned::update(conn, &row)? } else { canned::insert(conn, &row)? };
            if !stored {
                return Err(invalid_shortcut("Shortcut provided already exists"));
            }
            Ok((before.map(|old| old.audience()), row))
        })
        .await?;
    let (old, row) = before;
    let audience = row.audience();
    if let Some(old) = old.filter(|old| *old != audience) {
        // Those who saw it before and may not now hear it go; the others get it back next.
        state.realtime.canned_response_removed(&row.id, &old);
    }
    state.realtime.canned_response_changed(&row.id, &audience);
    ok(save::Response {})
}

/// `DELETE /api/v1/canned-responses`
pub async fn remove(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<remove::Request>>,
) -> Reply<remove::Response> {
    validate::plain_id("_id", &req.id)?;
    reach(&state, &user).await?;
    state.require(&user, permissions::REMOVE_CANNED_RESPONSES).await?;
    let writes = writes(&state, &user).await?;
    let id = req.id.clone();
    let audience: Audience = state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let departments = db::departments::of_user(conn, &user.id)?;
            let old = canned::find(conn, &id)?.ok_or_else(not_found)?;
            if !old.audience().includes(&user, |id| departments.iter().any(|mine| mine == id)) {
                return Err(not_found());
            }
            if !may_write(&user, writes, &departments, &old) {
                return Err(not_allowed());
            }
            canned::delete(conn, &id)?;
            Ok(old.audience())
        })
        .await?;
    state.realtime.canned_response_removed(&req.id, &audience);
    ok(remove::Response {})
}
