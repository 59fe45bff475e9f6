//! Departments (SPEC section 13). Managers and admins create, change, archive and remove
//! them and choose their agents; agents read the departments they belong to (any other is
//! out of their reach, answered as missing).

use actix_web::{web, HttpRequest};
use livechat_types::department::{
    agents, agents_update, archive, archived, autocomplete, create, delete, get, list, list_by_ids,
    of_agent, unarchive, update, AgentIn, DepartmentIn,
};
use livechat_types::ErrorCode;

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::departments::{DepartmentRow, Filter};
use crate::db::users::UserRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
use crate::ids::random_id;
use crate::{validate, AppState};

/// A department's name: 1-100 characters.
const NAME_MAX: usize = 100;
/// A department's description.
const DESCRIPTION_MAX: usize = 1000;
/// Closing tags per department, and the length of one.
const TAGS_MAX: usize = 100;
const TAG_MAX: usize = 100;
/// Agents one request may add, change or remove.
const AGENTS_MAX: usize = 500;

/// Refuses users who may not change departments.
pub(super) async fn manager(state: &AppState, user: &UserRow) -> Result<(), ApiError> {
    state.require(user, "manage-livechat-departments").await
}

/// Whether `user` sees every department (`view-livechat-departments`); else, with
/// `view-l-room`, only its own; else it is refused.
async fn sees_all(state: &AppState, user: &UserRow) -> Result<bool, ApiError> {
    if state.allows(user, "view-livechat-departments").await? {
        return Ok(true);
    }
    state.require(user, "view-l-room").await?;
    Ok(false)
}

/// `error-department-not-found` in Rocket.Chat's words.
fn not_found() -> ApiError {
    ApiError::Described("Department not found".into(), ErrorCode::DepartmentNotFound)
}

/// The department id of the path.
fn department_id(req: &HttpRequest) -> Result<String, ApiError> {
    let id = path_param(req, "_id")?;
    validate::plain_id("_id", &id)?;
    Ok(id)
}

/// Checks a department's details and makes its row (`id`, `created_at` from `existing`).
fn row_from(
    input: &DepartmentIn,
    existing: Option<&DepartmentRow>,
    now: i64,
) -> Result<DepartmentRow, ApiError> {
    let name = input.name.trim();
    validate::present("name", name)?;
    validate::at_most("name", name, NAME_MAX)?;
    let email = input.email.trim().to_lowercase();
    if !email.is_empty() && !validate::is_email(&email) {
        return Err(ApiError::Params("'email' must be \"\" or an e-mail address".into()));
    }
    let description = input.description.as_deref().map(str::trim).filter(|text| !text.is_empty());
    validate::at_most("description", description.unwrap_or_default(), DESCRIPTION_MAX)?;
    let tags = match &input.chat_closing_tags {
        Some(tags) => tags.clone(),
        None => existing
            .and_then(|row| serde_json::from_str::<Vec<String>>(&row.closing_tags).ok())
            .unwrap_or_default(),
    };
    if tags.len() > TAGS_MAX {
        return Err(ApiError::Params(format!("at most {TAGS_MAX} 'chatClosingTags'")));
    }
    for tag in &tags {
        validate::present("chatClosingTags", tag)?;
        validate::at_most("chatClosingTags", tag, TAG_MAX)?;
    }
    let archived = existing.is_some_and(|row| row.archived);
    Ok(DepartmentRow {
        id: existing.map_or_else(random_id, |row| row.id.clone()),
        name: name.to_owned(),
        // An archived department stays disabled until it is taken out of the archive.
        enabled: input.enabled && !archived,
        description: description.map(str::to_owned),
        show_on_registration: input.show_on_registration,
        show_on_offline_form: input.show_on_offline_form,
        email,
        request_tag_before_closing: input
            .request_tag_before_closing_chat
            .unwrap_or_else(|| existing.is_some_and(|row| row.request_tag_before_closing)),
        closing_tags: serde_json::Value::from(tags).to_string(),
        archived,
        created_at: existing.map_or(now, |row| row.created_at),
        updated_at: now,
    })
}

/// Checks a list of agents to add.
pub(super) fn check_agents(agents: &[AgentIn]) -> Result<(), ApiError> {
    if agents.len() > AGENTS_MAX {
        return Err(ApiError::Params(format!("at most {AGENTS_MAX} agents a request")));
    }
    for agent in agents {
        validate::plain_id("agentId", &agent.agent_id)?;
    }
    Ok(())
}

/// Adds or updates `agents` in department `id`; each must be an agent.
fn upsert_agents(conn: &mut DbConn, id: &str, agents: &[AgentIn]) -> Result<(), ApiError> {
    for agent in agents {
        let user = db::users::find(conn, &agent.agent_id)?;
        if !user.is_some_and(|user| user.is_agent()) {
            return Err(ErrorCode::UserIsNotAgent.into());
        }
        db::departments::upsert_agent(conn, id, &agent.agent_id, agent.count, agent.order)?;
    }
    Ok(())
}

/// A name another department has, as the unique index reports it.
fn name_taken(err: db::Error, name: &str) -> ApiError {
    match err {
        db::Error::Conflict(_) => ApiError::Params(format!("a department named '{name}' exists")),
        other => other.into(),
    }
}

/// Stores a department with its agents (a write of its own: it holds its agents' rows, then
/// the department's).
pub(super) async fn save(
    state: &AppState,
    id: Option<String>,
    input: DepartmentIn,
    agents: Vec<AgentIn>,
) -> Reply<create::Response> {
    let at = now();
    let saved = state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            use diesel::Connection as _;
            let ids: Vec<String> = agents.iter().map(|agent| agent.agent_id.clone()).collect();
            db::departments::hold_users(conn, &ids)?;
            let existing = match &id {
                Some(id) => Some(db::departments::find(conn, id)?.ok_or_else(not_found)?),
                None => None,
            };
            let row = row_from(&input, existing.as_ref(), at)?;
            let stored = conn.transaction(|conn| match existing {
                Some(_) => db::departments::update(conn, &row),
                None => db::departments::insert(conn, &row),
            });
            stored.map_err(|err| name_taken(err, &row.name))?;
            upsert_agents(conn, &row.id, &agents)?;
            let (members, total) = db::departments::agents(conn, &row.id, 0, i64::MAX)?;
            Ok(create::Response { department: row.to_wire(total), agents: members })
        })
        .await?;
    // Agents may now take the department's queued rooms.
    super::drain_queue(state).await;
    ok(saved)
}

/// `POST /api/v1/livechat/department`
pub async fn create(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<create::Request>>,
) -> Reply<create::Response> {
    manager(&state, &user).await?;
    let agents = req.agents.unwrap_or_default();
    check_agents(&agents)?;
    save(&state, None, req.department, agents).await
}

/// `PUT /api/v1/livechat/department/{_id}`
pub async fn update(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Body(req)): Authed<Body<update::Request>>,
) -> Reply<create::Response> {
    manager(&state, &user).await?;
    let id = department_id(&http)?;
    let agents = req.agents.unwrap_or_default();
    check_agents(&agents)?;
    save(&state, Some(id), req.department, agents).await
}

/// The departments `user` may see: all when `all`, else its own.
fn reach(conn: &mut DbConn, user: &UserRow, all: bool) -> db::Result<Option<Vec<String>>> {
    if all {
        Ok(None)
    } else {
        db::departments::of_user(conn, &user.id).map(Some)
    }
}

/// `GET /api/v1/livechat/department`
pub async fn list(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<list::Request>>,
) -> Reply<list::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let all = sees_all(&state, &user).await?;
    let (rows, total) = state
        .read(move |conn| {
            let mut only = reach(conn, &user, all)?;
            if only.is_none() && query.only_my_departments == Some(true) {
                only = Some(db::departments::of_user(conn, &user.id)?);
            }
            let filter = Filter { text: query.text, enabled: query.enabled, archived: false, only };
            Ok(db::departments::list(conn, &filter, offset, count)?)
        })
        .await?;
    let departments: Vec<_> = rows.iter().map(|(row, agents)| row.to_wire(*agents)).collect();
    let count = i64::try_from(departments.len()).unwrap_or(i64::MAX);
    ok(list::Response { departments, count, offset, total })
}

/// `GET /api/v1/livechat/departments/archived`, for managers.
pub async fn archived(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<archived::Request>>,
) -> Reply<list::Response> {
    state.require(&user, "view-livechat-departments").await?;
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let filter = Filter { text: query.text, enabled: None, archived: true, only: None };
    let (rows, total) =
        state.read(move |conn| Ok(db::departments::list(conn, &filter, offset, count)?)).await?;
    let departments: Vec<_> = rows.iter().map(|(row, agents)| row.to_wire(*agents)).collect();
    let count = i64::try_from(departments.len()).unwrap_or(i64::MAX);
    ok(list::Response { departments, count, offset, total })
}

/// The department `id` if `user` may see it.
fn visible(
    conn: &mut DbConn,
    user: &UserRow,
    all: bool,
    id: &str,
) -> db::Result<Option<DepartmentRow>> {
    let Some(row) = db::departments::find(conn, id)? else { return Ok(None) };
    Ok(match reach(conn, user, all)? {
        Some(mine) if !mine.contains(&row.id) => None,
        _ => Some(row),
    })
}

/// `GET /api/v1/livechat/department/{_id}`: `null` for an unknown department and for one
/// out of the caller's reach alike.
pub async fn get(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(query)): Authed<Query<get::Request>>,
) -> Reply<get::Response> {
    let id = department_id(&http)?;
    let with_agents = query.include_agents.unwrap_or(true);
    let all = sees_all(&state, &user).await?;
    let (department, agents) = state
        .read(move |conn| {
            let Some(row) = visible(conn, &user, all, &id)? else { return Ok((None, None)) };
            let (members, total) = db::departments::agents(conn, &row.id, 0, i64::MAX)?;
            Ok((Some(row.to_wire(total)), with_agents.then_some(members)))
        })
        .await?;
    ok(get::Response { department, agents })
}

/// `GET /api/v1/livechat/department/{_id}/agents`
pub async fn agents(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(query)): Authed<Query<agents::Request>>,
) -> Reply<agents::Response> {
    let id = department_id(&http)?;
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let all = sees_all(&state, &user).await?;
    let (agents, total) = state
        .read(move |conn| {
            visible(conn, &user, all, &id)?.ok_or_else(not_found)?;
            Ok(db::departments::agents(conn, &id, offset, count)?)
        })
        .await?;
    let count = i64::try_from(agents.len()).unwrap_or(i64::MAX);
    ok(agents::Response { agents, count, offset, total })
}

/// `POST /api/v1/livechat/department/{_id}/agents`
pub async fn agents_update(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Body(req)): Authed<Body<agents_update::Request>>,
) -> Reply<agents_update::Response> {
    manager(&state, &user).await?;
    let id = department_id(&http)?;
    let upsert = req.upsert.unwrap_or_default();
    let remove = req.remove.unwrap_or_default();
    check_agents(&upsert)?;
    if remove.len() > AGENTS_MAX {
        return Err(ApiError::Params(format!("at most {AGENTS_MAX} agents a request")));
    }
    state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let mut ids: Vec<String> = upsert.iter().map(|agent| agent.agent_id.clone()).collect();
            ids.extend(remove.iter().map(|agent| agent.agent_id.clone()));
            db::departments::hold_users(conn, &ids)?;
            let mut row = db::departments::find(conn, &id)?.ok_or_else(not_found)?;
            for agent in &remove {
                db::departments::remove_agent(conn, &id, &agent.agent_id)?;
            }
            upsert_agents(conn, &id, &upsert)?;
            row.updated_at = now();
            Ok(db::departments::update(conn, &row)?)
        })
        .await?;
    super::drain_queue(&state).await;
    ok(agents_update::Response {})
}

/// Sets department `id`'s archive flag (archiving also disables it).
async fn set_archived(state: &AppState, id: String, archived: bool) -> Result<(), ApiError> {
    state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let mut row = db::departments::find(conn, &id)?.ok_or_else(not_found)?;
            row.archived = archived;
            if archived {
                row.enabled = false;
            }
            row.updated_at = now();
            Ok(db::departments::update(conn, &row)?)
        })
        .await
}

/// `POST /api/v1/livechat/department/{_id}/archive`
pub async fn archive(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Body(_)): Authed<Body<archive::Request>>,
) -> Reply<archive::Response> {
    manager(&state, &user).await?;
    set_archived(&state, department_id(&http)?, true).await?;
    ok(archive::Response {})
}

/// `POST /api/v1/livechat/department/{_id}/unarchive`
pub async fn unarchive(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Body(_)): Authed<Body<unarchive::Request>>,
) -> Reply<unarchive::Response> {
    manager(&state, &user).await?;
    set_archived(&state, department_id(&http)?, false).await?;
    ok(unarchive::Response {})
}

/// `DELETE /api/v1/livechat/department/{_id}`: its open rooms join the general queue, its
/// visitors are left without a department.
pub async fn delete(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Body(_)): Authed<Body<delete::Request>>,
) -> Reply<delete::Response> {
    manager(&state, &user).await?;
    let id = department_id(&http)?;
    let settings = state.settings().await?;
    if !settings.flag(crate::settings::registry::DEPARTMENT_REMOVAL) {
        return Err(ErrorCode::DepartmentRemovalDisabled.into());
    }
    let moved = state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            db::departments::find(conn, &id)?.ok_or(ErrorCode::DepartmentNotFound)?;
            Ok(db::departments::delete(conn, &id, now())?)
        })
        .await?;
    for rid in &moved {
        state.realtime.room_changed(rid);
    }
    super::drain_queue(&state).await;
    ok(delete::Response {})
}

/// `GET /api/v1/livechat/department.autocomplete?selector={"term": ...}`: for agents and
/// managers, the first ten open departments whose name contains the term.
pub async fn autocomplete(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<autocomplete::Request>>,
) -> Reply<autocomplete::Response> {
    #[derive(serde::Deserialize)]
    struct Selector {
        #[serde(default)]
        term: String,
    }
    let selector: Selector = serde_json::from_str(&query.selector)
        .map_err(|_| ApiError::Params("'selector' must be JSON: {\"term\": \"...\"}".into()))?;
    validate::at_most("term", &selector.term, NAME_MAX)?;
    let all = sees_all(&state, &user).await?;
    let rows = state
        .read(move |conn| {
            let mine = reach(conn, &user, all)?;
            let rows = db::departments::autocomplete(conn, selector.term.trim(), 50)?;
            Ok(rows
                .into_iter()
                .filter(|row| mine.as_ref().map_or(true, |mine| mine.contains(&row.id)))
                .take(10)
                .collect::<Vec<_>>())
        })
        .await?;
    let items =
        rows.into_iter().map(|row| autocomplete::Item { id: row.id, name: row.name }).collect();
    ok(autocomplete::Response { items })
}

/// `GET /api/v1/livechat/agents/{agentId}/departments`: an agent's own memberships; another
/// agent's only with `view-livechat-departments` (else as if it had none).
pub async fn of_agent(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(query)): Authed<Query<of_agent::Request>>,
) -> Reply<of_agent::Response> {
    let agent_id = path_param(&http, "agentId")?;
    validate::plain_id("agentId", &agent_id)?;
    let all = sees_all(&state, &user).await?;
    let enabled_only = query.enabled_departments_only.unwrap_or(false);
    let departments = state
        .read(move |conn| {
            if !all && agent_id != user.id {
                return Ok(Vec::new());
            }
            Ok(db::departments::memberships(conn, &agent_id, enabled_only)?)
        })
        .await?;
    ok(of_agent::Response { departments })
}

/// Most ids one `department.listByIds` takes.
const IDS_MAX: usize = 100;

/// `GET /api/v1/livechat/department.listByIds?ids[]=...`: the departments with these ids
/// that the caller may see; the others are left out, as if they did not exist.
pub async fn list_by_ids(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(query)): Authed<Query<list_by_ids::Request>>,
) -> Reply<list_by_ids::Response> {
    let mut ids: Vec<String> = form_urlencoded::parse(http.query_string().as_bytes())
        .filter(|(key, _)| key == "ids[]")
        .map(|(_, value)| value.into_owned())
        .chain(query.ids.iter().flat_map(|ids| ids.split(',').map(str::to_owned)))
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .collect();
    ids.sort();
    ids.dedup();
    if ids.len() > IDS_MAX {
        return Err(ApiError::Params(format!("at most {IDS_MAX} 'ids'")));
    }
    for id in &ids {
        validate::plain_id("ids", id)?;
    }
    let all = sees_all(&state, &user).await?;
    let rows = state
        .read(move |conn| {
            let only = match reach(conn, &user, all)? {
                Some(mine) => ids.into_iter().filter(|id| mine.contains(id)).collect(),
                None => ids,
            };
            let filter = Filter { only: Some(only.clone()), ..Filter::default() };
            let (mut rows, _) = db::departments::list(conn, &filter, 0, IDS_MAX as i64)?;
            // The archived ones too: the caller named them.
            let archived = Filter { archived: true, only: Some(only), ..Filter::default() };
            rows.extend(db::departments::list(conn, &archived, 0, IDS_MAX as i64)?.0);
            Ok(rows)
        })
        .await?;
    let departments = rows.iter().map(|(row, agents)| row.to_wire(*agents)).collect();
    ok(list_by_ids::Response { departments })
}
