//! Triggers: managers define them; `livechat/config` delivers the enabled ones to the widget.

use actix_web::{web, HttpRequest};
use livechat_types::trigger::{delete, get, list, save, Action, Condition};
use livechat_types::ErrorCode;

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::triggers::TriggerRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
use crate::ids::random_id;
use crate::{validate, AppState};

/// A name, a description, a condition's value and a message.
const TEXT_MAX: usize = 1000;
/// Conditions and actions of one trigger.
const PARTS_MAX: usize = 20;

fn trigger_id(req: &HttpRequest) -> Result<String, ApiError> {
    let id = path_param(req, "_id")?;
    validate::plain_id("_id", &id)?;
    Ok(id)
}

/// Conditions the widget knows, each with a value of the right kind.
fn check_conditions(conditions: &[Condition]) -> Result<(), ApiError> {
    if conditions.is_empty() || conditions.len() > PARTS_MAX {
        return Err(ApiError::Params(format!("1 to {PARTS_MAX} 'conditions'")));
    }
    for condition in conditions {
        let value = condition.value.as_ref();
        let valid = match condition.name.as_str() {
            "page-url" => value.and_then(|value| value.as_str()).is_some_and(|pattern| {
                validate::chars(pattern) <= TEXT_MAX && regex_lite::Regex::new(pattern).is_ok()
            }),
            "time-on-site" => value.is_some_and(|value| {
                value.as_u64().is_some()
                    || value.as_str().is_some_and(|text| text.trim().parse::<u64>().is_ok())
            }),
            "chat-opened-by-visitor" | "after-guest-registration" => match value {
                None | Some(serde_json::Value::Null) => true,
                Some(value) => value.as_str().is_some_and(|text| validate::chars(text) <= TEXT_MAX),
            },
            _ => false,
        };
        if !valid {
            return Err(ApiError::Params(format!(
                "condition '{}' is not one of page-url (a regular expression), time-on-site \
                 (seconds), chat-opened-by-visitor, after-guest-registration",
                condition.name.chars().take(64).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// Actions the widget knows: `send-message` from the queue's agent or a named sender.
fn check_actions(actions: &[Action]) -> Result<(), ApiError> {
    if actions.is_empty() || actions.len() > PARTS_MAX {
        return Err(ApiError::Params(format!("1 to {PARTS_MAX} 'actions'")));
    }
    for action in actions {
        if action.name != "send-message" {
            return Err(ApiError::Params("an action's 'name' must be send-message".into()));
        }
        let params = &action.params;
        if !matches!(params.sender.as_str(), "queue" | "custom") {
            return Err(ApiError::Params("'sender' must be queue or custom".into()));
        }
        validate::present("msg", &params.msg)?;
        validate::at_most("msg", &params.msg, TEXT_MAX)?;
        validate::at_most("name", params.name.as_deref().unwrap_or_default(), TEXT_MAX)?;
    }
    Ok(())
}

/// `GET /api/v1/livechat/triggers`, for managers.
pub async fn list(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<list::Request>>,
) -> Reply<list::Response> {
    state.require(&user, "view-livechat-manager").await?;
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let (rows, total) =
        state.read(move |conn| Ok(db::triggers::list(conn, offset, count)?)).await?;
    let triggers: Vec<_> = rows.iter().map(TriggerRow::to_wire).collect();
    let count = i64::try_from(triggers.len()).unwrap_or(i64::MAX);
    ok(list::Response { triggers, count, offset, total })
}

/// `GET /api/v1/livechat/triggers/{_id}`, for managers.
pub async fn get(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(_)): Authed<Query<get::Request>>,
) -> Reply<get::Response> {
    state.require(&user, "view-livechat-manager").await?;
    let id = trigger_id(&http)?;
    let row = state.read(move |conn| Ok(db::triggers::find(conn, &id)?)).await?;
    ok(get::Response { trigger: row.as_ref().map(TriggerRow::to_wire) })
}

/// `POST /api/v1/livechat/triggers`, for managers: a new trigger, or new details for the one
/// `_id` names.
pub async fn save(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<save::Request>>,
) -> Reply<save::Response> {
    state.require(&user, "view-livechat-manager").await?;
    let id = store(&state, req).await?;
    ok(save::Response { id })
}

/// Checks and stores a trigger (the caller's permission checked); returns its id.
pub(super) async fn store(state: &AppState, req: save::Request) -> Result<String, ApiError> {
    validate::present("name", &req.name)?;
    validate::at_most("name", &req.name, TEXT_MAX)?;
    validate::at_most("description", &req.description, TEXT_MAX)?;
    if let Some(id) = &req.id {
        validate::plain_id("_id", id)?;
    }
    check_conditions(&req.conditions)?;
    check_actions(&req.actions)?;
    let row = TriggerRow {
        id: req.id.clone().unwrap_or_else(random_id),
        name: req.name.trim().to_owned(),
        description: req.description,
        enabled: req.enabled,
        run_once: req.run_once,
        conditions: serde_json::to_string(&req.conditions).map_err(anyhow::Error::from)?,
        actions: serde_json::to_string(&req.actions).map_err(anyhow::Error::from)?,
        updated_at: now(),
    };
    let id = row.id.clone();
    let existing = req.id.is_some();
    let key = if existing { Key::Many } else { Key::Fresh };
    state
        .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
            if !existing {
                return Ok(db::triggers::insert(conn, &row)?);
            }
            if db::triggers::update(conn, &row)? {
                Ok(())
            } else {
                Err(ErrorCode::Unknown("error-invalid-trigger".into()).into())
            }
        })
        .await?;
    Ok(id)
}

/// `DELETE /api/v1/livechat/triggers/{_id}`, for managers.
pub async fn delete(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Body(_)): Authed<Body<delete::Request>>,
) -> Reply<delete::Response> {
    state.require(&user, "view-livechat-manager").await?;
    let id = trigger_id(&http)?;
    state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            if db::triggers::delete(conn, &id)? {
                Ok(())
            } else {
                Err(ErrorCode::Unknown("error-invalid-trigger".into()).into())
            }
        })
        .await?;
    ok(delete::Response {})
}

/// The enabled triggers as `livechat/config` delivers them: `{_id, actions, conditions,
/// runOnce}`.
pub fn for_widget(rows: &[TriggerRow]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|row| {
            let trigger = row.to_wire();
            serde_json::json!({
                "_id": trigger.id,
                "actions": trigger.actions,
                "conditions": trigger.conditions,
                "runOnce": trigger.run_once,
            })
        })
        .collect()
}
