//! `settings/{_id}`: admins read and change the settings of SPEC section 15.

use actix_web::{web, HttpRequest};
use livechat_types::setting::{get, set};
use livechat_types::ErrorCode;

use super::{now, ok, Reply};
use crate::auth::Admin;
use crate::db::settings::SettingRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body};
use crate::realtime::{notify_in_transaction, Notification};
use crate::settings::registry::{self, Definition};
use crate::AppState;

/// The honoured setting the path names; any other id is `error-invalid-setting`.
fn setting_of(req: &HttpRequest) -> Result<&'static Definition, ApiError> {
    let id = path_param(req, "_id")?;
    registry::honoured_setting(&id).ok_or_else(|| ErrorCode::InvalidSetting.into())
}

/// `GET /api/v1/settings/{_id}`: the value this instance acts on.
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    Admin(_, ()): Admin<()>,
) -> Reply<get::Response> {
    let definition = setting_of(&req)?;
    let values = state.settings().await?;
    ok(get::Response { id: definition.id.to_owned(), value: values.get(definition) })
}

/// `POST /api/v1/settings/{_id}`: stores the value, and with it the notification that makes
/// every instance drop its cached settings.
pub async fn set(
    state: web::Data<AppState>,
    req: HttpRequest,
    Admin(_, Body(body)): Admin<Body<set::Request>>,
) -> Reply<set::Response> {
    let definition = setting_of(&req)?;
    definition.check(&body.value).map_err(ApiError::Params)?;
    let value = serde_json::to_string(&body.value)
        .map_err(|err| ApiError::Internal(anyhow::format_err!("setting value: {err}")))?;
    let row = SettingRow { id: definition.id.to_owned(), value, updated_at: now() };
    let key = Key::Setting(row.id.clone());
    state
        .write(key, move |conn: &mut DbConn| -> Result<(), ApiError> {
            db::settings::put(conn, &row)?;
            notify_in_transaction(conn, &Notification::Settings { id: row.id.clone() })?;
            Ok(())
        })
        .await?;
    // This instance acts on the change at once; the others when the notification arrives.
    state.settings.forget();
    ok(set::Response {})
}
