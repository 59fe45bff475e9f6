//! The `visitors` table.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::models::VisitorRow;
use super::schema::{counters, visitors};
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
