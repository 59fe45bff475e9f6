//! The `messages` table, and [`store`]: the one function that stores a message.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use super::models::MessageRow;
use super::schema::messages;
use super::users::UserRow;
use super::{DbConn, Error, Ran, Result, Write};

/// The message with this id, deleted or not.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<MessageRow>> {
    let find = FindById { id };
    Ok(match conn {
        DbConn::Sqlite(sqlite) => find.get_result(sqlite),
        DbConn::Postgres(pg) => find.get_result(pg),
    }
    .optional()?)
}

/// `SELECT <every column of messages> FROM messages`, the column list from the schema, so
/// the fixed statements below and diesel's derives read the same row.
fn select_messages<DB: diesel::backend::Backend>(
    out: &mut diesel::query_builder::AstPass<'_, '_, DB>,
) -> diesel::QueryResult<()>
where
    <messages::table as Table>::AllColumns: diesel::query_builder::QueryFragment<DB>,
{
    use diesel::query_builder::QueryFragment as _;
    out.push_sql("SELECT ");
    messages::all_columns.walk_ast(out.reborrow())?;
    out.push_sql(" FROM messages");
    Ok(())
}

/// [`find`]'s SELECT.
struct FindById<'a> {
    id: &'a str,
}

impl diesel::query_builder::Query for FindById<'_> {
    type SqlType = messages::SqlType;
}

fixed_statement!(FindById, |this, out, _pg| {
    select_messages(&mut out)?;
    out.push_sql(" WHERE id = ");
    out.push_bind_param::<Text, _>(&this.id)?;
});

/// The message `id` of room `rid`, unless deleted.
pub fn find_in_room(conn: &mut DbConn, id: &str, rid: &str) -> Result<Option<MessageRow>> {
    Ok(messages::table
        .find(id)
        .filter(messages::rid.eq(rid))
        .filter(messages::deleted.eq(false))
        .select(MessageRow::as_select())
        .first(conn)
        .optional()?)
}

/// Who writes a message, and what they must prove to write into the room.
#[derive(Clone, Debug)]
pub enum Author {
    /// A visitor, by token: the room must be this visitor's.
    Visitor {
        /// The visitor's token.
        token: String,
    },
    /// An agent: the room must be one it may act in. With `placeholders`, `{{contact.name}}`
    /// and the like in the text are filled in ([`super::placeholders`]).
    Agent {
        /// The agent.
        user: UserRow,
        /// Whether placeholders are filled in (`Canned_Responses_Enable`).
        placeholders: bool,
    },
    /// The server, recording what happened to the room (`kind`: `livechat-started`, `uj`,
    /// `livechat-close`...), in the name of the visitor or user it happened through. The
    /// room may be closed; the text has no length limit.
    System {
        /// The message type (`t` on the wire).
        kind: &'static str,
        /// `(id, username, name)` of the one it is attributed to.
        by: (String, String, String),
        /// What it carries beside its text, as JSON (a transfer's `transferData`).
        data: Option<String>,
    },
}

/// A message to store.
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// Its author.
    pub author: Author,
    /// The room.
    pub rid: String,
    /// The id the client chose (retry-safe), or `None` for a fresh one.
    pub id: Option<String>,
    /// The text.
    pub text: String,
    /// The time now; the message gets it, or 1 ms after the room's last message.
    pub now: i64,
    /// The longest text allowed, in characters.
    pub max_chars: usize,
}

/// Why [`store`] stored nothing, in the SPEC's order of checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No visitor has this token.
    UnknownToken,
    /// The room does not exist or the author may not write into it.
    NoSuchRoom,
    /// The id is taken by another message (or a deleted one).
    IdTaken,
    /// The room is closed.
    RoomClosed,
    /// The text is too long.
    TooLong,
}

/// Stores a message, making the SPEC's checks in the SPEC's order (token, room, a retried
/// `_id`, room open, length) and returning why it refused. A retried `_id` of the same
/// author in the same room returns the stored message unchanged. The message gets a `ts`
/// strictly after the room's last one, and the room records it.
///
/// Locks the room's row (key [`super::Key::Room`]). Every refusal comes before the first
/// change, and each statement applies fully or not at all, so it needs no savepoint of its
/// own; a storage error, though, may come after a change (see [`Store`]).
pub fn store(conn: &mut DbConn, new: &NewMessage) -> Result<Result<MessageRow, Refusal>> {
    Ok(store_fresh(conn, new)?.map(|(row, _)| row))
}

/// [`store`], also saying whether the message is new (`false`: a retry's stored message).
pub fn store_fresh(
    conn: &mut DbConn,
    new: &NewMessage,
) -> Result<Result<(MessageRow, bool), Refusal>> {
    let retried = |outcome: Result<MessageRow, Refusal>| outcome.map(|row| (row, false));
    let fits = new.text.chars().count() <= new.max_chars;
    if let (Author::Visitor { token }, DbConn::Postgres(pg)) = (&new.author, &mut *conn) {
        // One statement, one round trip: the busiest write of the service.
        let id = new.id.clone().unwrap_or_else(crate::ids::random_id);
        let send = SendPg { new, id: &id, token, fits };
        return match send.get_result::<(SenderTuple, Option<i64>)>(pg).optional()? {
            None => Ok(Err(Refusal::UnknownToken)),
            Some((sender, Some(ts))) => {
                Ok(Ok((Written::from(Sender::from(sender)).row(id, new, ts), true)))
            }
            Some((sender, None)) => {
                let sender = Sender::from(sender);
                let open = sender.open;
                Ok(retried(refused(conn, new, &Written::from(sender), open, fits)?))
            }
        };
    }
    let mut filled = None;
    let (written, room) = match &new.author {
        Author::Visitor { token } => {
            let Some(sender) = self::sender(conn, token, &new.rid)? else {
                return Ok(Err(Refusal::UnknownToken));
            };
            let room = sender.open.zip(sender.last_ts);
            (Written::from(sender), room)
        }
        Author::Agent { user, placeholders } => {
            let room = super::rooms::lock(conn, &new.rid)?.filter(|room| user.may_act_in(room));
            if let Some(room) = room.as_ref().filter(|_| *placeholders) {
                // Filled in from the room's visitor as it is now, under the room's lock.
                if let Some(text) = super::placeholders::fill(conn, &new.text, room, user)? {
                    filled = Some(NewMessage { text, ..new.clone() });
                }
            }
            (Written::by_user(user), room.map(|room| (room.open, room.last_ts)))
        }
        Author::System { kind, by, data } => {
            let (id, username, name) = by.clone();
            let name = Some(name);
            let (kind, data) = (Some(*kind), data.clone());
            let written = Written { id, username, name, visitor_id: None, kind, data };
            // What happened to the room is recorded whether or not it is still open.
            let room = super::rooms::lock(conn, &new.rid)?;
            (written, room.map(|room| (true, room.last_ts)))
        }
    };
    let new = filled.as_ref().unwrap_or(new);
    let fits = new.text.chars().count() <= new.max_chars || written.kind.is_some();
    let Some((true, last_ts)) = room.filter(|_| fits) else {
        return Ok(retried(refused(conn, new, &written, room.map(|(open, _)| open), fits)?));
    };
    let ts = super::rooms::next_ts_after(last_ts, new.now);
    let counts = written.kind.is_none();
    let reply = match &new.author {
        Author::Visitor { .. } => super::rooms::Reply::ByVisitor,
        Author::Agent { .. } => super::rooms::Reply::ByUser,
        Author::System { .. } => super::rooms::Reply::Neither,
    };
    let id = new.id.clone().unwrap_or_else(crate::ids::random_id);
    let row = written.clone().row(id, new, ts);
    if !insert_new(conn, &row)? {
        // Taken meanwhile (a retry through another instance): the same checks as before.
        return Ok(retried(refused(conn, new, &written, Some(true), true)?));
    }
    super::rooms::record_message(conn, &new.rid, ts, counts, reply)?;
    Ok(Ok((row, true)))
}

/// Why a message that was not stored was refused, given whether its room is open (`None`:
/// not the author's room) and its text fits: the checks after the room's, in order.
fn refused(
    conn: &mut DbConn,
    new: &NewMessage,
    written: &Written,
    open: Option<bool>,
    fits: bool,
) -> Result<Result<MessageRow, Refusal>> {
    let Some(open) = open else { return Ok(Err(Refusal::NoSuchRoom)) };
    if let Some(id) = &new.id {
        if let Some(stored) = find(conn, id)? {
            // A retry: the stored message if it is this author's in this room, else the id
            // is someone else's (or a deleted message's, whose id stays reserved).
            let same = stored.rid == new.rid
                && stored.kind.is_none()
                && written.kind.is_none()
                && stored.author_id == written.id
                && stored.visitor_id == written.visitor_id
                && !stored.deleted;
            return Ok(if same { Ok(stored) } else { Err(Refusal::IdTaken) });
        }
    }
    Ok(Err(if !open {
        Refusal::RoomClosed
    } else if !fits {
        Refusal::TooLong
    } else {
        // Open, short enough and yet not stored: the id is held by a message that is gone
        // (a visitor removed meanwhile).
        Refusal::IdTaken
    }))
}

/// [`store`] as a write of its own, without a savepoint (see [`store`]): a storage error
/// rolls back the whole batch, whose callers all get [`Error::Unavailable`]. A new message
/// adds its `Message` webhook when the hooks want it, in the same transaction.
pub struct Store(pub NewMessage, pub crate::outbox::Hooks);

impl Write for Store {
    type Output = std::result::Result<MessageRow, Refusal>;
    type Error = Error;

    fn run(self, conn: &mut DbConn) -> Ran<Self::Output, Error> {
        let Self(new, hooks) = self;
        let stored = match store_fresh(conn, &new) {
            Ok(Ok((row, true))) if hooks.any() => message_hook(conn, hooks, &row).map(|()| Ok(row)),
            Ok(outcome) => Ok(outcome.map(|(row, _)| row)),
            Err(err) => Err(err),
        };
        Ran::without_savepoint(stored, true)
    }
}

/// Adds the `Message` webhook of new or edited `row` when `hooks` want it (the room is
/// locked by the caller).
pub fn message_hook(
    conn: &mut DbConn,
    hooks: crate::outbox::Hooks,
    row: &MessageRow,
) -> Result<()> {
    use crate::outbox::Event;
    if row.kind.is_some() {
        return Ok(());
    }
    let event = if row.visitor_id.is_some() { Event::VisitorMessage } else { Event::AgentMessage };
    let kind = livechat_types::webhook::RoomEventKind::Message;
    crate::outbox::hooks::room_event(conn, hooks, event, &row.rid, kind, Some(row))
}

/// What a stored message says of its author.
#[derive(Clone)]
struct Written {
    id: String,
    username: String,
    name: Option<String>,
    visitor_id: Option<String>,
    kind: Option<&'static str>,
    data: Option<String>,
}

impl Written {
    fn by_user(user: &UserRow) -> Self {
        let name = Some(user.name.clone());
        Self {
            id: user.id.clone(),
            username: user.username.clone(),
            name,
            visitor_id: None,
            kind: None,
            data: None,
        }
    }

    /// The row of message `id` of `new`, sent at `ts`.
    fn row(self, id: String, new: &NewMessage, ts: i64) -> MessageRow {
        MessageRow {
            id,
            rid: new.rid.clone(),
            msg: new.text.clone(),
            ts,
            updated_at: ts,
            author_id: self.id,
            author_username: self.username,
            author_name: self.name,
            visitor_id: self.visitor_id,
            alias: None,
            kind: self.kind.map(str::to_owned),
            edited_at: None,
            edited_by_id: None,
            edited_by_username: None,
            deleted: false,
            data: self.data,
        }
    }
}

impl From<Sender> for Written {
    fn from(sender: Sender) -> Self {
        let name = Some(sender.name.unwrap_or_else(|| sender.username.clone()));
        let visitor_id = Some(sender.visitor_id.clone());
        let id = sender.visitor_id;
        Self { id, username: sender.username, name, visitor_id, kind: None, data: None }
    }
}

/// Inserts `row` unless its id is taken (also by a concurrent instance: the insert skips a
/// taken id instead of failing, so the surrounding transaction goes on); whether it did.
fn insert_new(conn: &mut DbConn, row: &MessageRow) -> Result<bool> {
    let insert = InsertUnlessTaken { row };
    let inserted = match conn {
        DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
        DbConn::Postgres(pg) => insert.execute(pg)?,
    };
    Ok(inserted == 1)
}

/// [`insert_new`]'s INSERT, a fixed statement prepared once per connection: the column list
/// from the schema, the values bound in the schema's order (a send is the hottest write, and
/// diesel's own INSERT costs a tenth of a send more in building and binding).
struct InsertUnlessTaken<'a> {
    row: &'a MessageRow,
}

fixed_statement!(InsertUnlessTaken, |this, out, _pg| {
    let row = this.row;
    out.push_sql("INSERT INTO messages (");
    out.push_sql(message_column_names());
    out.push_sql(") VALUES (");
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
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&row.data)?;
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
pub fn sender(conn: &mut DbConn, token: &str, rid: &str) -> Result<Option<Sender>> {
    let lookup = SenderLookup { token, rid };
    let found = match conn {
        DbConn::Sqlite(sqlite) => lookup.get_result::<SenderTuple>(sqlite),
        DbConn::Postgres(pg) => lookup.get_result::<SenderTuple>(pg),
    };
    Ok(found.optional()?.map(Sender::from))
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

/// The names of the columns of `messages`, unqualified, in the schema's order: an INSERT's
/// column list.
fn message_column_names() -> &'static str {
    static NAMES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let shown = diesel::debug_query::<diesel::pg::Pg, _>(&messages::all_columns).to_string();
        // `"messages"."id", ... -- binds: []`
        let qualified = shown.split(" -- ").next().unwrap_or_default();
        qualified.replace("\"messages\".", "")
    })
}

/// A visitor's send on PostgreSQL: the lookups, the room lock, the insert and the room's
/// update in one statement. The room row is locked (`FOR UPDATE`) before its `last_ts` is
/// read, so `ts` stays strictly increasing whatever other instances do. Returns the sender
/// and, when the message was stored, its `ts`.
struct SendPg<'a> {
    new: &'a NewMessage,
    id: &'a str,
    token: &'a str,
    fits: bool,
}

impl diesel::query_builder::Query for SendPg<'_> {
    type SqlType = (SenderColumns, Nullable<BigInt>);
}

fixed_statement!(SendPg, |this, out, _pg| {
    let new = this.new;
    out.push_sql("WITH v AS (SELECT id, username, name FROM visitors WHERE token = ");
    out.push_bind_param::<Text, _>(&this.token)?;
    out.push_sql(
        "), r AS (SELECT rooms.id, rooms.open, rooms.last_ts FROM rooms JOIN v \
         ON rooms.visitor_id = v.id WHERE rooms.id = ",
    );
    out.push_bind_param::<Text, _>(&new.rid)?;
    out.push_sql(" FOR UPDATE OF rooms), t AS (SELECT GREATEST(");
    out.push_bind_param::<BigInt, _>(&new.now)?;
    out.push_sql(", r.last_ts + 1) AS ts FROM r WHERE r.open AND ");
    out.push_bind_param::<Bool, _>(&this.fits)?;
    out.push_sql("), ins AS (INSERT INTO messages (");
    out.push_sql(message_column_names());
    // The values in the schema's column order: id, rid, msg, ts, updated_at, the author
    // (id, username, name), visitor_id, alias, kind, the edit (at, by id, by username),
    // deleted, data.
    out.push_sql(") SELECT ");
    out.push_bind_param::<Text, _>(&this.id)?;
    out.push_sql(", r.id, ");
    out.push_bind_param::<Text, _>(&new.text)?;
    out.push_sql(
        ", t.ts, t.ts, v.id, v.username, COALESCE(v.name, v.username), v.id, NULL, NULL, \
         NULL, NULL, NULL, FALSE, NULL FROM r, v, t WHERE TRUE ON CONFLICT (id) DO NOTHING \
         RETURNING rid, ts), \
         upd AS (UPDATE rooms SET last_ts = ins.ts, last_message_at = ins.ts, \
         updated_at = ins.ts, msgs = rooms.msgs + 1, agent_replied_at = NULL \
         FROM ins WHERE rooms.id = ins.rid) \
         SELECT v.id, v.username, v.name, r.open, r.last_ts, (SELECT ts FROM ins) \
         FROM v LEFT JOIN r ON TRUE",
    );
});

/// Replaces a message's text and records the edit.
pub fn edit(conn: &mut DbConn, id: &str, text: &str, at: i64, by: (&str, &str)) -> Result<()> {
    diesel::update(messages::table.find(id))
        .set((
            messages::msg.eq(text),
            messages::edited_at.eq(at),
            messages::edited_by_id.eq(by.0),
            messages::edited_by_username.eq(by.1),
            messages::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a message: its text and the files it carries are erased, its id stays taken.
pub fn mark_deleted(conn: &mut DbConn, id: &str, at: i64) -> Result<()> {
    let data: Option<String> = None;
    diesel::update(messages::table.find(id))
        .set((
            messages::msg.eq(""),
            messages::deleted.eq(true),
            messages::updated_at.eq(at),
            messages::data.eq(data),
        ))
        .execute(conn)?;
    super::files::delete_of_message(conn, id)
}

/// Records what message `id` carries beside its text (its files), as JSON.
pub fn set_data(conn: &mut DbConn, id: &str, data: &str) -> Result<()> {
    diesel::update(messages::table.find(id)).set(messages::data.eq(data)).execute(conn)?;
    Ok(())
}

/// A page of room `rid`, newest first: messages sent strictly before `end`, skipping
/// `offset`, at most `limit`.
pub fn history(
    conn: &mut DbConn,
    rid: &str,
    end: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<Vec<MessageRow>> {
    // One fixed statement (no `end` is an end after every message), prepared once per
    // connection: history is a hot read.
    let page = History { rid, end: end.unwrap_or(i64::MAX), offset, limit };
    Ok(match conn {
        DbConn::Sqlite(sqlite) => page.load(sqlite),
        DbConn::Postgres(pg) => page.load(pg),
    }?)
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
) -> Result<Vec<MessageRow>> {
    let page = History { rid, end: end.unwrap_or(i64::MAX), offset, limit };
    let page = HistoryOfVisitor { page: &page, token };
    Ok(match conn {
        DbConn::Sqlite(sqlite) => page.load(sqlite),
        DbConn::Postgres(pg) => page.load(pg),
    }?)
}

/// [`history_of_visitor`]'s SELECT.
struct HistoryOfVisitor<'a> {
    page: &'a History<'a>,
    token: &'a str,
}

impl diesel::query_builder::Query for HistoryOfVisitor<'_> {
    type SqlType = messages::SqlType;
}

fixed_statement!(HistoryOfVisitor, |this, out, _pg| {
    let page = this.page;
    select_messages(&mut out)?;
    out.push_sql(" WHERE rid = ");
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
    type SqlType = messages::SqlType;
}

fixed_statement!(History, |this, out, _pg| {
    select_messages(&mut out)?;
    out.push_sql(" WHERE rid = ");
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

/// The conversation of room `rid` as webhooks and transcripts carry it: its messages that
/// are not deleted and either not system messages or its `livechat-close` message, the
/// newest `limit` of them, oldest first.
pub fn conversation(conn: &mut DbConn, rid: &str, limit: i64) -> Result<Vec<MessageRow>> {
    let mut rows = messages::table
        .filter(messages::rid.eq(rid))
        .filter(messages::deleted.eq(false))
        .filter(messages::kind.is_null().or(messages::kind.eq("livechat-close")))
        .order(messages::ts.desc())
        .limit(limit)
        .select(MessageRow::as_select())
        .load(conn)?;
    rows.reverse();
    Ok(rows)
}

/// How many messages of system kind `kind` room `rid` holds.
pub fn count_kind(conn: &mut DbConn, rid: &str, kind: &str) -> Result<i64> {
    messages::table
        .filter(messages::rid.eq(rid))
        .filter(messages::kind.eq(kind))
        .count()
        .get_result(conn)
        .map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_insert_column_list_is_the_schemas() {
        let names = message_column_names();
        let listed: Vec<&str> = names.split(", ").collect();
        assert_eq!(listed.len(), 16, "{names}");
        assert_eq!(&listed[..4], ["\"id\"", "\"rid\"", "\"msg\"", "\"ts\""], "{names}");
        assert_eq!(listed.last(), Some(&"\"data\""), "{names}");
        assert!(!names.contains("messages") && !names.contains("--"), "{names}");
    }
}
