//! The `settings` table: one row per setting an admin changed (no row: the default).

use diesel::prelude::*;

use super::schema::settings;
use super::{DbConn, Error, Result};

/// A stored setting: its id and its value as JSON text.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = settings)]
pub struct SettingRow {
    pub id: String,
    pub value: String,
    pub updated_at: i64,
}

/// Every stored setting.
pub fn all(conn: &mut DbConn) -> Result<Vec<SettingRow>> {
    settings::table.select(SettingRow::as_select()).load(conn).map_err(Into::into)
}

/// Stores `row`, replacing the setting's value if it has one. Locks the setting's row (key
/// [`super::Key::Setting`]).
pub fn put(conn: &mut DbConn, row: &SettingRow) -> Result<()> {
    let update = |conn: &mut DbConn| {
        diesel::update(settings::table.find(&row.id))
            .set((settings::value.eq(&row.value), settings::updated_at.eq(row.updated_at)))
            .execute(conn)
    };
    if update(conn)? > 0 {
        return Ok(());
    }
    // In a savepoint of its own: an instance that stored the same setting meanwhile makes
    // the insert a unique violation, which must not end this write; its row is then updated.
    match conn.transaction(|conn| diesel::insert_into(settings::table).values(row).execute(conn)) {
        Ok(_) => Ok(()),
        Err(err) => match Error::from(err) {
            Error::Conflict(_) => update(conn).map(drop).map_err(Into::into),
            other => Err(other),
        },
    }
}

/// The stored settings that decide which webhooks are sent: `Livechat_webhookUrl` and the
/// `Livechat_webhook_on_…` switches.
pub fn webhook_rows(conn: &mut DbConn) -> Result<Vec<SettingRow>> {
    let ids = crate::outbox::Event::ALL.map(crate::outbox::Event::setting);
    settings::table
        .filter(
            settings::id.eq(crate::settings::registry::WEBHOOK_URL).or(settings::id.eq_any(ids)),
        )
        .select(SettingRow::as_select())
        .load(conn)
        .map_err(Into::into)
}
