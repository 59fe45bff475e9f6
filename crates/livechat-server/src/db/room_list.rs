//! Listing rooms with Rocket.Chat's filters (`livechat/rooms`), the sources rooms come from
//! (`livechat/rooms/filters`), and searching a room's messages (`livechat/{rid}/messages`).

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::models::{MessageRow, RoomRow, VisitorRow};
use super::schema::{messages, room_fields, rooms, visitors};
use super::{escape_like, lower, DbConn, Result};

/// What a room list may be ordered by (Rocket.Chat's field names in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomOrder {
    /// `ts`: when it was opened.
    Opened,
    /// `fname`: the visitor's name.
    Name,
    /// `lm`: its last message (rooms without one last).
    LastMessage,
    /// `closedAt` (open rooms last).
    Closed,
    /// `_updatedAt`.
    Updated,
    /// `msgs`.
    Messages,
}

impl RoomOrder {
    /// The order named `field` on the wire.
    pub fn from_wire(field: &str) -> Option<Self> {
        Some(match field {
            "ts" => Self::Opened,
            "fname" => Self::Name,
            "lm" => Self::LastMessage,
            "closedAt" => Self::Closed,
            "_updatedAt" => Self::Updated,
            "msgs" => Self::Messages,
            _ => return None,
        })
    }
}

/// Which rooms a list shows, all conditions together.
#[derive(Clone, Debug)]
pub struct RoomFilter {
    /// `None` for managers and admins (every room); else rooms this agent serves plus the
    /// queues it may take from (of [`RoomFilter::departments`], and the general one).
    pub agent_id: Option<String>,
    /// The departments of [`RoomFilter::agent_id`].
    pub departments: Vec<String>,
    /// Only open or only closed rooms.
    pub open: Option<bool>,
    /// Only rooms served by one of these agents.
    pub agents: Vec<String>,
    /// Only rooms of this department.
    pub department_id: Option<String>,
    /// Only rooms with one of these tags.
    pub tags: Vec<String>,
    /// Only rooms opened within these bounds (epoch ms, inclusive).
    pub created: (Option<i64>, Option<i64>),
    /// Only rooms closed within these bounds (epoch ms, inclusive).
    pub closed: (Option<i64>, Option<i64>),
    /// Only rooms whose custom fields have these values.
    pub fields: Vec<(String, String)>,
    /// Only rooms whose `fname` contains this, ignoring case.
    pub name: Option<String>,
    /// The order, and whether it ascends.
    pub order: (RoomOrder, bool),
}

impl RoomFilter {
    /// Every room `agent_id` may list (`None`: every room), newest first.
    pub fn visible_to(agent_id: Option<String>) -> Self {
        Self {
            agent_id,
            departments: Vec::new(),
            open: None,
            agents: Vec::new(),
            department_id: None,
            tags: Vec::new(),
            created: (None, None),
            closed: (None, None),
            fields: Vec::new(),
            name: None,
            order: (RoomOrder::Opened, false),
        }
    }
}

/// A page of rooms with their visitors, in the filter's order, and the total count.
pub fn list(
    conn: &mut DbConn,
    filter: &RoomFilter,
    offset: i64,
    count: i64,
) -> Result<(Vec<(RoomRow, VisitorRow)>, i64)> {
    let pg = matches!(conn, DbConn::Postgres(_));
    let query = || {
        let mut query = rooms::table.inner_join(visitors::table).into_boxed();
        // The tags first: `or_filter` joins them into one group, which every later `filter`
        // narrows.
        for (index, tag) in filter.tags.iter().enumerate() {
            let has = has_tag(pg, tag.clone());
            query = if index == 0 { query.filter(has) } else { query.or_filter(has) };
        }
        if let Some(agent_id) = &filter.agent_id {
            query = query.filter(rooms::served_by_id.eq(agent_id.clone()).or(
                rooms::served_by_id.is_null().and(rooms::open.eq(true)).and(
                    rooms::department_id.is_null().or(
                        rooms::department_id.eq_any(filter.departments.clone()).assume_not_null(),
                    ),
                ),
            ));
        }
        if let Some(open) = filter.open {
            query = query.filter(rooms::open.eq(open));
        }
        if !filter.agents.is_empty() {
            query = query.filter(rooms::served_by_id.eq_any(filter.agents.clone()));
        }
        if let Some(department_id) = &filter.department_id {
            query = query.filter(rooms::department_id.eq(department_id.clone()));
        }
        if let Some(start) = filter.created.0 {
            query = query.filter(rooms::created_at.ge(start));
        }
        if let Some(end) = filter.created.1 {
            query = query.filter(rooms::created_at.le(end));
        }
        if let Some(start) = filter.closed.0 {
            query = query.filter(rooms::closed_at.ge(start));
        }
        if let Some(end) = filter.closed.1 {
            query = query.filter(rooms::closed_at.le(end));
        }
        for (key, value) in &filter.fields {
            let with_value = room_fields::table
                .filter(room_fields::key.eq(key.clone()))
                .filter(room_fields::value.eq(value.clone()))
                .select(room_fields::rid);
            query = query.filter(rooms::id.eq_any(with_value));
        }
        if let Some(name) = &filter.name {
            let pattern = format!("%{}%", escape_like(&name.to_lowercase()));
            query = query.filter(lower(rooms::fname).like(pattern).escape('\\'));
        }
        query
    };
    let total = query().count().get_result(conn)?;
    let (order, ascending) = filter.order;
    let mut page = query();
    page = match (order, ascending) {
        (RoomOrder::Opened, true) => page.order(rooms::created_at.asc()),
        (RoomOrder::Opened, false) => page.order(rooms::created_at.desc()),
        (RoomOrder::Name, true) => page.order(rooms::fname.asc()),
        (RoomOrder::Name, false) => page.order(rooms::fname.desc()),
        // Rooms without the time last either way, on both databases.
        (RoomOrder::LastMessage, true) => page
            .order(rooms::last_message_at.is_null().asc())
            .then_order_by(rooms::last_message_at.asc()),
        (RoomOrder::LastMessage, false) => page
            .order(rooms::last_message_at.is_null().asc())
            .then_order_by(rooms::last_message_at.desc()),
        (RoomOrder::Closed, true) => {
            page.order(rooms::closed_at.is_null().asc()).then_order_by(rooms::closed_at.asc())
        }
        (RoomOrder::Closed, false) => {
            page.order(rooms::closed_at.is_null().asc()).then_order_by(rooms::closed_at.desc())
        }
        (RoomOrder::Updated, true) => page.order(rooms::updated_at.asc()),
        (RoomOrder::Updated, false) => page.order(rooms::updated_at.desc()),
        (RoomOrder::Messages, true) => page.order(rooms::msgs.asc()),
        (RoomOrder::Messages, false) => page.order(rooms::msgs.desc()),
    };
    // Ties in a stable order, so pages never skip or repeat a room.
    page = if ascending {
        page.then_order_by(rooms::id.asc())
    } else {
        page.then_order_by(rooms::id.desc())
    };
    let page = page
        .offset(offset)
        .limit(count)
        .select((RoomRow::as_select(), VisitorRow::as_select()))
        .load(conn)?;
    Ok((page, total))
}

/// [`has_tag`]'s expression.
type HasTag = diesel::expression::SqlLiteral<
    Bool,
    diesel::expression::UncheckedBind<
        diesel::expression::SqlLiteral<Bool>,
        diesel::dsl::AsExprOf<String, Text>,
    >,
>;

/// Whether a room's `tags` (a JSON array of strings) holds `tag` exactly: each database's
/// own JSON array function, the tag a bound parameter.
fn has_tag(pg: bool, tag: String) -> HasTag {
    let each = if pg {
        "EXISTS (SELECT 1 FROM jsonb_array_elements_text(rooms.tags::jsonb) AS t(value) \
         WHERE t.value = "
    } else {
        "EXISTS (SELECT 1 FROM json_each(rooms.tags) AS t WHERE t.type = 'text' AND t.value = "
    };
    sql::<Bool>(each).bind::<Text, _>(tag).sql(")")
}

/// Stores what `livechat/room.saveInfo` changes on a room (key [`super::Key::Many`], the
/// room first): its topic (`Some("")` clears it) and its tags (a JSON array), each when
/// given.
pub fn save_info(
    conn: &mut DbConn,
    id: &str,
    topic: Option<String>,
    tags: Option<String>,
    at: i64,
) -> Result<()> {
    let topic = topic.map(|topic| (!topic.is_empty()).then_some(topic));
    diesel::update(rooms::table.find(id))
        .set((
            topic.map(|topic| rooms::topic.eq(topic)),
            tags.map(|tags| rooms::tags.eq(tags)),
            rooms::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every room of visitor `visitor_id`.
pub fn of_visitor(conn: &mut DbConn, visitor_id: &str) -> Result<Vec<RoomRow>> {
    rooms::table
        .filter(rooms::visitor_id.eq(visitor_id))
        .select(RoomRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// The sources rooms were opened from (`api`, `widget`), by name.
pub fn sources(conn: &mut DbConn) -> Result<Vec<String>> {
    rooms::table
        .select(rooms::source_type)
        .distinct()
        .order(rooms::source_type.asc())
        .load(conn)
        .map_err(Into::into)
}

/// A page of room `rid`'s messages (not deleted) whose text contains `term` ignoring case
/// (all with `None`), by `ts`, and how many there are in all.
pub fn search_messages(
    conn: &mut DbConn,
    rid: &str,
    term: Option<&str>,
    ascending: bool,
    offset: i64,
    count: i64,
) -> Result<(Vec<MessageRow>, i64)> {
    let query = || {
        let mut query = messages::table
            .filter(messages::rid.eq(rid.to_owned()))
            .filter(messages::deleted.eq(false))
            .into_boxed();
        if let Some(term) = term {
            let pattern = format!("%{}%", escape_like(&term.to_lowercase()));
            query = query.filter(lower(messages::msg).like(pattern).escape('\\'));
        }
        query
    };
    let total = query().count().get_result(conn)?;
    let page = if ascending {
        query().order(messages::ts.asc())
    } else {
        query().order(messages::ts.desc())
    };
    let rows = page.offset(offset).limit(count).select(MessageRow::as_select()).load(conn)?;
    Ok((rows, total))
}
