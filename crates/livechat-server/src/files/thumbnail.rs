//! Thumbnails of large images, so clients show a preview without the original.
//!
//! The original is read back chunk by chunk from the database (never whole into memory
//! before decoding), decoded under a memory limit, one image at a time per instance.

use std::io::{Read, Seek, SeekFrom};

use actix_web::web;

use crate::db::files::{FileRow, CHUNK_SIZE};
use crate::db::{self, DbConn, Key};
use crate::AppState;

/// Images with a side longer than this get a thumbnail that fits in this square.
pub const THUMBNAIL_SIDE: u32 = 480;
/// Larger images (in pixels) get no thumbnail.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The most memory one decode may allocate.
const DECODE_MEMORY: u64 = 192 * 1024 * 1024;

/// One decode at a time per instance: with the limit above, at most that much memory.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Makes and stores (pending, like `file`) a thumbnail of image `file`, if it is a large
/// image of a format decoded here; `None` otherwise, or when decoding fails (logged).
pub async fn make(state: &web::Data<AppState>, file: &FileRow) -> Option<FileRow> {
    let format = image::ImageFormat::from_mime_type(&file.kind)?;
    if !matches!(
        format,
        image::ImageFormat::Png
            | image::ImageFormat::Jpeg
            | image::ImageFormat::Gif
            | image::ImageFormat::WebP
    ) {
        return None;
    }
    let (width, height) = (u64::try_from(file.width?).ok()?, u64::try_from(file.height?).ok()?);
    if width.max(height) <= u64::from(THUMBNAIL_SIDE) || width * height > MAX_PIXELS {
        return None;
    }
    let _permit = DECODING.acquire().await.ok()?;
    let pool = state.db.pool.clone();
    let (id, size) = (file.id.clone(), u64::try_from(file.size).ok()?);
    let made = tokio::task::spawn_blocking(move || -> anyhow::Result<(Vec<u8>, &'static str)> {
        let reader = ChunkReader { conn: pool.get()?, id, size, pos: 0, chunk: None };
        let mut decoder = image::ImageReader::with_format(std::io::BufReader::new(reader), format);
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(DECODE_MEMORY);
        decoder.limits(limits);
        let image = decoder.decode()?;
        let thumbnail = image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
        let mut bytes = std::io::Cursor::new(Vec::new());
        if image.color().has_alpha() {
            thumbnail.write_to(&mut bytes, image::ImageFormat::Png)?;
            Ok((bytes.into_inner(), "image/png"))
        } else {
            image::DynamicImage::ImageRgb8(thumbnail.to_rgb8())
                .write_to(&mut bytes, image::ImageFormat::Jpeg)?;
            Ok((bytes.into_inner(), "image/jpeg"))
        }
    })
    .await;
    let (bytes, kind) = match made {
        Ok(Ok(made)) => made,
        Ok(Err(err)) => {
            tracing::info!(error = %err, "no thumbnail for an uploaded image");
            return None;
        }
        Err(err) => {
            tracing::warn!(error = %err, "thumbnailing failed");
            return None;
        }
    };
    let extension = if kind == "image/png" { "png" } else { "jpg" };
    let stem = file.name.rsplit_once('.').map_or(file.name.as_str(), |(stem, _)| stem);
    let thumbnail = FileRow {
        id: crate::ids::random_id(),
        name: super::sanitise_name(Some(&format!("thumb-{stem}.{extension}"))),
        kind: kind.to_owned(),
        size: i64::try_from(bytes.len()).ok()?,
        complete: true,
        width: None,
        height: None,
        thumbnail_id: None,
        created_at: crate::handlers::now(),
        ..file.clone()
    };
    let (row, original) = (thumbnail.clone(), file.id.clone());
    let stored = state
        .write(Key::Fresh, move |conn: &mut DbConn| -> db::Result<()> {
            db::files::insert(conn, &row)?;
            for (n, chunk) in bytes.chunks(CHUNK_SIZE).enumerate() {
                db::files::insert_chunk(conn, &row.id, i64::try_from(n).unwrap_or(0), chunk)?;
            }
            db::files::set_thumbnail(conn, &original, &row.id)
        })
        .await;
    match stored {
        Ok(()) => Some(thumbnail),
        Err(err) => {
            tracing::warn!(error = %err, "cannot store a thumbnail");
            None
        }
    }
}

/// A stored file as a seekable byte stream, one chunk in memory at a time.
struct ChunkReader {
    conn: r2d2::PooledConnection<db::DbManager>,
    id: String,
    size: u64,
    pos: u64,
    chunk: Option<(u64, Vec<u8>)>,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let chunk_size = CHUNK_SIZE as u64;
        let n = self.pos / chunk_size;
        if self.chunk.as_ref().map(|(loaded, _)| *loaded) != Some(n) {
            let index = i64::try_from(n).map_err(std::io::Error::other)?;
            let bytes = db::files::chunk(&mut self.conn, &self.id, index)
                .map_err(std::io::Error::other)?
                .ok_or_else(|| std::io::Error::other("a chunk is missing"))?;
            self.chunk = Some((n, bytes));
        }
        let Some((_, bytes)) = &self.chunk else { return Ok(0) };
        let offset = usize::try_from(self.pos % chunk_size).map_err(std::io::Error::other)?;
        let available = bytes.get(offset..).unwrap_or_default();
        let count = available.len().min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        self.pos += count as u64;
        Ok(count)
    }
}

impl Seek for ChunkReader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.size.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        };
        self.pos = target.ok_or_else(|| std::io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}
