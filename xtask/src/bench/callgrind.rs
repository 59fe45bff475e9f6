//! Instructions per request, counted by callgrind: the server and the echo reference under
//! `valgrind --tool=callgrind`, on SQLite, 16 connections. The counts do not depend on the
//! machine's load, so two builds can be compared on a busy machine.
//!
//! Each server runs uninstrumented (`--instr-atstart=no`, about 4 times slower instead of
//! 50) through start-up and seeding. Per workload, 16 keep-alive connections warm up for a
//! second; then `callgrind_control -i on`, the counted load, `-i off` once every connection
//! has its last reply, and `-d`: the dump's `totals:` line divided by the requests answered.
//! (`--collect-atstart=no` would not do: `-i on` does not switch collection on, and every
//! dump is 0.) The load is our own small client rather than wrk: wrk stops at its deadline
//! with a request in flight on each connection, which the server still runs, uncounted.

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::server::{Database, Server, Unavailable};
use crate::util::have;

const CONNECTIONS: usize = 16;
const WARM_UP: Duration = Duration::from_secs(1);

/// Measures `server` and `echo` (binaries) for every workload; returns the report's section.
pub fn measure(server: &Path, echo: &Path, out: &Path, seconds: u64) -> Result<String, String> {
    if !have("valgrind") {
        super::install("valgrind")?;
    }
    let dir = out.join("callgrind");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let database = Database::create("sqlite").map_err(|Unavailable(why)| why)?;
    let args = ["--database-url".to_owned(), database.url()];
    let mut ours = Traced::start(&dir, "server", server, &args, &super::server_env())?;
    let seeds = super::seed(&ours.server)?;
    let sizes = super::reply_sizes(&ours.server, &seeds)?;
    let mut echo = Traced::start(&dir, "echo", echo, &[], &super::echo_env(sizes))?;
    let mut section = format!(
        "## Instructions per request (callgrind, SQLite)\n\n`{}` under `valgrind \
         --tool=callgrind`, {CONNECTIONS} connections, {seconds} s counted per workload after \
         {} s of warm-up.\n\n| workload | requests | instructions/request | echo requests | \
         echo instructions/request | ratio |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
        server.display(),
        WARM_UP.as_secs()
    );
    for workload in super::WORKLOADS {
        let (requests, per_request) = ours.count(workload, &seeds, seconds)?;
        let (echo_requests, echo_per_request) = echo.count(workload, &seeds, seconds)?;
        let ratio = per_request as f64 / echo_per_request.max(1) as f64;
        let line = format!(
            "| {workload} | {requests} | {per_request} | {echo_requests} | {echo_per_request} \
             | {ratio:.1}x |"
        );
        println!("callgrind {line}");
        writeln!(section, "{line}").ok();
    }
    Ok(section)
}

/// A server under callgrind; killed on drop like any [`Server`].
struct Traced {
    server: Server,
    /// The dumps' path without the `.PID.N` callgrind appends.
    dumps: PathBuf,
    dumped: u32,
}

impl Traced {
    fn start(
        dir: &Path,
        name: &str,
        program: &Path,
        args: &[String],
        envs: &[(&str, String)],
    ) -> Result<Self, String> {
        // `Server::spawn` puts `--bind` first, so valgrind starts through a script; `exec`
        // keeps the process id, which callgrind_control needs.
        let dumps = dir.join(name);
        let script = dir.join(format!("{name}.sh"));
        let text = format!(
            "#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file='{}.%p' '{}' \"$@\"\n",
            dumps.display(),
            program.display()
        );
        std::fs::write(&script, text).map_err(|err| format!("{}: {err}", script.display()))?;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .map_err(|err| format!("{}: {err}", script.display()))?;
        let server = Server::spawn(&script, &format!("bench-callgrind-{name}"), args, envs)?;
        Ok(Self { server, dumps, dumped: 0 })
    }

    /// Runs the counted load of `workload`; returns the requests answered and the
    /// instructions per request.
    fn count(
        &mut self,
        workload: &str,
        seeds: &[(String, String)],
        seconds: u64,
    ) -> Result<(u64, u64), String> {
        let pid = self.server.pid();
        let requests = drive(self.server.url(), workload, seeds, seconds, |on| {
            control(pid, if on { "--instr=on" } else { "--instr=off" })
        })?;
        control(pid, "--dump")?;
        self.dumped += 1;
        let dump = PathBuf::from(format!("{}.{pid}.{}", self.dumps.display(), self.dumped));
        let instructions = totals(&dump)?;
        Ok((requests, instructions / requests.max(1)))
    }
}

fn control(pid: u32, action: &str) -> Result<(), String> {
    let output = Command::new("callgrind_control")
        .args([action, &pid.to_string()])
        .output()
        .map_err(|err| format!("cannot run callgrind_control: {err}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if output.status.success() && text.contains("OK") {
        Ok(())
    } else {
        Err(format!("callgrind_control {action} {pid}: {text}"))
    }
}

/// The `totals:` line of a dump (instructions, the only event counted); waits for the file.
fn totals(dump: &Path) -> Result<u64, String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let text = std::fs::read_to_string(dump).unwrap_or_default();
        if let Some(total) = text.lines().find_map(|line| line.strip_prefix("totals:")) {
            return total.trim().parse().map_err(|_| format!("{}: totals:{total}", dump.display()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("no totals in {}", dump.display()))
}

/// Warms up [`CONNECTIONS`] connections, calls `switch(true)`, runs `seconds` of counted
/// load, calls `switch(false)` once every connection has its last reply; returns the
/// requests of the counted load. Every reply must be 2xx.
fn drive(
    base: &str,
    workload: &str,
    seeds: &[(String, String)],
    seconds: u64,
    switch: impl Fn(bool) -> Result<(), String>,
) -> Result<u64, String> {
    let gate = Barrier::new(CONNECTIONS + 1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CONNECTIONS)
            .map(|first| {
                let gate = &gate;
                scope.spawn(move || connection(base, workload, seeds, first, seconds, gate))
            })
            .collect();
        gate.wait(); // warmed up
        let on = switch(true);
        gate.wait(); // counted load begins
        gate.wait(); // every reply is in
        let off = switch(false);
        gate.wait(); // the connections may close
        let mut requests = 0;
        for worker in workers {
            requests += worker.join().map_err(|_| "a load thread panicked".to_owned())??;
        }
        on.and(off).map(|()| requests)
    })
}

/// One keep-alive connection's part of [`drive`]; it meets `gate` four times whatever fails.
fn connection(
    base: &str,
    workload: &str,
    seeds: &[(String, String)],
    first: usize,
    seconds: u64,
    gate: &Barrier,
) -> Result<u64, String> {
    let host = base.trim_start_matches("http://");
    let mut stream =
        TcpStream::connect(host).map(BufReader::new).map_err(|err| format!("{host}: {err}"));
    let mut n = first;
    let mut load = |until: Instant| -> Result<u64, String> {
        let stream = stream.as_mut().map_err(|err| err.clone())?;
        stream.get_ref().set_read_timeout(Some(Duration::from_secs(60))).ok();
        let mut requests = 0;
        while Instant::now() < until {
            exchange(stream, &request(workload, host, &seeds[n % seeds.len()], n))?;
            n += CONNECTIONS;
            requests += 1;
        }
        Ok(requests)
    };
    let warm = load(Instant::now() + WARM_UP);
    gate.wait();
    gate.wait();
    let counted = warm.and_then(|_| load(Instant::now() + Duration::from_secs(seconds)));
    gate.wait();
    gate.wait();
    counted
}

/// The request the wrk script of `workload` sends as its `n`th.
fn request(workload: &str, host: &str, (token, rid): &(String, String), n: usize) -> String {
    let api = "/api/v1/livechat";
    match workload {
        "send" => {
            let body =
                format!(r#"{{"token":"{token}","rid":"{rid}","msg":"benchmark message {n}"}}"#);
            format!(
                "POST {api}/message HTTP/1.1\r\nHost: {host}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        }
        "history" => format!(
            "GET {api}/messages.history/{rid}?token={token}&limit=20 HTTP/1.1\r\nHost: {host}\r\n\r\n"
        ),
        _ => format!("GET {api}/room?token={token} HTTP/1.1\r\nHost: {host}\r\n\r\n"),
    }
}

/// Sends `request` and reads its reply (which must have a Content-Length and a 2xx status).
fn exchange(stream: &mut BufReader<TcpStream>, request: &str) -> Result<(), String> {
    stream.get_mut().write_all(request.as_bytes()).map_err(|err| err.to_string())?;
    let mut line = String::new();
    let mut read_line = |line: &mut String| match stream.read_line(line) {
        Ok(0) => Err("the server closed the connection".to_owned()),
        Ok(_) => Ok(()),
        Err(err) => Err(err.to_string()),
    };
    read_line(&mut line)?;
    let status: u16 = line.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let mut length = None;
    loop {
        let mut header = String::new();
        read_line(&mut header)?;
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let mut body = vec![0; length.ok_or("a reply without Content-Length")?];
    stream.read_exact(&mut body).map_err(|err| err.to_string())?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("{}: {}", line.trim(), String::from_utf8_lossy(&body)))
    }
}
