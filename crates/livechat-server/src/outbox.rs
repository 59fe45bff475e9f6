//! The outbox (SPEC sections 17 and 18): e-mails and webhooks, delivered durably.
//!
//! A delivery is a row of the `outbox` table ([`crate::db::outbox`]), inserted by the very
//! write that caused it: it exists exactly when its cause was committed, so an
//! acknowledged change is never without its event and a refused one never has one. Its
//! body is frozen when it is written.
//!
//! Every instance runs one deliverer ([`start`]). It reads the rows that are due, takes each
//! under a lease (a write on that row alone, which only one instance can win while the lease
//! lives), sends it, and settles it: deleted when delivered, rescheduled with a doubling
//! delay when the failure may pass, marked failed (logged, counted) when it cannot or when
//! its time is up. A room's webhooks go one at a time in the order their writes committed:
//! a row waits while an earlier unsettled row of its room exists. An attempt is cut off
//! well before its lease ends, so no other instance sends the same row while it runs. An
//! instance that dies leaves its leases to run out; on SQLite, where there is one instance,
//! the next start takes them all back at once.

use std::sync::{Arc, Weak};
use std::time::Duration;

use rand::Rng as _;
use tokio::sync::{Notify, Semaphore};

use crate::db::outbox::{Channel, DeliveryRow, Failure, NewDelivery};
use crate::db::{self, Backend, DbConn, Key};
use crate::settings::{registry, Values};
use crate::AppState;

pub mod hooks;

pub use hooks::{Event, Hooks};

/// How often the deliverer looks for due rows when nothing woke it.
const POLL: Duration = Duration::from_millis(250);
/// How many deliveries one instance runs at once.
const CONCURRENCY: usize = 16;
/// How often the backlog gauges are read again.
const BACKLOG_EVERY: Duration = Duration::from_secs(1);
/// The longest pause between two attempts of one delivery.
const MAX_DELAY: Duration = Duration::from_secs(3600);
/// How long a webhook is tried before it fails for good.
const WEBHOOK_FOR: Duration = Duration::from_secs(24 * 3600);
/// How long an e-mail is tried before it fails for good.
const MAIL_FOR: Duration = Duration::from_secs(48 * 3600);
/// The first retry's delay of a webhook, unless `--outbox-retry-base-ms` says otherwise.
const WEBHOOK_BASE: Duration = Duration::from_secs(10);
/// The first retry's delay of an e-mail, unless `--outbox-retry-base-ms` says otherwise.
const MAIL_BASE: Duration = Duration::from_secs(30);

/// This instance's side of the outbox: what wakes its deliverer.
#[derive(Default)]
pub struct Outbox {
    wake: Notify,
}

impl Outbox {
    /// Tells the deliverer that a write may have added a delivery (it looks at once rather
    /// than at its next poll).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Adds delivery `body` of `channel` and `event` to the caller's transaction, due now.
/// `room_id` orders a room's webhooks; the caller must hold the room's lock.
pub fn enqueue(
    conn: &mut DbConn,
    channel: Channel,
    event: &str,
    room_id: Option<&str>,
    body: String,
) -> db::Result<String> {
    let now = now();
    let id = uuid::Uuid::new_v4().to_string();
    let row = NewDelivery {
        id: id.clone(),
        channel: channel.as_str().to_owned(),
        event: event.to_owned(),
        room_id: room_id.map(str::to_owned),
        body,
        created_at: now,
        next_attempt_at: now,
    };
    db::outbox::insert(conn, &row)?;
    Ok(id)
}

/// How one attempt ended.
#[derive(Debug)]
pub enum Outcome {
    /// Delivered.
    Delivered,
    /// Failed, and may succeed later.
    Retry(String),
    /// Failed for good.
    Final(String),
}

/// Starts this instance's deliverer; it stops once `state` is gone.
pub fn start(state: Weak<AppState>) {
    actix_web::rt::spawn(async move {
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        let mut released = false;
        let mut backlog_read: Option<std::time::Instant> = None;
        loop {
            let Some(state) = state.upgrade() else { break };
            if !released && matches!(state.config.backend(), Backend::Sqlite(_)) {
                // The only instance: every lease is a dead predecessor's.
                match state.write(Key::Many, db::outbox::release_all).await {
                    Ok(count) if count > 0 => {
                        tracing::info!(count, "outbox: took back the leases of a stopped server")
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "outbox: cannot take back leases"),
                }
            }
            released = true;
            if backlog_read.map_or(true, |at| at.elapsed() >= BACKLOG_EVERY) {
                backlog_read = Some(std::time::Instant::now());
                read_backlog(&state).await;
            }
            let started = run_due(&state, &slots).await;
            let wake = state.outbox_wake();
            drop(state);
            if started == 0 {
                let Some(wake) = wake.upgrade() else { break };
                let _ = tokio::time::timeout(POLL, wake.wake.notified()).await;
            } else {
                // More may be due: look again soon, without spinning on rows held elsewhere.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
}

/// Takes and starts the due rows this instance has room for; returns how many it started.
async fn run_due(state: &Arc<AppState>, slots: &Arc<Semaphore>) -> usize {
    let free = slots.available_permits();
    if free == 0 {
        return 0;
    }
    let now = now();
    let limit = i64::try_from(free).unwrap_or(1);
    let due = match state.read(move |conn| Ok(db::outbox::due(conn, now, limit)?)).await {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!(error = %err, "outbox: cannot read due deliveries");
            return 0;
        }
    };
    let mut started = 0;
    let lease = state.config.outbox_lease();
    for row in due {
        let Ok(permit) = slots.clone().try_acquire_owned() else { break };
        let owner = state.instance_id().to_owned();
        let seq = row.seq;
        let until = now + millis(lease);
        let claimed = state
            .write(Key::Outbox(seq), move |conn: &mut DbConn| {
                db::outbox::claim(conn, seq, &owner, now, until)
            })
            .await;
        match claimed {
            Ok(true) => {}
            Ok(false) => continue,
            Err(err) => {
                tracing::warn!(error = %err, "outbox: cannot take a delivery");
                continue;
            }
        }
        started += 1;
        let state = state.clone();
        actix_web::rt::spawn(async move {
            deliver(&state, row).await;
            drop(permit);
            state.outbox.wake();
        });
    }
    started
}

/// Makes one attempt of `row` and settles it.
async fn deliver(state: &Arc<AppState>, row: DeliveryRow) {
    let Some(channel) = Channel::parse(&row.channel) else {
        settle(state, &row, Outcome::Final(format!("unknown channel {:?}", row.channel))).await;
        return;
    };
    let settings = match state.settings().await {
        Ok(settings) => settings,
        Err(err) => {
            settle(state, &row, Outcome::Retry(format!("cannot read the settings: {err}"))).await;
            return;
        }
    };
    // Cut off well before the lease ends, so the row is never sent twice at once.
    let cutoff = state.config.outbox_lease() / 2;
    let outcome = match channel {
        Channel::Webhook => {
            let timeout = http_timeout(&settings).min(cutoff);
            crate::webhooks::send(&state.webhook_client, &settings, &row, timeout).await
        }
        Channel::Mail => {
            let timeout = state.config.smtp_timeout().min(cutoff);
            match tokio::time::timeout(timeout, state.mailer.send(&row)).await {
                Ok(outcome) => outcome,
                Err(_) => Outcome::Retry(format!("SMTP took longer than {timeout:?}")),
            }
        }
    };
    settle(state, &row, outcome).await;
}

/// `Livechat_http_timeout`.
fn http_timeout(settings: &Values) -> Duration {
    Duration::from_millis(u64::try_from(settings.int(registry::HTTP_TIMEOUT)).unwrap_or(5000))
}

/// Records how an attempt of `row` ended.
async fn settle(state: &Arc<AppState>, row: &DeliveryRow, outcome: Outcome) {
    let now = now();
    let channel = Channel::parse(&row.channel).unwrap_or(Channel::Webhook);
    let (base, lifetime) = match channel {
        Channel::Webhook => (WEBHOOK_BASE, WEBHOOK_FOR),
        Channel::Mail => (MAIL_BASE, MAIL_FOR),
    };
    let base = state.config.outbox_retry_base_ms.map_or(base, Duration::from_millis);
    let outcome = match outcome {
        Outcome::Retry(error) => {
            let next = now + millis(retry_delay(base, row.attempts));
            if next > row.created_at + millis(lifetime) {
                Outcome::Final(format!("gave up after {} attempts: {error}", row.attempts + 1))
            } else {
                Outcome::Retry(error)
            }
        }
        other => other,
    };
    let seq = row.seq;
    let written = match &outcome {
        Outcome::Delivered => {
            state
                .write(Key::Outbox(seq), move |conn: &mut DbConn| db::outbox::delivered(conn, seq))
                .await
        }
        Outcome::Retry(error) => {
            let (next, error) = (now + millis(retry_delay(base, row.attempts)), bounded(error));
            tracing::info!(
                delivery = %row.id, channel = %row.channel, event = %row.event,
                attempt = row.attempts + 1, error = %error, "outbox: delivery failed, will retry"
            );
            state
                .write(Key::Outbox(seq), move |conn: &mut DbConn| {
                    db::outbox::attempt_failed(conn, seq, Failure::RetryAt(next), &error)
                })
                .await
        }
        Outcome::Final(error) => {
            let error = bounded(error);
            tracing::warn!(
                delivery = %row.id, channel = %row.channel, event = %row.event,
                attempts = row.attempts + 1, error = %error, "outbox: delivery failed for good"
            );
            state
                .write(Key::Outbox(seq), move |conn: &mut DbConn| {
                    db::outbox::attempt_failed(conn, seq, Failure::FinalAt(now), &error)
                })
                .await
        }
    };
    match written {
        Ok(()) => state.metrics.outbox_settled(channel.as_str(), &outcome),
        // The lease runs out and the row is tried again: at least once.
        Err(err) => tracing::warn!(error = %err, delivery = %row.id, "outbox: cannot record"),
    }
}

/// The error text kept on a row: at most 1000 characters.
fn bounded(error: &str) -> String {
    error.chars().take(1000).collect()
}

/// The pause after failed attempt number `attempts + 1`: `base` doubled per earlier failure,
/// at most an hour, within 20 % either way.
pub fn retry_delay(base: Duration, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.clamp(0, 30)).unwrap_or(30);
    let delay = base.saturating_mul(1u32 << doublings.min(20)).min(MAX_DELAY);
    let jitter = rand::thread_rng().gen_range(0.8..=1.2);
    delay.mul_f64(jitter)
}

/// Reads the backlog into the metrics.
async fn read_backlog(state: &Arc<AppState>) {
    match state.read(|conn| Ok(db::outbox::backlog(conn)?)).await {
        Ok(rows) => state.metrics.outbox_backlog(&rows, now()),
        Err(err) => tracing::debug!(error = %err, "outbox: cannot read the backlog"),
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Milliseconds since the epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_jitter_and_stop_at_an_hour() {
        let base = Duration::from_secs(10);
        for (attempts, expected) in [(0, 10.0), (1, 20.0), (2, 40.0), (5, 320.0)] {
            for _ in 0..50 {
                let delay = retry_delay(base, attempts).as_secs_f64();
                assert!(
                    delay >= expected * 0.8 - 1e-9 && delay <= expected * 1.2 + 1e-9,
                    "{delay}"
                );
            }
        }
        for attempts in [9, 30, 1000, -1] {
            assert!(retry_delay(base, attempts) <= MAX_DELAY.mul_f64(1.2));
        }
        assert!(retry_delay(base, -1) >= Duration::from_secs(8));
    }
}
