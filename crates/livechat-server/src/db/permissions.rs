//! The `permissions` table: grants changed from their defaults (`crate::permissions`).

use diesel::prelude::*;

use super::schema::permissions;
use super::{DbConn, Result};

/// A permission whose roles were changed: `(id, stored roles, updated_at)`.
pub type Changed = (String, String, i64);

/// Every changed permission.
pub fn list(conn: &mut DbConn) -> Result<Vec<Changed>> {
    permissions::table
        .select((permissions::id, permissions::roles, permissions::updated_at))
        .load(conn)
        .map_err(Into::into)
}

/// Sets permission `id`'s roles (stored form). Locks that row only (key
/// [`super::Key::Fresh`]: no other write takes it).
pub fn set(conn: &mut DbConn, id: &str, roles: &str, at: i64) -> Result<()> {
    let updated = diesel::update(permissions::table.find(id))
        .set((permissions::roles.eq(roles), permissions::updated_at.eq(at)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(permissions::table)
            .values((
                permissions::id.eq(id),
                permissions::roles.eq(roles),
                permissions::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
