//! `cargo xtask schemathesis`: schemathesis (PyPI) generates requests from the server's own
//! `/api/v1/openapi.json` and checks every reply: no 5xx, bodies and content types as the
//! document says, statuses it documents.
//!
//! The run installs a pinned schemathesis into a virtualenv under the target folder (reused
//! when it holds that version), builds the server and starts it on a fresh SQLite database,
//! then on a fresh PostgreSQL database when one is reachable. Before schemathesis starts, a
//! seed step (below, in Python, standard library only) logs an agent in and makes it
//! available, registers visitors, opens their rooms and stores messages; a schemathesis hook
//! then swaps generated tokens and ids for those seeded ones in about two of three requests,
//! and adds the agent's credentials, so requests get past "unknown token" into the handlers.
//! Every run is bounded (examples per operation, a time limit). `SCHEMATHESIS_BACKENDS`
//! (default `sqlite,postgres`) selects the backends, `LIVECHAT_SCHEMATHESIS_SEED` (default 1)
//! the seed.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{self, Database, Server};
use crate::skip;
use crate::util::{python_venv, run, target_dir, Outcome};

/// The schemathesis release this run installs.
const VERSION: &str = "4.32.5";

/// Test cases per operation and phase.
const MAX_EXAMPLES: &str = "20";

/// Longest a run on one backend may take before it is stopped and failed.
const RUN_LIMIT: Duration = Duration::from_secs(420);

/// The agent the seed step logs in as.
const AGENT: (&str, &str) = ("schemathesis-agent", "schemathesis-agent-password");

/// The checks every reply must pass.
const CHECKS: &str = "not_a_server_error,response_schema_conformance,content_type_conformance,\
                      status_code_conformance";

/// Seed step and hooks, one Python module. `python3 livechat_hooks.py BASE USER PASSWORD OUT`
/// seeds a server and writes what it made to OUT (JSON); imported by schemathesis (through
/// `SCHEMATHESIS_HOOKS`) it reads that file from `LIVECHAT_SEED` and steers the requests.
const HOOKS: &str = r#"
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import zlib


def call(base, method, path, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"seed: {method} {path} answered {error.code}: {error.read()!r}")


def seed(base, user, password, out):
    def login():
        data = call(base, "POST", "/api/v1/login", {"user": user, "password": password})["data"]
        return {"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]}

    def visitor(token, messages):
        call(base, "POST", "/api/v1/livechat/visitor", {"visitor": {"token": token, "name": token}})
        query = urllib.parse.urlencode({"token": token})
        rid = call(base, "GET", f"/api/v1/livechat/room?{query}")["room"]["_id"]
        made = {"token": token, "rid": rid}
        for number in range(1, messages + 1):
            sent = {"token": token, "rid": rid, "msg": f"from {token}", "_id": f"{token}-{number}"}
            made[f"message{number}"] = call(base, "POST", "/api/v1/livechat/message", sent)["message"]["_id"]
            reply = {"message": {"rid": rid, "msg": f"to {token}", "_id": f"{token}-reply-{number}"}}
            made[f"reply{number}"] = call(base, "POST", "/api/v1/chat.sendMessage", reply, auth)["message"]["_id"]
        return made

    auth = login()
    seeded = {"auth": auth, "logout_auth": login()}
    call(base, "POST", "/api/v1/livechat/agent.status", {"status": "available"}, auth)
    # The main visitor lives through the run: two messages and two replies each (one to
    # read and edit, one to delete). Requests that end something get a visitor of their own.
    seeded["main"] = visitor("schemathesis-main", 2)
    seeded["closed by visitor"] = visitor("schemathesis-close", 0)
    seeded["closed by agent"] = visitor("schemathesis-close-by-agent", 0)
    gone = visitor("schemathesis-gone", 0)
    call(base, "POST", "/api/v1/livechat/room.close", {"token": gone["token"], "rid": gone["rid"]})
    seeded["deleted"] = gone
    with open(out, "w") as file:
        json.dump(seeded, file)


def metrics(base):
    """Replies per operation and status, from the server's own counters; methods a route does
    not serve (all 405) are summed up."""
    with urllib.request.urlopen(base + "/metrics", timeout=60) as response:
        text = response.read().decode()
    rows, refused = {}, {}
    for line in text.splitlines():
        if not line.startswith("livechat_http_requests_total{"):
            continue
        labels, value = line[len("livechat_http_requests_total{"):].rsplit("} ", 1)
        fields = dict(part.split("=", 1) for part in labels.split('",') if "=" in part)
        fields = {key: value.strip('"') for key, value in fields.items()}
        route, method, status = fields.get("route", ""), fields.get("method", "?"), fields.get("status", "?")
        if not route.startswith("/api/"):
            continue
        statuses = rows.setdefault((route, method), {})
        statuses[status] = statuses.get(status, 0) + int(float(value))
    for (route, method), statuses in list(rows.items()):
        if set(statuses) == {"405"}:
            refused[route] = refused.get(route, 0) + statuses.pop("405")
            del rows[(route, method)]
    for (route, method), statuses in sorted(rows.items()):
        counts = " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
        print(f"  {method:6} {route:45} {counts}")
    print(f"  other methods on these routes: {sum(refused.values())} replies, all 405")


if __name__ == "__main__":
    if sys.argv[1] == "metrics":
        metrics(sys.argv[2])
    else:
        seed(*sys.argv[1:5])
    raise SystemExit(0)

import schemathesis  # noqa: E402

SEED = json.load(open(os.environ["LIVECHAT_SEED"]))

def targets(method, path):
    """The seeded objects a request aims at: field name -> value."""
    main = SEED["main"]
    aim = {"token": main["token"], "rid": main["rid"], "id": main["message1"], "msgId": main["reply1"]}
    if (method, path) == ("DELETE", "/api/v1/livechat/message/{id}"):
        aim["id"] = main["message2"]
    elif (method, path) == ("POST", "/api/v1/chat.delete"):
        aim["msgId"] = main["reply2"]
    elif (method, path) == ("POST", "/api/v1/livechat/room.close"):
        aim.update(token=SEED["closed by visitor"]["token"], rid=SEED["closed by visitor"]["rid"])
    elif (method, path) == ("POST", "/api/v1/livechat/room.closeByUser"):
        aim["rid"] = SEED["closed by agent"]["rid"]
    elif (method, path) == ("DELETE", "/api/v1/livechat/visitor/{token}"):
        aim["token"] = SEED["deleted"]["token"]
    aim["roomId"] = aim["rid"]
    return aim


def likely(value):
    """Two of three values, chosen by the value itself (so a replayed case is the same)."""
    return zlib.crc32(repr(value).encode("utf-8", "replace")) % 3 != 0


def steer(container, aim):
    if not isinstance(container, dict):
        return
    for name, seeded in aim.items():
        value = container.get(name)
        # Only well-typed values: a generated wrong type stays as it is, to be refused.
        if isinstance(value, str) and likely(value):
            container[name] = seeded
    email = container.get("email")
    if isinstance(email, str) and "@" not in email and likely(email):
        container["email"] = email + "@example.com"
    if isinstance(container.get("message"), dict):
        steer(container["message"], aim)


@schemathesis.hook
def map_case(context, case):
    aim = targets(case.method.upper(), case.path)
    for container in (case.path_parameters, case.query, case.body):
        steer(container, aim)
    auth = SEED["logout_auth" if case.path == "/api/v1/logout" else "auth"]
    if case.headers is None:
        case.headers = {}
    for name, value in auth.items():
        case.headers.setdefault(name, value)
    return case
"#;

/// Runs schemathesis against the server on SQLite, then on PostgreSQL if reachable.
pub fn run_all() -> Result<Outcome, String> {
    let dir = target_dir().join("schemathesis");
    let python = match python_venv(&dir.join("venv"), &[&format!("schemathesis=={VERSION}")]) {
        Ok(python) => python,
        Err(why) => return skip("schemathesis", &why),
    };
    let hooks = dir.join("livechat_hooks.py");
    std::fs::write(&hooks, HOOKS.trim_start())
        .map_err(|err| format!("{}: {err}", hooks.display()))?;
    server::build()?;
    let mut outcome = Outcome::Passed;
    let mut failures = Vec::new();
    let backends =
        std::env::var("SCHEMATHESIS_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    for backend in backends.split(',').map(str::trim).filter(|name| !name.is_empty()) {
        let database = match Database::create(backend) {
            Ok(database) => database,
            Err(server::Unavailable(why)) if backend == "postgres" => {
                outcome = skip("schemathesis on PostgreSQL", &why)?;
                continue;
            }
            Err(server::Unavailable(why)) => return Err(format!("{backend}: {why}")),
        };
        eprintln!("\n--- schemathesis {VERSION} on {backend}");
        if let Err(err) = run_backend(backend, &database, &python, &dir) {
            eprintln!("schemathesis on {backend}: {err}");
            failures.push(format!("{backend}: {err}"));
        }
    }
    if failures.is_empty() {
        Ok(outcome)
    } else {
        Err(format!("schemathesis found problems ({})", failures.join("; ")))
    }
}

/// Seeds a fresh server on `database` and runs schemathesis against it.
fn run_backend(
    backend: &str,
    database: &Database,
    python: &Path,
    dir: &Path,
) -> Result<(), String> {
    server::add_user(database, AGENT.0, AGENT.1, "agent")?;
    // A 10 s database timeout, as the cluster tests use: on a loaded CI machine the default
    // 2 s turns a slow write into a 503, which this run would report as a server error.
    let args = ["--database-url", &database.url(), "--db-timeout-ms", "10000"].map(str::to_owned);
    // Thousands of requests from one address: the rate limit would answer most with 429.
    // No line per request, so a failed run prints a short server log (start-up, warnings,
    // errors).
    let log_level =
        std::env::var("RUST_LOG").unwrap_or_else(|_| "info,livechat_server::logging=warn".into());
    let envs = [("LIVECHAT_RATE_LIMIT", "off".to_owned()), ("RUST_LOG", log_level)];
    let server =
        Server::spawn(&server::binary(), &format!("schemathesis-{backend}"), &args, &envs)?;
    let hooks = dir.join("livechat_hooks.py");
    let seed = dir.join(format!("seed-{backend}.json"));
    let seeded =
        run(Command::new(python).arg(&hooks).args([server.url(), AGENT.0, AGENT.1]).arg(&seed));
    if let Err(err) = seeded {
        server.finish(true);
        return Err(format!("seeding failed: {err}"));
    }

    let schemathesis = python.with_file_name("schemathesis");
    let reports = dir.join(format!("report-{backend}"));
    let seed_value = std::env::var("LIVECHAT_SCHEMATHESIS_SEED").unwrap_or_else(|_| "1".into());
    let mut command = Command::new(schemathesis);
    command
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", server.url()))
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", MAX_EXAMPLES])
        .args(["--seed", &seed_value])
        // One worker: Python 3.11's `ast` module is not thread-safe, and Hypothesis parses
        // lambdas while it draws, so two workers now and then die in a `SystemError`.
        .args(["--workers", "1"])
        .args(["--request-timeout", "30"])
        .args(["--generation-database", "none"])
        .args(["--suppress-health-check", "all"])
        .args(["--report", "junit"])
        .arg("--report-dir")
        .arg(&reports)
        .arg("--no-color")
        .current_dir(dir)
        .env("SCHEMATHESIS_HOOKS", "livechat_hooks")
        .env("PYTHONPATH", dir)
        .env("LIVECHAT_SEED", &seed)
        .env("PYTHONUNBUFFERED", "1");
    let result = run_bounded(&mut command, RUN_LIMIT);
    eprintln!("replies per route and status on {backend} (the server's own counters):");
    let _ = Command::new(python).arg(&hooks).args(["metrics", server.url()]).status();
    server.finish(result.is_err());
    result
}

/// Runs `command`, echoing and keeping its output, stopping it after `limit`. A run that
/// failed only on schemathesis' own generation flakiness (Hypothesis `FlakyFailure` while it
/// draws examples, before any request) is reported loudly but does not fail: that is no
/// statement about the server. Check failures, network errors (a server that went away) and
/// every other error do.
fn run_bounded(command: &mut Command, limit: Duration) -> Result<(), String> {
    use std::io::BufRead as _;

    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run schemathesis: {err}"))?;
    let stdout = child.stdout.take().ok_or("no output from schemathesis")?;
    let reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            kept.push(line);
        }
        kept
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|err| err.to_string())? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("schemathesis did not finish within {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = reader.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    if output.iter().any(|line| is_section(line, "FAILURES")) {
        return Err("schemathesis found failures (listed above under FAILURES)".into());
    }
    let errors = error_blocks(&output);
    let flaky = |block: &[String]| {
        block.get(1).is_some_and(|title| title.trim() == "Runtime Error")
            && block.iter().any(|line| line.contains("hypothesis.errors.FlakyFailure"))
    };
    if errors.is_empty() || !errors.iter().all(|block| flaky(block)) {
        return Err(format!("schemathesis failed ({status}; see ERRORS above)"));
    }
    eprintln!(
        "\n!!! schemathesis hit {} internal generation error(s) (Hypothesis FlakyFailure",
        errors.len()
    );
    eprintln!("!!! while drawing examples): a schemathesis problem, not the server's; ignored:");
    for block in &errors {
        eprintln!("!!!   {}", block[0].trim_matches(|c: char| c == '_' || c == ' '));
    }
    Ok(())
}

/// Whether `line` is schemathesis' `==== NAME ====` section header.
fn is_section(line: &str, name: &str) -> bool {
    line.starts_with('=') && line.trim_matches(|c: char| c == '=' || c == ' ') == name
}

/// The blocks of the ERRORS section, each starting with its `____ METHOD PATH ____` line.
fn error_blocks(output: &[String]) -> Vec<Vec<String>> {
    let mut blocks: Vec<Vec<String>> = Vec::new();
    let mut inside = false;
    for line in output {
        if line.starts_with('=') && line.ends_with('=') {
            inside = is_section(line, "ERRORS");
            continue;
        }
        if !inside {
            continue;
        }
        if line.starts_with('_') {
            blocks.push(vec![line.clone()]);
        } else if let Some(block) = blocks.last_mut() {
            block.push(line.clone());
        }
    }
    blocks
}
