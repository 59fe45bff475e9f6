//! What the widget reports besides messages (SPEC section 4).

use actix_web::web;
use livechat_types::widget::{
    custom_field, offline_message, offline_messages, page_visited, visitor_status,
};
use livechat_types::{ErrorCode, Timestamp};

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::offline::OfflineRow;
use crate::db::{DbConn, Key};
use crate::error::ApiError;
use crate::extract::{Body, Query};
use crate::ids::random_id;
use crate::{db, validate, AppState};

/// `POST /api/v1/livechat/offline.message`: stored for agents to read.
pub async fn offline_message(
    state: web::Data<AppState>,
    Body(req): Body<offline_message::Request>,
) -> Reply<offline_message::Response> {
    for (field, value) in [("name", &req.name), ("email", &req.email), ("message", &req.message)] {
        if value.trim().is_empty() {
            return Err(ApiError::Params(format!("must have required property '{field}'")));
        }
    }
    if !req.email.contains('@') {
        return Err(ApiError::Params("'email' must be an e-mail address".into()));
    }
    if validate::chars(&req.message) > state.config.message_max_chars {
        return Err(ErrorCode::MessageSizeExceeded.into());
    }
    let row = OfflineRow {
        id: random_id(),
        name: req.name,
        email: req.email,
        message: req.message,
        department: req.department,
        created_at: now(),
    };
    state.write(Key::Fresh, move |conn: &mut DbConn| db::offline::insert(conn, &row)).await?;
    ok(offline_message::Response { message: "Livechat offline message sent".into() })
}

/// `GET /api/v1/livechat/offline.messages`, for agents and admins.
pub async fn offline_messages(
    state: web::Data<AppState>,
    Authed(_, Query(query)): Authed<Query<offline_messages::Request>>,
) -> Reply<offline_messages::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let (rows, total) = state.read(move |conn| Ok(db::offline::list(conn, offset, count)?)).await?;
    let messages = rows
        .into_iter()
        .map(|row| offline_messages::OfflineMessage {
            id: row.id,
            name: row.name,
            email: row.email,
            message: row.message,
            department: row.department,
            ts: Timestamp(row.created_at),
        })
        .collect();
    ok(offline_messages::Response { messages, total })
}

/// `POST /api/v1/livechat/page.visited`: acknowledged; navigation is not stored.
pub async fn page_visited(Body(req): Body<page_visited::Request>) -> Reply<page_visited::Response> {
    validate::token(&req.token)?;
    ok(page_visited::Response {})
}

/// `POST /api/v1/livechat/visitor.status`
pub async fn visitor_status(
    state: web::Data<AppState>,
    Body(req): Body<visitor_status::Request>,
) -> Reply<visitor_status::Response> {
    validate::token(&req.token)?;
    let token = req.token.clone();
    state
        .read(move |conn| {
            db::visitors::find_by_token(conn, token.as_str())?
                .map(drop)
                .ok_or_else(|| ErrorCode::InvalidToken.into())
        })
        .await?;
    ok(visitor_status::Response { token: req.token, status: req.status })
}

/// `POST /api/v1/livechat/custom.field`
pub async fn custom_field(
    state: web::Data<AppState>,
    Body(req): Body<custom_field::Request>,
) -> Reply<custom_field::Response> {
    validate::token(&req.token)?;
    if req.key.trim().is_empty() {
        return Err(ApiError::Params("must have required property 'key'".into()));
    }
    let key = Key::Visitor(req.token.as_str().to_owned());
    let field = custom_field::Field {
        key: req.key.clone(),
        value: req.value.clone(),
        overwrite: req.overwrite,
    };
    state
        .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let mut visitor = db::visitors::find_by_token(conn, req.token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let mut fields: serde_json::Map<String, serde_json::Value> = visitor
                .custom_fields
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_default();
            if req.overwrite || !fields.contains_key(&req.key) {
                fields.insert(req.key, serde_json::Value::String(req.value));
                visitor.custom_fields = Some(serde_json::Value::Object(fields).to_string());
                visitor.updated_at = now();
                db::visitors::update(conn, &visitor)?;
            }
            Ok(())
        })
        .await?;
    ok(custom_field::Response { field })
}
