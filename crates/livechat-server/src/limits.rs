//! Abuse limits: requests per client address, per visitor token and logins per username (429 with `Retry-After`), the client address behind trusted proxies, CORS, and
//! the last line that turns any framework error into the SPEC's envelope.
//!
//! The limiters keep no secrets: tokens and usernames are keyed by a salted 64-bit hash.

use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, HttpRequest, ResponseError as _};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use livechat_types::ErrorCode;

use crate::config::Config;
use crate::error::ApiError;
use crate::AppState;

/// How many checks pass between two sweeps of forgotten keys.
const SWEEP_EVERY: u64 = 4096;

/// The rate limiters and the trusted proxies.
pub struct Limits {
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_token: Option<DefaultKeyedRateLimiter<u64>>,
    login: Option<DefaultKeyedRateLimiter<u64>>,
    salt: RandomState,
    trusted: Vec<IpNet>,
    checks: AtomicU64,
}

/// The client's address, as [`Limits::client_ip`] found it; in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

fn limiter<K>(per_minute: u32) -> Option<DefaultKeyedRateLimiter<K>>
where
    K: std::hash::Hash + Eq + Clone,
{
    let rate = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(per_minute / 4).unwrap_or(NonZeroU32::MIN);
    Some(RateLimiter::dashmap(Quota::per_minute(rate).allow_burst(burst)))
}

impl Limits {
    /// The limits `config` asks for (none with `--rate-limit off`; a rate of 0 switches
    /// that one limit off).
    pub fn new(config: &Config) -> Self {
        let on = config.rate_limit;
        Self {
            per_ip: on.then(|| limiter(config.rate_limit_per_ip)).flatten(),
            per_token: on.then(|| limiter(config.rate_limit_per_token)).flatten(),
            login: on.then(|| limiter(config.rate_limit_login)).flatten(),
            salt: RandomState::new(),
            trusted: config.trusted_proxies.clone(),
            checks: AtomicU64::new(0),
        }
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the
    /// right-most address in `X-Forwarded-For` that is not itself a trusted proxy (the
    /// addresses left of it were written by the client and prove nothing).
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let mut client = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            match hop.trim().parse::<IpAddr>() {
                Ok(address) => {
                    client = address;
                    if !self.is_trusted(address) {
                        break;
                    }
                }
                // A garbled entry: nothing further left can be trusted.
                Err(_) => break,
            }
        }
        Some(client)
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.trusted.iter().any(|net| net.contains(&address))
    }

    /// Counts a request from `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        let Some(limiter) = &self.per_ip else { return Ok(()) };
        self.sweep_now_and_then();
        check(limiter, &canonical(ip))
    }

    /// Whether requests are limited per visitor token (else there is no need to find one).
    pub fn limits_tokens(&self) -> bool {
        self.per_token.is_some()
    }

    /// Counts a request made with the visitor token `token`.
    pub fn check_token(&self, token: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.per_token else { return Ok(()) };
        self.sweep_now_and_then();
        check(limiter, &self.salt.hash_one(("token", token)))
    }

    /// Counts a login attempt for `username` (any outcome: agents log in rarely, password
    /// guessing does not).
    pub fn check_login(&self, username: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.login else { return Ok(()) };
        self.sweep_now_and_then();
        check(limiter, &self.salt.hash_one(("login", username)))
    }

    /// Forgets keys whose limits have fully recovered, every few thousand checks, so the
    /// limiters' memory follows the active clients, not every client ever seen.
    fn sweep_now_and_then(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY != SWEEP_EVERY - 1 {
            return;
        }
        for limiter in [&self.per_token, &self.login].into_iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.per_ip {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// How many clients the limiters remember (for tests of the sweep).
    pub fn remembered(&self) -> usize {
        [&self.per_token, &self.login].into_iter().flatten().map(|l| l.len()).sum::<usize>()
            + self.per_ip.as_ref().map_or(0, |l| l.len())
    }
}

fn check<K>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), ApiError>
where
    K: std::hash::Hash + Eq + Clone,
{
    limiter.check_key(key).map_err(|not_until| ApiError::RateLimited {
        retry_after: not_until.wait_time_from(DefaultClock::default().now()),
    })
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether requests to `path` count against the per-address limit: the API and the
/// realtime socket, not the widget's static files, the avatars or the operations endpoints.
///
/// `path` is in normal form ([`crate::paths`]): escaped letters, digits and `-._~` are
/// decoded, and the router decodes no other escape into a character of these prefixes.
fn is_limited(path: &str) -> bool {
    path.starts_with("/api/") || path == "/websocket" || path.starts_with("/sockjs")
}

/// Middleware: records the client's address and applies the per-address limit.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let state = req.app_data::<actix_web::web::Data<AppState>>().cloned();
    if let Some(state) = state {
        let peer = req.peer_addr().map(|addr| addr.ip());
        if let Some(ip) = state.limits.client_ip(peer, req.headers()) {
            req.extensions_mut().insert(ClientIp(ip));
            if is_limited(req.path()) && req.method() != actix_web::http::Method::OPTIONS {
                if let Err(err) = state.limits.check_ip(ip) {
                    let res = err.error_response();
                    return Ok(req.into_response(res).map_into_right_body());
                }
            }
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Counts a request that carries the visitor token `token` (from its body, query or path).
pub fn check_token(req: &HttpRequest, token: &str) -> Result<(), ApiError> {
    match req.app_data::<actix_web::web::Data<AppState>>() {
        Some(state) => state.limits.check_token(token),
        None => Ok(()),
    }
}

/// Middleware, outermost but for logging: an error reply that a framework layer (CORS, the
/// WebSocket handshake) wrote as plain text becomes the SPEC's envelope.
pub async fn envelope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return Ok(res.map_into_left_body());
    }
    let err = match status {
        StatusCode::NOT_FOUND => ApiError::Client(ErrorCode::NotFound),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::Client(ErrorCode::MethodNotAllowed),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::Client(ErrorCode::PayloadTooLarge),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::Client(ErrorCode::UnsupportedMediaType),
        StatusCode::TOO_MANY_REQUESTS => {
            ApiError::RateLimited { retry_after: std::time::Duration::from_secs(1) }
        }
        StatusCode::SERVICE_UNAVAILABLE => ApiError::unavailable("unavailable"),
        status if status.is_client_error() => ApiError::Params(format!(
            "the request was refused ({})",
            status.canonical_reason().unwrap_or("client error")
        )),
        status => ApiError::Internal(anyhow::format_err!("a layer answered {status}")),
    };
    let (http, _) = res.into_parts();
    Ok(ServiceResponse::new(http, err.error_response()).map_into_right_body())
}

/// CORS for the configured origins; without any, no CORS headers at all.
pub fn cors(config: &Config) -> actix_cors::Cors {
    if config.cors_origins.is_empty() {
        return actix_cors::Cors::default().block_on_origin_mismatch(false);
    }
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "DELETE", "OPTIONS"])
        .allowed_headers([
            CONTENT_TYPE.as_str(),
            "x-auth-token",
            "x-user-id",
            "x-visitor-token",
            "x-request-id",
        ])
        .expose_headers(["x-request-id", "retry-after"])
        .max_age(600)
        .block_on_origin_mismatch(false);
    for origin in &config.cors_origins {
        cors = if origin == "*" { cors.allow_any_origin() } else { cors.allowed_origin(origin) };
    }
    cors
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn limits(trusted: &[&str]) -> Limits {
        let mut config = Config::with_database("unused.db");
        config.trusted_proxies =
            trusted.iter().map(|net| net.parse().expect("a CIDR block")).collect();
        Limits::new(&config)
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(value).expect("header"),
            );
        }
        headers
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("an address"))
    }

    #[test]
    fn untrusted_peers_are_the_client() {
        let limits = limits(&[]);
        assert_eq!(limits.client_ip(ip("10.0.0.1"), &forwarded(&["203.0.113.1"])), ip("10.0.0.1"));
    }

    #[test]
    fn trusted_proxies_name_the_client() {
        let limits = limits(&["10.0.0.0/8", "::1/128"]);
        // The right-most untrusted hop is the client; what it wrote further left is ignored.
        let headers = forwarded(&["198.51.100.9, 203.0.113.1", "10.1.1.1"]);
        assert_eq!(limits.client_ip(ip("10.0.0.1"), &headers), ip("203.0.113.1"));
        // A proxy without the header: the proxy is all we know.
        assert_eq!(limits.client_ip(ip("10.0.0.1"), &forwarded(&[])), ip("10.0.0.1"));
        // A garbled hop stops the walk at the last address that could be trusted.
        let garbled = forwarded(&["203.0.113.1, not-an-address, 10.2.2.2"]);
        assert_eq!(limits.client_ip(ip("10.0.0.1"), &garbled), ip("10.2.2.2"));
        // IPv4 written as IPv6 is matched as IPv4.
        let mapped = limits.client_ip(ip("::ffff:10.0.0.1"), &forwarded(&["203.0.113.5"]));
        assert_eq!(mapped, ip("203.0.113.5"));
        assert_eq!(limits.client_ip(ip("::1"), &forwarded(&["2001:db8::1"])), ip("2001:db8::1"));
    }

    #[test]
    fn quiet_clients_are_forgotten() {
        let mut config = Config::with_database("unused.db");
        // A token's allowance is back to full a second after its one request.
        config.rate_limit_per_token = 60 * 60;
        let limits = Limits::new(&config);
        for n in 0..1000 {
            assert!(limits.check_token(&format!("token-{n}")).is_ok());
        }
        assert_eq!(limits.remembered(), 1000);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        // Refused or not, each check counts towards the next sweep.
        for _ in 0..SWEEP_EVERY {
            let _ = limits.check_token("busy");
        }
        assert!(limits.remembered() < 10, "{} remembered", limits.remembered());
    }

    #[test]
    fn limits_are_per_key_and_off_when_switched_off() {
        let mut config = Config::with_database("unused.db");
        config.rate_limit_per_token = 4;
        let limits = Limits::new(&config);
        assert!(limits.check_token("a").is_ok());
        assert!(matches!(limits.check_token("a"), Err(ApiError::RateLimited { .. })));
        assert!(limits.check_token("b").is_ok());
        config.rate_limit = false;
        let off = Limits::new(&config);
        for _ in 0..100 {
            assert!(off.check_token("a").is_ok());
            assert!(off.check_ip([127, 0, 0, 1].into()).is_ok());
        }
    }
}
