//! Tags (SPEC section 19): managers define them, offered to some departments or to all;
//! agents see those of no department or of their own departments.

use actix_web::{web, HttpRequest};
use livechat_types::tag::{get, list, remove, save};
use livechat_types::ErrorCode;

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::users::UserRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
use crate::ids::random_id;
use crate::{permissions, validate, AppState};

/// A tag's name.
const NAME_MAX: usize = 100;
/// A tag's description.
const DESCRIPTION_MAX: usize = 1000;
/// Departments one tag is offered to.
const DEPARTMENTS_MAX: usize = 100;

/// The departments whose tags `user` sees: `None` for all (managers, with `viewAll`).
async fn reach(
    state: &AppState,
    user: &UserRow,
    view_all: bool,
) -> Result<Option<Vec<String>>, ApiError> {
    state.require(user, permissions::VIEW_L_ROOM).await?;
    if view_all && state.allows(user, permissions::MANAGE_LIVECHAT_TAGS).await? {
        return Ok(None);
    }
    let id = user.id.clone();
    Ok(Some(state.read(move |conn| Ok(db::departments::of_user(conn, &id)?)).await?))
}

/// `GET /api/v1/livechat/tags`
pub async fn list(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<list::Request>>,
) -> Reply<list::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let text = query.text.filter(|text| !text.is_empty());
    validate::at_most("text", text.as_deref().unwrap_or_default(), NAME_MAX)?;
    let view_all = match query.view_all.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::Params("'viewAll' must be true or false".into())),
    };
    let department = query.department.filter(|department| !department.is_empty());
    if let Some(department) = &department {
        validate::plain_id("department", department)?;
    }
    let reach = reach(&state, &user, view_all).await?;
    let rows = state
        .read(move |conn| {
            let only = match (reach, department) {
                // A department the caller is not in shows nothing more than no department.
                (Some(mine), Some(department)) => {
                    Some(mine.into_iter().filter(|id| *id == department).collect::<Vec<_>>())
                }
                (None, Some(department)) => Some(vec![department]),
                (reach, None) => reach,
            };
            Ok(db::tags::list(conn, text.as_deref(), only.as_deref())?)
        })
        .await?;
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(0);
    let tags: Vec<_> =
        rows.into_iter().skip(skip).take(take).map(|(row, of)| row.to_wire(of)).collect();
    let count = i64::try_from(tags.len()).unwrap_or(i64::MAX);
    ok(list::Response { tags, count, offset, total })
}

/// `GET /api/v1/livechat/tags/{tagId}`: 404 `Tag not found` also for one out of reach.
pub async fn get(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(_)): Authed<Query<get::Request>>,
) -> Reply<get::Response> {
    let id = path_param(&http, "tagId")?;
    validate::plain_id("tagId", &id)?;
    let reach = reach(&state, &user, true).await?;
    let found = state.read(move |conn| Ok(db::tags::find(conn, &id)?)).await?;
    let visible = found.filter(|(_, of)| match &reach {
        None => true,
        Some(mine) => of.is_empty() || of.iter().any(|department| mine.contains(department)),
    });
    let (row, of) = visible.ok_or(ApiError::Missing("Tag not found"))?;
    ok(row.to_wire(of))
}

/// `POST /api/v1/livechat/tags.save`, for managers.
pub async fn save(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<save::Request>>,
) -> Reply<save::Response> {
    if let Some(id) = &req.id {
        validate::plain_id("_id", id)?;
    }
    let name = req.tag_data.name.trim().to_owned();
    validate::present("name", &name)?;
    validate::at_most("name", &name, NAME_MAX)?;
    let description = req.tag_data.description.unwrap_or_default();
    validate::at_most("description", &description, DESCRIPTION_MAX)?;
    let mut departments = req.tag_departments.unwrap_or_default();
    departments.sort();
    departments.dedup();
    if departments.len() > DEPARTMENTS_MAX {
        return Err(ApiError::Params(format!("at most {DEPARTMENTS_MAX} 'tagDepartments'")));
    }
    for department in &departments {
        validate::plain_id("tagDepartments", department)?;
    }
    state.require(&user, permissions::MANAGE_LIVECHAT_TAGS).await?;
    let new = req.id.is_none();
    let row = db::tags::TagRow {
        id: req.id.unwrap_or_else(random_id),
        name,
        description,
        updated_at: now(),
    };
    let tag = state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            if !new && db::tags::find(conn, &row.id)?.is_none() {
                return Err(ErrorCode::TagNotFound.into());
            }
            for department in &departments {
                if db::departments::find(conn, department)?.is_none() {
                    return Err(ErrorCode::InvalidDepartment.into());
                }
            }
            if !db::tags::save(conn, &row, &departments, new)? {
                return Err(ErrorCode::Unknown("error-duplicated-tag".into()).into());
            }
            Ok(row.to_wire(departments))
        })
        .await?;
    ok(tag)
}

/// `POST /api/v1/livechat/tags.delete`, for managers.
pub async fn remove(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<remove::Request>>,
) -> Reply<remove::Response> {
    validate::plain_id("id", &req.id)?;
    state.require(&user, permissions::MANAGE_LIVECHAT_TAGS).await?;
    state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            if db::tags::delete(conn, &req.id)? {
                Ok(())
            } else {
                Err(ErrorCode::TagNotFound.into())
            }
        })
        .await?;
    ok(remove::Response {})
}
