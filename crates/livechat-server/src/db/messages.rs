//! The `messages` table.

use diesel::prelude::*;

use super::models::MessageRow;
use super::schema::messages;
use super::DbConn;

/// The message with this id, deleted or not.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<MessageRow>> {
    messages::table.find(id).select(MessageRow::as_select()).first(conn).optional()
}

/// The message `id` of room `rid`, unless deleted.
pub fn find_in_room(conn: &mut DbConn, id: &str, rid: &str) -> QueryResult<Option<MessageRow>> {
    messages::table
        .find(id)
        .filter(messages::rid.eq(rid))
        .filter(messages::deleted.eq(false))
        .select(MessageRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a message.
pub fn insert(conn: &mut DbConn, row: &MessageRow) -> QueryResult<()> {
    diesel::insert_into(messages::table).values(row).execute(conn).map(drop)
}

/// Stores a message unless its id is taken, in a savepoint of its own, so that a unique
/// violation (the same id stored concurrently through another instance) does not abort
/// the surrounding transaction. `Err` carries the message that holds the id (`None` if it
/// vanished meanwhile).
pub fn insert_unless_taken(
    conn: &mut DbConn,
    row: &MessageRow,
) -> QueryResult<Result<(), Option<MessageRow>>> {
    use diesel::Connection as _;
    match conn.transaction(|conn| insert(conn, row)) {
        Ok(()) => Ok(Ok(())),
        Err(err) if super::is_unique_violation(&err) => Ok(Err(find(conn, &row.id)?)),
        Err(err) => Err(err),
    }
}

/// Replaces a message's text and records the edit.
pub fn edit(conn: &mut DbConn, id: &str, text: &str, at: i64, by: (&str, &str)) -> QueryResult<()> {
    diesel::update(messages::table.find(id))
        .set((
            messages::msg.eq(text),
            messages::edited_at.eq(at),
            messages::edited_by_id.eq(by.0),
            messages::edited_by_username.eq(by.1),
            messages::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Deletes a message: its text is erased, its id stays taken.
pub fn mark_deleted(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<()> {
    diesel::update(messages::table.find(id))
        .set((messages::msg.eq(""), messages::deleted.eq(true), messages::updated_at.eq(at)))
        .execute(conn)
        .map(drop)
}

/// A page of room `rid`, newest first: messages sent strictly before `end`, skipping
/// `offset`, at most `limit`.
pub fn history(
    conn: &mut DbConn,
    rid: &str,
    end: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    // Two fixed query shapes rather than a boxed one: diesel caches their prepared
    // statements, and history is a hot read.
    let room = messages::table.filter(messages::rid.eq(rid)).filter(messages::deleted.eq(false));
    match end {
        Some(end) => room
            .filter(messages::ts.lt(end))
            .select(MessageRow::as_select())
            .order(messages::ts.desc())
            .limit(limit)
            .offset(offset)
            .load(conn),
        None => room
            .select(MessageRow::as_select())
            .order(messages::ts.desc())
            .limit(limit)
            .offset(offset)
            .load(conn),
    }
}
