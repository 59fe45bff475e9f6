//! `cargo xtask bench`: our server against a storage-free echo reference: throughput and
//! latency with wrk on SQLite and PostgreSQL, and instructions per request with callgrind
//! on SQLite ([`callgrind`]). Never part of `ci`: it measures, it does not test. It prints
//! the tables and writes them to `target/bench/report.md`.
//!
//! Environment: `BENCH_SECONDS` (default 5) per wrk run; `BENCH_BACKENDS` (default
//! `sqlite,postgres`) for wrk, callgrind running only when it names SQLite;
//! `BENCH_CALLGRIND_SECONDS` (default 5) of counted load per workload under callgrind;
//! `BENCH_ONLY=wrk` or `BENCH_ONLY=callgrind` for that part alone; `BENCH_SERVER_BIN` a
//! server binary to measure instead of this tree's release build (the echo reference is
//! still this tree's). Comparing the instructions of another commit's build:
//!
//! ```text
//! BENCH_ONLY=callgrind BENCH_SERVER_BIN=../old/target/release/livechat-server cargo xtask bench
//! ```

mod callgrind;

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::server::{Database, Server};
use crate::util::{cargo, have, run, target_dir};
use crate::{pg, skip, Outcome};

const CONNECTIONS: [u32; 4] = [1, 16, 64, 256];
const WORKLOADS: [&str; 3] = ["send", "history", "room"];
const VISITORS: usize = 200;

/// One wrk run.
#[derive(Clone, Debug, Default)]
struct Measure {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

pub fn run_bench() -> Result<Outcome, String> {
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if !["", "wrk", "callgrind"].contains(&only.as_str()) {
        return Err(format!("BENCH_ONLY={only}: expected wrk or callgrind"));
    }
    let server = std::env::var_os("BENCH_SERVER_BIN").map(PathBuf::from);
    let mut build = cargo();
    build.args(["build", "--release", "-p", "livechat-server", "--example", "echo"]);
    if server.is_none() {
        build.args(["--bin", "livechat-server"]);
    }
    run(&mut build)?;
    let release = target_dir().join("release");
    let server = server.unwrap_or_else(|| release.join("livechat-server"));
    let echo = release.join("examples").join("echo");
    let out = target_dir().join("bench");
    std::fs::create_dir_all(&out).map_err(|err| err.to_string())?;
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_default();
    let backends: Vec<&str> = ["sqlite", "postgres"]
        .into_iter()
        .filter(|name| backends.is_empty() || backends.split(',').any(|b| b == *name))
        .collect();
    let mut report = String::from("# Benchmark\n\n");
    if only != "callgrind" {
        report += &wrk_tables(&server, &echo, &out, &backends)?;
    }
    if only != "wrk" && backends.contains(&"sqlite") {
        let seconds = env_seconds("BENCH_CALLGRIND_SECONDS");
        report += &callgrind::measure(&server, &echo, &out, seconds)?;
    } else if only != "wrk" {
        println!("callgrind: skipped, it measures SQLite and BENCH_BACKENDS={backends:?}");
    }
    let path = out.join("report.md");
    std::fs::write(&path, &report).map_err(|err| err.to_string())?;
    println!("\n{report}\nwritten to {}", path.display());
    Ok(Outcome::Passed)
}

fn env_seconds(name: &str) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(5)
}

/// The wrk runs of every backend and workload at every connection count.
fn wrk_tables(
    server_bin: &Path,
    echo_bin: &Path,
    out: &Path,
    backends: &[&str],
) -> Result<String, String> {
    if !have("wrk") {
        install("wrk")?;
    }
    let seconds = env_seconds("BENCH_SECONDS");
    let mut report = format!(
        "{} s per run, wrk with 2 threads, {} cores; ratio = ours / echo reference in the same run.\n\n",
        seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for &backend in backends {
        if backend == "postgres" {
            if let Err(why) = pg::reachable(&pg::admin_url()) {
                skip("PostgreSQL benchmark", &why)?;
                continue;
            }
        }
        let database = Database::create(backend).map_err(|crate::server::Unavailable(why)| why)?;
        let args = ["--database-url".to_owned(), database.url()];
        let server = Server::spawn(server_bin, &format!("bench-{backend}"), &args, &server_env())?;
        let seeds = seed(&server)?;
        let sizes = reply_sizes(&server, &seeds)?;
        let echo =
            Server::spawn(echo_bin, &format!("bench-echo-{backend}"), &[], &echo_env(sizes))?;
        writeln!(report, "## {backend}\n").ok();
        writeln!(
            report,
            "| workload | conns | req/s | p50 ms | p99 ms | errors | echo req/s | ratio |"
        )
        .ok();
        writeln!(report, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |").ok();
        let mut peak_rss = 0;
        for workload in WORKLOADS {
            let script = write_script(out, workload, &seeds)?;
            for conns in CONNECTIONS {
                let reference = wrk(echo.url(), &script, conns, seconds)?;
                let ours = wrk(server.url(), &script, conns, seconds)?;
                if workload == "send" {
                    peak_rss = peak_rss.max(rss_kib(server.pid()));
                }
                let ratio = if reference.rps > 0.0 { ours.rps / reference.rps } else { 0.0 };
                let line = format!(
                    "| {workload} | {conns} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {ratio:.2}x |",
                    ours.rps, ours.p50_ms, ours.p99_ms, ours.errors, reference.rps
                );
                println!("{backend} {line}");
                writeln!(report, "{line}").ok();
            }
        }
        writeln!(report, "\nResident memory of the server under the send load: {} MiB (peak sampled after each run).\n", peak_rss / 1024).ok();
        println!("{backend}: resident memory under the send load: {} MiB", peak_rss / 1024);
    }
    Ok(report)
}

/// The server's environment under the bench.
fn server_env() -> Vec<(&'static str, String)> {
    vec![
        ("RUST_LOG", "warn,livechat_server=info,livechat_server::logging=warn".to_owned()),
        // The bench measures throughput; per-client limits would refuse its load.
        ("LIVECHAT_RATE_LIMIT", "off".to_owned()),
    ]
}

/// The echo reference's environment: our reply sizes, so it answers alike.
fn echo_env(sizes: [usize; 3]) -> Vec<(&'static str, String)> {
    vec![
        ("ECHO_SEND_BYTES", sizes[0].to_string()),
        ("ECHO_HISTORY_BYTES", sizes[1].to_string()),
        ("ECHO_ROOM_BYTES", sizes[2].to_string()),
    ]
}

/// Installs a Debian package (wrk, valgrind) when the bench needs it.
fn install(package: &str) -> Result<(), String> {
    if !have("apt-get") {
        return Err(format!("{package} is not installed and apt-get is not available"));
    }
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get").args(["install", "-y", "-qq", package]))
}

/// A minimal HTTP/1.1 request over a fresh connection; returns status and body.
fn http(base: &str, method: &str, path: &str, body: Option<&str>) -> Result<(u16, String), String> {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).map_err(|err| format!("{address}: {err}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(|err| err.to_string())?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).map_err(|err| err.to_string())?;
    let status = reply.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = reply.split_once("\r\n\r\n").map_or("", |(_, body)| body).to_owned();
    Ok((status, body))
}

/// Registers visitors and opens their rooms through the API; returns (token, rid) pairs.
fn seed(server: &Server) -> Result<Vec<(String, String)>, String> {
    let mut seeds = Vec::with_capacity(VISITORS);
    for n in 0..VISITORS {
        let token = format!("bench-visitor-{n}");
        let body = format!(r#"{{"visitor":{{"token":"{token}"}}}}"#);
        let (status, _) = http(server.url(), "POST", "/api/v1/livechat/visitor", Some(&body))?;
        if status != 200 {
            return Err(format!("seeding: register answered {status}"));
        }
        let (status, reply) =
            http(server.url(), "GET", &format!("/api/v1/livechat/room?token={token}"), None)?;
        let rid = reply
            .split(r#""room":{"_id":""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .filter(|_| status == 200)
            .ok_or_else(|| format!("seeding: room answered {status}: {reply}"))?
            .to_owned();
        for m in 0..20 {
            let body = format!(r#"{{"token":"{token}","rid":"{rid}","msg":"seed message {m}"}}"#);
            http(server.url(), "POST", "/api/v1/livechat/message", Some(&body))?;
        }
        seeds.push((token, rid));
    }
    Ok(seeds)
}

/// Our reply sizes for the three workloads, so the echo reference answers alike.
fn reply_sizes(server: &Server, seeds: &[(String, String)]) -> Result<[usize; 3], String> {
    let (token, rid) = &seeds[0];
    let body = format!(r#"{{"token":"{token}","rid":"{rid}","msg":"benchmark message 1"}}"#);
    let send = http(server.url(), "POST", "/api/v1/livechat/message", Some(&body))?.1.len();
    let history_path = format!("/api/v1/livechat/messages.history/{rid}?token={token}&limit=20");
    let history = http(server.url(), "GET", &history_path, None)?.1.len();
    let room =
        http(server.url(), "GET", &format!("/api/v1/livechat/room?token={token}"), None)?.1.len();
    Ok([send, history, room])
}

fn write_script(out: &Path, workload: &str, seeds: &[(String, String)]) -> Result<PathBuf, String> {
    let mut lua = String::from("local seeds = {\n");
    for (token, rid) in seeds {
        writeln!(lua, "  {{\"{token}\", \"{rid}\"}},").ok();
    }
    lua.push_str(
        "}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  local s = seeds[(i % #seeds) + 1]\n",
    );
    let body = match workload {
        "send" => "  local body = '{\"token\":\"' .. s[1] .. '\",\"rid\":\"' .. s[2] .. '\",\"msg\":\"benchmark message ' .. i .. '\"}'\n  return wrk.format(\"POST\", \"/api/v1/livechat/message\", {[\"Content-Type\"] = \"application/json\"}, body)\n",
        "history" => "  return wrk.format(\"GET\", \"/api/v1/livechat/messages.history/\" .. s[2] .. \"?token=\" .. s[1] .. \"&limit=20\")\n",
        _ => "  return wrk.format(\"GET\", \"/api/v1/livechat/room?token=\" .. s[1])\n",
    };
    lua.push_str(body);
    lua.push_str("end\n");
    let path = out.join(format!("{workload}.lua"));
    std::fs::write(&path, lua).map_err(|err| err.to_string())?;
    Ok(path)
}

fn wrk(url: &str, script: &Path, conns: u32, seconds: u64) -> Result<Measure, String> {
    let output = Command::new("wrk")
        .args(["--latency", "-t", &conns.min(2).to_string(), "-c", &conns.to_string()])
        .args(["-d", &format!("{seconds}s"), "--timeout", "10s", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .map_err(|err| format!("cannot run wrk: {err}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut measure = Measure::default();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["Requests/sec:", value] => measure.rps = value.parse().unwrap_or(0.0),
            ["50%", value] => measure.p50_ms = millis(value),
            ["99%", value] => measure.p99_ms = millis(value),
            ["Non-2xx", "or", "3xx", "responses:", value] => {
                measure.errors += value.parse::<u64>().unwrap_or(0)
            }
            ["Socket", "errors:", rest @ ..] => {
                measure.errors += rest
                    .iter()
                    .filter_map(|v| v.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>()
            }
            _ => {}
        }
    }
    Ok(measure)
}

fn millis(value: &str) -> f64 {
    let split = value.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().unwrap_or(0.0);
    match unit {
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => number,
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmRSS:")
                    .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            })
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::millis;

    #[test]
    fn wrk_units() {
        assert_eq!(millis("1.50ms"), 1.5);
        assert_eq!(millis("250.00us"), 0.25);
        assert_eq!(millis("1.20s"), 1200.0);
    }
}
