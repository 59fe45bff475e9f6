//! Custom fields (SPEC section 13's "custom fields as Rocket.Chat has them"): managers define
//! them; visitors set values for defined fields only, on themselves (visitor fields) or on
//! their open room (room fields). A value for a field nobody defined is not stored.

use actix_web::{web, HttpRequest};
use livechat_types::custom_field::{get, list, remove, save, set_many};
use livechat_types::visitor::register::CustomField as Value;
use livechat_types::{ErrorCode, VisitorToken};

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::custom_fields::CustomFieldRow;
use crate::db::visitors::FieldSet;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
use crate::{validate, AppState};

/// A label, a default value and the options of a definition.
const TEXT_MAX: usize = 1000;
/// A definition's regular expression.
const REGEXP_MAX: usize = 500;

/// `GET /api/v1/livechat/custom-fields`, for agents and managers.
pub async fn list(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<list::Request>>,
) -> Reply<list::Response> {
    state.require(&user, "view-l-room").await?;
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let text = query.text.filter(|text| !text.is_empty());
    let (rows, total) = state
        .read(move |conn| Ok(db::custom_fields::list(conn, text.as_deref(), offset, count)?))
        .await?;
    let custom_fields: Vec<_> = rows.iter().map(CustomFieldRow::to_wire).collect();
    let count = i64::try_from(custom_fields.len()).unwrap_or(i64::MAX);
    ok(list::Response { custom_fields, count, offset, total })
}

/// `GET /api/v1/livechat/custom-fields/{_id}`, for agents and managers.
pub async fn get(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(_)): Authed<Query<get::Request>>,
) -> Reply<get::Response> {
    state.require(&user, "view-l-room").await?;
    let id = path_param(&http, "_id")?;
    validate::plain_id("_id", &id)?;
    let row = state.read(move |conn| Ok(db::custom_fields::find(conn, &id)?)).await?;
    ok(get::Response { custom_field: row.as_ref().map(CustomFieldRow::to_wire) })
}

/// `POST /api/v1/livechat/custom-fields.save`, for managers: a new definition, or a change
/// of the one `customFieldId` names (its key stays).
pub async fn save(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<save::Request>>,
) -> Reply<save::Response> {
    state.require(&user, "view-livechat-manager").await?;
    let existing = req.custom_field_id.filter(|id| !id.is_empty());
    let data = req.data;
    let id = existing.clone().unwrap_or_else(|| data.field.clone());
    validate::plain_id("field", &id)?;
    validate::at_most("field", &id, validate::bounds::FIELD_KEY)?;
    validate::present("label", &data.label)?;
    for (name, value) in [
        ("label", &data.label),
        ("defaultValue", data.default_value.as_ref().unwrap_or(&String::new())),
        ("options", data.options.as_ref().unwrap_or(&String::new())),
    ] {
        validate::at_most(name, value, TEXT_MAX)?;
    }
    let one_of = |name: &str, value: &str, allowed: &[&str]| {
        if allowed.contains(&value) {
            Ok(())
        } else {
            Err(ApiError::Params(format!("'{name}' must be one of {}", allowed.join(", "))))
        }
    };
    one_of("scope", &data.scope, &["visitor", "room"])?;
    one_of("visibility", &data.visibility, &["visible", "hidden"])?;
    let kind = data.kind.clone().unwrap_or_else(|| "input".into());
    one_of("type", &kind, &["input", "select"])?;
    let regexp = data.regexp.clone().unwrap_or_default();
    validate::at_most("regexp", &regexp, REGEXP_MAX)?;
    if !regexp.is_empty() && regex_lite::Regex::new(&regexp).is_err() {
        return Err(ApiError::Params("'regexp' must be a regular expression".into()));
    }
    let row = CustomFieldRow {
        id,
        label: data.label.trim().to_owned(),
        scope: data.scope,
        visibility: data.visibility,
        regexp,
        searchable: data.searchable.unwrap_or(true),
        kind,
        required: data.required.unwrap_or(false),
        default_value: data.default_value.unwrap_or_default(),
        options: data.options.unwrap_or_default(),
        public: data.public.unwrap_or(false),
        updated_at: now(),
    };
    let stored = row.to_wire();
    state
        .write(Key::Fresh, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let found = db::custom_fields::find(conn, &row.id)?.is_some();
            match (&existing, found) {
                (Some(_), false) => Err(ApiError::Described(
                    "Custom field not found".into(),
                    ErrorCode::Unknown("error-invalid-custom-field".into()),
                )),
                (None, true) => Err(ApiError::Described(
                    "Custom field already exists".into(),
                    ErrorCode::Unknown("error-custom-field-name-already-exists".into()),
                )),
                _ => Ok(db::custom_fields::save(conn, &row, found)?),
            }
        })
        .await?;
    ok(save::Response { custom_field: stored })
}

/// `POST /api/v1/livechat/custom-fields.remove`, for managers: the definition and every
/// value stored under it.
pub async fn remove(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<remove::Request>>,
) -> Reply<remove::Response> {
    state.require(&user, "view-livechat-manager").await?;
    validate::present("_id", &req.id)?;
    validate::at_most("_id", &req.id, validate::bounds::FIELD_KEY)?;
    state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            if db::custom_fields::find(conn, &req.id)?.is_none() {
                return Err(ErrorCode::Unknown("custom-field-not-found".into()).into());
            }
            Ok(db::custom_fields::remove(conn, &req.id)?)
        })
        .await?;
    ok(remove::Response {})
}

/// `POST /api/v1/livechat/custom.fields`: several fields at once.
pub async fn set_many(
    state: web::Data<AppState>,
    Body(req): Body<set_many::Request>,
) -> Reply<set_many::Response> {
    validate::token(&req.token)?;
    if req.custom_fields.len() > validate::bounds::FIELDS_PER_VISITOR {
        return Err(super::visitor::too_many_fields());
    }
    for field in &req.custom_fields {
        super::visitor::check_field(&field.key, &field.value)?;
    }
    let fields = req
        .custom_fields
        .iter()
        .map(|field| set_many::Field {
            key: field.key.clone(),
            value: field.value.clone(),
            overwrite: field.overwrite,
        })
        .collect();
    store(&state, req.token, req.custom_fields).await?;
    ok(set_many::Response { fields })
}

/// Whether `value` is acceptable for `field`: it matches the field's regular expression.
fn check_value(field: &CustomFieldRow, value: &str) -> Result<(), ApiError> {
    if field.regexp.is_empty() {
        return Ok(());
    }
    match regex_lite::Regex::new(&field.regexp) {
        Ok(pattern) if pattern.is_match(value) => Ok(()),
        Ok(_) => Err(ApiError::Params(format!("invalid value for '{}'", field.id))),
        // Stored expressions were checked when saved.
        Err(_) => Ok(()),
    }
}

/// The defined ones among `values`, each with its definition; a value that does not match
/// its field's regular expression refuses them all.
pub(super) fn defined(
    conn: &mut DbConn,
    values: Vec<Value>,
) -> Result<Vec<(CustomFieldRow, Value)>, ApiError> {
    let keys: Vec<String> = values.iter().map(|value| value.key.clone()).collect();
    let definitions = db::custom_fields::find_all(conn, &keys)?;
    let mut out = Vec::new();
    for value in values {
        if let Some(field) = definitions.iter().find(|field| field.id == value.key) {
            check_value(field, &value.value)?;
            out.push((field.clone(), value));
        }
    }
    Ok(out)
}

/// Stores the visitor fields among `values` on the visitor (within its bound), in its write
/// (key [`Key::Visitor`]).
pub(super) fn store_on_visitor(
    conn: &mut DbConn,
    visitor_id: &str,
    values: &[(CustomFieldRow, Value)],
) -> Result<bool, ApiError> {
    let mut changed = false;
    for (field, value) in values.iter().filter(|(field, _)| field.scope == "visitor") {
        let limit = validate::bounds::FIELDS_PER_VISITOR;
        let set = db::visitors::set_field(
            conn,
            visitor_id,
            &field.id,
            &value.value,
            value.overwrite,
            limit,
        )?;
        match set {
            FieldSet::Full => return Err(super::visitor::too_many_fields()),
            FieldSet::Stored => changed = true,
            FieldSet::Kept => {}
        }
    }
    Ok(changed)
}

/// Stores `values` for the visitor with `token`: visitor fields on it, room fields on its
/// open room (none: not stored). Room fields are a write of their own, keyed by the room,
/// before the visitor's.
pub(super) async fn store(
    state: &AppState,
    token: VisitorToken,
    values: Vec<Value>,
) -> Result<(), ApiError> {
    let lookup = token.clone();
    let (values, room) = state
        .read(move |conn| {
            let visitor = db::visitors::find_by_token(conn, lookup.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let values = defined(conn, values)?;
            let room = db::rooms::find_open_of_visitor(conn, &visitor.id)?;
            Ok((values, room.map(|room| (room.id, visitor.id))))
        })
        .await?;
    let room_values: Vec<(String, String, bool)> = values
        .iter()
        .filter(|(field, _)| field.scope == "room")
        .map(|(field, value)| (field.id.clone(), value.value.clone(), value.overwrite))
        .collect();
    if let (Some((rid, visitor_id)), false) = (room, room_values.is_empty()) {
        let key = Key::Room(rid.clone());
        state
            .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
                // Still this visitor's open room.
                let Some(room) = db::rooms::lock_of_visitor(conn, &rid, &visitor_id)? else {
                    return Ok(());
                };
                if !room.open {
                    return Ok(());
                }
                for (key, value, overwrite) in &room_values {
                    db::custom_fields::set_room_field(conn, &rid, key, value, *overwrite)?;
                }
                Ok(())
            })
            .await?;
    }
    if values.iter().any(|(field, _)| field.scope == "visitor") {
        let key = Key::Visitor(token.as_str().to_owned());
        state
            .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
                let visitor = db::visitors::find_by_token(conn, token.as_str())?
                    .ok_or(ErrorCode::InvalidToken)?;
                if store_on_visitor(conn, &visitor.id, &values)? {
                    db::visitors::touch(conn, &visitor.id, now())?;
                }
                Ok(())
            })
            .await?;
    }
    Ok(())
}
