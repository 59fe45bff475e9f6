//! `livechat/visitor`: register, get and remove visitors. Their types declare the bracketed
//! error style, and the router applies it.

use actix_web::{web, HttpRequest};
use diesel::Connection as _;
use livechat_types::visitor::{delete, get, register};
use livechat_types::{ErrorCode, Timestamp, VisitorToken};

use super::{now, ok, Reply};
use crate::db::models::VisitorRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body};
use crate::ids::random_id;
use crate::{validate, AppState};

/// `POST /api/v1/livechat/visitor`
pub async fn register(
    state: web::Data<AppState>,
    Body(req): Body<register::Request>,
) -> Reply<register::Response> {
    validate::token(&req.visitor.token)?;
    check_details(&req.visitor)?;
    let key = Key::Visitor(req.visitor.token.as_str().to_owned());
    let visitor = state
        .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let department = match req.visitor.department.as_deref().map(str::trim) {
                Some(key) if !key.is_empty() => Some(department_of(conn, key)?),
                _ => None,
            };
            let row = upsert(conn, &req.visitor, department, now())?;
            // Defined visitor fields only; room fields wait for `custom.field(s)`.
            let values = req.visitor.custom_fields.clone().unwrap_or_default();
            let values = super::custom_field::defined(conn, values)?;
            super::custom_field::store_on_visitor(conn, &row.id, &values)?;
            let fields = db::visitors::fields(conn, &row.id)?;
            Ok(row.to_wire(fields))
        })
        .await?;
    ok(register::Response { visitor })
}

/// The id of the department a visitor names by id or name: an enabled one, else
/// `error-invalid-department`.
fn department_of(conn: &mut DbConn, key: &str) -> Result<String, ApiError> {
    match db::departments::find_by_id_or_name(conn, key)? {
        Some(department) if department.is_open() => Ok(department.id),
        _ => Err(ErrorCode::InvalidDepartment.into()),
    }
}

/// The bounds on what a registration stores (README, Limits).
fn check_details(details: &register::NewVisitor) -> Result<(), ApiError> {
    use validate::bounds;
    fn given(value: &Option<String>) -> &str {
        value.as_deref().map(str::trim).unwrap_or_default()
    }
    validate::at_most("name", given(&details.name), bounds::NAME)?;
    validate::at_most("phone", given(&details.phone), bounds::PHONE)?;
    validate::at_most("department", given(&details.department), bounds::DEPARTMENT)?;
    let email = given(&details.email);
    if !email.is_empty() && !validate::is_email(email) {
        return Err(ApiError::Params("'email' must be an e-mail address".into()));
    }
    let fields = details.custom_fields.as_deref().unwrap_or_default();
    if fields.len() > bounds::FIELDS_PER_VISITOR {
        return Err(too_many_fields());
    }
    for field in fields {
        check_field(&field.key, &field.value)?;
    }
    Ok(())
}

/// One custom field's key and value within their bounds.
pub(super) fn check_field(key: &str, value: &str) -> Result<(), ApiError> {
    validate::present("key", key)?;
    validate::at_most("key", key, validate::bounds::FIELD_KEY)?;
    validate::at_most("value", value, validate::bounds::FIELD_VALUE)
}

/// A visitor keeps at most [`validate::bounds::FIELDS_PER_VISITOR`] custom fields.
pub(super) fn too_many_fields() -> ApiError {
    let limit = validate::bounds::FIELDS_PER_VISITOR;
    ApiError::Params(format!("a visitor keeps at most {limit} custom fields"))
}

/// Updates the visitor with this token, or creates it. A new token always gets a visitor of
/// its own, whatever its e-mail or phone.
fn upsert(
    conn: &mut DbConn,
    details: &register::NewVisitor,
    department: Option<String>,
    now: i64,
) -> Result<VisitorRow, ApiError> {
    if let Some(mut row) = db::visitors::find_by_token(conn, details.token.as_str())? {
        apply(&mut row, details, department, now);
        db::visitors::update(conn, &row)?;
        return Ok(row);
    }
    let number = db::visitors::next_guest_number(conn)?;
    let mut row = VisitorRow {
        id: random_id(),
        token: details.token.as_str().to_owned(),
        username: format!("guest-{number}"),
        name: None,
        email: None,
        phone: None,
        department: None,
        created_at: now,
        updated_at: now,
    };
    apply(&mut row, details, department.clone(), now);
    match conn.transaction(|conn| db::visitors::insert(conn, &row)) {
        Ok(()) => Ok(row),
        // Registered concurrently (another instance): update that one instead.
        Err(db::Error::Conflict(_)) => {
            let mut existing = db::visitors::find_by_token(conn, details.token.as_str())?
                .ok_or_else(|| anyhow::format_err!("visitor vanished after a unique violation"))?;
            apply(&mut existing, details, department, now);
            db::visitors::update(conn, &existing)?;
            Ok(existing)
        }
        Err(err) => Err(err.into()),
    }
}

/// Copies what the visitor may choose into its row (its custom fields are rows of their
/// own). Not its username: that is the server's `guest-<n>`, so a visitor cannot take an
/// agent's name (**fix**: Rocket.Chat stores the `username` it is sent).
/// `department` is the resolved id of the one the visitor named.
fn apply(
    row: &mut VisitorRow,
    details: &register::NewVisitor,
    department: Option<String>,
    now: i64,
) {
    let non_blank = |value: &Option<String>| {
        value.as_deref().map(str::trim).filter(|value| !value.is_empty()).map(str::to_owned)
    };
    if let Some(name) = non_blank(&details.name) {
        row.name = Some(name);
    }
    if let Some(email) = non_blank(&details.email) {
        row.email = Some(email.to_lowercase());
    }
    if let Some(phone) = non_blank(&details.phone) {
        row.phone = Some(phone);
    }
    if let Some(department) = department {
        row.department = Some(department);
    }
    row.updated_at = now;
}

fn token_from_path(req: &HttpRequest) -> Result<VisitorToken, ApiError> {
    let token = VisitorToken::from(path_param(req, "token")?);
    validate::token(&token)?;
    Ok(token)
}

/// `GET /api/v1/livechat/visitor/{token}`
pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> Reply<get::Response> {
    let token = token_from_path(&req)?;
    let row = state
        .read(move |conn| {
            let row = db::visitors::find_by_token(conn, token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let fields = db::visitors::fields(conn, &row.id)?;
            Ok(row.to_wire(fields))
        })
        .await?;
    ok(get::Response { visitor: row })
}

/// `DELETE /api/v1/livechat/visitor/{token}`
pub async fn delete(state: web::Data<AppState>, req: HttpRequest) -> Reply<delete::Response> {
    let token = token_from_path(&req)?;
    let removed = state
        // Its rooms go with it: several keys, in a transaction of its own.
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let visitor = db::visitors::find_by_token(conn, token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            if db::rooms::find_open_of_visitor(conn, &visitor.id)?.is_some() {
                return Err(ErrorCode::VisitorHasOpenRooms.into());
            }
            db::visitors::delete(conn, &visitor.id)?;
            Ok(delete::Removed { id: visitor.id, ts: Timestamp(now()) })
        })
        .await?;
    ok(delete::Response { visitor: removed })
}
