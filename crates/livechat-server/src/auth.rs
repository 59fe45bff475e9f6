//! Agent authentication: auth tokens and the `Agent` extractor. Passwords are checked in
//! [`crate::password`].

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use livechat_types::{ErrorCode, Timestamp};
use sha2::{Digest, Sha256};

use crate::db::users::UserRow;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::AppState;

/// A fresh auth token (two random UUIDs, 64 hex characters).
pub fn new_auth_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// How an auth token is stored: SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A session: the user an auth token belongs to, and when the token expires.
pub struct Session {
    /// The user.
    pub user: UserRow,
    /// When the token expires (epoch milliseconds): its login plus `--token-lifetime-days`.
    pub expires_at: i64,
}

/// The session of auth token `token`, unless it is unknown or has expired (`lifetime_ms`
/// after its login). REST and the realtime `login` both ask this.
pub fn session(conn: &mut DbConn, token: &str, lifetime_ms: i64) -> db::Result<Option<Session>> {
    let not_before = Timestamp::now().as_millis().saturating_sub(lifetime_ms);
    let found = db::users::find_by_token(conn, &hash_token(token), not_before)?;
    Ok(found.map(|(user, created_at)| Session {
        user,
        expires_at: created_at.saturating_add(lifetime_ms),
    }))
}

/// An authenticated user (of any role), from the `X-User-Id` and `X-Auth-Token` headers.
/// Missing, wrong or expired credentials are 401.
pub struct Agent(pub UserRow);

impl FromRequest for Agent {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = |name: &str| {
            req.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
        };
        let (user_id, token) = (header("x-user-id"), header("x-auth-token"));
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(user_id), Some(token), Some(state)) = (user_id, token, state) else {
                return Err(ErrorCode::NotLoggedIn.into());
            };
            let lifetime = state.config.token_lifetime_ms();
            let found = state.read(move |conn| Ok(session(conn, &token, lifetime)?)).await?;
            match found {
                // A user whose last role was taken away has no tokens left; this only
                // closes the moment between the two.
                Some(Session { user, .. }) if user.id == user_id && user.has_any_role() => {
                    Ok(Agent(user))
                }
                _ => Err(ErrorCode::NotLoggedIn.into()),
            }
        })
    }
}

/// An authenticated agent plus another extractor (a body or a query), checked in that
/// order: a request with wrong credentials is 401 whatever its body looks like.
pub struct Authed<E>(pub UserRow, pub E);

impl<E> FromRequest for Authed<E>
where
    E: FromRequest + 'static,
    E::Error: Into<ApiError>,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let agent = Agent::from_request(req, &mut Payload::None);
        let inner = E::from_request(req, payload);
        Box::pin(async move {
            let Agent(user) = agent.await?;
            let inner = inner.await.map_err(Into::into)?;
            Ok(Authed(user, inner))
        })
    }
}

/// Refuses (403 `unauthorized`) a user who may not administer the server: read and change
/// the settings. The one place that decides who is an admin for those endpoints.
pub fn require_admin(user: &UserRow) -> Result<(), ApiError> {
    if user.is_admin() {
        Ok(())
    } else {
        Err(ErrorCode::Unauthorized.into())
    }
}

/// An authenticated admin plus another extractor, checked in that order: wrong credentials
/// are 401 and a user who is not an admin 403, whatever the request's body looks like.
pub struct Admin<E>(pub UserRow, pub E);

impl<E> FromRequest for Admin<E>
where
    E: FromRequest + 'static,
    E::Error: Into<ApiError>,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let agent = Agent::from_request(req, &mut Payload::None);
        let inner = E::from_request(req, payload);
        Box::pin(async move {
            let Agent(user) = agent.await?;
            require_admin(&user)?;
            let inner = inner.await.map_err(Into::into)?;
            Ok(Admin(user, inner))
        })
    }
}

/// The agent's auth token, for logout.
pub fn token_of(req: &HttpRequest) -> Option<String> {
    req.headers().get("x-auth-token").and_then(|value| value.to_str().ok()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let token = new_auth_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_auth_token());
        assert_eq!(hash_token(&token).len(), 64);
        assert_ne!(hash_token(&token), token);
    }
}
