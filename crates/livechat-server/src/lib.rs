//! The livechat server: the Rocket.Chat Livechat REST API on actix-web and diesel.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod handlers;
pub mod ids;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod password;
pub mod paths;
pub mod permissions;
pub mod realtime;
pub mod roles;
pub mod routes;
pub mod routing;
pub mod validate;
pub mod widget;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{web, App, HttpServer};

pub use config::Config;
use db::{Database, DbConn};
use error::ApiError;

/// What every handler can reach.
pub struct AppState {
    /// The configuration.
    pub config: Config,
    /// The database.
    pub db: Database,
    /// Request and database metrics.
    pub metrics: metrics::Metrics,
    /// The address [`bind`] listens on (the real port when `--bind` asked for port 0).
    pub bound: OnceLock<SocketAddr>,
    /// Realtime delivery over `/websocket`; handlers announce committed changes here.
    pub realtime: realtime::Realtime,
    /// Rate limits and the trusted proxies.
    pub limits: limits::Limits,
    /// The bounded pool that checks passwords.
    pub passwords: password::Passwords,
    /// The grants of permissions, cached.
    pub permissions: std::sync::Arc<permissions::Cache>,
}

impl AppState {
    /// Connects to the database and applies migrations.
    pub fn open(config: Config) -> anyhow::Result<Self> {
        let db = Database::open(
            config.backend(),
            config.db_pool_size,
            config.db_writers,
            config.db_timeout(),
        )?;
        let expiry = Duration::from_millis(config.permission_cache_ms);
        let permissions = std::sync::Arc::new(permissions::Cache::new(expiry));
        let realtime = realtime::Realtime::start(&config, db.pool.clone(), permissions.clone());
        let metrics = metrics::Metrics::new()?;
        let limits = limits::Limits::new(&config);
        let passwords = password::Passwords::new(password::Settings::default());
        Ok(Self {
            config,
            db,
            metrics,
            bound: OnceLock::new(),
            realtime,
            limits,
            passwords,
            permissions,
        })
    }

    /// The grants as they are now: cached, else read (and cached).
    pub async fn grants(&self) -> Result<std::sync::Arc<permissions::Grants>, ApiError> {
        match self.permissions.get() {
            Ok(grants) => Ok(grants),
            Err(generation) => {
                let grants = self.read(|conn| Ok(permissions::Grants::load(conn)?)).await?;
                let grants = std::sync::Arc::new(grants);
                self.permissions.keep(generation, grants.clone());
                Ok(grants)
            }
        }
    }

    /// Whether `user` holds `permission`.
    pub async fn allows(
        &self,
        user: &db::users::UserRow,
        permission: &str,
    ) -> Result<bool, ApiError> {
        Ok(self.grants().await?.allows(user, permission))
    }

    /// Refuses with 403 `unauthorized` unless `user` holds `permission`.
    pub async fn require(
        &self,
        user: &db::users::UserRow,
        permission: &str,
    ) -> Result<(), ApiError> {
        if self.allows(user, permission).await? {
            Ok(())
        } else {
            Err(livechat_types::ErrorCode::Unauthorized.into())
        }
    }

    /// The base URL browsers reach this server at, without a trailing slash: `--public-url`,
    /// else `http://` and the bound address.
    pub fn public_url(&self) -> String {
        match (&self.config.public_url, self.bound.get()) {
            (Some(url), _) => url.trim_end_matches('/').to_owned(),
            (None, Some(addr)) => format!("http://{addr}"),
            (None, None) => format!("http://{}", self.config.bind),
        }
    }

    /// Runs `read` with a pooled connection; see [`Database::read`].
    pub async fn read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        self.db.read(read).await
    }

    /// Runs `write` in the writer's next transaction; see [`db::Writer::write`]. `key` is
    /// what it locks, in the lock order of [`db`].
    pub async fn write<W: db::Write>(&self, key: db::Key, write: W) -> Result<W::Output, W::Error> {
        self.db.write(key, write).await
    }
}

/// Registers every route, the 404 fallback, the limits, CORS and request logging on an app.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = actix_web::middleware::Condition::new(
        !state.config.cors_origins.is_empty(),
        limits::cors(&state.config),
    );
    // Outermost last: the path is put in normal form before anything reads it (the limits,
    // the router, the logs), logging sees every reply, the envelope catches what CORS raises,
    // CORS headers reach 429 replies too.
    App::new()
        .app_data(state)
        .configure(routes::configure)
        .default_service(web::to(routes::not_found))
        .wrap(actix_web::middleware::from_fn(limits::guard))
        .wrap(cors)
        .wrap(actix_web::middleware::from_fn(limits::envelope))
        .wrap(actix_web::middleware::from_fn(logging::log_request))
        .wrap(actix_web::middleware::from_fn(paths::normalise_path))
}

/// Binds the HTTP server for `state` to its configured address; returns the server (not yet
/// awaited) and the addresses it listens on.
pub fn bind(state: AppState) -> anyhow::Result<(actix_web::dev::Server, Vec<SocketAddr>)> {
    let bind = state.config.bind.clone();
    let workers = state.config.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let timeout = state.config.request_timeout();
    // actix counts connections per worker.
    let per_worker = state.config.max_connections.div_ceil(workers.max(1)).max(1);
    let state = web::Data::new(state);
    let factory_state = state.clone();
    let server = HttpServer::new(move || app(factory_state.clone()))
        .workers(workers)
        // The head must arrive within the timeout; the body extractor then gives the body the
        // same time and answers 408 with the envelope. actix's own timer, which would cut a
        // slow body with a bare 408, is a second later.
        .client_request_timeout(timeout + Duration::from_secs(1))
        .client_disconnect_timeout(Duration::from_secs(2))
        .max_connections(per_worker);
    let server =
        server.bind(&bind).map_err(|err| anyhow::format_err!("cannot listen on {bind}: {err}"))?;
    let addrs = server.addrs();
    if let Some(addr) = addrs.first() {
        let _ = state.bound.set(*addr);
    }
    Ok((server.run(), addrs))
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let config = config.with_working_dir_defaults();
    tracing::info!(config = %config.describe(), "starting");
    widget::check_dir(&config);
    let (server, addrs) = bind(AppState::open(config)?)?;
    for addr in addrs {
        tracing::info!("listening on http://{addr}");
    }
    server.await?;
    tracing::info!("stopped");
    Ok(())
}
