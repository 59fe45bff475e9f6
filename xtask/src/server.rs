//! The real server binary, started for a test run and stopped by a guard.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::pg;
use crate::util::{cargo, run, target_dir};

/// Builds the server binary (debug profile, shared with the tests).
pub fn build() -> Result<(), String> {
    run(cargo().args(["build", "-p", "livechat-server"]))
}

/// The server binary `build` makes.
pub fn binary() -> PathBuf {
    target_dir().join("debug").join(format!("livechat-server{}", std::env::consts::EXE_SUFFIX))
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Why a backend cannot be used here.
pub struct Unavailable(pub String);

/// A fresh database for one run, removed on drop.
pub enum Database {
    /// A SQLite file in a folder of its own.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres { admin_url: String, name: String },
}

impl Database {
    /// Creates a database on `backend` (`sqlite` or `postgres`).
    pub fn create(backend: &str) -> Result<Self, Unavailable> {
        if backend == "postgres" {
            let admin_url = pg::admin_url();
            pg::reachable(&admin_url).map_err(Unavailable)?;
            let name = unique("lc_xtask");
            pg::execute(&admin_url, &format!("CREATE DATABASE {name}")).map_err(Unavailable)?;
            return Ok(Self::Postgres { admin_url, name });
        }
        let dir = target_dir().join("xtask").join(unique("sqlite"));
        std::fs::create_dir_all(&dir)
            .map_err(|err| Unavailable(format!("{}: {err}", dir.display())))?;
        Ok(Self::Sqlite(dir))
    }

    /// The server's `--database-url`.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => dir.join("livechat.db").display().to_string(),
            Self::Postgres { admin_url, name } => pg::database_url(admin_url, name),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Self::Postgres { admin_url, name } => {
                let _ =
                    pg::execute(admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Creates a user in `database` with the server's own `user add` subcommand.
pub fn add_user(
    database: &Database,
    username: &str,
    password: &str,
    role: &str,
) -> Result<(), String> {
    use std::io::Write as _;
    let mut child = Command::new(binary())
        .args(["--database-url", &database.url(), "user", "add", "--username", username])
        .args(["--password-stdin", "--role", role])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|err| format!("cannot run {}: {err}", binary().display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{password}").map_err(|err| err.to_string())?;
    }
    let status = child.wait().map_err(|err| err.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("user add {username} failed ({status})"))
    }
}

/// A running server; killed on drop.
pub struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Server {
    /// Starts the server on a free port with `database` and waits until it listens.
    pub fn start(name: &str, database: &Database, extra_args: &[&str]) -> Result<Self, String> {
        let mut args = vec!["--database-url".to_owned(), database.url()];
        args.extend(extra_args.iter().map(|arg| (*arg).to_owned()));
        Self::spawn(&binary(), name, &args, &[])
    }

    /// Like [`Server::start`], logging at a verbose level (for the search for secrets in
    /// its log, [`crate::faults::Secrets::check`]).
    pub fn start_verbose(
        name: &str,
        database: &Database,
        extra_args: &[&str],
    ) -> Result<Self, String> {
        let mut args = vec!["--database-url".to_owned(), database.url()];
        args.extend(extra_args.iter().map(|arg| (*arg).to_owned()));
        let envs = [("RUST_LOG", crate::faults::VERBOSE_LOG.to_owned())];
        Self::spawn(&binary(), name, &args, &envs)
    }

    /// Starts `program` with `--bind 127.0.0.1:0` and `args`, and waits until it prints
    /// `listening on http://ADDR`.
    pub fn spawn(
        program: &std::path::Path,
        name: &str,
        args: &[String],
        envs: &[(&str, String)],
    ) -> Result<Self, String> {
        let log_dir = target_dir().join("xtask");
        std::fs::create_dir_all(&log_dir).map_err(|err| err.to_string())?;
        let log = log_dir.join(format!("{name}.log"));
        let file = File::create(&log).map_err(|err| format!("{}: {err}", log.display()))?;
        let stderr = file.try_clone().map_err(|err| err.to_string())?;
        let child = Command::new(program)
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .envs(envs.iter().map(|(key, value)| (*key, value.as_str())))
            .env("LIVECHAT_LOG_FORMAT", "text")
            .env_remove("LIVECHAT_BIND")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(stderr)
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", program.display()))?;
        let mut server = Self { child, url: String::new(), log };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let text = std::fs::read_to_string(&server.log).unwrap_or_default();
            if let Some(address) = text.lines().find_map(|line| line.split("listening on ").nth(1))
            {
                server.url = address.trim().to_owned();
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                server.print_log();
                return Err(format!("the server exited during start-up ({status})"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        server.print_log();
        Err("the server did not start listening within 60 s".into())
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its log file (standard output and error).
    pub fn log_path(&self) -> PathBuf {
        self.log.clone()
    }

    /// Stops it; prints its log when the run failed.
    pub fn finish(self, failed: bool) {
        if failed {
            self.print_log();
        }
    }

    fn print_log(&self) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        eprintln!(
            "----- server log ({}) -----\n{text}----- end of server log -----",
            self.log.display()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
