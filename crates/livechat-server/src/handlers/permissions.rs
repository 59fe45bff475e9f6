//! `permissions.listAll` and `permissions.update`.

use actix_web::web;
use livechat_types::permission::{list_all, update, Permission};
use livechat_types::{ErrorCode, Timestamp};

use super::{now, ok, Reply};
use crate::auth::Authed;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{Body, Query};
use crate::permissions::{self, Grants};
use crate::{roles, AppState};

fn to_wire(grants: &Grants, since: Option<i64>) -> Vec<Permission> {
    grants
        .0
        .iter()
        .filter(|(_, grant)| match since {
            Some(since) => grant.updated_at.unwrap_or(0) > since,
            None => true,
        })
        .map(|(id, grant)| Permission {
            id: id.clone(),
            roles: grant.roles.clone(),
            updated_at: Timestamp(grant.updated_at.unwrap_or(0)),
        })
        .collect()
}

/// `GET /api/v1/permissions.listAll?updatedSince=`: any logged-in user.
pub async fn list_all(
    state: web::Data<AppState>,
    Authed(_, Query(query)): Authed<Query<list_all::Request>>,
) -> Reply<list_all::Response> {
    let grants = state.grants().await?;
    let since = query.updated_since.map(Timestamp::as_millis);
    ok(list_all::Response { update: to_wire(&grants, since), remove: Vec::new() })
}

/// `POST /api/v1/permissions.update` (`access-permissions`): effective at once here, and on
/// every other instance when its notification arrives.
pub async fn update(
    state: web::Data<AppState>,
    Authed(caller, Body(req)): Authed<Body<update::Request>>,
) -> Reply<update::Response> {
    if req.permissions.is_empty() || req.permissions.len() > 100 {
        return Err(ApiError::Params("'permissions' must hold 1-100 items".into()));
    }
    let mut changes = Vec::new();
    for grant in &req.permissions {
        if !permissions::is_known(&grant.id) {
            let reason = "Invalid permission".to_owned();
            return Err(ApiError::Described(reason, ErrorCode::InvalidPermission));
        }
        let stored = roles::format(&grant.roles)
            .map_err(|_| ApiError::Described("Invalid role".to_owned(), ErrorCode::InvalidRole))?;
        changes.push((grant.id.clone(), stored));
    }
    state.require(&caller, permissions::ACCESS_PERMISSIONS).await?;
    // In id order, as every write that takes these rows (in a transaction of its own).
    changes.sort();
    let at = now();
    state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            for (id, stored) in &changes {
                db::permissions::set(conn, id, stored, at)?;
            }
            Ok(())
        })
        .await?;
    state.permissions.invalidate();
    state.realtime.permissions_changed();
    let grants = state.grants().await?;
    ok(update::Response { permissions: to_wire(&grants, None) })
}
