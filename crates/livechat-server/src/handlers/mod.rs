//! Request handlers, one module per resource.

pub mod agent;
pub mod message;
pub mod ops;
pub mod room;
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

/// The current time in epoch milliseconds.
pub fn now() -> i64 {
    Timestamp::now().as_millis()
}
