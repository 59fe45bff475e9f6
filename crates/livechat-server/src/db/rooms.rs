//! The `rooms` table.

use diesel::prelude::*;

use super::models::RoomRow;
use super::schema::rooms;
use super::DbConn;

/// Room `id` if it belongs to `visitor_id` (open or closed). "Not yours" and "does not
/// exist" are the same answer.
pub fn find_of_visitor(
    conn: &mut DbConn,
    id: &str,
    visitor_id: &str,
) -> QueryResult<Option<RoomRow>> {
    rooms::table
        .find(id)
        .filter(rooms::visitor_id.eq(visitor_id))
        .select(RoomRow::as_select())
        .first(conn)
        .optional()
}

/// Like [`find_of_visitor`], and locks the row until the transaction ends (PostgreSQL;
/// SQLite transactions hold the whole database already).
pub fn lock_of_visitor(
    conn: &mut DbConn,
    id: &str,
    visitor_id: &str,
) -> QueryResult<Option<RoomRow>> {
    match conn {
        DbConn::Postgres(pg) => rooms::table
            .find(id)
            .filter(rooms::visitor_id.eq(visitor_id))
            .select(RoomRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConn::Sqlite(_) => find_of_visitor(conn, id, visitor_id),
    }
}

/// The visitor's open room, if any.
pub fn find_open_of_visitor(conn: &mut DbConn, visitor_id: &str) -> QueryResult<Option<RoomRow>> {
    rooms::table
        .filter(rooms::visitor_id.eq(visitor_id))
        .filter(rooms::open.eq(true))
        .select(RoomRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a new room.
pub fn insert(conn: &mut DbConn, row: &RoomRow) -> QueryResult<()> {
    diesel::insert_into(rooms::table).values(row).execute(conn).map(drop)
}

/// Records a message stored at `ts`: the room's last `ts`, last message time and count.
pub fn record_message(conn: &mut DbConn, id: &str, ts: i64, counts: bool) -> QueryResult<()> {
    diesel::update(rooms::table.find(id))
        .set((
            rooms::last_ts.eq(ts),
            rooms::last_message_at.eq(ts),
            rooms::msgs.eq(rooms::msgs + i64::from(counts)),
            rooms::updated_at.eq(ts),
        ))
        .execute(conn)
        .map(drop)
}

/// Who closed a room.
pub struct Closing<'a> {
    /// When.
    pub at: i64,
    /// The closer's id.
    pub by_id: &'a str,
    /// The closer's username.
    pub by_username: &'a str,
    /// `visitor` or `user`.
    pub closer: &'a str,
}

/// Closes a room.
pub fn close(conn: &mut DbConn, id: &str, closing: &Closing<'_>) -> QueryResult<()> {
    diesel::update(rooms::table.find(id))
        .set((
            rooms::open.eq(false),
            rooms::closed_at.eq(closing.at),
            rooms::closed_by_id.eq(closing.by_id),
            rooms::closed_by_username.eq(closing.by_username),
            rooms::closer.eq(closing.closer),
            rooms::updated_at.eq(closing.at),
        ))
        .execute(conn)
        .map(drop)
}

/// The `ts` for the next message of `room`: now, or 1 ms after the room's last one, so `ts`
/// is strictly increasing within the room.
pub fn next_ts(room: &RoomRow, now: i64) -> i64 {
    now.max(room.last_ts + 1)
}
