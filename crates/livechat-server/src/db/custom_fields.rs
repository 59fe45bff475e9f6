//! The `custom_fields` (definitions) and `room_fields` (rooms' values) tables; visitors'
//! values are in [`super::visitors`].

use diesel::prelude::*;
use livechat_types::custom_field::{CustomField, FormField};
use livechat_types::Timestamp;

use super::schema::{custom_fields, room_fields, visitor_fields};
use super::{lower, DbConn, Result};

/// A definition row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = custom_fields)]
pub struct CustomFieldRow {
    pub id: String,
    pub label: String,
    pub scope: String,
    pub visibility: String,
    pub regexp: String,
    pub searchable: bool,
    pub kind: String,
    pub required: bool,
    pub default_value: String,
    pub options: String,
    pub public: bool,
    pub updated_at: i64,
}

impl CustomFieldRow {
    /// The definition on the wire.
    pub fn to_wire(&self) -> CustomField {
        CustomField {
            id: self.id.clone(),
            label: self.label.clone(),
            scope: self.scope.clone(),
            visibility: self.visibility.clone(),
            regexp: self.regexp.clone(),
            searchable: self.searchable,
            kind: self.kind.clone(),
            required: self.required,
            default_value: self.default_value.clone(),
            options: self.options.clone(),
            public: self.public,
            updated_at: Timestamp(self.updated_at),
        }
    }

    /// The field as the registration form shows it.
    pub fn to_form(&self) -> FormField {
        let options: Vec<String> = self
            .options
            .split(',')
            .map(str::trim)
            .filter(|option| !option.is_empty())
            .map(str::to_owned)
            .collect();
        FormField {
            id: self.id.clone(),
            label: self.label.clone(),
            regexp: self.regexp.clone(),
            required: self.required,
            kind: self.kind.clone(),
            default_value: self.default_value.clone(),
            options: (!options.is_empty()).then_some(options),
        }
    }
}

/// The definition with this key.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CustomFieldRow>> {
    custom_fields::table
        .find(id)
        .select(CustomFieldRow::as_select())
        .first(conn)
        .optional()
        .map_err(Into::into)
}

/// The definitions of `keys` (those that exist).
pub fn find_all(conn: &mut DbConn, keys: &[String]) -> Result<Vec<CustomFieldRow>> {
    custom_fields::table
        .filter(custom_fields::id.eq_any(keys))
        .select(CustomFieldRow::as_select())
        .load(conn)
        .map_err(Into::into)
}

/// A page of definitions by key, those whose key or label contains `text` (ignoring case),
/// and the total count.
pub fn list(
    conn: &mut DbConn,
    text: Option<&str>,
    offset: i64,
    count: i64,
) -> Result<(Vec<CustomFieldRow>, i64)> {
    let query = || {
        let mut query = custom_fields::table.into_boxed();
        if let Some(text) = text {
            let pattern = format!("%{}%", super::escape_like(&text.to_lowercase()));
            query = query.filter(
                lower(custom_fields::id).like(pattern.clone()).escape('\\').or(lower(
                    custom_fields::label,
                )
                .like(pattern)
                .escape('\\')),
            );
        }
        query
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .order(custom_fields::id.asc())
        .offset(offset)
        .limit(count)
        .select(CustomFieldRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The visible visitor fields, for the widget's registration form.
pub fn form(conn: &mut DbConn) -> Result<Vec<FormField>> {
    let rows: Vec<CustomFieldRow> = custom_fields::table
        .filter(custom_fields::scope.eq("visitor"))
        .filter(custom_fields::visibility.eq("visible"))
        .order(custom_fields::id.asc())
        .select(CustomFieldRow::as_select())
        .load(conn)?;
    Ok(rows.iter().map(CustomFieldRow::to_form).collect())
}

/// Stores a new definition, or replaces one.
pub fn save(conn: &mut DbConn, row: &CustomFieldRow, existing: bool) -> Result<()> {
    if existing {
        diesel::update(custom_fields::table.find(&row.id)).set(row).execute(conn)?;
    } else {
        diesel::insert_into(custom_fields::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// Removes a definition and every value stored under it.
pub fn remove(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(visitor_fields::table.filter(visitor_fields::key.eq(id))).execute(conn)?;
    diesel::delete(room_fields::table.filter(room_fields::key.eq(id))).execute(conn)?;
    diesel::delete(custom_fields::table.find(id)).execute(conn)?;
    Ok(())
}

/// Sets room field `key` of room `rid` (key [`super::Key::Room`]). `overwrite` replaces a
/// value it has.
pub fn set_room_field(
    conn: &mut DbConn,
    rid: &str,
    key: &str,
    value: &str,
    overwrite: bool,
) -> Result<()> {
    let stored = room_fields::table
        .find((rid, key))
        .select(room_fields::value)
        .first::<String>(conn)
        .optional()?;
    match stored {
        Some(_) if !overwrite => {}
        Some(_) => {
            diesel::update(room_fields::table.find((rid, key)))
                .set(room_fields::value.eq(value))
                .execute(conn)?;
        }
        None => {
            let row =
                (room_fields::rid.eq(rid), room_fields::key.eq(key), room_fields::value.eq(value));
            diesel::insert_into(room_fields::table).values(row).execute(conn)?;
        }
    }
    Ok(())
}

/// The custom fields of rooms `rids`: `(rid, key, value)`, by room and key.
pub fn of_rooms(conn: &mut DbConn, rids: &[String]) -> Result<Vec<(String, String, String)>> {
    room_fields::table
        .filter(room_fields::rid.eq_any(rids))
        .order((room_fields::rid.asc(), room_fields::key.asc()))
        .select((room_fields::rid, room_fields::key, room_fields::value))
        .load(conn)
        .map_err(Into::into)
}
