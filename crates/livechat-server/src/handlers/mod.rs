//! Request handlers, one module per resource.

pub mod agent;
pub mod message;
pub mod ops;
pub mod room;
pub mod visitor;
pub mod widget;

use actix_web::web::Json;
use livechat_types::{Success, Timestamp};

use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

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

/// Runs a short read on SQLite at once, on this thread, when a pooled connection is free:
/// a local file answers in microseconds and WAL readers do not wait for the writer, so
/// handing the read to a blocking thread would cost more than the read. PostgreSQL reads
/// (and SQLite reads while the pool is busy) go through [`AppState::read`].
pub async fn read_local<T, F>(state: &AppState, read: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    if state.db.is_sqlite {
        if let Some(mut conn) = state.db.pool.try_get() {
            return read(&mut conn);
        }
    }
    state.read(read).await
}
