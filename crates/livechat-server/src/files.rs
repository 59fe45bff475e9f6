//! Files sent in rooms (SPEC section 16): what may be uploaded, how an upload is streamed
//! into the database, and the message that carries it.
//!
//! An upload is read from its multipart form piece by piece and written as 1 MiB chunks of
//! a pending file, one small write each ([`crate::db::files`]): the server never holds a
//! whole file, and no upload holds the SQLite writer for longer than one chunk. The size
//! limit is checked as the bytes arrive, and each piece must arrive within the request
//! timeout of the last (the whole-body timeout of JSON bodies does not apply). The message's
//! own transaction attaches the file ([`send_message`]).

mod names;
mod sniff;
mod thumbnail;

use std::time::Duration;

use actix_web::http::header::{HeaderMap, CONTENT_TYPE};
use actix_web::web::{self, Bytes};
use futures_util::{Stream, StreamExt as _};
use livechat_types::file::{Attachment, FileFields, FileRef, ImageDimensions};
use livechat_types::ErrorCode;

pub use names::{content_disposition, sanitise_name};
pub use sniff::{sniff, TypeLists};

use crate::db::files::{FileRow, CHUNK_SIZE};
use crate::db::messages::{Author, NewMessage};
use crate::db::models::MessageRow;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::settings::{registry, Values};
use crate::AppState;

/// How long a pending file waits for its message before the timers delete it.
pub const PENDING_FOR: Duration = Duration::from_secs(24 * 3600);

/// The upload rules in force: the `FileUpload_*` settings.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The largest file, in bytes.
    pub max_size: u64,
    /// The type allow and deny lists.
    pub types: TypeLists,
}

impl Policy {
    /// The rules `settings` set.
    pub fn of(settings: &Values) -> Self {
        Self {
            max_size: u64::try_from(settings.int(registry::FILE_UPLOAD_MAX_SIZE)).unwrap_or(0),
            types: TypeLists::new(
                settings.text(registry::FILE_UPLOAD_WHITE_LIST),
                settings.text(registry::FILE_UPLOAD_BLACK_LIST),
            ),
        }
    }
}

/// Who sends a file.
#[derive(Clone, Debug)]
pub enum Owner {
    /// A visitor, by id.
    Visitor(String),
    /// A user, by id.
    User(String),
}

/// A received upload: the stored pending file (and its thumbnail), and the form's text.
#[derive(Debug)]
pub struct Received {
    /// The file, complete and pending.
    pub file: FileRow,
    /// Its thumbnail, pending too, for a large image.
    pub thumbnail: Option<FileRow>,
    /// The form's `msg`.
    pub msg: Option<String>,
    /// The form's `description`.
    pub description: Option<String>,
}

impl Received {
    /// The ids of the file and its thumbnail.
    pub fn ids(&self) -> Vec<String> {
        std::iter::once(self.file.id.clone())
            .chain(self.thumbnail.as_ref().map(|thumbnail| thumbnail.id.clone()))
            .collect()
    }
}

/// Reads the multipart form of an upload into room `rid`: the file is stored as a pending
/// file of `owner`, the text fields are returned. Refuses, in the SPEC's order, a file over
/// the size limit (413, as soon as the limit is passed), a form without a file and a type
/// the lists refuse; a field other than `file`, `msg` and `description` is
/// `invalid-params`. Whatever was stored of a refused upload is deleted.
pub async fn receive<S>(
    state: &web::Data<AppState>,
    headers: &HeaderMap,
    payload: S,
    rid: &str,
    owner: Owner,
    policy: &Policy,
) -> Result<Received, ApiError>
where
    S: Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + 'static,
{
    let is_form =
        headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).is_some_and(|value| {
            value.trim_start().to_ascii_lowercase().starts_with("multipart/form-data")
        });
    if !is_form {
        return Err(ApiError::File(ErrorCode::NoFileUploaded));
    }
    let mut upload = Upload {
        state: state.clone(),
        rid: rid.to_owned(),
        owner,
        pause: state.config.request_timeout(),
        stored: None,
    };
    let received = upload.read_form(headers, payload, policy).await;
    match received {
        Ok(received) => Ok(received),
        Err(err) => {
            upload.discard().await;
            Err(err)
        }
    }
}

/// One upload in progress.
struct Upload {
    state: web::Data<AppState>,
    rid: String,
    owner: Owner,
    /// How long the client may pause between two pieces of the body.
    pause: Duration,
    /// The pending file stored so far.
    stored: Option<FileRow>,
}

impl Upload {
    async fn read_form<S>(
        &mut self,
        headers: &HeaderMap,
        payload: S,
        policy: &Policy,
    ) -> Result<Received, ApiError>
    where
        S: Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + 'static,
    {
        let mut form = actix_multipart::Multipart::new(headers, payload);
        let (mut msg, mut description) = (None, None);
        let mut file: Option<FileRow> = None;
        while let Some(field) = self.next_piece(&mut form).await? {
            let mut field = field;
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "file" if file.is_none() => {
                    file = Some(self.store_file(&mut field, policy).await?);
                }
                "msg" if msg.is_none() => msg = Some(self.read_text(&mut field, &name).await?),
                "description" if description.is_none() => {
                    description = Some(self.read_text(&mut field, &name).await?)
                }
                "file" | "msg" | "description" => {
                    return Err(ApiError::Params(format!("'{name}' is given twice")))
                }
                _ => return Err(ApiError::Params(format!("unknown field '{name}'"))),
            }
        }
        let mut file = file.ok_or(ApiError::File(ErrorCode::NoFileUploaded))?;
        // Once the whole form is in: the client waits for nothing more.
        let thumbnail = thumbnail::make(&self.state, &file).await;
        file.thumbnail_id = thumbnail.as_ref().map(|thumbnail| thumbnail.id.clone());
        Ok(Received { file, thumbnail, msg, description })
    }

    /// The next piece of a stream, within the pause allowed since the last one.
    async fn next_piece<T, E, S>(&self, stream: &mut S) -> Result<Option<T>, ApiError>
    where
        S: Stream<Item = Result<T, E>> + Unpin,
        E: std::fmt::Display,
    {
        match tokio::time::timeout(self.pause, stream.next()).await {
            Err(_) => Err(ErrorCode::RequestTimeout.into()),
            Ok(None) => Ok(None),
            Ok(Some(Ok(piece))) => Ok(Some(piece)),
            Ok(Some(Err(err))) => {
                tracing::debug!(error = %err, "unreadable upload form");
                Err(ApiError::Params("the form could not be read".into()))
            }
        }
    }

    /// A text field, at most the JSON body limit long.
    async fn read_text(
        &self,
        field: &mut actix_multipart::Field,
        name: &str,
    ) -> Result<String, ApiError> {
        let limit = self.state.config.body_limit;
        let mut bytes = Vec::new();
        while let Some(piece) = self.next_piece(field).await? {
            if bytes.len() + piece.len() > limit {
                return Err(ErrorCode::PayloadTooLarge.into());
            }
            bytes.extend_from_slice(&piece);
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| ApiError::Params(format!("'{name}' must be UTF-8 text")))?;
        if text.contains('\0') {
            return Err(ApiError::Params("strings must not contain NUL characters".into()));
        }
        Ok(text)
    }

    /// Streams the file field into chunks of a pending file.
    async fn store_file(
        &mut self,
        field: &mut actix_multipart::Field,
        policy: &Policy,
    ) -> Result<FileRow, ApiError> {
        let name = sanitise_name(
            field.content_disposition().and_then(|disposition| disposition.get_filename()),
        );
        let declared = field.content_type().map(|mime| mime.essence_str().to_owned());
        let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK_SIZE);
        let mut size: u64 = 0;
        let mut next_chunk: i64 = 0;
        let mut dimensions = None;
        loop {
            let piece = self.next_piece(field).await?;
            if let Some(piece) = &piece {
                size += piece.len() as u64;
                if size > policy.max_size {
                    return Err(ApiError::File(ErrorCode::FileTooLarge));
                }
                buffer.extend_from_slice(piece);
            }
            let done = piece.is_none();
            // The first chunk, or the whole file if smaller, decides the type before a byte
            // is stored.
            if self.stored.is_none() && (buffer.len() >= CHUNK_SIZE || done) {
                let kind = sniff(declared.as_deref(), &buffer);
                if !policy.types.allows(declared.as_deref(), &kind) {
                    return Err(ApiError::File(ErrorCode::TypeNotAllowed));
                }
                if kind.starts_with("image/") {
                    dimensions = imagesize::blob_size(&buffer).ok().map(|size| {
                        (
                            i64::try_from(size.width).unwrap_or(0),
                            i64::try_from(size.height).unwrap_or(0),
                        )
                    });
                }
                self.create(name.clone(), kind).await?;
            }
            while buffer.len() >= CHUNK_SIZE {
                let rest = buffer.split_off(CHUNK_SIZE);
                let chunk = std::mem::replace(&mut buffer, rest);
                self.write_chunk(next_chunk, chunk).await?;
                next_chunk += 1;
            }
            if done {
                let size = i64::try_from(size).unwrap_or(i64::MAX);
                let last = (!buffer.is_empty()).then_some(std::mem::take(&mut buffer));
                self.finish(next_chunk, last, size, dimensions).await?;
                break;
            }
        }
        self.stored.clone().ok_or_else(|| ApiError::Internal(anyhow::format_err!("no file row")))
    }

    /// Stores the pending file's row.
    async fn create(&mut self, name: String, kind: String) -> Result<(), ApiError> {
        let (visitor_id, user_id) = match &self.owner {
            Owner::Visitor(id) => (Some(id.clone()), None),
            Owner::User(id) => (None, Some(id.clone())),
        };
        let row = FileRow {
            id: crate::ids::random_id(),
            rid: self.rid.clone(),
            visitor_id,
            user_id,
            name,
            kind,
            size: 0,
            complete: false,
            message_id: None,
            created_at: crate::handlers::now(),
            width: None,
            height: None,
            thumbnail_id: None,
        };
        let stored = row.clone();
        self.state
            .write(Key::Fresh, move |conn: &mut DbConn| -> Result<(), ApiError> {
                if db::rooms::find(conn, &stored.rid)?.is_none() {
                    return Err(ErrorCode::Unauthorized.into());
                }
                Ok(db::files::insert(conn, &stored)?)
            })
            .await?;
        self.stored = Some(row);
        Ok(())
    }

    fn stored_id(&self) -> Result<String, ApiError> {
        self.stored
            .as_ref()
            .map(|row| row.id.clone())
            .ok_or_else(|| ApiError::Internal(anyhow::format_err!("a chunk before its file")))
    }

    /// Stores chunk `n`.
    async fn write_chunk(&self, n: i64, data: Vec<u8>) -> Result<(), ApiError> {
        let id = self.stored_id()?;
        self.state
            .write(Key::Fresh, move |conn: &mut DbConn| {
                db::files::insert_chunk(conn, &id, n, &data)
            })
            .await?;
        Ok(())
    }

    /// Stores the last chunk, if any, and marks the file complete.
    async fn finish(
        &mut self,
        n: i64,
        last: Option<Vec<u8>>,
        size: i64,
        dimensions: Option<(i64, i64)>,
    ) -> Result<(), ApiError> {
        let id = self.stored_id()?;
        self.state
            .write(Key::Fresh, move |conn: &mut DbConn| -> db::Result<()> {
                if let Some(last) = &last {
                    db::files::insert_chunk(conn, &id, n, last)?;
                }
                db::files::finish(conn, &id, size, dimensions)
            })
            .await?;
        if let Some(row) = self.stored.as_mut() {
            row.size = size;
            row.complete = true;
            row.width = dimensions.map(|(width, _)| width);
            row.height = dimensions.map(|(_, height)| height);
        }
        Ok(())
    }

    /// Deletes what a refused upload stored; a failure leaves it to the expiry.
    async fn discard(&mut self) {
        let Some(row) = self.stored.take() else { return };
        let deleted = self
            .state
            .write(Key::Fresh, move |conn: &mut DbConn| {
                if let Some(thumbnail) = &row.thumbnail_id {
                    db::files::delete_pending(conn, thumbnail)?;
                }
                db::files::delete_pending(conn, &row.id)
            })
            .await;
        if let Err(err) = deleted {
            tracing::warn!(error = %err, "cannot delete a refused upload; it expires later");
        }
    }
}

/// Deletes the pending file `received` (and its thumbnail) after its message was refused.
pub async fn discard(state: &AppState, received: &Received) {
    let ids = received.ids();
    let deleted = state
        .write(Key::Fresh, move |conn: &mut DbConn| {
            ids.iter().try_for_each(|id| db::files::delete_pending(conn, id))
        })
        .await;
    if let Err(err) = deleted {
        tracing::warn!(error = %err, "cannot delete a refused upload; it expires later");
    }
}

/// What the message carrying `file` (and its `thumbnail`) says about it.
pub fn fields(
    file: &FileRow,
    thumbnail: Option<&FileRow>,
    description: Option<String>,
) -> FileFields {
    let reference = |row: &FileRow| FileRef {
        id: row.id.clone(),
        name: row.name.clone(),
        media_type: row.kind.clone(),
        size: u64::try_from(row.size).ok(),
    };
    let link = livechat_types::file::download_path(&file.id, &file.name);
    let size = u64::try_from(file.size).ok();
    let mut attachment = Attachment {
        kind: "file".into(),
        title: file.name.clone(),
        title_link: link.clone(),
        title_link_download: true,
        description: description.filter(|text| !text.is_empty()),
        ..Attachment::default()
    };
    let family = file.kind.split('/').next().unwrap_or_default();
    match family {
        "image" => {
            let shown = thumbnail.unwrap_or(file);
            attachment.image_url =
                Some(livechat_types::file::download_path(&shown.id, &shown.name));
            attachment.image_type = Some(shown.kind.clone());
            attachment.image_size = u64::try_from(shown.size).ok();
            attachment.image_dimensions = file.width.zip(file.height).and_then(|(w, h)| {
                Some(ImageDimensions {
                    width: u64::try_from(w).ok()?,
                    height: u64::try_from(h).ok()?,
                })
            });
        }
        "audio" => {
            attachment.audio_url = Some(link);
            attachment.audio_type = Some(file.kind.clone());
            attachment.audio_size = size;
        }
        "video" => {
            attachment.video_url = Some(link);
            attachment.video_type = Some(file.kind.clone());
            attachment.video_size = size;
        }
        _ => {}
    }
    FileFields {
        file: reference(file),
        files: std::iter::once(file).chain(thumbnail).map(reference).collect(),
        attachments: vec![attachment],
    }
}

/// Stores the message of `author` carrying `received` in its room, and attaches the files,
/// in one write of the room. Refuses with `invalid-file` when a file is no longer pending
/// (it expired, or was attached meanwhile).
pub async fn send_message(
    state: &AppState,
    author: Author,
    rid: String,
    received: &Received,
) -> Result<Result<MessageRow, db::messages::Refusal>, ApiError> {
    let data = serde_json::to_string(&fields(
        &received.file,
        received.thumbnail.as_ref(),
        received.description.clone(),
    ))
    .map_err(|err| ApiError::Internal(err.into()))?;
    let new = NewMessage {
        author,
        rid: rid.clone(),
        id: None,
        text: received.msg.clone().unwrap_or_default(),
        now: crate::handlers::now(),
        max_chars: state.config.message_max_chars,
    };
    let ids = received.ids();
    let hooks = crate::outbox::Hooks::from_values(&*state.settings().await?);
    let stored = state
        .write(Key::Room(rid), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let mut row = match db::messages::store(conn, &new)? {
                Ok(row) => row,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if db::files::attach(conn, &ids, &row.id)? != ids.len() {
                return Err(ApiError::Described("Invalid file".into(), ErrorCode::InvalidFile));
            }
            db::messages::set_data(conn, &row.id, &data)?;
            row.data = Some(data);
            db::messages::message_hook(conn, hooks, &row)?;
            Ok(Ok(row))
        })
        .await;
    if hooks.any() {
        state.outbox.wake();
    }
    stored
}
