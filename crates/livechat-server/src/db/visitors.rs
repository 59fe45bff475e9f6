//! The `visitors` table.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::models::VisitorRow;
use super::schema::{counters, visitor_fields, visitors};
use super::{DbConn, Result};

/// The visitor with this token.
pub fn find_by_token(conn: &mut DbConn, token: &str) -> Result<Option<VisitorRow>> {
    let find = FindByToken { token };
    match conn {
        DbConn::Sqlite(sqlite) => find.get_result(sqlite),
        DbConn::Postgres(pg) => find.get_result(pg),
    }
    .optional()
    .map_err(Into::into)
}

/// [`find_by_token`]'s SELECT: a fixed statement without `LIMIT` (tokens are unique), so
/// it is prepared once per connection.
struct FindByToken<'a> {
    token: &'a str,
}

impl diesel::query_builder::Query for FindByToken<'_> {
    type SqlType = visitors::SqlType;
}

fixed_statement!(FindByToken, |this, out, _pg| {
    out.push_sql("SELECT ");
    visitors::all_columns.walk_ast(out.reborrow())?;
    out.push_sql(" FROM visitors WHERE token = ");
    out.push_bind_param::<Text, _>(&this.token)?;
});

/// The visitor with this id.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<VisitorRow>> {
    visitors::table
        .find(id)
        .select(VisitorRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// Stores a new visitor.
pub fn insert(conn: &mut DbConn, row: &VisitorRow) -> Result<()> {
    diesel::insert_into(visitors::table).values(row).execute(conn).map(drop).map_err(Into::into)
}

/// Replaces a visitor's details.
pub fn update(conn: &mut DbConn, row: &VisitorRow) -> Result<()> {
    diesel::update(visitors::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(drop)
        .map_err(Into::into)
}

/// Marks a visitor changed at `now` (a custom field was set).
pub fn touch(conn: &mut DbConn, id: &str, now: i64) -> Result<()> {
    diesel::update(visitors::table.find(id))
        .set(visitors::updated_at.eq(now))
        .execute(conn)
        .map(drop)
        .map_err(Into::into)
}

/// Removes a visitor; its rooms and messages go with it (foreign keys cascade). Locks its
/// rooms, in id order, before the visitor (the lock order of [`super`]): a write of its own
/// ([`super::Key::Many`]).
pub fn delete(conn: &mut DbConn, id: &str) -> Result<()> {
    if let DbConn::Postgres(pg) = conn {
        super::schema::rooms::table
            .filter(super::schema::rooms::visitor_id.eq(id))
            .order(super::schema::rooms::id.asc())
            .select(super::schema::rooms::id)
            .for_update()
            .load::<String>(pg)?;
    }
    diesel::delete(visitors::table.find(id)).execute(conn)?;
    Ok(())
}

diesel::define_sql_function! {
    /// PostgreSQL's `nextval(sequence)`.
    fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt;
}

/// The next `n` for a `guest-<n>` username.
pub fn next_guest_number(conn: &mut DbConn) -> Result<i64> {
    // A sequence on PostgreSQL, so concurrent instances never queue on one row; SQLite has
    // one writer anyway.
    if let DbConn::Postgres(pg) = conn {
        return Ok(diesel::select(nextval("guest_numbers")).get_result(pg)?);
    }
    diesel::update(counters::table.find("guest"))
        .set(counters::value.eq(counters::value + 1))
        .execute(conn)?;
    counters::table.find("guest").select(counters::value).first(conn).map_err(Into::into)
}

/// What [`set_field`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldSet {
    /// The field is stored with the new value.
    Stored,
    /// The field was set already and `overwrite` was not asked: unchanged.
    Kept,
    /// The visitor keeps `limit` fields already; a new one is not stored.
    Full,
}

/// Sets one custom field of a visitor: a new field when the visitor keeps fewer than
/// `limit`, a new value for a field it has when `overwrite` is set. Touches that field's row
/// only.
pub fn set_field(
    conn: &mut DbConn,
    visitor_id: &str,
    key: &str,
    value: &str,
    overwrite: bool,
    limit: usize,
) -> Result<FieldSet> {
    let stored = visitor_fields::table
        .find((visitor_id, key))
        .select(visitor_fields::value)
        .first::<String>(conn)
        .optional()?;
    match stored {
        Some(_) if !overwrite => Ok(FieldSet::Kept),
        Some(old) if old == value => Ok(FieldSet::Stored),
        Some(_) => {
            diesel::update(visitor_fields::table.find((visitor_id, key)))
                .set(visitor_fields::value.eq(value))
                .execute(conn)?;
            Ok(FieldSet::Stored)
        }
        None => {
            let count: i64 = visitor_fields::table
                .filter(visitor_fields::visitor_id.eq(visitor_id))
                .count()
                .get_result(conn)?;
            if usize::try_from(count).unwrap_or(usize::MAX) >= limit {
                return Ok(FieldSet::Full);
            }
            let row = (
                visitor_fields::visitor_id.eq(visitor_id),
                visitor_fields::key.eq(key),
                visitor_fields::value.eq(value),
            );
            let inserted = conn.transaction(|conn| {
                diesel::insert_into(visitor_fields::table).values(row).execute(conn)
            });
            match inserted.map_err(super::Error::from) {
                Ok(_) => Ok(FieldSet::Stored),
                // Set at the same moment through another instance: as if it had been first.
                Err(super::Error::Conflict(_)) if overwrite => {
                    diesel::update(visitor_fields::table.find((visitor_id, key)))
                        .set(visitor_fields::value.eq(value))
                        .execute(conn)?;
                    Ok(FieldSet::Stored)
                }
                Err(super::Error::Conflict(_)) => Ok(FieldSet::Kept),
                Err(err) => Err(err),
            }
        }
    }
}

/// A visitor's custom fields, or `None` when it has none.
pub fn fields(
    conn: &mut DbConn,
    visitor_id: &str,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
    let rows: Vec<(String, String)> = visitor_fields::table
        .filter(visitor_fields::visitor_id.eq(visitor_id))
        .order(visitor_fields::key.asc())
        .select((visitor_fields::key, visitor_fields::value))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(rows.into_iter().map(|(key, value)| (key, serde_json::Value::String(value))).collect()))
}
