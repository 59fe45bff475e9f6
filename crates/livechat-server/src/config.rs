//! Command line and environment: every setting is a flag with an environment variable of
//! the same name (SPEC section 11).

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::db::Backend;

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The command line: serving is what the bare command does.
#[derive(Debug, Parser)]
#[command(
    name = "livechat-server",
    version,
    about = "Livechat backend speaking the Rocket.Chat Livechat REST API"
)]
pub struct Cli {
    /// Settings (also for the subcommands, which use the same database).
    #[command(flatten)]
    pub config: Config,
    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manages agents and admins.
    #[command(subcommand)]
    User(UserCommand),
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Creates a user; the password is read from standard input.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Display name (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the
        /// command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// `agent`, `manager` or `admin`; repeat it for several (default: `agent`).
        #[arg(long = "role", value_parser = ["agent", "manager", "admin"])]
        roles: Vec<String>,
    },
    /// Lists users.
    List,
    /// Removes a user.
    Remove {
        /// Login name.
        #[arg(long)]
        username: String,
    },
}

/// The server's configuration.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "LIVECHAT_BIND", default_value = "127.0.0.1:3000")]
    pub bind: String,
    /// SQLite file (`path` or `sqlite://path`) or PostgreSQL URL (`postgres://...`).
    #[arg(long, env = "LIVECHAT_DATABASE_URL", default_value = "livechat.db")]
    pub database_url: String,
    /// Read connections in the pool.
    #[arg(long, env = "LIVECHAT_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
    /// Writer connections on PostgreSQL (each commits its waiting writes in one
    /// transaction); SQLite always has one.
    #[arg(long, env = "LIVECHAT_DB_WRITERS", default_value_t = 4)]
    pub db_writers: usize,
    /// How long a request waits for the database before it gets 503.
    #[arg(long, env = "LIVECHAT_DB_TIMEOUT_MS", default_value_t = 2000)]
    pub db_timeout_ms: u64,
    /// Public base URL of this server, as browsers reach it.
    #[arg(long, env = "LIVECHAT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Folder with the stock widget's built files, served at `/livechat` (default:
    /// `livechat-widget` when that folder exists in the working directory).
    #[arg(long, env = "LIVECHAT_WIDGET_DIR")]
    pub widget_dir: Option<PathBuf>,
    /// Refuse to open a room (`no-agent-online`) when no agent is available, instead of
    /// queueing it.
    #[arg(long, env = "LIVECHAT_REQUIRE_ONLINE_AGENT", default_value_t = false, action = ArgAction::Set)]
    pub require_online_agent: bool,
    /// Longest message text, in characters.
    #[arg(long, env = "LIVECHAT_MESSAGE_MAX_CHARS", default_value_t = 5000)]
    pub message_max_chars: usize,
    /// Whether visitors may edit their messages.
    #[arg(long, env = "LIVECHAT_ALLOW_EDIT", default_value_t = true, action = ArgAction::Set)]
    pub allow_edit: bool,
    /// Whether visitors may delete their messages.
    #[arg(long, env = "LIVECHAT_ALLOW_DELETE", default_value_t = true, action = ArgAction::Set)]
    pub allow_delete: bool,
    /// Minutes after sending during which a message may be edited or deleted (0: always).
    #[arg(long, env = "LIVECHAT_EDIT_WINDOW_MINUTES", default_value_t = 0)]
    pub edit_window_minutes: u64,
    /// Largest request body, in bytes.
    #[arg(long, env = "LIVECHAT_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub body_limit: usize,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "LIVECHAT_WORKERS")]
    pub workers: Option<usize>,
    /// Log format.
    #[arg(long, env = "LIVECHAT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Rate limiting of the API and the realtime socket: `on` or `off`.
    #[arg(long, env = "LIVECHAT_RATE_LIMIT", value_parser = parse_switch, default_value = "on", action = ArgAction::Set)]
    pub rate_limit: bool,
    /// Requests per minute one client address may make (bursts of a quarter of it).
    #[arg(long, env = "LIVECHAT_RATE_LIMIT_PER_IP", default_value_t = 600)]
    pub rate_limit_per_ip: u32,
    /// Requests per minute one visitor token may make (bursts of a quarter of it).
    #[arg(long, env = "LIVECHAT_RATE_LIMIT_PER_TOKEN", default_value_t = 120)]
    pub rate_limit_per_token: u32,
    /// Agent login attempts per minute for one username (bursts of a quarter of it).
    #[arg(long, env = "LIVECHAT_RATE_LIMIT_LOGIN", default_value_t = 20)]
    pub rate_limit_login: u32,
    /// Reverse proxies (addresses or CIDR blocks, comma-separated) whose `X-Forwarded-For`
    /// names the client; from anyone else the header is ignored.
    #[arg(long, env = "LIVECHAT_TRUSTED_PROXIES", value_delimiter = ',', num_args = 1..)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins (comma-separated, or `*`) of the sites whose pages may call the API from a
    /// browser; none by default (the widget served at `/livechat` is same-origin).
    #[arg(long, env = "LIVECHAT_CORS_ORIGINS", value_delimiter = ',', num_args = 1..)]
    pub cors_origins: Vec<String>,
    /// Time a client has to send a request's head, and then its body, before it is cut off.
    #[arg(long, env = "LIVECHAT_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Open client connections, in all (further clients wait to be accepted).
    #[arg(long, env = "LIVECHAT_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Longest a client may leave written data untaken: a realtime frame it does not take
    /// in this time closes its socket, and the kernel drops any connection whose data stays
    /// unacknowledged (or unsent, the client's window shut) this long.
    #[arg(long, env = "LIVECHAT_WRITE_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub write_timeout_ms: u64,
    /// A realtime socket the server has not heard from for this long is closed.
    #[arg(long, env = "LIVECHAT_SOCKET_IDLE_TIMEOUT_MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(1_000..=3_600_000))]
    pub socket_idle_timeout_ms: u64,
    /// Longest a graceful stop (SIGTERM, Ctrl-C) waits for open connections before it drops
    /// them.
    #[arg(long, env = "LIVECHAT_SHUTDOWN_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=3_600))]
    pub shutdown_timeout_secs: u64,
    /// Days an agent's auth token is valid after its login (REST and realtime).
    #[arg(long, env = "LIVECHAT_TOKEN_LIFETIME_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub token_lifetime_days: u32,
    /// Fewest characters of a new password (`user add`); existing passwords still log in.
    #[arg(long, env = "LIVECHAT_PASSWORD_MIN_CHARS", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub password_min_chars: u32,
    /// Longest time an instance uses its cached settings (SPEC section 15) before reading
    /// them again; a change through any instance drops every cache at once anyway.
    #[arg(long, env = "LIVECHAT_SETTINGS_CACHE_MS", default_value_t = 5000)]
    pub settings_cache_ms: u64,
    /// Longest time a permission change made through another instance may take to be
    /// seen here when its notification is lost (it normally arrives within a second).
    #[arg(long, env = "LIVECHAT_PERMISSION_CACHE_MS", default_value_t = 5000)]
    pub permission_cache_ms: u64,
    /// The SMTP relay for transcripts and offline messages, as lettre reads it:
    /// `smtp://relay:25` (plain, for a local relay), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://user:pass@host:465`. Unset: no e-mail is sent.
    #[arg(long, env = "LIVECHAT_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of every e-mail (`From`).
    #[arg(long, env = "LIVECHAT_SMTP_FROM", default_value = "livechat@localhost")]
    pub smtp_from: String,
    /// How long one SMTP delivery may take before it counts as failed (and is retried).
    #[arg(long, env = "LIVECHAT_SMTP_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub smtp_timeout_ms: u64,
    /// The first retry's delay of a failed delivery, doubling after each failure (default:
    /// 30000 for e-mail, 10000 for webhooks).
    #[arg(long, env = "LIVECHAT_OUTBOX_RETRY_BASE_MS",
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub outbox_retry_base_ms: Option<u64>,
    /// How long an instance holds a delivery it started; another instance may take it over
    /// once this has passed. A delivery attempt is cut off well before its lease ends.
    #[arg(long, env = "LIVECHAT_OUTBOX_LEASE_MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(1000..=3_600_000))]
    pub outbox_lease_ms: u64,
}

/// Reads `on`/`off` (also `true`/`false`, `1`/`0`, `yes`/`no`).
fn parse_switch(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        other => Err(format!("expected on or off, not {other:?}")),
    }
}

impl Config {
    /// The defaults, on the given database (for tests and embedding).
    pub fn with_database(database_url: impl Into<String>) -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            database_url: database_url.into(),
            db_pool_size: 4,
            db_writers: 4,
            db_timeout_ms: 2000,
            public_url: None,
            widget_dir: None,
            require_online_agent: false,
            message_max_chars: 5000,
            allow_edit: true,
            allow_delete: true,
            edit_window_minutes: 0,
            body_limit: 64 * 1024,
            workers: Some(1),
            log_format: LogFormat::Text,
            rate_limit: true,
            rate_limit_per_ip: 600,
            rate_limit_per_token: 120,
            rate_limit_login: 20,
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
            request_timeout_ms: 10_000,
            max_connections: 10_000,
            write_timeout_ms: 10_000,
            socket_idle_timeout_ms: 60_000,
            shutdown_timeout_secs: 10,
            token_lifetime_days: 90,
            password_min_chars: 12,
            settings_cache_ms: 5000,
            permission_cache_ms: 5000,
            smtp_url: None,
            smtp_from: "livechat@localhost".into(),
            smtp_timeout_ms: 10_000,
            outbox_retry_base_ms: None,
            outbox_lease_ms: 60_000,
        }
    }

    /// Fills in the defaults that depend on the working directory: the widget folder is
    /// `livechat-widget` when no `--widget-dir` was given and that folder exists.
    pub fn with_working_dir_defaults(mut self) -> Self {
        if self.widget_dir.is_none() && std::path::Path::new(crate::widget::DEFAULT_DIR).is_dir() {
            self.widget_dir = Some(crate::widget::DEFAULT_DIR.into());
        }
        self
    }

    /// The database the URL names.
    pub fn backend(&self) -> Backend {
        Backend::from_url(&self.database_url)
    }

    /// How long a request waits for the database.
    pub fn db_timeout(&self) -> Duration {
        Duration::from_millis(self.db_timeout_ms.max(1))
    }

    /// How long a client may take to send a request's head, and then its body.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.max(1))
    }

    /// How long a client may leave written data untaken (see `--write-timeout-ms`).
    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms.max(1))
    }

    /// How long a realtime socket may stay silent before it is closed.
    pub fn socket_idle_timeout(&self) -> Duration {
        Duration::from_millis(self.socket_idle_timeout_ms.max(1))
    }

    /// Longest time cached settings are used.
    pub fn settings_cache(&self) -> Duration {
        Duration::from_millis(self.settings_cache_ms)
    }

    /// How long an auth token is valid after its login, in milliseconds.
    pub fn token_lifetime_ms(&self) -> i64 {
        i64::from(self.token_lifetime_days.max(1)) * 24 * 60 * 60 * 1000
    }

    /// The effective configuration for the start-up log line, secrets masked.
    pub fn describe(&self) -> String {
        format!(
            "bind={} database={} db_pool_size={} db_writers={} db_timeout_ms={} public_url={} widget_dir={} \
             require_online_agent={} message_max_chars={} allow_edit={} allow_delete={} edit_window_minutes={} \
             body_limit={} log_format={:?} rate_limit={} rate_limit_per_ip={} rate_limit_per_token={} \
             rate_limit_login={} trusted_proxies={} cors_origins={} request_timeout_ms={} max_connections={} \
             write_timeout_ms={} socket_idle_timeout_ms={} shutdown_timeout_secs={} \
             token_lifetime_days={} password_min_chars={} settings_cache_ms={} permission_cache_ms={} \
             smtp={} smtp_from={} smtp_timeout_ms={} outbox_retry_base_ms={} outbox_lease_ms={}",
            self.bind,
            self.backend().masked(),
            self.db_pool_size,
            self.db_writers,
            self.db_timeout_ms,
            self.public_url.as_deref().unwrap_or("(from bind)"),
            self.widget_dir.as_deref().map_or("(none)".into(), |dir| dir.display().to_string()),
            self.require_online_agent,
            self.message_max_chars,
            self.allow_edit,
            self.allow_delete,
            self.edit_window_minutes,
            self.body_limit,
            self.log_format,
            if self.rate_limit { "on" } else { "off" },
            self.rate_limit_per_ip,
            self.rate_limit_per_token,
            self.rate_limit_login,
            list(&self.trusted_proxies),
            list(&self.cors_origins),
            self.request_timeout_ms,
            self.max_connections,
            self.write_timeout_ms,
            self.socket_idle_timeout_ms,
            self.shutdown_timeout_secs,
            self.token_lifetime_days,
            self.password_min_chars,
            self.settings_cache_ms,
            self.permission_cache_ms,
            self.smtp_url.as_deref().map_or_else(|| "(none)".to_owned(), crate::mail::masked_url),
            self.smtp_from,
            self.smtp_timeout_ms,
            self.outbox_retry_base_ms.map_or_else(|| "(default)".to_owned(), |ms| ms.to_string()),
            self.outbox_lease_ms,
        )
    }

    /// How long one SMTP delivery may take.
    pub fn smtp_timeout(&self) -> Duration {
        Duration::from_millis(self.smtp_timeout_ms.max(1))
    }

    /// How long an instance holds a delivery it started.
    pub fn outbox_lease(&self) -> Duration {
        Duration::from_millis(self.outbox_lease_ms.max(1000))
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "(none)".to_owned();
    }
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let cli = Cli::try_parse_from([
            "livechat-server",
            "--bind",
            "0.0.0.0:8080",
            "--database-url",
            "postgres://u:pw@h/db",
            "--allow-edit",
            "false",
        ])
        .expect("valid flags");
        let config = cli.config;
        assert!(cli.command.is_none());
        assert_eq!(config.bind, "0.0.0.0:8080");
        assert!(!config.allow_edit);
        assert!(config.allow_delete);
        assert!(!config.describe().contains("pw"));
        assert!(config.rate_limit);
        assert!(config.trusted_proxies.is_empty());
    }

    #[test]
    fn hardening_flags_parse() {
        let cli = Cli::try_parse_from([
            "livechat-server",
            "--rate-limit",
            "off",
            "--trusted-proxies",
            "10.0.0.0/8,127.0.0.1/32",
            "--cors-origins",
            "https://shop.example,https://www.shop.example",
        ])
        .expect("valid flags");
        assert!(!cli.config.rate_limit);
        assert_eq!(cli.config.trusted_proxies.len(), 2);
        assert_eq!(cli.config.cors_origins.len(), 2);
        assert!(Cli::try_parse_from(["livechat-server", "--rate-limit", "sometimes"]).is_err());
        assert!(Cli::try_parse_from(["livechat-server", "--trusted-proxies", "nonsense"]).is_err());
    }

    #[test]
    fn account_flags_parse_within_bounds() {
        let config = Cli::try_parse_from(["livechat-server"]).expect("defaults").config;
        assert_eq!(config.token_lifetime_days, 90);
        assert_eq!(config.token_lifetime_ms(), 90 * 24 * 60 * 60 * 1000);
        let cli = Cli::try_parse_from(["livechat-server", "--token-lifetime-days", "1"]);
        assert_eq!(cli.expect("valid").config.token_lifetime_days, 1);
        assert_eq!(config.password_min_chars, 12);
        let cli = Cli::try_parse_from(["livechat-server", "--password-min-chars", "16"]);
        assert_eq!(cli.expect("valid").config.password_min_chars, 16);
        assert!(Cli::try_parse_from(["livechat-server", "--password-min-chars", "0"]).is_err());
        for days in ["0", "-1", "3651", "forever"] {
            let parsed = Cli::try_parse_from(["livechat-server", "--token-lifetime-days", days]);
            assert!(parsed.is_err(), "{days}");
        }
    }

    #[test]
    fn connection_deadlines_parse_within_bounds() {
        let config = Cli::try_parse_from(["livechat-server"]).expect("defaults").config;
        assert_eq!(config.write_timeout(), Duration::from_secs(10));
        assert_eq!(config.socket_idle_timeout(), Duration::from_secs(60));
        assert_eq!(config.shutdown_timeout_secs, 10);
        let cli = Cli::try_parse_from([
            "livechat-server",
            "--write-timeout-ms",
            "2000",
            "--socket-idle-timeout-ms",
            "5000",
            "--shutdown-timeout-secs",
            "0",
        ])
        .expect("valid");
        assert_eq!(cli.config.write_timeout(), Duration::from_secs(2));
        assert_eq!(cli.config.socket_idle_timeout(), Duration::from_secs(5));
        assert_eq!(cli.config.shutdown_timeout_secs, 0);
        for (flag, value) in [
            ("--write-timeout-ms", "0"),
            ("--write-timeout-ms", "600001"),
            ("--socket-idle-timeout-ms", "999"),
            ("--shutdown-timeout-secs", "-1"),
            ("--shutdown-timeout-secs", "3601"),
        ] {
            assert!(
                Cli::try_parse_from(["livechat-server", flag, value]).is_err(),
                "{flag} {value}"
            );
        }
    }

    #[test]
    fn user_add_needs_password_stdin() {
        let parsed = Cli::try_parse_from(["livechat-server", "user", "add", "--username", "ann"]);
        assert!(parsed.is_err());
        let cli = Cli::try_parse_from([
            "livechat-server",
            "user",
            "add",
            "--username",
            "ann",
            "--password-stdin",
            "--role",
            "admin",
            "--role",
            "manager",
        ])
        .expect("valid");
        assert!(matches!(
            cli.command,
            Some(Command::User(UserCommand::Add { ref roles, .. })) if roles == &["admin", "manager"]
        ));
    }
}
