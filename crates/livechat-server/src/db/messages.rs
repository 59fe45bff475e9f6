//! The `messages` table.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use super::models::MessageRow;
use super::schema::messages;
use super::DbConn;

/// The message with this id, deleted or not.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<MessageRow>> {
    let find = FindById { id };
    match conn {
        DbConn::Sqlite(sqlite) => find.get_result(sqlite),
        DbConn::Postgres(pg) => find.get_result(pg),
    }
    .optional()
}

/// The columns of a [`MessageRow`], in its order.
const COLUMNS: &str = "id, rid, msg, ts, updated_at, author_id, author_username, author_name, \
     visitor_id, alias, kind, edited_at, edited_by_id, edited_by_username, deleted";

type MessageColumns = (
    Text,
    Text,
    Text,
    BigInt,
    BigInt,
    Text,
    Text,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<BigInt>,
    Nullable<Text>,
    Nullable<Text>,
    Bool,
);

/// [`find`]'s SELECT.
struct FindById<'a> {
    id: &'a str,
}

impl diesel::query_builder::Query for FindById<'_> {
    type SqlType = MessageColumns;
}

fixed_statement!(FindById, |this, out, _pg| {
    out.push_sql("SELECT ");
    out.push_sql(COLUMNS);
    out.push_sql(" FROM messages WHERE id = ");
    out.push_bind_param::<Text, _>(&this.id)?;
});

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

/// Stores a message unless its id is taken (also by a concurrent instance): the insert
/// skips a taken id instead of failing, so the surrounding transaction goes on. `Err`
/// carries the message that holds the id (`None` if it vanished meanwhile).
pub fn insert_unless_taken(
    conn: &mut DbConn,
    row: &MessageRow,
) -> QueryResult<Result<(), Option<MessageRow>>> {
    if insert_new(conn, row)? {
        Ok(Ok(()))
    } else {
        Ok(Err(find(conn, &row.id)?))
    }
}

/// [`insert_unless_taken`]'s INSERT.
struct InsertUnlessTaken<'a> {
    row: &'a MessageRow,
}

fixed_statement!(InsertUnlessTaken, |this, out, _pg| {
    let row = this.row;
    out.push_sql(
        "INSERT INTO messages (id, rid, msg, ts, updated_at, author_id, author_username, \
         author_name, visitor_id, alias, kind, edited_at, edited_by_id, edited_by_username, \
         deleted) VALUES (",
    );
    out.push_bind_param::<Text, _>(&row.id)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(&row.rid)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(&row.msg)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&row.ts)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&row.updated_at)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(&row.author_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(&row.author_username)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&row.author_name)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&row.visitor_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&row.alias)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&row.kind)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<BigInt>, _>(&row.edited_at)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&row.edited_by_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&row.edited_by_username)?;
    out.push_sql(", ");
    out.push_bind_param::<Bool, _>(&row.deleted)?;
    out.push_sql(") ON CONFLICT (id) DO NOTHING");
});

/// The visitor with a token and, if it is theirs, a room, as far as a send needs them.
#[derive(Debug)]
pub struct Sender {
    /// The visitor's id.
    pub visitor_id: String,
    /// The visitor's username.
    pub username: String,
    /// The visitor's name.
    pub name: Option<String>,
    /// Whether the room is open; `None` when it is not this visitor's (or does not exist).
    pub open: Option<bool>,
    /// The room's last message `ts`.
    pub last_ts: Option<i64>,
}

type SenderColumns = (Text, Text, Nullable<Text>, Nullable<Bool>, Nullable<BigInt>);
type SenderTuple = (String, String, Option<String>, Option<bool>, Option<i64>);

impl From<SenderTuple> for Sender {
    fn from((visitor_id, username, name, open, last_ts): SenderTuple) -> Self {
        Self { visitor_id, username, name, open, last_ts }
    }
}

/// The visitor with `token` and its room `rid`, in one lookup: `None` when no visitor has
/// the token. Takes no lock (a read, or a send on SQLite, whose transaction holds the
/// database).
pub fn sender(conn: &mut DbConn, token: &str, rid: &str) -> QueryResult<Option<Sender>> {
    let lookup = SenderLookup { token, rid };
    match conn {
        DbConn::Sqlite(sqlite) => lookup.get_result::<SenderTuple>(sqlite),
        DbConn::Postgres(pg) => lookup.get_result::<SenderTuple>(pg),
    }
    .optional()
    .map(|found| found.map(Sender::from))
}

/// [`sender`]'s SELECT.
struct SenderLookup<'a> {
    token: &'a str,
    rid: &'a str,
}

impl diesel::query_builder::Query for SenderLookup<'_> {
    type SqlType = SenderColumns;
}

fixed_statement!(SenderLookup, |this, out, _pg| {
    out.push_sql(
        "SELECT v.id, v.username, v.name, r.open, r.last_ts FROM visitors v \
         LEFT JOIN rooms r ON r.id = ",
    );
    out.push_bind_param::<Text, _>(&this.rid)?;
    out.push_sql(" AND r.visitor_id = v.id WHERE v.token = ");
    out.push_bind_param::<Text, _>(&this.token)?;
});

/// A visitor's message to store: what the client sent, checked as far as it can be
/// without the database.
pub struct NewMessage<'a> {
    /// The visitor's token.
    pub token: &'a str,
    /// The room.
    pub rid: &'a str,
    /// The message id (the client's, or a fresh one).
    pub id: &'a str,
    /// The text.
    pub text: &'a str,
    /// The time now; the message gets it, or 1 ms after the room's last message.
    pub now: i64,
    /// Whether the text is short enough.
    pub fits: bool,
}

/// Why [`send`] stored nothing.
#[derive(Debug)]
pub enum NotStored {
    /// The room is closed or not the visitor's, the text too long, or the id taken; the
    /// caller tells which.
    Refused(Sender),
    /// No visitor has this token.
    NoVisitor,
}

/// Stores a visitor's message when the token, the room (open, the visitor's) and the text
/// allow it and the id is free, and records it in the room. On PostgreSQL this is one
/// statement (one round trip) that locks the room row; on SQLite the transaction holds the
/// database. Nothing is changed unless it returns `Ok(Ok(_))`; a database error may come
/// after a change.
pub fn send(
    conn: &mut DbConn,
    send: &NewMessage<'_>,
) -> QueryResult<Result<MessageRow, NotStored>> {
    match conn {
        DbConn::Postgres(pg) => {
            let found = SendPg { send }.get_result::<(SenderTuple, Option<i64>)>(pg).optional()?;
            Ok(match found {
                None => Err(NotStored::NoVisitor),
                Some((sender, Some(ts))) => {
                    let sender = Sender::from(sender);
                    Ok(MessageRow::from_sender(send.id, send.rid, &sender, send.text, ts))
                }
                Some((sender, None)) => Err(NotStored::Refused(sender.into())),
            })
        }
        DbConn::Sqlite(_) => {
            let Some(sender) = self::sender(conn, send.token, send.rid)? else {
                return Ok(Err(NotStored::NoVisitor));
            };
            let (Some(true), Some(last_ts), true) = (sender.open, sender.last_ts, send.fits) else {
                return Ok(Err(NotStored::Refused(sender)));
            };
            let ts = super::rooms::next_ts_after(last_ts, send.now);
            let row = MessageRow::from_sender(send.id, send.rid, &sender, send.text, ts);
            if insert_new(conn, &row)? {
                super::rooms::record_message(conn, send.rid, ts, true)?;
                Ok(Ok(row))
            } else {
                Ok(Err(NotStored::Refused(sender)))
            }
        }
    }
}

/// Inserts `row` unless its id is taken; whether it did.
fn insert_new(conn: &mut DbConn, row: &MessageRow) -> QueryResult<bool> {
    let insert = InsertUnlessTaken { row };
    let inserted = match conn {
        DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
        DbConn::Postgres(pg) => insert.execute(pg)?,
    };
    Ok(inserted == 1)
}

/// [`send`] on PostgreSQL: the lookups, the room lock, the insert and the room's update in
/// one statement. The room row is locked (`FOR UPDATE`) before its `last_ts` is read, so
/// `ts` stays strictly increasing whatever other instances do.
struct SendPg<'a> {
    send: &'a NewMessage<'a>,
}

impl diesel::query_builder::Query for SendPg<'_> {
    type SqlType = (SenderColumns, Nullable<BigInt>);
}

fixed_statement!(SendPg, |this, out, _pg| {
    let send = this.send;
    out.push_sql("WITH v AS (SELECT id, username, name FROM visitors WHERE token = ");
    out.push_bind_param::<Text, _>(&send.token)?;
    out.push_sql(
        "), r AS (SELECT rooms.id, rooms.open, rooms.last_ts FROM rooms JOIN v \
         ON rooms.visitor_id = v.id WHERE rooms.id = ",
    );
    out.push_bind_param::<Text, _>(&send.rid)?;
    out.push_sql(" FOR UPDATE OF rooms), t AS (SELECT GREATEST(");
    out.push_bind_param::<BigInt, _>(&send.now)?;
    out.push_sql(", r.last_ts + 1) AS ts FROM r WHERE r.open AND ");
    out.push_bind_param::<Bool, _>(&send.fits)?;
    out.push_sql(
        "), ins AS (INSERT INTO messages (id, rid, msg, ts, updated_at, author_id, \
         author_username, author_name, visitor_id, deleted) SELECT ",
    );
    out.push_bind_param::<Text, _>(&send.id)?;
    out.push_sql(", r.id, ");
    out.push_bind_param::<Text, _>(&send.text)?;
    out.push_sql(
        ", t.ts, t.ts, v.id, v.username, COALESCE(v.name, v.username), v.id, FALSE \
         FROM r, v, t WHERE TRUE ON CONFLICT (id) DO NOTHING RETURNING rid, ts), \
         upd AS (UPDATE rooms SET last_ts = ins.ts, last_message_at = ins.ts, \
         updated_at = ins.ts, msgs = rooms.msgs + 1 FROM ins WHERE rooms.id = ins.rid) \
         SELECT v.id, v.username, v.name, r.open, r.last_ts, (SELECT ts FROM ins) \
         FROM v LEFT JOIN r ON TRUE",
    );
});

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
    // One fixed statement (no `end` is an end after every message), prepared once per
    // connection: history is a hot read.
    let page = History { rid, end: end.unwrap_or(i64::MAX), offset, limit };
    match conn {
        DbConn::Sqlite(sqlite) => page.load(sqlite),
        DbConn::Postgres(pg) => page.load(pg),
    }
}

/// [`history`] for the visitor with `token`: the page in one statement that also checks
/// that the room is that visitor's. An empty page is also the answer when it is not (or
/// the token is unknown); [`sender`] tells which.
pub fn history_of_visitor(
    conn: &mut DbConn,
    token: &str,
    rid: &str,
    end: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    let page = History { rid, end: end.unwrap_or(i64::MAX), offset, limit };
    let page = HistoryOfVisitor { page: &page, token };
    match conn {
        DbConn::Sqlite(sqlite) => page.load(sqlite),
        DbConn::Postgres(pg) => page.load(pg),
    }
}

/// [`history_of_visitor`]'s SELECT.
struct HistoryOfVisitor<'a> {
    page: &'a History<'a>,
    token: &'a str,
}

impl diesel::query_builder::Query for HistoryOfVisitor<'_> {
    type SqlType = MessageColumns;
}

fixed_statement!(HistoryOfVisitor, |this, out, _pg| {
    let page = this.page;
    out.push_sql("SELECT ");
    out.push_sql(COLUMNS);
    out.push_sql(" FROM messages WHERE rid = ");
    out.push_bind_param::<Text, _>(&page.rid)?;
    out.push_sql(" AND NOT deleted AND ts < ");
    out.push_bind_param::<BigInt, _>(&page.end)?;
    out.push_sql(
        " AND EXISTS (SELECT 1 FROM rooms r JOIN visitors v ON v.id = r.visitor_id \
         WHERE r.id = ",
    );
    out.push_bind_param::<Text, _>(&page.rid)?;
    out.push_sql(" AND v.token = ");
    out.push_bind_param::<Text, _>(&this.token)?;
    out.push_sql(") ORDER BY ts DESC LIMIT (");
    out.push_bind_param::<BigInt, _>(&page.limit)?;
    out.push_sql(" + 0) OFFSET ");
    out.push_bind_param::<BigInt, _>(&page.offset)?;
});

/// [`history`]'s SELECT.
struct History<'a> {
    rid: &'a str,
    end: i64,
    offset: i64,
    limit: i64,
}

impl diesel::query_builder::Query for History<'_> {
    type SqlType = MessageColumns;
}

fixed_statement!(History, |this, out, _pg| {
    out.push_sql("SELECT ");
    out.push_sql(COLUMNS);
    out.push_sql(" FROM messages WHERE rid = ");
    out.push_bind_param::<Text, _>(&this.rid)?;
    out.push_sql(" AND NOT deleted AND ts < ");
    out.push_bind_param::<BigInt, _>(&this.end)?;
    // `? + 0`, not `?`: SQLite compiles a bare bound LIMIT in as a constant and prepares
    // the statement again whenever it is bound.
    out.push_sql(" ORDER BY ts DESC LIMIT (");
    out.push_bind_param::<BigInt, _>(&this.limit)?;
    out.push_sql(" + 0) OFFSET ");
    out.push_bind_param::<BigInt, _>(&this.offset)?;
});
