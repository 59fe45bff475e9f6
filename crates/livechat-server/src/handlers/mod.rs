//! Request handlers, one module per resource.

pub mod after_chat;
pub mod agent;
pub mod canned_response;
pub mod custom_field;
pub mod department;
pub mod download;
pub mod file;
pub mod inquiry;
pub mod livechat_users;
pub mod manage;
pub mod message;
pub mod method;
pub mod ops;
pub mod permissions;
pub mod room;
pub mod settings;
pub mod tag;
pub mod transfer;
pub mod trigger;
pub mod users;
pub mod visitor;
pub mod widget;

use actix_web::web::Json;
use livechat_types::{Success, Timestamp};

use crate::error::ApiResult;

/// What a handler returns: the payload with `"success": true`, or an error envelope.
pub type Reply<T> = ApiResult<Json<Success<T>>>;

/// A successful reply.
pub fn ok<T>(data: T) -> Reply<T> {
    Ok(Json(Success::new(data)))
}

/// `(limit, offset)` of a listing: a missing or non-positive size means `default`, a
/// larger one than `max` is clamped; a negative offset is refused.
pub fn page(
    size: Option<i64>,
    offset: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), crate::error::ApiError> {
    let size = size.filter(|size| *size > 0).map_or(default, |size| size.min(max));
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(crate::error::ApiError::Params("'offset' must be >= 0".into()));
    }
    Ok((size, offset))
}

/// The current time in epoch milliseconds.
pub fn now() -> i64 {
    Timestamp::now().as_millis()
}

/// Routes queued rooms to available agents (after agents or departments changed) and
/// announces each assignment; nothing with manual routing, where agents take them. A failure
/// leaves the rooms queued for the next drain.
pub async fn drain_queue(state: &crate::AppState) {
    let settings = match state.settings().await {
        Ok(settings) => settings,
        Err(err) => {
            tracing::warn!(error = %err, "queued rooms wait for the next drain");
            return;
        }
    };
    if settings.manual_routing() {
        return;
    }
    match crate::routing::drain_queue(&state.db, settings.max_chats()).await {
        Ok(routed) => {
            for assignment in routed {
                state.realtime.room_routed(&assignment);
            }
        }
        Err(err) => tracing::warn!(error = %err, "queued rooms wait for the next drain"),
    }
}

/// A room closed: with `Livechat_maximum_chats_per_agent` set, its agent may be below the
/// limit again, so the queue is drained (without a limit a close frees nobody).
pub async fn drain_after_close(state: &crate::AppState) {
    match state.settings().await {
        Ok(settings) if settings.max_chats() > 0 => drain_queue(state).await,
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "queued rooms wait for the next drain"),
    }
}
