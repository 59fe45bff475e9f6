//! Files in rooms (SPEC section 16): uploads by the room's visitor (`livechat/upload`) and
//! by its agents (`rooms.upload`, or `rooms.media` + `rooms.mediaConfirm`), and downloads
//! (`GET /file-upload/{id}/{name}`).
//!
//! Both directions stream: an upload reads its file or stream piece by piece as the server
//! takes it, and a [`Download`] yields the bytes as they arrive, so neither side holds a
//! whole file in memory.

use std::ops::{RangeFrom, RangeInclusive};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, BoxStream, Stream, StreamExt as _, TryStreamExt as _};
use livechat_types::file::{media, media_confirm, room_upload, upload, PendingFile, FILE_FIELD};
use livechat_types::message::Message;
use livechat_types::{Endpoint as _, RoomId, VisitorToken};
use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::agent::AgentSession;
use crate::client::{api_error, decode, retry_after, Client};
use crate::error::Error;
use crate::visitor::Visitor;

/// How much of a file an upload from a path reads at a time.
const READ_SIZE: usize = 64 * 1024;

/// The media type of a file whose type is not known.
const OCTET_STREAM: &str = "application/octet-stream";

/// A file to send: its bytes (a file on disk, a stream or a buffer), its name and media type,
/// and optionally the message's text and a description.
///
/// The server decides the stored type from the bytes: the declared type stands only when the
/// file's content agrees (images, audio, video, PDF), else the file is stored as
/// `application/octet-stream`.
pub struct Upload {
    name: String,
    content_type: String,
    length: Option<u64>,
    body: reqwest::Body,
    msg: Option<String>,
    description: Option<String>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("length", &self.length)
            .field("msg", &self.msg)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Upload {
    /// The file at `path`, streamed from disk as the server takes it (never read whole into
    /// memory). Its name is the path's last component, its type guessed from the extension
    /// (`application/octet-stream` when unknown), its length the file's size when opened.
    /// Fails with [`Error::Io`] when the file cannot be opened.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let file = tokio::fs::File::open(path).await?;
        let length = file.metadata().await?.len();
        let name = path
            .file_name()
            .map_or_else(|| "file".to_owned(), |name| name.to_string_lossy().into_owned());
        let content_type = mime_guess::from_path(path).first_raw().unwrap_or(OCTET_STREAM);
        let body = reqwest::Body::wrap_stream(read_file(file));
        Ok(Self::new(name, content_type, Some(length), body))
    }

    /// A file whose bytes come from `stream`, read as the server takes them. Without
    /// [`Upload::with_length`] the form is sent with chunked transfer encoding. An error
    /// from the stream aborts the upload ([`Error::Transport`]).
    pub fn from_stream<S, E>(
        name: impl Into<String>,
        content_type: impl Into<String>,
        stream: S,
    ) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Self::new(name, content_type, None, reqwest::Body::wrap_stream(stream))
    }

    /// A file held in memory.
    pub fn from_bytes(
        name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        let bytes = bytes.into();
        let length = bytes.len() as u64;
        Self::new(name, content_type, Some(length), reqwest::Body::from(bytes))
    }

    fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        length: Option<u64>,
        body: reqwest::Body,
    ) -> Self {
        Self {
            name: name.into(),
            content_type: content_type.into(),
            length,
            body,
            msg: None,
            description: None,
        }
    }

    /// Declares the file's length in bytes (the form then carries a `Content-Length`). It
    /// must be exact: a stream that yields more or fewer bytes fails the upload.
    pub fn with_length(mut self, length: u64) -> Self {
        self.length = Some(length);
        self
    }

    /// Sends the file under this name (the server keeps it but for path separators and
    /// control characters, at most 255 characters).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Declares this media type (`image/png`).
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// The text of the message that carries the file (at most the server's message
    /// length). Not sent by [`AgentSession::upload_pending`]: give it to
    /// [`AgentSession::confirm_upload`] instead.
    pub fn with_message(mut self, msg: impl Into<String>) -> Self {
        self.msg = Some(msg.into());
        self
    }

    /// What the sender says about the file (the attachment's `description`). Not sent by
    /// [`AgentSession::upload_pending`].
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The file's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared media type.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The declared length in bytes, if known.
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// The multipart form: the text fields first, then the file.
    fn into_form(self, with_text: bool) -> Result<Form, Error> {
        let part = match self.length {
            Some(length) => Part::stream_with_length(self.body, length),
            None => Part::stream(self.body),
        };
        let part = part.file_name(self.name).mime_str(&self.content_type)?;
        let mut form = Form::new();
        if with_text {
            if let Some(msg) = self.msg {
                form = form.text("msg", msg);
            }
            if let Some(description) = self.description {
                form = form.text("description", description);
            }
        }
        Ok(form.part(FILE_FIELD, part))
    }
}

/// The pieces of `file`, read as they are asked for.
fn read_file(file: tokio::fs::File) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    stream::try_unfold(file, |mut file| async move {
        let mut buffer = BytesMut::with_capacity(READ_SIZE);
        let read = file.read_buf(&mut buffer).await?;
        Ok((read > 0).then(|| (buffer.freeze(), file)))
    })
}

/// A byte range of a download (`Range: bytes=...`); the server answers `206` with those
/// bytes, or `416` (an [`Error::Api`] with status 416) for a range past the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// Bytes `start` to `end`, both included.
    Span {
        /// The first byte.
        start: u64,
        /// The last byte.
        end: u64,
    },
    /// From byte `start` to the end of the file.
    From(u64),
    /// The last `n` bytes of the file.
    Last(u64),
}

impl ByteRange {
    /// The `Range` header's value.
    pub fn header_value(&self) -> String {
        match self {
            Self::Span { start, end } => format!("bytes={start}-{end}"),
            Self::From(start) => format!("bytes={start}-"),
            Self::Last(n) => format!("bytes=-{n}"),
        }
    }
}

impl From<RangeInclusive<u64>> for ByteRange {
    /// `10..=19`: bytes 10 to 19.
    fn from(range: RangeInclusive<u64>) -> Self {
        Self::Span { start: *range.start(), end: *range.end() }
    }
}

impl From<RangeFrom<u64>> for ByteRange {
    /// `10..`: from byte 10 to the end.
    fn from(range: RangeFrom<u64>) -> Self {
        Self::From(range.start)
    }
}

/// Who downloads a file. With `FileUpload_ProtectFiles` on (the default) the server serves
/// a file only to its room's visitor and to the room's agents, managers and admins.
#[derive(Clone)]
pub enum DownloadAuth {
    /// No credentials: only works with `FileUpload_ProtectFiles` off.
    Anonymous,
    /// The visitor of room `room_id` (the file's room), by its token (sent as the widget
    /// does: `rc_room_type=l`, `rc_rid`, `rc_token` in the query).
    Visitor {
        /// The file's room.
        room_id: RoomId,
        /// The visitor's token.
        token: VisitorToken,
    },
    /// A user, by `X-User-Id` and `X-Auth-Token` (see [`AgentSession`]).
    Agent {
        /// `X-User-Id`.
        user_id: String,
        /// `X-Auth-Token`.
        auth_token: String,
    },
}

impl std::fmt::Debug for DownloadAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Anonymous => f.write_str("Anonymous"),
            Self::Visitor { room_id, .. } => write!(f, "Visitor({}, ***)", room_id.as_str()),
            Self::Agent { user_id, .. } => write!(f, "Agent({user_id})"),
        }
    }
}

/// A file being downloaded: the reply's headers, and its bytes as a stream
/// (`Stream<Item = Result<Bytes, Error>>`) that reads them as they are asked for.
pub struct Download {
    status: u16,
    content_type: Option<String>,
    content_length: Option<u64>,
    content_disposition: Option<String>,
    content_range: Option<String>,
    body: BoxStream<'static, Result<Bytes, Error>>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .field("content_disposition", &self.content_disposition)
            .field("content_range", &self.content_range)
            .finish_non_exhaustive()
    }
}

impl Download {
    /// The HTTP status: 200 for the whole file, 206 for a range.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether this is a range of the file (`206 Partial Content`).
    pub fn is_partial(&self) -> bool {
        self.status == 206
    }

    /// The file's media type (`Content-Type`), as the server stored it.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The number of bytes this reply carries (`Content-Length`): the file's size, or the
    /// range's.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The `Content-Disposition` header: `inline` for images (not SVG), audio and video,
    /// `attachment` for the rest, with the file's name.
    pub fn content_disposition(&self) -> Option<&str> {
        self.content_disposition.as_deref()
    }

    /// The `Content-Range` header of a range (`bytes 10-19/4096`).
    pub fn content_range(&self) -> Option<&str> {
        self.content_range.as_deref()
    }

    /// The file's name from `Content-Disposition` (its exact `filename*`, else `filename`).
    pub fn file_name(&self) -> Option<String> {
        let disposition = self.content_disposition.as_deref()?;
        let params = || disposition.split(';').map(str::trim).filter_map(|p| p.split_once('='));
        let exact = params().find_map(|(key, value)| {
            let encoded = value.strip_prefix("UTF-8''").or_else(|| value.strip_prefix("utf-8''"));
            (key.eq_ignore_ascii_case("filename*")).then_some(encoded).flatten()
        });
        if let Some(name) = exact.and_then(percent_decode) {
            return Some(name);
        }
        params()
            .find(|(key, _)| key.eq_ignore_ascii_case("filename"))
            .map(|(_, value)| value.trim_matches('"').to_owned())
    }

    /// Reads the rest of the file into memory. For large files prefer the stream or
    /// [`Download::save`].
    pub async fn bytes(self) -> Result<Bytes, Error> {
        let mut all = BytesMut::with_capacity(
            self.content_length.map_or(0, |n| usize::try_from(n).unwrap_or(0).min(1 << 24)),
        );
        let mut body = self.body;
        while let Some(piece) = body.try_next().await? {
            all.extend_from_slice(&piece);
        }
        Ok(all.freeze())
    }

    /// Writes the rest of the file to `path` (created or truncated) as it arrives, and
    /// returns the number of bytes written. Fails with [`Error::Io`] when the file cannot be
    /// written.
    pub async fn save(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let mut file = tokio::fs::File::create(path).await?;
        let mut written = 0;
        let mut body = self.body;
        while let Some(piece) = body.try_next().await? {
            file.write_all(&piece).await?;
            written += piece.len() as u64;
        }
        file.flush().await?;
        Ok(written)
    }
}

impl Stream for Download {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.body.poll_next_unpin(cx)
    }
}

/// Decodes `%XX` escapes (UTF-8); `None` for a malformed escape or invalid UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// Where a message's file is downloaded: its attachment's `title_link` (the original, not
/// the thumbnail), else the path made from its `file`. `None` when it carries no file.
pub fn file_link(message: &Message) -> Option<String> {
    let attachment = message.attachments.as_ref().and_then(|all| all.first());
    match (attachment, &message.file) {
        (Some(attachment), _) if !attachment.title_link.is_empty() => {
            Some(attachment.title_link.clone())
        }
        (_, Some(file)) => Some(livechat_types::file::download_path(&file.id, &file.name)),
        _ => None,
    }
}

impl Client {
    /// Sends a file into room `room_id` as its visitor (`token`), and returns the message
    /// that carries it. Uploads are not retried (their body is read once).
    ///
    /// Errors ([`Error::Api`]): 403 [`ErrorCode::Unauthorized`](crate::ErrorCode) when the
    /// room is not the visitor's open room; [`ErrorCode::FileUploadDisabled`](crate::ErrorCode);
    /// 413 [`ErrorCode::FileTooLarge`](crate::ErrorCode) past `FileUpload_MaxFileSize`;
    /// [`ErrorCode::TypeNotAllowed`](crate::ErrorCode);
    /// [`ErrorCode::MessageSizeExceeded`](crate::ErrorCode) for a long text.
    /// `POST /api/v1/livechat/upload/{rid}`
    pub async fn upload_as_visitor(
        &self,
        room_id: &RoomId,
        token: &VisitorToken,
        file: Upload,
    ) -> Result<Message, Error> {
        let path = upload::Request::new(room_id.clone()).path();
        let req = self.http().post(self.url(&path)).header("x-visitor-token", token.as_str());
        self.send_form::<Message>(req, file.into_form(true)?).await
    }

    /// Downloads the file at `link` (a message's `title_link`, `image_url`…, relative to the
    /// server or absolute) as `auth`, optionally only `range`.
    ///
    /// Errors ([`Error::Api`]): 403 [`ErrorCode::Unauthorized`](crate::ErrorCode) for someone
    /// who may not see the file, 404 for an unknown (or still pending) file, 416 for a range
    /// past the end. `GET /file-upload/{id}/{name}`
    pub async fn download(
        &self,
        link: &str,
        auth: &DownloadAuth,
        range: Option<ByteRange>,
    ) -> Result<Download, Error> {
        let mut req = self.http().get(self.url(link)).timeout(self.transfer_timeout());
        match auth {
            DownloadAuth::Anonymous => {}
            DownloadAuth::Visitor { room_id, token } => {
                req = req.query(&[
                    ("rc_room_type", "l"),
                    ("rc_rid", room_id.as_str()),
                    ("rc_token", token.as_str()),
                ]);
            }
            DownloadAuth::Agent { user_id, auth_token } => {
                req = req.header("X-User-Id", user_id).header("X-Auth-Token", auth_token);
            }
        }
        if let Some(range) = range {
            req = req.header(reqwest::header::RANGE, range.header_value());
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        if !(200..300).contains(&status) {
            let retry_after = retry_after(&res);
            let bytes = res.bytes().await?;
            return Err(api_error(status, retry_after, &bytes));
        }
        let header = |name: reqwest::header::HeaderName| {
            res.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
        };
        use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
        Ok(Download {
            status,
            content_type: header(CONTENT_TYPE),
            content_length: header(CONTENT_LENGTH).and_then(|value| value.parse().ok()),
            content_disposition: header(CONTENT_DISPOSITION),
            content_range: header(CONTENT_RANGE),
            body: res.bytes_stream().map_err(Error::from).boxed(),
        })
    }

    /// Posts a multipart form with the transfer timeout and decodes the reply.
    async fn send_form<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        form: Form,
    ) -> Result<T, Error> {
        decode(req.multipart(form).timeout(self.transfer_timeout()).send().await?).await
    }
}

impl Visitor {
    /// Sends a file into the visitor's room (opened when it has none) and returns the
    /// message that carries it. Errors as [`Client::upload_as_visitor`].
    pub async fn upload(&self, file: Upload) -> Result<Message, Error> {
        let room_id = self.room_id().await?;
        self.client().upload_as_visitor(&room_id, self.token(), file).await
    }

    /// Downloads a file of room `room_id` (the message's `rid`) at `link` (see
    /// [`file_link`]), optionally only `range`. Errors as [`Client::download`].
    pub async fn download(
        &self,
        room_id: &RoomId,
        link: &str,
        range: Option<ByteRange>,
    ) -> Result<Download, Error> {
        let auth = DownloadAuth::Visitor { room_id: room_id.clone(), token: self.token().clone() };
        self.client().download(link, &auth, range).await
    }
}

impl AgentSession {
    /// Sends a file into a room this user serves (managers and admins: any open room) in
    /// one step, and returns the message that carries it. Errors: 403
    /// [`ErrorCode::Unauthorized`](crate::ErrorCode) for another agent's room,
    /// [`ErrorCode::RoomClosed`](crate::ErrorCode), and the file errors of
    /// [`Client::upload_as_visitor`]. `POST /api/v1/rooms.upload/{rid}`
    pub async fn upload(&self, room_id: &RoomId, file: Upload) -> Result<Message, Error> {
        let path = room_upload::Request::new(room_id.clone()).path();
        let req = self.with_credentials(self.client().http().post(self.client().url(&path)));
        let res: room_upload::Response =
            self.client().send_form(req, file.into_form(true)?).await?;
        Ok(res.message)
    }

    /// Stores a file as *pending* in a room this user serves (the first of Rocket.Chat's two
    /// steps): nobody sees it until [`AgentSession::confirm_upload`] sends it, and it is
    /// deleted after 24 hours otherwise. The upload's text and description are not sent.
    /// Errors as [`AgentSession::upload`]. `POST /api/v1/rooms.media/{rid}`
    pub async fn upload_pending(
        &self,
        room_id: &RoomId,
        file: Upload,
    ) -> Result<PendingFile, Error> {
        let path = media::Request::new(room_id.clone()).path();
        let req = self.with_credentials(self.client().http().post(self.client().url(&path)));
        let res: media::Response = self.client().send_form(req, file.into_form(false)?).await?;
        Ok(res.file)
    }

    /// Sends this user's pending file (from [`AgentSession::upload_pending`]) with the
    /// request's text and description, and returns the message. A file that is not the
    /// caller's, not pending or not of that room is
    /// [`ErrorCode::InvalidFile`](crate::ErrorCode).
    /// `POST /api/v1/rooms.mediaConfirm/{rid}/{fileId}`
    pub async fn confirm_upload(&self, req: &media_confirm::Request) -> Result<Message, Error> {
        Ok(self.call(req).await?.message)
    }

    /// Downloads the file at `link` (see [`file_link`]) with this session's credentials,
    /// optionally only `range`. Errors as [`Client::download`].
    pub async fn download(&self, link: &str, range: Option<ByteRange>) -> Result<Download, Error> {
        let auth = DownloadAuth::Agent {
            user_id: self.user_id().to_owned(),
            auth_token: self.auth_token().to_owned(),
        };
        self.client().download(link, &auth, range).await
    }

    fn with_credentials(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.header("X-User-Id", self.user_id()).header("X-Auth-Token", self.auth_token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_make_range_headers() {
        assert_eq!(ByteRange::from(10..=19).header_value(), "bytes=10-19");
        assert_eq!(ByteRange::from(100..).header_value(), "bytes=100-");
        assert_eq!(ByteRange::Last(5).header_value(), "bytes=-5");
    }

    #[test]
    fn file_names_come_from_the_disposition() {
        let download = |disposition: &str| Download {
            status: 200,
            content_type: None,
            content_length: None,
            content_disposition: Some(disposition.to_owned()),
            content_range: None,
            body: stream::empty().boxed(),
        };
        let exact =
            download(r#"attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"#);
        assert_eq!(exact.file_name().as_deref(), Some("résumé.pdf"));
        let plain = download(r#"inline; filename="a b.png""#);
        assert_eq!(plain.file_name().as_deref(), Some("a b.png"));
        assert_eq!(percent_decode("%zz"), None);
    }

    #[test]
    fn links_prefer_the_attachment() {
        let message: Message = serde_json::from_value(serde_json::json!({
            "_id": "m1", "rid": "r1", "msg": "", "ts": "2024-01-01T00:00:00.000Z",
            "ls": "2024-01-01T00:00:00.000Z", "_updatedAt": "2024-01-01T00:00:00.000Z",
            "u": {"_id": "v1", "username": "guest-1"},
            "file": {"_id": "f1", "name": "a b.png", "type": "image/png"},
        }))
        .expect("a message");
        assert_eq!(file_link(&message).as_deref(), Some("/file-upload/f1/a%20b.png"));
    }

    #[tokio::test]
    async fn files_are_read_piece_by_piece() {
        let path = std::env::temp_dir().join(format!("livechat-sdk-read-{}", std::process::id()));
        let content: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
        tokio::fs::write(&path, &content).await.expect("write");
        let file = tokio::fs::File::open(&path).await.expect("open");
        let pieces: Vec<Bytes> = read_file(file).try_collect().await.expect("read");
        let _ = tokio::fs::remove_file(&path).await;
        assert!(pieces.iter().all(|piece| piece.len() <= READ_SIZE));
        assert_eq!(pieces.concat(), content);
    }
}
