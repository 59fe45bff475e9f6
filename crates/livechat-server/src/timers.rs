//! The timers: agents who leave (`Livechat_agent_leave_action`) and abandoned chats
//! (`Livechat_auto_close_abandoned_rooms`).
//!
//! Nothing is kept in memory: every timer is derived from stored times, so a restarted
//! server, or another instance, carries on where this one stopped.
//!
//! - Each instance writes `users.seen_at` for the users logged in on its realtime sockets
//!   (one [`Key::User`] write per user, at most every few seconds, and at the socket's login).
//!   An available agent whose `seen_at` is older than `Livechat_agent_leave_action_timeout`
//!   has had no socket anywhere for that long: the leave action runs, once, in a write that
//!   asks again under the agent's row lock and sets `seen_at` NULL.
//! - `rooms.agent_replied_at` is set by each message of a user and cleared by the visitor's
//!   (in the message's own write). An open, served room whose agent's message has stayed
//!   unanswered for `Livechat_visitor_inactivity_timeout` is closed, in a write of the room
//!   that asks again under its lock, so it closes once whatever instances sweep.
//!
//! - A file stays pending (`files.message_id` NULL) until its message attaches it; one
//!   pending for longer than [`crate::files::PENDING_FOR`] was abandoned and is deleted, one
//!   write per file (any instance may do it; deleting twice deletes nothing).
//!
//! One task per instance sweeps them all; it stops when the server's state is gone.

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::db::{self, DbConn, Key};
use crate::handlers::room::close_room;
use crate::routing::{self, Requeued};
use crate::settings::{registry, Values};
use crate::AppState;

/// The longest pause between two sweeps.
const SWEEP_AT_MOST_EVERY: Duration = Duration::from_secs(1);
/// The bounds of how often this instance writes `seen_at` for its logins: a quarter of the
/// leave timeout, so a connected agent never looks gone.
const REFRESH_BOUNDS: (Duration, Duration) = (Duration::from_millis(200), Duration::from_secs(5));
/// How many abandoned chats one sweep closes at most (the next sweep goes on).
const ABANDONED_BATCH: i64 = 100;

/// Rocket.Chat's text for a chat closed because the visitor went silent
/// (`Omnichannel_chat_closed_due_to_inactivity`), used when
/// `Livechat_abandoned_rooms_closed_custom_message` is empty.
pub fn default_abandoned_comment(guest: &str, timeout_secs: i64) -> String {
    format!(
        "The chat was automatically closed because we haven't received any reply from \
         {guest} in {timeout_secs} seconds"
    )
}

/// Starts this instance's sweeper on the current runtime. It stops once `state` is gone.
pub fn start(state: Weak<AppState>) {
    actix_web::rt::spawn(async move {
        let mut refreshed: Option<Instant> = None;
        let mut pause = SWEEP_AT_MOST_EVERY;
        loop {
            tokio::time::sleep(pause).await;
            let Some(state) = state.upgrade() else { break };
            let settings = match state.settings().await {
                Ok(settings) => settings,
                Err(err) => {
                    tracing::warn!(error = %err, "timers cannot read the settings");
                    continue;
                }
            };
            let timeout_ms = settings.int(registry::AGENT_LEAVE_ACTION_TIMEOUT) * 1000;
            let refresh_every = refresh_period(timeout_ms);
            pause = refresh_every.min(SWEEP_AT_MOST_EVERY);
            if refreshed.map_or(true, |at| at.elapsed() >= refresh_every) {
                refreshed = Some(Instant::now());
                refresh_seen(&state).await;
            }
            if let Err(err) = sweep_leavers(&state, &settings).await {
                tracing::warn!(error = %err, "agent-leave sweep failed; the next one retries");
            }
            if let Err(err) = sweep_abandoned(&state, &settings).await {
                tracing::warn!(error = %err, "abandoned-chat sweep failed; the next one retries");
            }
            if let Err(err) = sweep_pending_files(&state).await {
                tracing::warn!(error = %err, "pending-file sweep failed; the next one retries");
            }
        }
    });
}

/// How many abandoned pending files one sweep deletes at most (the next sweep goes on).
const EXPIRED_FILES_BATCH: i64 = 20;

/// Deletes pending files older than [`crate::files::PENDING_FOR`].
async fn sweep_pending_files(state: &Arc<AppState>) -> Result<(), crate::error::ApiError> {
    let age = i64::try_from(crate::files::PENDING_FOR.as_millis()).unwrap_or(i64::MAX);
    let before = now().saturating_sub(age);
    let expired =
        state.read(move |conn| Ok(db::files::expired(conn, before, EXPIRED_FILES_BATCH)?)).await?;
    for id in expired {
        state
            .write(Key::Fresh, move |conn: &mut DbConn| db::files::delete_pending(conn, &id))
            .await?;
    }
    Ok(())
}

/// How often `seen_at` is written for a leave timeout of `timeout_ms`.
fn refresh_period(timeout_ms: i64) -> Duration {
    let quarter = Duration::from_millis(u64::try_from(timeout_ms / 4).unwrap_or(0));
    quarter.clamp(REFRESH_BOUNDS.0, REFRESH_BOUNDS.1)
}

/// Writes `seen_at` now for every user logged in on this instance's sockets, one write per
/// user (its own key: never one UPDATE over many users' rows, which would take their locks
/// in no particular order).
async fn refresh_seen(state: &Arc<AppState>) {
    let users: BTreeSet<String> =
        state.realtime.hub().logins(None).into_iter().map(|(_, _, user)| user).collect();
    if users.is_empty() {
        return;
    }
    let at = now();
    let writes = users.into_iter().map(|user| {
        let key = Key::User(user.clone());
        state.write(key, move |conn: &mut DbConn| db::users::set_seen(conn, &user, Some(at)))
    });
    for outcome in futures_util::future::join_all(writes).await {
        if let Err(err) = outcome {
            tracing::warn!(error = %err, "cannot record a realtime login as seen");
        }
    }
}

/// Records that user `user_id` logged in on a realtime socket now (the leave timer restarts).
pub async fn seen_now(state: &AppState, user_id: &str) -> db::Result<()> {
    let (user, at) = (user_id.to_owned(), now());
    let key = Key::User(user.clone());
    state.write(key, move |conn: &mut DbConn| db::users::set_seen(conn, &user, Some(at))).await
}

/// What the leave action does to a gone agent's open rooms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LeaveAction {
    Close,
    Forward,
}

/// What the leave action did, to announce once it committed.
struct Left {
    agent_id: String,
    /// Closed rooms with their `livechat-close` message.
    closed: Vec<(String, String)>,
    requeued: Vec<Requeued>,
}

/// Why a leave write stored nothing.
enum Stayed {
    /// The agent no longer qualifies (it came back, or another instance acted first).
    Back,
    Failed(db::Error),
}

impl From<db::Error> for Stayed {
    fn from(err: db::Error) -> Self {
        Self::Failed(err)
    }
}

/// Runs the leave action for every available agent whose socket has been gone for the
/// timeout.
async fn sweep_leavers(state: &Arc<AppState>, settings: &Values) -> db::Result<()> {
    let action = match settings.text(registry::AGENT_LEAVE_ACTION) {
        "close" => LeaveAction::Close,
        "forward" => LeaveAction::Forward,
        // `none`: as in Rocket.Chat, nobody watches.
        _ => return Ok(()),
    };
    let cutoff = now() - settings.int(registry::AGENT_LEAVE_ACTION_TIMEOUT) * 1000;
    let gone = state.db.read(move |conn| db::users::gone_agents(conn, cutoff)).await?;
    let mut requeued_any = false;
    for agent_id in gone {
        let comment = settings.text(registry::AGENT_LEAVE_COMMENT).to_owned();
        let id = agent_id.clone();
        let leave = move |conn: &mut DbConn| leave(conn, &id, cutoff, action, comment);
        // Its rooms, then its row: several keys, in a transaction of its own.
        let left = match state.write(Key::Many, leave).await {
            Ok(left) => left,
            Err(Stayed::Back) => continue,
            Err(Stayed::Failed(err)) => return Err(err),
        };
        tracing::info!(agent = %left.agent_id, ?action, "agent left: leave action ran");
        state.realtime.agent_status_changed(&left.agent_id);
        for (rid, closed_id) in &left.closed {
            state.realtime.message_changed(rid, closed_id);
            state.realtime.room_changed(rid);
        }
        for requeued in &left.requeued {
            state.realtime.room_changed(&requeued.room_id);
            state.realtime.message_changed(&requeued.room_id, &requeued.left_id);
        }
        requeued_any |= !left.requeued.is_empty();
    }
    if requeued_any {
        for assignment in routing::drain_queue(&state.db, settings.max_chats()).await? {
            state.realtime.room_routed(&assignment);
        }
    }
    Ok(())
}

/// The leave action for agent `agent_id`, if it is still an available agent last seen
/// before `cutoff`: its open rooms closed or put back into the queue, then the agent made
/// not available with its timer stopped. Locks those rooms in id order, then the agent's
/// row ([`Key::Many`]); when the agent no longer qualifies under that lock, the write rolls
/// back ([`Stayed::Back`]).
fn leave(
    conn: &mut DbConn,
    agent_id: &str,
    cutoff: i64,
    action: LeaveAction,
    comment: String,
) -> Result<Left, Stayed> {
    let agent = db::users::find(conn, agent_id)?.ok_or(Stayed::Back)?;
    if !db::users::is_gone(&agent, cutoff) {
        return Err(Stayed::Back);
    }
    let mut closed = Vec::new();
    let mut requeued = Vec::new();
    match action {
        LeaveAction::Close => {
            let by = (agent.id.clone(), agent.username.clone(), agent.name.clone());
            let closer = (agent.id.as_str(), agent.username.as_str(), "user");
            for rid in db::rooms::open_of_agent(conn, &agent.id)? {
                let Some(room) = db::rooms::lock(conn, &rid)? else { continue };
                if !room.open || room.served_by_id.as_deref() != Some(agent.id.as_str()) {
                    continue;
                }
                let closed_id = close_room(conn, &room, by.clone(), closer, comment.clone())?;
                closed.push((rid, closed_id));
            }
        }
        LeaveAction::Forward => requeued = routing::requeue_all(conn, &agent, now())?,
    }
    // Asked again under the agent's lock: a socket of it seen meanwhile, or another
    // instance's sweep that acted first, undoes everything above.
    let locked = db::users::lock(conn, agent_id)?;
    if !locked.is_some_and(|agent| db::users::is_gone(&agent, cutoff)) {
        return Err(Stayed::Back);
    }
    db::users::set_left(conn, agent_id)?;
    Ok(Left { agent_id: agent_id.to_owned(), closed, requeued })
}

/// Closes the abandoned chats when `Livechat_auto_close_abandoned_rooms` is on.
async fn sweep_abandoned(state: &Arc<AppState>, settings: &Values) -> db::Result<()> {
    if !settings.flag(registry::AUTO_CLOSE_ABANDONED_ROOMS) {
        return Ok(());
    }
    let timeout_secs = settings.int(registry::VISITOR_INACTIVITY_TIMEOUT);
    let cutoff = now() - timeout_secs * 1000;
    let found =
        state.db.read(move |conn| db::rooms::abandoned(conn, cutoff, ABANDONED_BATCH)).await?;
    let custom = settings.text(registry::ABANDONED_ROOMS_CLOSED_MESSAGE).to_owned();
    let mut closed_any = false;
    for rid in found {
        let (room_id, custom) = (rid.clone(), custom.clone());
        let close =
            move |conn: &mut DbConn| close_abandoned(conn, &room_id, cutoff, &custom, timeout_secs);
        let Some(closed_id) = state.write(Key::Room(rid.clone()), close).await? else {
            continue;
        };
        tracing::info!(room = %rid, "abandoned chat closed");
        state.realtime.message_changed(&rid, &closed_id);
        state.realtime.room_changed(&rid);
        closed_any = true;
    }
    if closed_any && settings.max_chats() > 0 {
        for assignment in routing::drain_queue(&state.db, settings.max_chats()).await? {
            state.realtime.room_routed(&assignment);
        }
    }
    Ok(())
}

/// Closes room `rid` if it is still abandoned at `cutoff` (asked again under its lock, key
/// [`Key::Room`]), as Rocket.Chat does: closer `user`, here its serving agent (Rocket.Chat's
/// bot user, which this server does not have), with `custom` or Rocket.Chat's text as the
/// comment. Returns the `livechat-close` message's id; `None` when it no longer qualifies.
fn close_abandoned(
    conn: &mut DbConn,
    rid: &str,
    cutoff: i64,
    custom: &str,
    timeout_secs: i64,
) -> db::Result<Option<String>> {
    let Some(room) = db::rooms::lock(conn, rid)? else { return Ok(None) };
    if !db::rooms::is_abandoned(&room, cutoff) {
        return Ok(None);
    }
    let (Some(agent_id), Some(agent_username)) =
        (room.served_by_id.clone(), room.served_by_username.clone())
    else {
        return Ok(None);
    };
    let agent_name = db::users::find(conn, &agent_id)?
        .map_or_else(|| agent_username.clone(), |agent| agent.name);
    let comment = if custom.is_empty() {
        let guest = db::visitors::find(conn, &room.visitor_id)?
            .map_or_else(|| room.fname.clone(), |visitor| visitor.display_name().to_owned());
        default_abandoned_comment(&guest, timeout_secs)
    } else {
        custom.to_owned()
    };
    let closer = (agent_id.as_str(), agent_username.as_str(), "user");
    let by = (agent_id.clone(), agent_username.clone(), agent_name);
    Ok(Some(close_room(conn, &room, by, closer, comment)?))
}

fn now() -> i64 {
    livechat_types::Timestamp::now().as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_at_is_written_well_within_the_leave_timeout() {
        assert_eq!(refresh_period(1000), Duration::from_millis(250));
        assert_eq!(refresh_period(60_000), Duration::from_secs(5));
        assert_eq!(refresh_period(0), Duration::from_millis(200));
        assert_eq!(refresh_period(-5), Duration::from_millis(200));
    }

    #[test]
    fn the_default_comment_names_the_guest_and_the_timeout() {
        let text = default_abandoned_comment("Ada", 3600);
        assert!(text.ends_with("from Ada in 3600 seconds"), "{text}");
    }
}
