//! The `departments` and `department_agents` tables.
//!
//! Every change to a department is a write of its own ([`super::Key::Many`]): it may lock
//! the users it adds (before the department, as the lock order has users before
//! departments), and removing one clears it from open rooms and visitors first.

use diesel::prelude::*;
use livechat_types::department::{Department, DepartmentAgent, PublicDepartment};
use livechat_types::Timestamp;

use super::schema::{department_agents, departments, rooms, users, visitors};
use super::{lower, DbConn, Result};

/// A department row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = departments, treat_none_as_null = true)]
pub struct DepartmentRow {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub description: Option<String>,
    pub show_on_registration: bool,
    pub show_on_offline_form: bool,
    pub email: String,
    pub request_tag_before_closing: bool,
    pub closing_tags: String,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl DepartmentRow {
    /// The department on the wire, with its number of agents.
    pub fn to_wire(&self, num_agents: i64) -> Department {
        Department {
            id: self.id.clone(),
            name: self.name.clone(),
            enabled: self.enabled,
            description: self.description.clone(),
            show_on_registration: self.show_on_registration,
            show_on_offline_form: self.show_on_offline_form,
            email: self.email.clone(),
            request_tag_before_closing_chat: self.request_tag_before_closing,
            chat_closing_tags: serde_json::from_str(&self.closing_tags).unwrap_or_default(),
            num_agents,
            archived: self.archived,
            updated_at: Timestamp(self.updated_at),
        }
    }

    /// Whether visitors may choose it and chats are routed into it.
    pub fn is_open(&self) -> bool {
        self.enabled && !self.archived
    }
}

/// The department with this id.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<DepartmentRow>> {
    departments::table
        .find(id)
        .select(DepartmentRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// The department a visitor names, by id or else by name (ignoring case).
pub fn find_by_id_or_name(conn: &mut DbConn, key: &str) -> Result<Option<DepartmentRow>> {
    if let Some(found) = find(conn, key)? {
        return Ok(Some(found));
    }
    departments::table
        .filter(lower(departments::name).eq(lower(key)))
        .select(DepartmentRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// Which departments a list shows.
#[derive(Default)]
pub struct Filter {
    /// Names containing this, ignoring case.
    pub text: Option<String>,
    /// Only enabled or only disabled ones.
    pub enabled: Option<bool>,
    /// Archived ones instead of the others.
    pub archived: bool,
    /// Only these ids (an agent's own departments).
    pub only: Option<Vec<String>>,
}

/// A page of departments by name, each with its number of agents, and the total count.
pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
    offset: i64,
    count: i64,
) -> Result<(Vec<(DepartmentRow, i64)>, i64)> {
    let query = || {
        let mut query =
            departments::table.filter(departments::archived.eq(filter.archived)).into_boxed();
        if let Some(text) = &filter.text {
            let pattern = format!("%{}%", super::escape_like(&text.to_lowercase()));
            query = query.filter(lower(departments::name).like(pattern).escape('\\'));
        }
        if let Some(enabled) = filter.enabled {
            query = query.filter(departments::enabled.eq(enabled));
        }
        if let Some(ids) = &filter.only {
            query = query.filter(departments::id.eq_any(ids.clone()));
        }
        query
    };
    let total = query().count().get_result(conn)?;
    let rows: Vec<DepartmentRow> = query()
        .order((departments::name.asc(), departments::id.asc()))
        .offset(offset)
        .limit(count)
        .select(DepartmentRow::as_select())
        .load(conn)?;
    // Every department's number of agents in one query, not one per department.
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let counts: Vec<(String, i64)> = department_agents::table
        .filter(department_agents::department_id.eq_any(&ids))
        .group_by(department_agents::department_id)
        .select((department_agents::department_id, diesel::dsl::count_star()))
        .load(conn)?;
    let page = rows
        .into_iter()
        .map(|row| {
            let agents = counts.iter().find(|(id, _)| *id == row.id).map_or(0, |(_, n)| *n);
            (row, agents)
        })
        .collect();
    Ok((page, total))
}

/// Up to `limit` open departments whose name contains `term` (ignoring case), by name.
pub fn autocomplete(conn: &mut DbConn, term: &str, limit: i64) -> Result<Vec<DepartmentRow>> {
    let pattern = format!("%{}%", super::escape_like(&term.to_lowercase()));
    departments::table
        .filter(departments::enabled.eq(true))
        .filter(departments::archived.eq(false))
        .filter(lower(departments::name).like(pattern).escape('\\'))
        .order((departments::name.asc(), departments::id.asc()))
        .limit(limit)
        .select(DepartmentRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// The departments the widget offers: open ones with at least one agent, by name.
pub fn public(conn: &mut DbConn) -> Result<Vec<PublicDepartment>> {
    let staffed = department_agents::table.select(department_agents::department_id);
    let rows: Vec<DepartmentRow> = departments::table
        .filter(departments::enabled.eq(true))
        .filter(departments::archived.eq(false))
        .filter(departments::id.eq_any(staffed))
        .order((departments::name.asc(), departments::id.asc()))
        .select(DepartmentRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| PublicDepartment {
            id: row.id,
            name: row.name,
            show_on_registration: row.show_on_registration,
            show_on_offline_form: row.show_on_offline_form,
        })
        .collect())
}

/// How many agents department `id` has.
pub fn count_agents(conn: &mut DbConn, id: &str) -> Result<i64> {
    department_agents::table
        .filter(department_agents::department_id.eq(id))
        .count()
        .get_result(conn)
        .map_err(Into::into)
}

/// Stores a new department.
pub fn insert(conn: &mut DbConn, row: &DepartmentRow) -> Result<()> {
    diesel::insert_into(departments::table).values(row).execute(conn)?;
    Ok(())
}

/// Replaces a department's details.
pub fn update(conn: &mut DbConn, row: &DepartmentRow) -> Result<()> {
    diesel::update(departments::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// Locks users `ids` against removal, in id order, before a department is touched (the lock
/// order has users before departments). Only PostgreSQL locks rows.
pub fn hold_users(conn: &mut DbConn, ids: &[String]) -> Result<()> {
    if let DbConn::Postgres(pg) = conn {
        let mut ids = ids.to_vec();
        ids.sort();
        users::table
            .filter(users::id.eq_any(&ids))
            .order(users::id.asc())
            .select(users::id)
            .for_key_share()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// Adds user `user_id` to department `department_id`, or updates its `count` and `order`
/// there (each only when given).
pub fn upsert_agent(
    conn: &mut DbConn,
    department_id: &str,
    user_id: &str,
    count: Option<i64>,
    order: Option<i64>,
) -> Result<()> {
    let existing = department_agents::table
        .filter(department_agents::department_id.eq(department_id))
        .filter(department_agents::user_id.eq(user_id))
        .select(department_agents::id)
        .first::<String>(conn)
        .optional()?;
    match existing {
        Some(id) => {
            if let Some(count) = count {
                diesel::update(department_agents::table.find(&id))
                    .set(department_agents::count.eq(count))
                    .execute(conn)?;
            }
            if let Some(order) = order {
                diesel::update(department_agents::table.find(&id))
                    .set(department_agents::sort_order.eq(order))
                    .execute(conn)?;
            }
        }
        None => {
            let row = (
                department_agents::id.eq(crate::ids::random_id()),
                department_agents::department_id.eq(department_id),
                department_agents::user_id.eq(user_id),
                department_agents::count.eq(count.unwrap_or(0)),
                department_agents::sort_order.eq(order.unwrap_or(0)),
            );
            diesel::insert_into(department_agents::table).values(row).execute(conn)?;
        }
    }
    Ok(())
}

/// Removes user `user_id` from department `department_id`.
pub fn remove_agent(conn: &mut DbConn, department_id: &str, user_id: &str) -> Result<()> {
    diesel::delete(
        department_agents::table
            .filter(department_agents::department_id.eq(department_id))
            .filter(department_agents::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// A page of a department's agents (by `order`, then username), and the total count.
pub fn agents(
    conn: &mut DbConn,
    department_id: &str,
    offset: i64,
    count: i64,
) -> Result<(Vec<DepartmentAgent>, i64)> {
    let total = count_agents(conn, department_id)?;
    let rows: Vec<(String, String, i64, i64, String)> = department_agents::table
        .inner_join(users::table)
        .filter(department_agents::department_id.eq(department_id))
        .order((department_agents::sort_order.asc(), users::username.asc()))
        .offset(offset)
        .limit(count)
        .select((
            department_agents::id,
            department_agents::user_id,
            department_agents::count,
            department_agents::sort_order,
            users::username,
        ))
        .load(conn)?;
    let agents = rows
        .into_iter()
        .map(|(id, agent_id, count, order, username)| DepartmentAgent {
            id,
            agent_id,
            department_id: department_id.to_owned(),
            username,
            count,
            order,
        })
        .collect();
    Ok((agents, total))
}

/// Every department's `(id, name)`.
pub fn names(conn: &mut DbConn) -> Result<Vec<(String, String)>> {
    departments::table.select((departments::id, departments::name)).load(conn).map_err(Into::into)
}

/// The departments user `user_id` is an agent of.
pub fn of_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<String>> {
    department_agents::table
        .filter(department_agents::user_id.eq(user_id))
        .order(department_agents::department_id.asc())
        .select(department_agents::department_id)
        .load(conn)
        .map_err(Into::into)
}

/// Removes department `id`: its open rooms go to the general queue and its visitors are
/// left without one (**fix**: Rocket.Chat keeps the dangling id, and the visitor's next chat
/// fails). Locks those rooms (by id), then those visitors (by token), then the department:
/// a write of its own. Returns the rooms it moved.
pub fn delete(conn: &mut DbConn, id: &str, now: i64) -> Result<Vec<String>> {
    let moved: Vec<String> = rooms::table
        .filter(rooms::department_id.eq(id))
        .filter(rooms::open.eq(true))
        .order(rooms::id.asc())
        .select(rooms::id)
        .load(conn)?;
    if let DbConn::Postgres(pg) = conn {
        rooms::table
            .filter(rooms::id.eq_any(&moved))
            .order(rooms::id.asc())
            .select(rooms::id)
            .for_update()
            .load::<String>(pg)?;
        visitors::table
            .filter(visitors::department.eq(id))
            .order(visitors::token.asc())
            .select(visitors::id)
            .for_update()
            .load::<String>(pg)?;
    }
    diesel::update(rooms::table.filter(rooms::id.eq_any(&moved)))
        .set((rooms::department_id.eq(None::<String>), rooms::updated_at.eq(now)))
        .execute(conn)?;
    diesel::update(visitors::table.filter(visitors::department.eq(id)))
        .set((visitors::department.eq(None::<String>), visitors::updated_at.eq(now)))
        .execute(conn)?;
    diesel::delete(departments::table.find(id)).execute(conn)?;
    Ok(moved)
}

/// The departments of each of `users`: `(user id, department id)`, by user and department.
pub fn of_users(conn: &mut DbConn, users: &[String]) -> Result<Vec<(String, String)>> {
    department_agents::table
        .filter(department_agents::user_id.eq_any(users))
        .order((department_agents::user_id.asc(), department_agents::department_id.asc()))
        .select((department_agents::user_id, department_agents::department_id))
        .load(conn)
        .map_err(Into::into)
}

/// The memberships of agent `user_id` (only of enabled departments, when asked), by
/// department name.
pub fn memberships(
    conn: &mut DbConn,
    user_id: &str,
    enabled_only: bool,
) -> Result<Vec<DepartmentAgent>> {
    let mut query = department_agents::table
        .inner_join(departments::table)
        .inner_join(users::table)
        .filter(department_agents::user_id.eq(user_id.to_owned()))
        .into_boxed();
    if enabled_only {
        query = query.filter(departments::enabled.eq(true)).filter(departments::archived.eq(false));
    }
    let rows: Vec<(String, String, i64, i64, String)> = query
        .order((departments::name.asc(), departments::id.asc()))
        .select((
            department_agents::id,
            department_agents::department_id,
            department_agents::count,
            department_agents::sort_order,
            users::username,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, department_id, count, order, username)| DepartmentAgent {
            id,
            agent_id: user_id.to_owned(),
            department_id,
            username,
            count,
            order,
        })
        .collect())
}
