//! The `users` and `auth_tokens` tables: agents and admins.

use diesel::prelude::*;

use super::schema::{auth_tokens, rooms, users};
use super::DbConn;

/// A user row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub status: String,
    pub last_assigned_at: i64,
    pub created_at: i64,
}

impl UserRow {
    /// Whether this user is an admin (sees and may act on every room).
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }

    /// Whether this user takes chats now.
    pub fn is_available(&self) -> bool {
        self.status == "available"
    }
}

/// Stores a new user.
pub fn insert(conn: &mut DbConn, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table).values(row).execute(conn).map(drop)
}

/// The user with this id.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional()
}

/// The user with this username.
pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Every user, by username.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<UserRow>> {
    users::table.order(users::username.asc()).select(UserRow::as_select()).load(conn)
}

/// Removes a user and its auth tokens; returns whether it existed.
pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    diesel::delete(users::table.find(id)).execute(conn).map(|count| count > 0)
}

/// Sets a user's availability.
pub fn set_status(conn: &mut DbConn, id: &str, status: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::status.eq(status)).execute(conn).map(drop)
}

/// Records that a user was just given a room (for "longest idle" ties).
pub fn touch_assigned(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::last_assigned_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Stores an auth token's hash for a user.
pub fn insert_token(
    conn: &mut DbConn,
    token_hash: &str,
    user_id: &str,
    at: i64,
) -> QueryResult<()> {
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::token_hash.eq(token_hash),
            auth_tokens::user_id.eq(user_id),
            auth_tokens::created_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// The user an auth token (by hash) belongs to.
pub fn find_by_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<UserRow>> {
    auth_tokens::table
        .inner_join(users::table)
        .filter(auth_tokens::token_hash.eq(token_hash))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Revokes one auth token.
pub fn delete_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<()> {
    diesel::delete(auth_tokens::table.find(token_hash)).execute(conn).map(drop)
}

/// Whether any agent (or admin) is available: one indexed lookup, for `livechat/config`.
pub fn any_available(conn: &mut DbConn) -> QueryResult<bool> {
    users::table
        .filter(users::status.eq("available"))
        .select(users::id)
        .first::<String>(conn)
        .optional()
        .map(|found| found.is_some())
}

/// The available agent serving the fewest open rooms; ties go to the one idle longest.
pub fn least_busy_available(conn: &mut DbConn) -> QueryResult<Option<UserRow>> {
    let agents = users::table
        .filter(users::status.eq("available"))
        .filter(users::role.eq("agent").or(users::role.eq("admin")))
        .select(UserRow::as_select())
        .load(conn)?;
    let mut best: Option<(i64, UserRow)> = None;
    for agent in agents {
        let serving: i64 = rooms::table
            .filter(rooms::open.eq(true))
            .filter(rooms::served_by_id.eq(&agent.id))
            .count()
            .get_result(conn)?;
        let better = match &best {
            None => true,
            Some((count, current)) => {
                (serving, agent.last_assigned_at, &agent.id)
                    < (*count, current.last_assigned_at, &current.id)
            }
        };
        if better {
            best = Some((serving, agent));
        }
    }
    Ok(best.map(|(_, agent)| agent))
}
