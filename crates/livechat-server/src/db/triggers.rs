//! The `triggers` table.

use diesel::prelude::*;
use livechat_types::trigger::Trigger;
use livechat_types::Timestamp;

use super::schema::triggers;
use super::{DbConn, Result};

/// A trigger row; conditions and actions as JSON text.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = triggers)]
pub struct TriggerRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub run_once: bool,
    pub conditions: String,
    pub actions: String,
    pub updated_at: i64,
}

impl TriggerRow {
    /// The trigger on the wire.
    pub fn to_wire(&self) -> Trigger {
        Trigger {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            enabled: self.enabled,
            run_once: self.run_once,
            conditions: serde_json::from_str(&self.conditions).unwrap_or_default(),
            actions: serde_json::from_str(&self.actions).unwrap_or_default(),
            updated_at: Timestamp(self.updated_at),
        }
    }
}

/// The trigger with this id.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<TriggerRow>> {
    triggers::table
        .find(id)
        .select(TriggerRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// A page of triggers by name, and the total count.
pub fn list(conn: &mut DbConn, offset: i64, count: i64) -> Result<(Vec<TriggerRow>, i64)> {
    let total = triggers::table.count().get_result(conn)?;
    let rows = triggers::table
        .order((triggers::name.asc(), triggers::id.asc()))
        .offset(offset)
        .limit(count)
        .select(TriggerRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The enabled triggers, by name (`livechat/config`).
pub fn enabled(conn: &mut DbConn) -> Result<Vec<TriggerRow>> {
    triggers::table
        .filter(triggers::enabled.eq(true))
        .order((triggers::name.asc(), triggers::id.asc()))
        .select(TriggerRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// Stores a new trigger.
pub fn insert(conn: &mut DbConn, row: &TriggerRow) -> Result<()> {
    diesel::insert_into(triggers::table).values(row).execute(conn)?;
    Ok(())
}

/// Replaces a trigger; false when it does not exist.
pub fn update(conn: &mut DbConn, row: &TriggerRow) -> Result<bool> {
    let changed = diesel::update(triggers::table.find(&row.id)).set(row).execute(conn)?;
    Ok(changed == 1)
}

/// Removes a trigger; false when it did not exist.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<bool> {
    Ok(diesel::delete(triggers::table.find(id)).execute(conn)? == 1)
}
