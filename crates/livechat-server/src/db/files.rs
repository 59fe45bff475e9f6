//! The `files` and `file_chunks` tables: files sent in rooms, their bytes in 1 MiB chunks.
//!
//! A file is written as *pending* (`message_id` NULL), a chunk per write, each in whatever
//! small transaction the writer commits it in ([`super::Key::Fresh`]: nobody else can know a
//! file before it is attached), so no upload holds the write lock for longer than one
//! chunk. The message's own transaction then [`attach`]es it. Pending files are never
//! served; the timers delete those older than a day ([`delete_expired`]).

use diesel::prelude::*;

use super::schema::{file_chunks, files};
use super::{DbConn, Result};

/// The size of every chunk but a file's last.
pub const CHUNK_SIZE: usize = 1024 * 1024;

/// A file row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = files)]
pub struct FileRow {
    /// The file's id.
    pub id: String,
    /// Its room.
    pub rid: String,
    /// The visitor who sent it, if a visitor did.
    pub visitor_id: Option<String>,
    /// The user who sent it, if a user did.
    pub user_id: Option<String>,
    /// Its name, sanitised.
    pub name: String,
    /// Its media type, as sniffed.
    pub kind: String,
    /// Its size in bytes (final once `complete`).
    pub size: i64,
    /// Whether every chunk is written.
    pub complete: bool,
    /// The message that carries it; `None` while pending.
    pub message_id: Option<String>,
    /// When the upload began (epoch ms).
    pub created_at: i64,
    /// An image's width in pixels.
    pub width: Option<i64>,
    /// An image's height in pixels.
    pub height: Option<i64>,
    /// The file's thumbnail (another file row), if one was made.
    pub thumbnail_id: Option<String>,
}

/// Stores a new pending file, without bytes yet.
pub fn insert(conn: &mut DbConn, row: &FileRow) -> Result<()> {
    diesel::insert_into(files::table).values(row).execute(conn)?;
    Ok(())
}

/// Stores chunk `n` of file `file_id`.
pub fn insert_chunk(conn: &mut DbConn, file_id: &str, n: i64, data: &[u8]) -> Result<()> {
    diesel::insert_into(file_chunks::table)
        .values((
            file_chunks::file_id.eq(file_id),
            file_chunks::n.eq(n),
            file_chunks::data.eq(data),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks file `id` completely written, `size` bytes long, with an image's dimensions.
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    size: i64,
    dimensions: Option<(i64, i64)>,
) -> Result<()> {
    diesel::update(files::table.find(id))
        .set((
            files::size.eq(size),
            files::complete.eq(true),
            files::width.eq(dimensions.map(|(width, _)| width)),
            files::height.eq(dimensions.map(|(_, height)| height)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records `thumbnail_id` as the thumbnail of file `id`.
pub fn set_thumbnail(conn: &mut DbConn, id: &str, thumbnail_id: &str) -> Result<()> {
    diesel::update(files::table.find(id))
        .set(files::thumbnail_id.eq(thumbnail_id))
        .execute(conn)?;
    Ok(())
}

/// The file `id`, pending or not.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<FileRow>> {
    Ok(files::table.find(id).select(FileRow::as_select()).first(conn).optional()?)
}

/// The bytes of chunk `n` of file `file_id`.
pub fn chunk(conn: &mut DbConn, file_id: &str, n: i64) -> Result<Option<Vec<u8>>> {
    Ok(file_chunks::table
        .find((file_id, n))
        .select(file_chunks::data)
        .first::<Vec<u8>>(conn)
        .optional()?)
}

/// Attaches the complete pending files `ids` to message `message_id`; how many it attached
/// (fewer than asked when one expired or is not complete).
pub fn attach(conn: &mut DbConn, ids: &[String], message_id: &str) -> Result<usize> {
    Ok(diesel::update(
        files::table
            .filter(files::id.eq_any(ids))
            .filter(files::message_id.is_null())
            .filter(files::complete.eq(true)),
    )
    .set(files::message_id.eq(message_id))
    .execute(conn)?)
}

/// Deletes the files of message `message_id` and their chunks.
pub fn delete_of_message(conn: &mut DbConn, message_id: &str) -> Result<()> {
    diesel::delete(files::table.filter(files::message_id.eq(message_id))).execute(conn)?;
    Ok(())
}

/// Deletes file `id` and its chunks, unless a message carries it.
pub fn delete_pending(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(files::table.find(id).filter(files::message_id.is_null())).execute(conn)?;
    Ok(())
}

/// The pending files begun before `before`, oldest first, at most `limit`.
pub fn expired(conn: &mut DbConn, before: i64, limit: i64) -> Result<Vec<String>> {
    Ok(files::table
        .filter(files::message_id.is_null())
        .filter(files::created_at.lt(before))
        .order(files::created_at.asc())
        .limit(limit)
        .select(files::id)
        .load(conn)?)
}

/// How many chunks file `file_id` has (for tests and checks).
pub fn chunk_count(conn: &mut DbConn, file_id: &str) -> Result<i64> {
    Ok(file_chunks::table.filter(file_chunks::file_id.eq(file_id)).count().get_result(conn)?)
}

/// How many files room `rid` holds, pending or not.
pub fn count_in_room(conn: &mut DbConn, rid: &str) -> Result<i64> {
    Ok(files::table.filter(files::rid.eq(rid)).count().get_result(conn)?)
}
