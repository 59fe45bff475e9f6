//! The `rooms` table.

use diesel::prelude::*;

use super::models::RoomRow;
use super::schema::{room_pages, rooms};
use super::{DbConn, Result};

/// Room `id` if it belongs to `visitor_id` (open or closed). "Not yours" and "does not
/// exist" are the same answer.
pub fn find_of_visitor(conn: &mut DbConn, id: &str, visitor_id: &str) -> Result<Option<RoomRow>> {
    fetch(conn, &RoomBy { key: id, visitor_id: Some(visitor_id), open_of_visitor: false })
}

/// A room by id (of a visitor when `visitor_id` is set), or a visitor's open room: fixed
/// statements without `LIMIT` (the keys are unique), so each is prepared once per
/// connection.
struct RoomBy<'a> {
    key: &'a str,
    visitor_id: Option<&'a str>,
    open_of_visitor: bool,
}

/// [`RoomBy`] by id.
struct RoomById<'a>(&'a RoomBy<'a>);
/// [`RoomBy`] by id and visitor.
struct RoomByIdOfVisitor<'a>(&'a RoomBy<'a>);
/// [`RoomBy`]: a visitor's open room.
struct OpenRoomOfVisitor<'a>(&'a RoomBy<'a>);

fn fetch(conn: &mut DbConn, by: &RoomBy<'_>) -> Result<Option<RoomRow>> {
    macro_rules! run {
        ($statement:expr) => {
            match conn {
                DbConn::Sqlite(sqlite) => $statement.get_result(sqlite),
                DbConn::Postgres(pg) => $statement.get_result(pg),
            }
        };
    }
    let found = match (by.open_of_visitor, by.visitor_id) {
        (true, _) => run!(OpenRoomOfVisitor(by)),
        (false, Some(_)) => run!(RoomByIdOfVisitor(by)),
        (false, None) => run!(RoomById(by)),
    };
    Ok(found.optional()?)
}

/// `SELECT <every column of rooms> FROM rooms`, the column list from the schema.
fn select_rooms<DB: diesel::backend::Backend>(
    out: &mut diesel::query_builder::AstPass<'_, '_, DB>,
) -> diesel::QueryResult<()>
where
    <rooms::table as Table>::AllColumns: diesel::query_builder::QueryFragment<DB>,
{
    use diesel::query_builder::QueryFragment as _;
    out.push_sql("SELECT ");
    rooms::all_columns.walk_ast(out.reborrow())?;
    out.push_sql(" FROM rooms");
    Ok(())
}

type RoomColumns = rooms::SqlType;

impl diesel::query_builder::Query for RoomById<'_> {
    type SqlType = RoomColumns;
}
impl diesel::query_builder::Query for RoomByIdOfVisitor<'_> {
    type SqlType = RoomColumns;
}
impl diesel::query_builder::Query for OpenRoomOfVisitor<'_> {
    type SqlType = RoomColumns;
}

fixed_statement!(RoomById, |this, out, _pg| {
    select_rooms(&mut out)?;
    out.push_sql(" WHERE id = ");
    out.push_bind_param::<diesel::sql_types::Text, _>(&this.0.key)?;
});

fixed_statement!(RoomByIdOfVisitor, |this, out, _pg| {
    select_rooms(&mut out)?;
    out.push_sql(" WHERE id = ");
    out.push_bind_param::<diesel::sql_types::Text, _>(&this.0.key)?;
    out.push_sql(" AND visitor_id = ");
    out.push_bind_param::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(
        &this.0.visitor_id,
    )?;
});

fixed_statement!(OpenRoomOfVisitor, |this, out, _pg| {
    select_rooms(&mut out)?;
    out.push_sql(" WHERE visitor_id = ");
    out.push_bind_param::<diesel::sql_types::Text, _>(&this.0.key)?;
    out.push_sql(" AND open");
});

/// Like [`find_of_visitor`], and locks the row until the transaction ends (PostgreSQL;
/// SQLite transactions hold the whole database already).
pub fn lock_of_visitor(conn: &mut DbConn, id: &str, visitor_id: &str) -> Result<Option<RoomRow>> {
    match conn {
        DbConn::Postgres(pg) => Ok(rooms::table
            .find(id)
            .filter(rooms::visitor_id.eq(visitor_id))
            .select(RoomRow::as_select())
            .for_update()
            .first(pg)
            .optional()?),
        DbConn::Sqlite(_) => find_of_visitor(conn, id, visitor_id),
    }
}

/// The visitor's open room, if any.
pub fn find_open_of_visitor(conn: &mut DbConn, visitor_id: &str) -> Result<Option<RoomRow>> {
    fetch(conn, &RoomBy { key: visitor_id, visitor_id: None, open_of_visitor: true })
}

/// Stores a new room.
pub fn insert(conn: &mut DbConn, row: &RoomRow) -> Result<()> {
    diesel::insert_into(rooms::table).values(row).execute(conn)?;
    Ok(())
}

/// What a message does to the abandoned-chat timer (`rooms.agent_replied_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A user (the agent) wrote: the timer runs from the message.
    ByUser,
    /// The visitor wrote: the timer stops.
    ByVisitor,
    /// A system message: the timer stays as it is.
    Neither,
}

/// Records a message stored at `ts`: the room's last `ts`, last message time and count, and
/// the abandoned-chat timer (`reply`), in one UPDATE.
pub fn record_message(
    conn: &mut DbConn,
    id: &str,
    ts: i64,
    counts: bool,
    reply: Reply,
) -> Result<()> {
    let (sets_reply, replied_at) = match reply {
        Reply::ByUser => (true, Some(ts)),
        Reply::ByVisitor => (true, None),
        Reply::Neither => (false, None),
    };
    let update = RecordMessage { id, ts, counts: i64::from(counts), sets_reply, replied_at };
    match conn {
        DbConn::Sqlite(sqlite) => update.execute(sqlite)?,
        DbConn::Postgres(pg) => update.execute(pg)?,
    };
    Ok(())
}

/// [`record_message`]'s UPDATE.
struct RecordMessage<'a> {
    id: &'a str,
    ts: i64,
    counts: i64,
    /// Whether `agent_replied_at` changes (the SQL stays the same either way).
    sets_reply: bool,
    replied_at: Option<i64>,
}

fixed_statement!(RecordMessage, |this, out, _pg| {
    use diesel::sql_types::{BigInt, Bool, Nullable, Text};
    out.push_sql("UPDATE rooms SET last_ts = ");
    out.push_bind_param::<BigInt, _>(&this.ts)?;
    out.push_sql(", last_message_at = ");
    out.push_bind_param::<BigInt, _>(&this.ts)?;
    out.push_sql(", updated_at = ");
    out.push_bind_param::<BigInt, _>(&this.ts)?;
    out.push_sql(", msgs = msgs + ");
    out.push_bind_param::<BigInt, _>(&this.counts)?;
    out.push_sql(", agent_replied_at = CASE WHEN ");
    out.push_bind_param::<Bool, _>(&this.sets_reply)?;
    out.push_sql(" THEN ");
    out.push_bind_param::<Nullable<BigInt>, _>(&this.replied_at)?;
    out.push_sql(" ELSE agent_replied_at END WHERE id = ");
    out.push_bind_param::<Text, _>(&this.id)?;
});

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

/// Sets a room's tags (a JSON array).
pub fn set_tags(conn: &mut DbConn, id: &str, tags: &str) -> Result<()> {
    diesel::update(rooms::table.find(id)).set(rooms::tags.eq(tags)).execute(conn)?;
    Ok(())
}

/// Closes a room.
pub fn close(conn: &mut DbConn, id: &str, closing: &Closing<'_>) -> Result<()> {
    diesel::update(rooms::table.find(id))
        .set((
            rooms::open.eq(false),
            rooms::closed_at.eq(closing.at),
            rooms::closed_by_id.eq(closing.by_id),
            rooms::closed_by_username.eq(closing.by_username),
            rooms::closer.eq(closing.closer),
            rooms::updated_at.eq(closing.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The `ts` for the next message of a room whose last one has `last_ts`: now, or 1 ms after
/// it, so `ts` is strictly increasing within the room.
pub fn next_ts_after(last_ts: i64, now: i64) -> i64 {
    now.max(last_ts + 1)
}

/// Room `id`, whoever its visitor, locked for a change on PostgreSQL.
pub fn lock(conn: &mut DbConn, id: &str) -> Result<Option<RoomRow>> {
    match conn {
        DbConn::Postgres(pg) => Ok(rooms::table
            .find(id)
            .select(RoomRow::as_select())
            .for_update()
            .first(pg)
            .optional()?),
        DbConn::Sqlite(_) => find(conn, id),
    }
}

/// The rooms of `ids` that exist.
pub fn find_all(conn: &mut DbConn, ids: &[String]) -> Result<Vec<RoomRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    rooms::table
        .filter(rooms::id.eq_any(ids))
        .select(RoomRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// Room `id`, whoever its visitor.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<RoomRow>> {
    fetch(conn, &RoomBy { key: id, visitor_id: None, open_of_visitor: false })
}

/// Gives an unserved room to an agent. Returns false when someone else got it first, so a
/// room is never served by two agents, whatever instance routes it.
pub fn assign(
    conn: &mut DbConn,
    id: &str,
    agent_id: &str,
    agent_username: &str,
    at: i64,
) -> Result<bool> {
    diesel::update(rooms::table.find(id).filter(rooms::served_by_id.is_null()))
        .set((
            rooms::served_by_id.eq(agent_id),
            rooms::served_by_username.eq(agent_username),
            rooms::served_at.eq(at),
            rooms::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|count| count == 1)
        .map_err(Into::into)
}

/// Open rooms nobody serves, longest waiting first.
pub fn queued(conn: &mut DbConn, limit: i64) -> Result<Vec<RoomRow>> {
    rooms::table
        .filter(rooms::open.eq(true))
        .filter(rooms::served_by_id.is_null())
        .order((rooms::queued_at.asc(), rooms::id.asc()))
        .limit(limit)
        .select(RoomRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// The open rooms an agent serves, by id (the order every transaction locks rooms in).
pub fn open_of_agent(conn: &mut DbConn, agent_id: &str) -> Result<Vec<String>> {
    rooms::table
        .filter(rooms::served_by_id.eq(agent_id))
        .filter(rooms::open.eq(true))
        .order(rooms::id.asc())
        .select(rooms::id)
        .load(conn)
        .map_err(Into::into)
}

/// Open, served rooms whose agent's last message, unanswered by the visitor, was sent
/// before `cutoff` (abandoned chats), oldest first, at most `limit`; the partial index
/// `rooms_abandoned` finds them.
pub fn abandoned(conn: &mut DbConn, cutoff: i64, limit: i64) -> Result<Vec<String>> {
    rooms::table
        .filter(rooms::open.eq(true))
        .filter(rooms::agent_replied_at.is_not_null())
        .filter(rooms::agent_replied_at.lt(cutoff))
        .filter(rooms::served_by_id.is_not_null())
        .order((rooms::agent_replied_at.asc(), rooms::id.asc()))
        .limit(limit)
        .select(rooms::id)
        .load(conn)
        .map_err(Into::into)
}

/// Whether `room` is an abandoned chat at `cutoff`: what [`abandoned`] finds, asked again
/// of a locked row.
pub fn is_abandoned(room: &RoomRow, cutoff: i64) -> bool {
    room.open
        && room.served_by_id.is_some()
        && room.agent_replied_at.is_some_and(|replied| replied < cutoff)
}

/// Puts the open rooms an agent serves back into the queue; returns their ids. Locks those
/// rooms: a write of its own ([`super::Key::Many`]), before it touches the agent.
pub fn unassign_all(conn: &mut DbConn, agent_id: &str, at: i64) -> Result<Vec<String>> {
    // In id order, as every transaction locks rooms.
    let ids = rooms::table
        .filter(rooms::served_by_id.eq(agent_id))
        .filter(rooms::open.eq(true))
        .order(rooms::id.asc())
        .select(rooms::id);
    let ids: Vec<String> = match conn {
        DbConn::Postgres(pg) => ids.for_update().load(pg)?,
        DbConn::Sqlite(_) => {
            // Write first: a SQLite transaction that reads before its first write cannot
            // wait for the write lock (`user remove` runs beside the server's writer).
            diesel::update(rooms::table.filter(rooms::served_by_id.eq(agent_id)))
                .set(rooms::updated_at.eq(rooms::updated_at))
                .execute(conn)?;
            ids.load(conn)?
        }
    };
    diesel::update(rooms::table.filter(rooms::id.eq_any(&ids)))
        .set((
            rooms::served_by_id.eq(None::<String>),
            rooms::served_by_username.eq(None::<String>),
            rooms::served_at.eq(None::<i64>),
            rooms::queued_at.eq(at),
            rooms::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(ids)
}

/// A page view kept on a room (`livechat/page.visited`).
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = room_pages)]
pub struct PageRow {
    pub id: String,
    pub rid: String,
    pub ts: i64,
    pub change: String,
    pub title: String,
    pub href: String,
}

/// Keeps a page view on its room, and only the newest `keep` of the room's (key
/// [`super::Key::Room`]).
pub fn add_page(conn: &mut DbConn, row: &PageRow, keep: i64) -> Result<()> {
    diesel::insert_into(room_pages::table).values(row).execute(conn)?;
    let older: Vec<String> = room_pages::table
        .filter(room_pages::rid.eq(&row.rid))
        .order((room_pages::ts.desc(), room_pages::id.desc()))
        .offset(keep)
        .select(room_pages::id)
        .load(conn)?;
    if !older.is_empty() {
        diesel::delete(room_pages::table.filter(room_pages::id.eq_any(&older))).execute(conn)?;
    }
    Ok(())
}

/// The page views kept on a room, oldest first.
pub fn pages(conn: &mut DbConn, rid: &str) -> Result<Vec<PageRow>> {
    room_pages::table
        .filter(room_pages::rid.eq(rid))
        .order((room_pages::ts.asc(), room_pages::id.asc()))
        .select(PageRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// Which queues to read.
#[derive(Clone, Copy, Debug)]
pub enum Queues<'a> {
    /// Every queue (managers).
    All,
    /// One queue: a department's, or the general one (`None`).
    Of(Option<&'a str>),
    /// The general queue and those of these departments (an agent's).
    Visible(&'a [String]),
}

/// A page of queued rooms (open, nobody serves them) with their visitors, longest waiting
/// first, and how many there are in all.
pub fn queue_page(
    conn: &mut DbConn,
    queues: Queues<'_>,
    offset: i64,
    count: i64,
) -> Result<(Vec<(RoomRow, super::models::VisitorRow)>, i64)> {
    use super::models::VisitorRow;
    use super::schema::visitors;

    let query = || {
        let mut query = rooms::table
            .inner_join(visitors::table)
            .filter(rooms::open.eq(true))
            .filter(rooms::served_by_id.is_null())
            .into_boxed();
        query = match queues {
            Queues::All => query,
            Queues::Of(Some(department)) => {
                query.filter(rooms::department_id.eq(department.to_owned()))
            }
            Queues::Of(None) => query.filter(rooms::department_id.is_null()),
            Queues::Visible(departments) => query.filter(
                rooms::department_id
                    .is_null()
                    .or(rooms::department_id.eq_any(departments.to_vec()).assume_not_null()),
            ),
        };
        query
    };
    let total = query().count().get_result(conn)?;
    let page = query()
        .order((rooms::queued_at.asc(), rooms::id.asc()))
        .offset(offset)
        .limit(count)
        .select((RoomRow::as_select(), VisitorRow::as_select()))
        .load(conn)?;
    Ok((page, total))
}

/// The ids of the rooms waiting in one queue (a department's, or the general one), longest
/// waiting first, at most `limit`.
pub fn queue_ids(conn: &mut DbConn, department: Option<&str>, limit: i64) -> Result<Vec<String>> {
    let mut query = rooms::table
        .filter(rooms::open.eq(true))
        .filter(rooms::served_by_id.is_null())
        .into_boxed();
    query = match department {
        Some(department) => query.filter(rooms::department_id.eq(department.to_owned())),
        None => query.filter(rooms::department_id.is_null()),
    };
    query
        .order((rooms::queued_at.asc(), rooms::id.asc()))
        .limit(limit)
        .select(rooms::id)
        .load(conn)
        .map_err(Into::into)
}

/// A queued room's place in its queue, from 1.
pub fn spot(conn: &mut DbConn, room: &RoomRow) -> Result<i64> {
    let mut ahead = rooms::table
        .filter(rooms::open.eq(true))
        .filter(rooms::served_by_id.is_null())
        .filter(
            rooms::queued_at
                .lt(room.queued_at)
                .or(rooms::queued_at.eq(room.queued_at).and(rooms::id.lt(room.id.clone()))),
        )
        .into_boxed();
    ahead = match &room.department_id {
        Some(department) => ahead.filter(rooms::department_id.eq(department.clone())),
        None => ahead.filter(rooms::department_id.is_null()),
    };
    let ahead: i64 = ahead.count().get_result(conn)?;
    Ok(ahead + 1)
}

/// Gives room `id` to an agent, whoever served it before (a transfer; the caller holds the
/// room's lock).
pub fn reassign(
    conn: &mut DbConn,
    id: &str,
    agent_id: &str,
    agent_username: &str,
    at: i64,
) -> Result<()> {
    diesel::update(rooms::table.find(id))
        .set((
            rooms::served_by_id.eq(agent_id),
            rooms::served_by_username.eq(agent_username),
            rooms::served_at.eq(at),
            rooms::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts room `id` back into its queue (the caller holds the room's lock): nobody serves it,
/// and it waits from `at`.
pub fn unassign(conn: &mut DbConn, id: &str, at: i64) -> Result<()> {
    diesel::update(rooms::table.find(id))
        .set((
            rooms::served_by_id.eq(None::<String>),
            rooms::served_by_username.eq(None::<String>),
            rooms::served_at.eq(None::<i64>),
            rooms::queued_at.eq(at),
            rooms::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves room `id` to `department` (`None`: no department; the caller holds the room's lock).
pub fn set_department(
    conn: &mut DbConn,
    id: &str,
    department: Option<&str>,
    at: i64,
) -> Result<()> {
    diesel::update(rooms::table.find(id))
        .set((rooms::department_id.eq(department), rooms::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// The text of the visitor's first message in room `rid`, if it wrote one.
pub fn first_visitor_message(conn: &mut DbConn, rid: &str) -> Result<Option<String>> {
    use super::schema::messages;
    messages::table
        .filter(messages::rid.eq(rid))
        .filter(messages::visitor_id.is_not_null())
        .filter(messages::kind.is_null())
        .filter(messages::deleted.eq(false))
        .order((messages::ts.asc(), messages::id.asc()))
        .select(messages::msg)
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// Open rooms served per agent and department: `(agent id, department id, chats)`.
pub fn loads(conn: &mut DbConn) -> Result<Vec<(String, Option<String>, i64)>> {
    let rows: Vec<(Option<String>, Option<String>, i64)> = rooms::table
        .filter(rooms::open.eq(true))
        .filter(rooms::served_by_id.is_not_null())
        .group_by((rooms::served_by_id, rooms::department_id))
        .select((rooms::served_by_id, rooms::department_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(agent, department, chats)| Some((agent?, department, chats)))
        .collect())
}

/// The `livechat_transfer_history` messages of room `rid` (their `data`), oldest first, and
/// how many there are.
pub fn transfers(
    conn: &mut DbConn,
    rid: &str,
    offset: i64,
    count: i64,
) -> Result<(Vec<String>, i64)> {
    use super::schema::messages;
    let query = || {
        messages::table
            .filter(messages::rid.eq(rid))
            .filter(messages::kind.eq(crate::queue::TRANSFER_KIND))
            .filter(messages::data.is_not_null())
    };
    let total = query().count().get_result(conn)?;
    let page: Vec<Option<String>> = query()
        .order((messages::ts.asc(), messages::id.asc()))
        .offset(offset)
        .limit(count)
        .select(messages::data)
        .load(conn)?;
    Ok((page.into_iter().flatten().collect(), total))
}

/// Stores the survey answers (a JSON object) of room `id`.
pub fn set_survey_feedback(conn: &mut DbConn, id: &str, feedback: &str, at: i64) -> Result<()> {
    diesel::update(rooms::table.find(id))
        .set((rooms::survey_feedback.eq(feedback), rooms::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// Stores the call status of room `id`.
pub fn set_call_status(conn: &mut DbConn, id: &str, status: &str, at: i64) -> Result<()> {
    diesel::update(rooms::table.find(id))
        .set((rooms::call_status.eq(status), rooms::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}
