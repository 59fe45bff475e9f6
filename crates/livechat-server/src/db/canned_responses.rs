//! The `canned_responses` table. A shortcut is unique (the index decides, not a read before
//! the insert). Changes are writes of their own ([`super::Key::Many`]): they lock no room,
//! visitor or user row.

use diesel::prelude::*;
use livechat_types::canned_response::{CannedResponse, CreatedBy};
use livechat_types::Timestamp;

use super::schema::{canned_responses, department_agents};
use super::users::UserRow;
use super::{escape_like, lower, DbConn, Error, Result};

/// A canned response row; tags as a JSON array.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = canned_responses, treat_none_as_null = true)]
pub struct CannedRow {
    pub id: String,
    pub shortcut: String,
    pub text: String,
    pub scope: String,
    pub tags: String,
    pub department_id: Option<String>,
    pub user_id: Option<String>,
    pub created_by_id: String,
    pub created_by_username: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CannedRow {
    /// The canned response on the wire.
    pub fn to_wire(&self) -> CannedResponse {
        CannedResponse {
            id: self.id.clone(),
            shortcut: self.shortcut.clone(),
            text: self.text.clone(),
            scope: self.scope.clone(),
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            department_id: self.department_id.clone(),
            user_id: self.user_id.clone(),
            created_by: CreatedBy {
                id: self.created_by_id.clone(),
                username: self.created_by_username.clone(),
            },
            created_at: Timestamp(self.created_at),
            updated_at: Timestamp(self.updated_at),
        }
    }

    /// Who may see it: see [`visible`].
    pub fn audience(&self) -> Audience {
        Audience { user_id: self.user_id.clone(), department_id: self.department_id.clone() }
    }
}

/// Who may see a canned response: its owner (`user` scope), the agents of its department
/// (`department` scope), everyone (neither: `global`); managers and admins see all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audience {
    /// The owner of a private one.
    pub user_id: Option<String>,
    /// The department of a shared one.
    pub department_id: Option<String>,
}

impl Audience {
    /// Whether `user` may see it, `member_of` telling whether it is an agent of a
    /// department.
    pub fn includes(&self, user: &UserRow, member_of: impl Fn(&str) -> bool) -> bool {
        if user.sees_every_room() {
            return true;
        }
        match (&self.user_id, &self.department_id) {
            (Some(owner), _) => *owner == user.id,
            (None, Some(department)) => member_of(department),
            (None, None) => true,
        }
    }
}

/// What a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The departments of the caller; `None`: the caller sees everything.
    pub reach: Option<(String, Vec<String>)>,
    /// Shortcut containing this, ignoring ASCII case.
    pub shortcut: Option<String>,
    /// Text containing this, ignoring ASCII case.
    pub text: Option<String>,
    /// Only this scope.
    pub scope: Option<String>,
    /// Only this department.
    pub department_id: Option<String>,
}

/// The canned responses `filter` shows, by shortcut (tags are filtered by the caller).
pub fn list(conn: &mut DbConn, filter: &Filter) -> Result<Vec<CannedRow>> {
    let mut query = canned_responses::table.into_boxed();
    if let Some((user_id, departments)) = &filter.reach {
        query = query.filter(
            canned_responses::scope
                .eq("global")
                .or(canned_responses::user_id.eq(user_id.clone()))
                .or(canned_responses::department_id.eq_any(departments.clone())),
        );
    }
    if let Some(shortcut) = &filter.shortcut {
        let pattern = format!("%{}%", escape_like(&shortcut.to_lowercase()));
        query = query.filter(lower(canned_responses::shortcut).like(pattern).escape('\\'));
    }
    if let Some(text) = &filter.text {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        query = query.filter(lower(canned_responses::text).like(pattern).escape('\\'));
    }
    if let Some(scope) = &filter.scope {
        query = query.filter(canned_responses::scope.eq(scope.clone()));
    }
    if let Some(department) = &filter.department_id {
        query = query.filter(canned_responses::department_id.eq(department.clone()));
    }
    query
        .order((canned_responses::shortcut.asc(), canned_responses::id.asc()))
        .select(CannedRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// The canned response with this id.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CannedRow>> {
    canned_responses::table
        .find(id)
        .select(CannedRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// Stores a new canned response; `false` when its shortcut is taken.
pub fn insert(conn: &mut DbConn, row: &CannedRow) -> Result<bool> {
    unique(diesel::insert_into(canned_responses::table).values(row).execute(conn))
}

/// Replaces a canned response; `false` when its new shortcut is taken.
pub fn update(conn: &mut DbConn, row: &CannedRow) -> Result<bool> {
    unique(diesel::update(canned_responses::table.find(&row.id)).set(row).execute(conn))
}

/// A unique violation is `false`; other errors are errors.
fn unique(result: QueryResult<usize>) -> Result<bool> {
    match result.map_err(Error::from) {
        Ok(_) => Ok(true),
        Err(Error::Conflict(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Removes a canned response; false when it did not exist.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<bool> {
    Ok(diesel::delete(canned_responses::table.find(id)).execute(conn)? == 1)
}

/// The members (user ids) of department `id`.
pub fn department_members(conn: &mut DbConn, id: &str) -> Result<Vec<String>> {
    department_agents::table
        .filter(department_agents::department_id.eq(id))
        .select(department_agents::user_id)
        .load(conn)
        .map_err(Into::into)
}
