//! The livechat server: the Rocket.Chat Livechat REST API on actix-web and diesel.

pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod error;
pub mod extract;
pub mod files;
pub mod handlers;
pub mod ids;
pub mod limits;
pub mod logging;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod outbox;
pub mod password;
pub mod paths;
pub mod permissions;
pub mod queue;
pub mod realtime;
pub mod roles;
pub mod routes;
pub mod routing;
pub mod settings;
pub mod timers;
pub mod validate;
pub mod webhooks;
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
    /// This instance's cache of the settings (SPEC section 15).
    pub settings: std::sync::Arc<settings::Settings>,
    /// The grants of permissions, cached.
    pub permissions: std::sync::Arc<permissions::Cache>,
    /// What wakes this instance's outbox deliverer.
    pub outbox: std::sync::Arc<outbox::Outbox>,
    /// Sends the outbox's e-mails (`--smtp-url`).
    pub mailer: mail::Mailer,
    /// Sends the outbox's webhooks.
    pub webhook_client: reqwest::Client,
    /// This instance's id, which names its leases.
    instance: String,
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
        let settings = std::sync::Arc::new(settings::Settings::new(config.settings_cache()));
        let expiry = Duration::from_millis(config.permission_cache_ms);
        let permissions = std::sync::Arc::new(permissions::Cache::new(expiry));
        let realtime = realtime::Realtime::start(
            &config,
            db.pool.clone(),
            settings.clone(),
            permissions.clone(),
        );
        let metrics = metrics::Metrics::new()?;
        let limits = limits::Limits::new(&config);
        let passwords = password::Passwords::new(password::Settings::default());
        let mailer = mail::Mailer::new(&config)?;
        Ok(Self {
            config,
            db,
            metrics,
            bound: OnceLock::new(),
            realtime,
            limits,
            passwords,
            settings,
            permissions,
            outbox: std::sync::Arc::default(),
            mailer,
            webhook_client: webhooks::client(),
            instance: uuid::Uuid::new_v4().to_string(),
        })
    }

    /// This instance's id.
    pub fn instance_id(&self) -> &str {
        &self.instance
    }

    /// A handle on what wakes the outbox deliverer that does not keep the state alive.
    pub fn outbox_wake(&self) -> std::sync::Weak<outbox::Outbox> {
        std::sync::Arc::downgrade(&self.outbox)
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

    /// The current settings: cached, or read once the cache was dropped or expired.
    pub async fn settings(&self) -> Result<std::sync::Arc<settings::Values>, ApiError> {
        match self.settings.cached() {
            Ok(values) => Ok(values),
            Err(generation) => {
                let rows = self.read(|conn| Ok(db::settings::all(conn)?)).await?;
                Ok(self.settings.keep(generation, settings::Values::from_rows(&rows)))
            }
        }
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
    let write_timeout = state.config.write_timeout();
    let shutdown_timeout = state.config.shutdown_timeout_secs;
    // actix counts connections per worker.
    let per_worker = state.config.max_connections.div_ceil(workers.max(1)).max(1);
    let state = web::Data::new(state);
    // The timers hold the state weakly: they stop once the server is gone.
    timers::start(std::sync::Arc::downgrade(&state.clone().into_inner()));
    outbox::start(std::sync::Arc::downgrade(&state.clone().into_inner()));
    let factory_state = state.clone();
    let server = HttpServer::new(move || app(factory_state.clone()))
        .workers(workers)
        // The head must arrive within the timeout; the body extractor then gives the body the
        // same time and answers 408 with the envelope. actix's own timer, which would cut a
        // slow body with a bare 408, is a second later.
        .client_request_timeout(timeout + Duration::from_secs(1))
        .client_disconnect_timeout(Duration::from_secs(2))
        .max_connections(per_worker)
        // actix has no deadline for writes: it would wait forever for a client that stopped
        // reading to take the rest of a reply or of a socket's frames.
        .on_connect(move |connection, _| bound_writes(connection, write_timeout))
        // A graceful stop waits this long at most for open connections, then drops them.
        .shutdown_timeout(shutdown_timeout)
        // `serve` handles the signals: it closes the realtime sockets first.
        .disable_signals();
    let server =
        server.bind(&bind).map_err(|err| anyhow::format_err!("cannot listen on {bind}: {err}"))?;
    let addrs = server.addrs();
    if let Some(addr) = addrs.first() {
        let _ = state.bound.set(*addr);
    }
    Ok((server.run(), addrs))
}

/// Has the kernel drop a TCP connection whose written data the client leaves
/// unacknowledged, or unsent behind a shut window, for longer than `timeout`
/// (`TCP_USER_TIMEOUT`, Linux). The connection's reads and writes then fail, and actix closes
/// it.
fn bound_writes(connection: &dyn std::any::Any, timeout: Duration) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        if let Err(err) = socket2::SockRef::from(stream).set_tcp_user_timeout(Some(timeout)) {
            tracing::debug!(%err, "cannot set TCP_USER_TIMEOUT");
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (connection, timeout);
}

/// Serves until Ctrl-C or SIGTERM, then stops gracefully: realtime sockets are closed
/// with 1001 (going away), requests in flight are finished, and what is still open after
/// `--shutdown-timeout-secs` is dropped.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let config = config.with_working_dir_defaults();
    tracing::info!(config = %config.describe(), "starting");
    widget::check_dir(&config);
    let grace = config.shutdown_timeout_secs;
    let state = AppState::open(config)?;
    let hub = state.realtime.shared_hub();
    let (server, addrs) = bind(state)?;
    for addr in addrs {
        tracing::info!("listening on http://{addr}");
    }
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        stop_signal().await;
        tracing::info!(
            "stopping: closing realtime sockets, finishing requests in flight (at most {grace} s)"
        );
        hub.go_away();
        handle.stop(true).await;
    });
    server.await?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes at the first Ctrl-C (SIGINT) or SIGTERM; never, for a signal whose handler
/// cannot be installed.
async fn stop_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
