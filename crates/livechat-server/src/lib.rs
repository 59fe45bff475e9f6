//! The livechat server: the Rocket.Chat Livechat REST API on actix-web and diesel.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod handlers;
pub mod ids;
pub mod logging;
pub mod metrics;
pub mod routes;
pub mod validate;

use std::net::SocketAddr;

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
}

impl AppState {
    /// Connects to the database and applies migrations.
    pub fn open(config: Config) -> anyhow::Result<Self> {
        let db = Database::open(config.backend(), config.db_pool_size, config.db_timeout())?;
        Ok(Self { config, db, metrics: metrics::Metrics::new()? })
    }

    /// Runs `read` with a pooled connection on actix's blocking thread pool.
    pub async fn read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.db.pool.clone();
        let blocking = web::block(move || read(&mut *pool.get()?));
        // A query on a connection whose network died can hang; the caller gets 503 instead.
        match tokio::time::timeout(self.config.db_timeout(), blocking).await {
            Ok(result) => result?,
            Err(_) => Err(ApiError::unavailable("database read timed out")),
        }
    }

    /// Runs `write` in the writer's next transaction; see [`db::Writer::write`].
    pub async fn write<T, F>(&self, key: Option<&str>, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        self.db.writer.write(key, write).await
    }
}

/// Registers every route, the 404 fallback and request logging on an app.
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
    App::new()
        .app_data(state)
        .configure(routes::configure)
        .default_service(web::to(routes::not_found))
        .wrap(actix_web::middleware::from_fn(logging::log_request))
}

/// Binds the HTTP server for `state` to its configured address; returns the server (not yet
/// awaited) and the addresses it listens on.
pub fn bind(state: AppState) -> anyhow::Result<(actix_web::dev::Server, Vec<SocketAddr>)> {
    let bind = state.config.bind.clone();
    let workers = state.config.workers;
    let state = web::Data::new(state);
    let mut server = HttpServer::new(move || app(state.clone()));
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    let server =
        server.bind(&bind).map_err(|err| anyhow::format_err!("cannot listen on {bind}: {err}"))?;
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(config = %config.describe(), "starting");
    let (server, addrs) = bind(AppState::open(config)?)?;
    for addr in addrs {
        tracing::info!("listening on http://{addr}");
    }
    server.await?;
    tracing::info!("stopped");
    Ok(())
}
