//! Operations: liveness, readiness and metrics. Outside `/api/v1`.

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection as _;
use serde_json::json;

use crate::error::ApiError;
use crate::AppState;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok", "success": true}))
}

/// `GET /readyz`: the database answers (503 `service-unavailable` when it does not).
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.read(|conn| Ok(conn.batch_execute("SELECT 1").map_err(crate::db::Error::from)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready", "success": true})))
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let text = state.metrics.render(state.db.pool.state(), state.db.writer.queued());
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(text)
}
