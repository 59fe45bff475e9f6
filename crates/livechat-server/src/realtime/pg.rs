//! PostgreSQL fan-out: `pg_notify` out, `LISTEN` in, so every instance sees every event.
//!
//! Diesel has no blocking wait for notifications, so the listener polls
//! `PgConnection::notifications_iter` (which only reads what the socket already holds)
//! every few milliseconds on a thread of its own, and checks the connection with a
//! `SELECT 1` now and then so a dead network is noticed. When the connection was lost,
//! notifications may have been missed: after reconnecting, every socket of the instance is
//! closed, and clients reconnect and catch up with `messages.history`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use diesel::sql_types::{Array, Text};
use diesel::{PgConnection, RunQueryDsl as _};
use tokio::sync::mpsc;

use super::hub::Hub;
use super::Notification;
use crate::db::{DbConn, DbManager};

/// The notification channel.
const CHANNEL: &str = "livechat";
/// PostgreSQL refuses payloads of 8000 bytes or more.
const MAX_PAYLOAD: usize = 7900;
/// How many notifications go out in one statement.
const BATCH: usize = 256;
/// How often the listener looks for notifications.
const POLL: Duration = Duration::from_millis(5);
/// How often the listener checks its connection.
const HEALTH_CHECK: Duration = Duration::from_secs(5);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

fn connect(manager: &DbManager) -> anyhow::Result<PgConnection> {
    match manager.connect()? {
        DbConn::Postgres(conn) => Ok(conn),
        DbConn::Sqlite(_) => anyhow::bail!("the realtime fan-out needs PostgreSQL"),
    }
}

/// Sends `notification` within the transaction `conn` is in: PostgreSQL delivers it to every
/// instance (this one included) when that transaction commits, and never if it rolls back.
/// Nothing on SQLite, where there is one instance.
pub fn notify_in_transaction(
    conn: &mut DbConn,
    notification: &Notification,
) -> crate::db::Result<()> {
    let DbConn::Postgres(pg) = conn else { return Ok(()) };
    let payload = serde_json::to_string(notification)
        .map_err(|err| crate::db::Error::Internal(err.into()))?;
    diesel::sql_query(format!("SELECT pg_notify('{CHANNEL}', $1)"))
        .bind::<Text, _>(&payload)
        .execute(pg)?;
    Ok(())
}

/// Starts the notifier thread and returns its queue. It stops when the queue's senders are
/// gone.
pub(super) fn start_notifier(manager: DbManager, depth: usize) -> mpsc::Sender<Notification> {
    let (sender, queue) = mpsc::channel(depth);
    let spawned = std::thread::Builder::new()
        .name("realtime-notify".into())
        .spawn(move || notify(manager, queue));
    if let Err(err) = spawned {
        tracing::error!(error = %err, "cannot start the realtime notifier");
    }
    sender
}

fn notify(manager: DbManager, mut queue: mpsc::Receiver<Notification>) {
    let mut conn: Option<PgConnection> = None;
    let mut batch = Vec::with_capacity(BATCH);
    let mut sequence: u64 = 0;
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        // PostgreSQL delivers identical payloads sent in one transaction only once (a send
        // and an edit of the same message would merge), so each payload carries a sequence
        // number of its own: `<seq>:<json>`.
        let payloads: Vec<String> = batch
            .drain(..)
            .filter_map(|notification| serde_json::to_string(&notification).ok())
            .map(|json| {
                sequence = sequence.wrapping_add(1);
                format!("{sequence}:{json}")
            })
            .filter(|payload| {
                let fits = payload.len() < MAX_PAYLOAD;
                if !fits {
                    tracing::warn!(
                        bytes = payload.len(),
                        "realtime notification too large; dropped"
                    );
                }
                fits
            })
            .collect();
        // One retry on a fresh connection: the old one may have died since the last batch.
        for attempt in 0..2 {
            if conn.is_none() {
                match connect(&manager) {
                    Ok(fresh) => conn = Some(fresh),
                    Err(err) => {
                        tracing::warn!(error = %err, "realtime notifier cannot connect; events lost");
                        break;
                    }
                }
            }
            let Some(pg) = conn.as_mut() else { break };
            // `unnest` keeps the array's order, and so the order of the notifications.
            let sent = diesel::sql_query(format!(
                "SELECT pg_notify('{CHANNEL}', payload) FROM unnest($1::text[]) AS payload"
            ))
            .bind::<Array<Text>, _>(&payloads)
            .execute(pg);
            match sent {
                Ok(_) => break,
                Err(err) => {
                    if attempt == 1 {
                        tracing::warn!(error = %err, "realtime notify failed; events lost");
                    }
                    conn = None;
                }
            }
        }
    }
}

/// Starts the listener thread: it forwards notifications to the dispatcher until `stop`.
pub(super) fn start_listener(
    manager: DbManager,
    dispatch: mpsc::Sender<Notification>,
    hub: Arc<Hub>,
    stop: Arc<AtomicBool>,
) {
    let spawned = std::thread::Builder::new()
        .name("realtime-listen".into())
        .spawn(move || listen(&manager, &dispatch, &hub, &stop));
    if let Err(err) = spawned {
        tracing::error!(error = %err, "cannot start the realtime listener");
    }
}

fn listen(
    manager: &DbManager,
    dispatch: &mpsc::Sender<Notification>,
    hub: &Hub,
    stop: &AtomicBool,
) {
    let mut lost = false;
    let mut backoff = POLL;
    while !stop.load(Ordering::Relaxed) {
        let listening = connect(manager).and_then(|mut conn| {
            conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            Ok(conn)
        });
        let mut conn = match listening {
            Ok(conn) => conn,
            Err(err) => {
                if !lost {
                    tracing::warn!(error = %err, "realtime listener cannot connect; retrying");
                }
                lost = true;
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        if lost {
            tracing::info!("realtime listener reconnected; closing sockets so clients catch up");
            hub.kick_all();
        }
        backoff = POLL;
        match pump(&mut conn, dispatch, stop) {
            Ok(()) => return,
            Err(err) => {
                tracing::warn!(error = %err, "realtime listener lost its connection");
                lost = true;
            }
        }
    }
}

/// Forwards notifications until `stop` (Ok) or until the connection fails (Err).
/// The JSON of a `<seq>:<json>` payload.
fn without_sequence(payload: &str) -> &str {
    payload
        .split_once(':')
        .filter(|(seq, _)| seq.bytes().all(|b| b.is_ascii_digit()))
        .map_or(payload, |(_, json)| json)
}

fn pump(
    conn: &mut PgConnection,
    dispatch: &mpsc::Sender<Notification>,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    let mut checked = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let mut received = false;
        for notification in conn.notifications_iter() {
            let notification = notification?;
            received = true;
            match serde_json::from_str::<Notification>(without_sequence(&notification.payload)) {
                // Waits when the dispatcher is behind: PostgreSQL queues the rest meanwhile.
                Ok(parsed) => {
                    if dispatch.blocking_send(parsed).is_err() {
                        return Ok(());
                    }
                }
                Err(err) => tracing::warn!(error = %err, "unreadable realtime notification"),
            }
        }
        if checked.elapsed() >= HEALTH_CHECK {
            conn.batch_execute("SELECT 1")?;
            checked = Instant::now();
        }
        if !received {
            std::thread::sleep(POLL);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::without_sequence;

    #[test]
    fn payloads_carry_a_sequence() {
        assert_eq!(without_sequence(r#"12:{"kind":"message"}"#), r#"{"kind":"message"}"#);
        assert_eq!(without_sequence(r#"{"kind":"message"}"#), r#"{"kind":"message"}"#);
    }
}
