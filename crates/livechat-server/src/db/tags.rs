//! The `tags` and `tag_departments` tables. A name is unique (the index decides). Changes
//! are writes of their own ([`super::Key::Many`]).

use diesel::prelude::*;
use livechat_types::tag::Tag;

use super::schema::{tag_departments, tags};
use super::{escape_like, lower, DbConn, Error, Result};

/// A tag row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub updated_at: i64,
}

impl TagRow {
    /// The tag on the wire, with its departments.
    pub fn to_wire(&self, departments: Vec<String>) -> Tag {
        Tag {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            num_departments: i64::try_from(departments.len()).unwrap_or(i64::MAX),
            departments,
        }
    }
}

/// The tags whose name contains `text` (ignoring ASCII case), offered to every department or
/// to one of `departments` (`None`: any tag), by name; each with its departments.
pub fn list(
    conn: &mut DbConn,
    text: Option<&str>,
    departments: Option<&[String]>,
) -> Result<Vec<(TagRow, Vec<String>)>> {
    let mut query = tags::table.into_boxed();
    if let Some(text) = text {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        query = query.filter(lower(tags::name).like(pattern).escape('\\'));
    }
    let rows: Vec<TagRow> =
        query.order((tags::name.asc(), tags::id.asc())).select(TagRow::as_select()).load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let links: Vec<(String, String)> = tag_departments::table
        .filter(tag_departments::tag_id.eq_any(&ids))
        .order((tag_departments::tag_id.asc(), tag_departments::department_id.asc()))
        .select((tag_departments::tag_id, tag_departments::department_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let of: Vec<String> = links
                .iter()
                .filter(|(tag, _)| *tag == row.id)
                .map(|(_, department)| department.clone())
                .collect();
            (row, of)
        })
        .filter(|(_, of)| match departments {
            None => true,
            Some(mine) => of.is_empty() || of.iter().any(|department| mine.contains(department)),
        })
        .collect())
}

/// The tag with this id and its departments.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<(TagRow, Vec<String>)>> {
    let Some(row) = tags::table.find(id).select(TagRow::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let departments = tag_departments::table
        .filter(tag_departments::tag_id.eq(id))
        .order(tag_departments::department_id.asc())
        .select(tag_departments::department_id)
        .load(conn)?;
    Ok(Some((row, departments)))
}

/// Stores a tag (new or changed) with its departments; `false` when its name is taken, or
/// a changed one does not exist.
pub fn save(conn: &mut DbConn, row: &TagRow, departments: &[String], new: bool) -> Result<bool> {
    let stored = if new {
        diesel::insert_into(tags::table).values(row).execute(conn)
    } else {
        diesel::update(tags::table.find(&row.id)).set(row).execute(conn)
    };
    match stored.map_err(Error::from) {
        Ok(1) => {}
        Ok(_) | Err(Error::Conflict(_)) => return Ok(false),
        Err(err) => return Err(err),
    }
    diesel::delete(tag_departments::table.filter(tag_departments::tag_id.eq(&row.id)))
        .execute(conn)?;
    for department in departments {
        diesel::insert_into(tag_departments::table)
            .values((
                tag_departments::tag_id.eq(&row.id),
                tag_departments::department_id.eq(department),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// Removes a tag; false when it did not exist.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<bool> {
    Ok(diesel::delete(tags::table.find(id)).execute(conn)? == 1)
}
