//! PostgreSQL for tests: the server to use, and databases of their own.

use std::net::{TcpStream, ToSocketAddrs};
use std::process::Command;
use std::time::Duration;

use crate::util::have;

/// The administrative URL: `LIVECHAT_TEST_PG_URL`, else the local server.
pub fn admin_url() -> String {
    std::env::var("LIVECHAT_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn host_port(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host_port = authority.rsplit('@').next()?;
    Some(if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") })
}

/// Whether a PostgreSQL server answers at `url` and `psql` is there to manage databases.
pub fn reachable(url: &str) -> Result<(), String> {
    let address = host_port(url).ok_or_else(|| format!("cannot read host and port from {url}"))?;
    let socket = address
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| format!("cannot resolve {address}"))?;
    TcpStream::connect_timeout(&socket, Duration::from_secs(2))
        .map_err(|err| format!("no PostgreSQL server at {address} ({err})"))?;
    if !have("psql") {
        return Err("psql is not installed".into());
    }
    Ok(())
}

/// Runs one SQL statement as the administrator.
pub fn execute(url: &str, sql: &str) -> Result<(), String> {
    let output = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .map_err(|err| format!("cannot run psql: {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("psql {sql:?}: {}", String::from_utf8_lossy(&output.stderr).trim()))
    }
}

/// The URL of database `name` on the server of `admin_url`.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (scheme, rest) = admin_url.split_once("://").unwrap_or(("postgres", admin_url));
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            host_port("postgres://postgres@127.0.0.1:5432/postgres").as_deref(),
            Some("127.0.0.1:5432")
        );
        assert_eq!(host_port("postgres://u:p@db/x").as_deref(), Some("db:5432"));
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "lc_1"),
            "postgres://postgres@127.0.0.1:5432/lc_1"
        );
    }
}
