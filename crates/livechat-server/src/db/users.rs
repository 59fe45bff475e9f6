//! The `users` and `auth_tokens` tables: agents, managers and admins.

use diesel::prelude::*;
use livechat_types::agent::{Agent, AgentEmail, AgentInfo};

use super::models::RoomRow;
use super::schema::{auth_tokens, rooms, users};
use super::{lower, DbConn, Result};
use crate::roles;

/// A user row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub password_hash: String,
    /// Livechat availability (`statusLivechat`): `available` or `not-available`.
    pub status: String,
    pub created_at: i64,
    /// The user's roles, as [`crate::roles`] stores them.
    pub roles: String,
    /// Presence (`status` on the wire): `online`, `away`, `busy` or `offline`.
    pub presence: String,
    pub email: Option<String>,
    /// The last moment an instance saw a realtime connection of this user.
    pub seen_at: Option<i64>,
}

/// The one place role checks live: everything else asks these.
impl UserRow {
    /// Whether this user holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        roles::contains(&self.roles, role)
    }

    /// Whether this user is an admin.
    pub fn is_admin(&self) -> bool {
        self.has_role(roles::ADMIN)
    }

    /// Whether this user is a livechat manager.
    pub fn is_manager(&self) -> bool {
        self.has_role(roles::MANAGER)
    }

    /// Whether this user takes chats (routing considers only agents).
    pub fn is_agent(&self) -> bool {
        self.has_role(roles::AGENT)
    }

    /// Whether this user holds any role at all (a user without one cannot log in).
    pub fn has_any_role(&self) -> bool {
        roles::parse(&self.roles).next().is_some()
    }

    /// Whether this user sees and may act in every room: managers and admins.
    pub fn sees_every_room(&self) -> bool {
        self.is_admin() || self.is_manager()
    }

    /// Whether this user takes chats now.
    pub fn is_available(&self) -> bool {
        self.status == "available"
    }

    /// Whether this user may post in `room` and change it: managers and admins always,
    /// others in rooms they serve.
    pub fn may_act_in(&self, room: &RoomRow) -> bool {
        self.sees_every_room() || room.served_by_id.as_deref() == Some(self.id.as_str())
    }

    /// Whether this user may see `room` (read it, hear its events): the rooms it may act
    /// in, and for agents the queue they may take from (open rooms nobody serves yet, of one
    /// of `departments`, the ones this user belongs to, or of none). The one answer for REST
    /// reads and for realtime subscriptions, asked again on every event.
    pub fn may_see(&self, room: &RoomRow, departments: &[String]) -> bool {
        self.may_act_in(room)
            || (room.open
                && room.served_by_id.is_none()
                && self.sees_queue_of(room.department_id.as_deref(), departments))
    }

    /// Whether this user sees the queue of `department` (`None`: the general queue), given
    /// the departments it belongs to: managers and admins every queue, agents those of their
    /// departments and the general one.
    pub fn sees_queue_of(&self, department: Option<&str>, departments: &[String]) -> bool {
        self.sees_every_room()
            || (self.is_agent()
                && department
                    .map_or(true, |department| departments.iter().any(|d| d == department)))
    }

    /// Presence as the widget draws it (`online`, `away`, `busy`, `offline`).
    pub fn presence(&self) -> &'static str {
        if self.is_available() {
            "online"
        } else {
            "offline"
        }
    }

    /// The user's e-mail addresses. Users have none yet (`user add` takes no address).
    pub fn emails(&self) -> Vec<String> {
        Vec::new()
    }

    /// What visitors see of this agent (`agent.info`, config `agent`, `agentData`).
    pub fn to_public(&self, view: AgentView) -> AgentInfo {
        if !view.show_info {
            return AgentInfo::hidden();
        }
        let emails = self.emails();
        let emails = (view.show_email && !emails.is_empty())
            .then(|| emails.into_iter().map(|address| AgentEmail { address }).collect());
        AgentInfo::Shown(Agent {
            id: self.id.clone(),
            username: self.username.clone(),
            name: self.name.clone(),
            status: self.presence().to_owned(),
            emails,
        })
    }
}

/// What the settings let visitors see of their agent: anything at all
/// (`Livechat_show_agent_info`), and its e-mail addresses (`Livechat_show_agent_email`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentView {
    /// The agent's details; else only `{hiddenInfo: true}`.
    pub show_info: bool,
    /// Its e-mail addresses too.
    pub show_email: bool,
}

/// Stores a new user.
pub fn insert(conn: &mut DbConn, row: &UserRow) -> Result<()> {
    diesel::insert_into(users::table).values(row).execute(conn)?;
    Ok(())
}

/// The user with this id.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional().map_err(Into::into)
}

/// The users of `ids` that exist.
pub fn find_all(conn: &mut DbConn, ids: &[String]) -> Result<Vec<UserRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// The user with this username, ignoring case (usernames are unique ignoring case: the
/// index `users_username_lower`, which this lookup uses).
pub fn find_by_username(conn: &mut DbConn, username: &str) -> Result<Option<UserRow>> {
    users::table
        .filter(lower(users::username).eq(lower(username)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// The users whose usernames differ only in case from another's, as `(id, username)`,
/// grouped by the lowered name, oldest first: what keeps the unique index on
/// `lower(username)` from being made.
pub fn case_duplicates(conn: &mut DbConn) -> Result<Vec<(String, String)>> {
    #[derive(QueryableByName)]
    struct Duplicate {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        username: String,
    }
    // Grouping by an expression is beyond diesel's query builder; the SQL is the same on
    // both backends.
    let found: Vec<Duplicate> = diesel::sql_query(
        "SELECT id, username FROM users WHERE lower(username) IN \
         (SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1) \
         ORDER BY lower(username), created_at, id",
    )
    .load(conn)?;
    Ok(found.into_iter().map(|row| (row.id, row.username)).collect())
}

/// Every user, by username.
pub fn list(conn: &mut DbConn) -> Result<Vec<UserRow>> {
    users::table
        .order(users::username.asc())
        .select(UserRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// Removes a user and its auth tokens; returns whether it existed.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<bool> {
    Ok(diesel::delete(users::table.find(id)).execute(conn)? > 0)
}

/// User `id`, its row locked until the transaction ends (key [`super::Key::User`]), so that
/// writes about its sessions and availability see each other's effects.
pub fn lock(conn: &mut DbConn, id: &str) -> Result<Option<UserRow>> {
    match conn {
        DbConn::Postgres(pg) => Ok(users::table
            .find(id)
            .select(UserRow::as_select())
            .for_update()
            .first(pg)
            .optional()?),
        // One writer: a write's reads already see every committed write.
        DbConn::Sqlite(_) => find(conn, id),
    }
}

/// Sets a user's availability.
pub fn set_status(conn: &mut DbConn, id: &str, status: &str) -> Result<()> {
    diesel::update(users::table.find(id)).set(users::status.eq(status)).execute(conn)?;
    Ok(())
}

/// Stores an auth token's hash for a user.
pub fn insert_token(conn: &mut DbConn, token_hash: &str, user_id: &str, at: i64) -> Result<()> {
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::token_hash.eq(token_hash),
            auth_tokens::user_id.eq(user_id),
            auth_tokens::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The users of the auth tokens `token_hashes` that still exist and were made after
/// `not_before` (have not expired): `(token hash, user)`.
pub fn find_by_tokens(
    conn: &mut DbConn,
    token_hashes: &[String],
    not_before: i64,
) -> Result<Vec<(String, UserRow)>> {
    auth_tokens::table
        .inner_join(users::table)
        .filter(auth_tokens::token_hash.eq_any(token_hashes))
        .filter(auth_tokens::created_at.gt(not_before))
        .select((auth_tokens::token_hash, UserRow::as_select()))
        .load(conn)
        .map_err(Into::into)
}

/// The user an auth token (by hash) belongs to, with the time the token was made, unless it
/// was made at or before `not_before` (it has expired).
pub fn find_by_token(
    conn: &mut DbConn,
    token_hash: &str,
    not_before: i64,
) -> Result<Option<(UserRow, i64)>> {
    auth_tokens::table
        .inner_join(users::table)
        .filter(auth_tokens::token_hash.eq(token_hash))
        .filter(auth_tokens::created_at.gt(not_before))
        .select((UserRow::as_select(), auth_tokens::created_at))
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// Removes user `user_id`'s auth tokens made at or before `not_before` (expired).
pub fn delete_expired_tokens(conn: &mut DbConn, user_id: &str, not_before: i64) -> Result<()> {
    diesel::delete(
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::created_at.le(not_before)),
    )
    .execute(conn)?;
    Ok(())
}

/// Revokes one auth token.
pub fn delete_token(conn: &mut DbConn, token_hash: &str) -> Result<()> {
    diesel::delete(auth_tokens::table.find(token_hash)).execute(conn)?;
    Ok(())
}

/// How many auth tokens user `user_id` has that were made after `not_before` (its sessions
/// that have not expired).
pub fn count_tokens(conn: &mut DbConn, user_id: &str, not_before: i64) -> Result<i64> {
    auth_tokens::table
        .filter(auth_tokens::user_id.eq(user_id))
        .filter(auth_tokens::created_at.gt(not_before))
        .count()
        .get_result(conn)
        .map_err(Into::into)
}

/// Whether any agent is available: one indexed lookup, for `livechat/config`.
pub fn any_available(conn: &mut DbConn) -> Result<bool> {
    users::table
        .filter(users::status.eq("available"))
        .filter(users::roles.like(format!("%{}%", roles::AGENT)))
        .select(users::id)
        .first::<String>(conn)
        .optional()
        .map(|found| found.is_some())
        .map_err(Into::into)
}

/// The available agent serving the fewest open rooms; ties go to the one idle longest (whose
/// last room was given the longest ago, read from the rooms: no agent row is written when a
/// room is routed, so routing never waits on an agent's row).
/// With `department`, only that department's agents are considered; with `max_chats` above
/// 0, agents serving that many open rooms or more are skipped
/// (`Livechat_maximum_chats_per_agent`).
pub fn least_busy_available(
    conn: &mut DbConn,
    department: Option<&str>,
    max_chats: i64,
) -> Result<Option<UserRow>> {
    use super::schema::department_agents;
    let mut query = users::table
        .filter(users::status.eq("available"))
        .filter(users::roles.like(format!("%{}%", roles::AGENT)))
        .into_boxed();
    if let Some(department) = department {
        let members = department_agents::table
            .filter(department_agents::department_id.eq(department.to_owned()))
            .select(department_agents::user_id);
        query = query.filter(users::id.eq_any(members));
    }
    let agents = query.select(UserRow::as_select()).load(conn)?;
    let mut best: Option<((i64, i64), UserRow)> = None;
    for agent in agents {
        let serving: i64 = rooms::table
            .filter(rooms::open.eq(true))
            .filter(rooms::served_by_id.eq(&agent.id))
            .count()
            .get_result(conn)?;
        if max_chats > 0 && serving >= max_chats {
            continue;
        }
        let last_given: Option<i64> = rooms::table
            .filter(rooms::served_by_id.eq(&agent.id))
            .select(diesel::dsl::max(rooms::served_at))
            .first(conn)?;
        let rank = (serving, last_given.unwrap_or(0));
        let better = match &best {
            None => true,
            Some((current, chosen)) => (rank, &agent.id) < (*current, &chosen.id),
        };
        if better {
            best = Some((rank, agent));
        }
    }
    Ok(best.map(|(_, agent)| agent))
}

/// Records that an instance saw a realtime connection of user `id` at `at` (`None`: forget
/// it). One row: key [`super::Key::User`].
pub fn set_seen(conn: &mut DbConn, id: &str, at: Option<i64>) -> Result<()> {
    diesel::update(users::table.find(id)).set(users::seen_at.eq(at)).execute(conn)?;
    Ok(())
}

/// The available agents whose last realtime connection was seen before `cutoff` (the
/// agent-leave timer ran out), by id. Agents never seen on a socket (`seen_at` NULL) are
/// never among them.
pub fn gone_agents(conn: &mut DbConn, cutoff: i64) -> Result<Vec<String>> {
    users::table
        .filter(users::status.eq("available"))
        .filter(users::seen_at.lt(cutoff))
        .filter(users::roles.like(format!("%{}%", roles::AGENT)))
        .order((users::seen_at.asc(), users::id.asc()))
        .select(users::id)
        .load(conn)
        .map_err(Into::into)
}

/// Whether `user` is an available agent whose last realtime connection was seen before
/// `cutoff`: what [`gone_agents`] finds, asked again of a locked row.
pub fn is_gone(user: &UserRow, cutoff: i64) -> bool {
    user.is_available() && user.is_agent() && user.seen_at.is_some_and(|seen| seen < cutoff)
}

/// Agent `id` left: not available, and its timer stopped (`seen_at` NULL) until a socket of
/// it is seen again.
pub fn set_left(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::update(users::table.find(id))
        .set((users::status.eq("not-available"), users::seen_at.eq(None::<i64>)))
        .execute(conn)?;
    Ok(())
}

/// Sets a user's roles (stored form) and, when it lost the agent role, its availability.
pub fn set_roles(conn: &mut DbConn, id: &str, stored: &str) -> Result<()> {
    diesel::update(users::table.find(id)).set(users::roles.eq(stored)).execute(conn)?;
    if !roles::contains(stored, roles::AGENT) {
        set_status(conn, id, "not-available")?;
    }
    Ok(())
}

/// Revokes every auth token of user `user_id` but `except` (a hash), if given.
pub fn delete_tokens(conn: &mut DbConn, user_id: &str, except: Option<&str>) -> Result<()> {
    let tokens = auth_tokens::table.filter(auth_tokens::user_id.eq(user_id));
    match except {
        Some(kept) => diesel::delete(tokens.filter(auth_tokens::token_hash.ne(kept))).execute(conn),
        None => diesel::delete(tokens).execute(conn),
    }?;
    Ok(())
}

/// Sets a user's password hash.
pub fn set_password(conn: &mut DbConn, id: &str, hash: &str) -> Result<()> {
    diesel::update(users::table.find(id)).set(users::password_hash.eq(hash)).execute(conn)?;
    Ok(())
}

/// Sets a user's presence.
pub fn set_presence(conn: &mut DbConn, id: &str, presence: &str) -> Result<()> {
    diesel::update(users::table.find(id)).set(users::presence.eq(presence)).execute(conn)?;
    Ok(())
}

/// Sets a user's name, username and e-mail address (a unique violation is a
/// [`super::Error::Conflict`]).
pub fn set_basic_info(
    conn: &mut DbConn,
    id: &str,
    name: &str,
    username: &str,
    email: Option<&str>,
) -> Result<()> {
    diesel::update(users::table.find(id))
        .set((users::name.eq(name), users::username.eq(username), users::email.eq(email)))
        .execute(conn)?;
    Ok(())
}

/// The user with this e-mail address, ignoring case.
pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<UserRow>> {
    users::table
        .filter(lower(users::email.assume_not_null()).eq(lower(email)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// The users holding `role`, by username; `text` keeps those whose username or name
/// contains it (ignoring case), `only_available` the available ones.
pub fn with_role(
    conn: &mut DbConn,
    role: &str,
    text: Option<&str>,
    only_available: bool,
) -> Result<Vec<UserRow>> {
    let mut query = users::table
        .filter(users::roles.like(format!("%{role}%")))
        .order(users::username.asc())
        .select(UserRow::as_select())
        .into_boxed();
    if only_available {
        query = query.filter(users::status.eq("available"));
    }
    let found: Vec<UserRow> = query.load(conn)?;
    let Some(text) = text.map(str::to_lowercase).filter(|text| !text.is_empty()) else {
        return Ok(found);
    };
    // Filtered here rather than with LIKE: the text is the client's, and `%` or `_` in it
    // must mean themselves.
    Ok(found
        .into_iter()
        .filter(|user| {
            user.username.to_lowercase().contains(&text) || user.name.to_lowercase().contains(&text)
        })
        .collect())
}
