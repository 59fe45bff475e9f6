//! The `offline_messages` table.

use diesel::prelude::*;

use super::schema::offline_messages;
use super::{DbConn, Result};

/// An offline message row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = offline_messages)]
pub struct OfflineRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub message: String,
    pub department: Option<String>,
    pub created_at: i64,
}

/// Stores an offline message.
pub fn insert(conn: &mut DbConn, row: &OfflineRow) -> Result<()> {
    diesel::insert_into(offline_messages::table).values(row).execute(conn)?;
    Ok(())
}

/// A page of offline messages, newest first, and the total count.
pub fn list(conn: &mut DbConn, offset: i64, count: i64) -> Result<(Vec<OfflineRow>, i64)> {
    let total = offline_messages::table.count().get_result(conn)?;
    let rows = offline_messages::table
        .order((offline_messages::created_at.desc(), offline_messages::id.desc()))
        .offset(offset)
        .limit(count)
        .select(OfflineRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// How many offline messages `email` left since `since` (epoch ms).
pub fn count_since(conn: &mut DbConn, email: &str, since: i64) -> Result<i64> {
    offline_messages::table
        .filter(offline_messages::email.eq(email))
        .filter(offline_messages::created_at.ge(since))
        .count()
        .get_result(conn)
        .map_err(Into::into)
}
