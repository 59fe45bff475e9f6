//! `settings` and `settings/{_id}`: admins read and change the settings of SPEC section 15.

use actix_web::{web, HttpRequest};
use livechat_types::setting::{get, list, set};
use livechat_types::ErrorCode;

use super::{now, ok, page, Reply};
use crate::auth::Admin;
use crate::db::settings::SettingRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{path_param, Body, Query};
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

/// `GET /api/v1/settings?count=&offset=`: every honoured setting with the value this
/// instance acts on, in the registry's order.
pub async fn list(
    state: web::Data<AppState>,
    Admin(_, Query(query)): Admin<Query<list::Request>>,
) -> Reply<list::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let values = state.settings().await?;
    let offered = registry::ALL.iter().filter(|definition| definition.honoured);
    let total = i64::try_from(offered.clone().count()).unwrap_or(i64::MAX);
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(0);
    let settings: Vec<list::Setting> = offered
        .skip(skip)
        .take(take)
        .map(|definition| list::Setting {
            id: definition.id.to_owned(),
            value: values.get(definition),
        })
        .collect();
    let count = i64::try_from(settings.len()).unwrap_or(i64::MAX);
    ok(list::Response { settings, count, offset, total })
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
