//! What the widget reports besides messages (SPEC section 4).

use crate::db::outbox::Channel;
use crate::outbox::{self, Event, Hooks};
use actix_web::web;
use livechat_types::webhook::{OfflineMessageEvent, OfflineVisitor};
use livechat_types::widget::{
    custom_field, offline_message, offline_messages, page_visited, visitor_status,
};
use livechat_types::{ErrorCode, Timestamp};

use super::{now, ok, page, Reply};
use crate::auth::Authed;
use crate::db::offline::OfflineRow;
use crate::db::rooms::PageRow;
use crate::db::{DbConn, Key};
use crate::error::ApiError;
use crate::extract::{Body, Query};
use crate::ids::random_id;
use crate::settings::registry;
use crate::{db, validate, AppState};

/// `POST /api/v1/livechat/offline.message`: stored for agents to read.
pub async fn offline_message(
    state: web::Data<AppState>,
    Body(req): Body<offline_message::Request>,
) -> Reply<offline_message::Response> {
    use validate::bounds;
    for (field, value) in [("name", &req.name), ("email", &req.email), ("message", &req.message)] {
        validate::present(field, value)?;
    }
    validate::at_most("name", &req.name, bounds::NAME)?;
    validate::at_most(
        "department",
        req.department.as_deref().unwrap_or_default(),
        bounds::DEPARTMENT,
    )?;
    let settings = state.settings().await?;
    if !settings.flag(registry::DISPLAY_OFFLINE_FORM) {
        return Err(ErrorCode::OfflineFormDisabled.into());
    }
    let offline_email = settings.text(registry::OFFLINE_EMAIL).trim().to_owned();
    let mail = state.mailer.configured();
    let email = req.email.trim().to_lowercase();
    if !validate::is_email(&email) {
        return Err(ErrorCode::InvalidEmail.into());
    }
    if validate::chars(&req.message) > state.config.message_max_chars {
        return Err(ErrorCode::MessageSizeExceeded.into());
    }
    let row = OfflineRow {
        id: random_id(),
        name: req.name,
        email,
        message: req.message,
        department: req.department,
        created_at: now(),
    };
    // One address's messages go through one writer, so its count is exact on one instance.
    let key = Key::Offline(row.email.clone());
    state
        .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let hour_ago = row.created_at - 3_600_000;
            let recent = db::offline::count_since(conn, &row.email, hour_ago)?;
            if recent >= bounds::OFFLINE_PER_ADDRESS_PER_HOUR {
                let limit = bounds::OFFLINE_PER_ADDRESS_PER_HOUR;
                let why = format!("an address may leave at most {limit} offline messages an hour");
                return Err(ApiError::Params(why));
            }
            db::offline::insert(conn, &row)?;
            offline_deliveries(conn, &row, mail.then_some(offline_email.as_str()))?;
            Ok(())
        })
        .await?;
    state.outbox.wake();
    ok(offline_message::Response { message: "Livechat offline message sent".into() })
}

/// Adds what offline message `row` sends to the caller's transaction: its webhook when
/// that is on, and its e-mail, when `mail` is the configured `Livechat_offline_email` (SMTP
/// being set up), to its department's address or else that one.
fn offline_deliveries(conn: &mut DbConn, row: &OfflineRow, mail: Option<&str>) -> db::Result<()> {
    if Hooks::read(conn)?.wants(Event::OfflineMessage) {
        let event = OfflineMessageEvent {
            sent_at: Timestamp(row.created_at),
            visitor: OfflineVisitor { name: row.name.clone(), email: row.email.clone() },
            message: row.message.clone(),
        };
        let body = serde_json::to_string(&event).map_err(|err| db::Error::Internal(err.into()))?;
        outbox::enqueue(conn, Channel::Webhook, OfflineMessageEvent::EVENT_TYPE, None, body)?;
    }
    let Some(fallback) = mail else { return Ok(()) };
    let department = match &row.department {
        Some(id) => db::departments::find_by_id_or_name(conn, id)?
            .map(|department| department.email.trim().to_owned())
            .filter(|email| validate::is_email(email)),
        None => None,
    };
    let to = department.or_else(|| validate::is_email(fallback).then(|| fallback.to_owned()));
    let Some(to) = to else { return Ok(()) };
    let mail = crate::mail::offline(vec![to], &row.name, &row.email, &row.message);
    let body = serde_json::to_string(&mail).map_err(|err| db::Error::Internal(err.into()))?;
    outbox::enqueue(conn, Channel::Mail, "offline", None, body)?;
    Ok(())
}

/// `GET /api/v1/livechat/offline.messages`, for agents and admins.
pub async fn offline_messages(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<offline_messages::Request>>,
) -> Reply<offline_messages::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    state.require(&user, crate::permissions::VIEW_L_ROOM).await?;
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

/// `POST /api/v1/livechat/page.visited`: the page view is kept on the visitor's room (the
/// newest [`validate::bounds::PAGES_PER_ROOM`]); without a room of this visitor it is only
/// acknowledged.
pub async fn page_visited(
    state: web::Data<AppState>,
    Body(req): Body<page_visited::Request>,
) -> Reply<page_visited::Response> {
    use validate::bounds;
    validate::token(&req.token)?;
    let page = &req.page_info;
    validate::present("pageInfo.change", &page.change)?;
    validate::at_most("pageInfo.change", &page.change, bounds::PAGE_CHANGE)?;
    validate::at_most("pageInfo.title", &page.title, bounds::PAGE_TITLE)?;
    validate::at_most("pageInfo.location.href", &page.location.href, bounds::PAGE_HREF)?;
    let Some(rid) = req.rid.filter(|rid| validate::room_id(rid).is_ok()) else {
        return ok(page_visited::Response {});
    };
    let row = PageRow {
        id: random_id(),
        rid: rid.as_str().to_owned(),
        ts: now(),
        change: req.page_info.change,
        title: req.page_info.title,
        href: req.page_info.location.href,
    };
    let token = req.token;
    state
        .write(Key::Room(row.rid.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let visitor = db::visitors::find_by_token(conn, token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            // Another visitor's room, or none: nothing to keep, as for an unknown `rid`.
            if db::rooms::find_of_visitor(conn, &row.rid, &visitor.id)?.is_some() {
                db::rooms::add_page(conn, &row, bounds::PAGES_PER_ROOM)?;
            }
            Ok(())
        })
        .await?;
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
    super::visitor::check_field(&req.key, &req.value)?;
    let field = custom_field::Field {
        key: req.key.clone(),
        value: req.value.clone(),
        overwrite: req.overwrite,
    };
    let value = livechat_types::visitor::register::CustomField {
        key: req.key,
        value: req.value,
        overwrite: req.overwrite,
    };
    super::custom_field::store(&state, req.token, vec![value]).await?;
    ok(custom_field::Response { field })
}
