//! The `outbox` table: e-mails and webhooks waiting to be delivered ([`crate::outbox`]).
//!
//! A row is inserted by the write that caused it (it locks nothing: a new row). Claiming
//! and settling a delivery touch that one row only (key [`super::Key::Outbox`]).

use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::schema::outbox;
use super::{DbConn, Result};

/// What a row delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// An HTTP POST to `Livechat_webhookUrl`.
    Webhook,
    /// An e-mail over SMTP.
    Mail,
}

impl Channel {
    /// Its name in the table and in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Mail => "mail",
        }
    }

    /// The channel named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "webhook" => Some(Self::Webhook),
            "mail" => Some(Self::Mail),
            _ => None,
        }
    }
}

/// A new delivery.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewDelivery {
    /// The delivery id (`X-Livechat-Delivery`, the e-mail's `Message-ID`).
    pub id: String,
    /// `webhook` or `mail`.
    pub channel: String,
    /// The webhook's `type`, or the kind of e-mail (`transcript`, `offline`).
    pub event: String,
    /// The room whose webhooks go in order, one at a time.
    pub room_id: Option<String>,
    /// What is sent, frozen: the webhook's JSON body, or the e-mail as JSON.
    pub body: String,
    pub created_at: i64,
    pub next_attempt_at: i64,
}

/// A delivery as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct DeliveryRow {
    pub seq: i64,
    pub id: String,
    pub channel: String,
    pub event: String,
    pub room_id: Option<String>,
    pub body: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

/// Stores a new delivery, in the caller's transaction. For a room's webhooks, call it after
/// the room's row is locked, so that `seq` follows the order in which they commit.
pub fn insert(conn: &mut DbConn, row: &NewDelivery) -> Result<()> {
    diesel::insert_into(outbox::table).values(row).execute(conn)?;
    Ok(())
}

/// Up to `limit` deliveries that may start at `now`: not failed, due, not held by a live
/// lease, and each the earliest unsettled one of its room. Oldest first.
pub fn due(conn: &mut DbConn, now: i64, limit: i64) -> Result<Vec<DeliveryRow>> {
    let earlier = diesel::alias!(outbox as earlier);
    let waits_for_earlier = exists(
        earlier
            .filter(earlier.field(outbox::room_id).eq(outbox::room_id))
            .filter(earlier.field(outbox::seq).lt(outbox::seq))
            .filter(earlier.field(outbox::failed_at).is_null()),
    );
    outbox::table
        .filter(outbox::failed_at.is_null())
        .filter(outbox::next_attempt_at.le(now))
        .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now)))
        .filter(not(waits_for_earlier))
        .order(outbox::seq)
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// Takes delivery `seq` for `owner` until `until`, unless it is settled or someone else
/// holds a live lease on it. Returns whether it was taken.
pub fn claim(conn: &mut DbConn, seq: i64, owner: &str, now: i64, until: i64) -> Result<bool> {
    let taken = diesel::update(
        outbox::table
            .find(seq)
            .filter(outbox::failed_at.is_null())
            .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now))),
    )
    .set((outbox::lease_owner.eq(owner), outbox::lease_until.eq(until)))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Delivery `seq` went through: it is deleted.
pub fn delivered(conn: &mut DbConn, seq: i64) -> Result<()> {
    diesel::delete(outbox::table.find(seq)).execute(conn)?;
    Ok(())
}

/// What a failed attempt leaves: a row tried again at a time, or one given up on at a time.
#[derive(Clone, Copy, Debug)]
pub enum Failure {
    /// Tried again at this time, by any instance.
    RetryAt(i64),
    /// Given up on at this time: kept, with its error, and never tried again.
    FinalAt(i64),
}

/// Attempt `attempts + 1` of delivery `seq` failed with `error`: its lease ends, and it is
/// rescheduled or given up on as `failure` says.
pub fn attempt_failed(conn: &mut DbConn, seq: i64, failure: Failure, error: &str) -> Result<()> {
    // A row given up on is never due again; its time says when that was.
    let (next, failed_at) = match failure {
        Failure::RetryAt(next) => (next, None),
        Failure::FinalAt(at) => (at, Some(at)),
    };
    diesel::update(outbox::table.find(seq).filter(outbox::failed_at.is_null()))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(next),
            outbox::lease_owner.eq(None::<String>),
            outbox::lease_until.eq(None::<i64>),
            outbox::failed_at.eq(failed_at),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ends every lease (an instance on SQLite at start-up: it is the only one, so a lease can
/// only be its own predecessor's). Returns how many there were.
pub fn release_all(conn: &mut DbConn) -> Result<usize> {
    diesel::update(outbox::table.filter(outbox::lease_until.is_not_null()))
        .set((outbox::lease_owner.eq(None::<String>), outbox::lease_until.eq(None::<i64>)))
        .execute(conn)
        .map_err(Into::into)
}

/// Per channel: how many deliveries are not settled, and when the oldest was written.
pub fn backlog(conn: &mut DbConn) -> Result<Vec<(String, i64, Option<i64>)>> {
    outbox::table
        .filter(outbox::failed_at.is_null())
        .group_by(outbox::channel)
        .select((outbox::channel, diesel::dsl::count_star(), diesel::dsl::min(outbox::created_at)))
        .load(conn)
        .map_err(Into::into)
}

/// The delivery `id`, settled by failure or not yet settled (a delivered one is gone).
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<DeliveryRow>> {
    outbox::table
        .filter(outbox::id.eq(id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}
