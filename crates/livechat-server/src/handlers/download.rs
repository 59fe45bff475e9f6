//! `GET /file-upload/{id}/{name}`: a stored file's bytes, streamed from its chunks, to those
//! who may see its room (SPEC section 16). `name` is ignored.
//!
//! With `FileUpload_ProtectFiles` (the default) a visitor proves itself with the widget's
//! cookies or query parameters `rc_room_type=l`, `rc_rid` and `rc_token` and gets the files
//! of that room if it is theirs; a user with `rc_uid` + `rc_token` (cookies or query) or the
//! `X-User-Id` / `X-Auth-Token` headers gets the files of rooms it may act in (managers and
//! admins: all). Everyone else gets 403, an unknown or still pending file 404.

use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use livechat_types::ErrorCode;

use crate::db::files::{FileRow, CHUNK_SIZE};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::extract::path_param;
use crate::files::content_disposition;
use crate::settings::registry;
use crate::AppState;

/// The credentials a download request carries. Each pair comes whole from one place (the
/// headers, the cookies or the query): a page on this origin may hold the widget's cookies
/// (`rc_token` is then a visitor's) while it asks with a user's query, and mixing the two
/// would pair one's id with the other's token.
#[derive(Debug, Default)]
struct Credentials {
    /// `(rid, visitor token)` pairs.
    visitors: Vec<(String, String)>,
    /// `(user id, auth token)` pairs.
    users: Vec<(String, String)>,
}

impl Credentials {
    /// From the headers, the cookies and the query string, in that order of preference.
    fn of(req: &HttpRequest) -> Self {
        let query: Vec<(String, String)> =
            form_urlencoded::parse(req.query_string().as_bytes()).into_owned().collect();
        let from_cookies = |name: &str| req.cookie(name).map(|cookie| cookie.value().to_owned());
        let from_query =
            |name: &str| query.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
        let header = |name: &str| {
            req.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
        };
        let mut credentials = Self::default();
        credentials.users.extend(header("x-user-id").zip(header("x-auth-token")));
        credentials.add_pairs(from_cookies);
        credentials.add_pairs(from_query);
        credentials
    }

    /// Adds the user's and the visitor's pairs that `source` (one place) holds whole.
    fn add_pairs(&mut self, source: impl Fn(&str) -> Option<String>) {
        let value = |name: &str| source(name).filter(|value| !value.is_empty());
        self.users.extend(value("rc_uid").zip(value("rc_token")));
        if value("rc_room_type").as_deref() == Some("l") {
            self.visitors.extend(value("rc_rid").zip(value("rc_token")));
        }
    }
}

/// Whether `credentials` may see the room of `file`.
fn may_download(
    conn: &mut DbConn,
    file: &FileRow,
    credentials: &Credentials,
    lifetime_ms: i64,
) -> Result<bool, ApiError> {
    let Some(room) = db::rooms::find(conn, &file.rid)? else { return Ok(false) };
    for (rid, token) in &credentials.visitors {
        if *rid == room.id {
            let visitor = db::visitors::find_by_token(conn, token)?;
            if visitor.is_some_and(|visitor| visitor.id == room.visitor_id) {
                return Ok(true);
            }
        }
    }
    for (user_id, token) in &credentials.users {
        if let Some(session) = crate::auth::session(conn, token, lifetime_ms)? {
            let user = session.user;
            if user.id == *user_id && user.has_any_role() && user.may_act_in(&room) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// A `Range` header's single byte range within `size` bytes: `Ok(None)` for no header (or
/// one this server ignores: several ranges, other units), `Err` for an unsatisfiable one.
fn range(value: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = value.and_then(|value| value.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((start, end)) = spec.split_once('-') else { return Ok(None) };
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.is_empty(), end.is_empty()) {
        // The last `end` bytes.
        (true, false) => match end.parse::<u64>() {
            Ok(0) | Err(_) => return Err(()),
            Ok(suffix) => (size.saturating_sub(suffix), size.checked_sub(1).ok_or(())?),
        },
        (false, _) => {
            let first = start.parse::<u64>().map_err(|_| ())?;
            let last =
                if end.is_empty() { u64::MAX } else { end.parse::<u64>().map_err(|_| ())? };
            if last < first {
                return Ok(None);
            }
            (first, last.min(size.saturating_sub(1)))
        }
        (true, true) => return Ok(None),
    };
    if parsed.0 >= size {
        return Err(());
    }
    Ok(Some(parsed))
}

/// `GET /file-upload/{id}/{name}`
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = path_param(&req, "id")?;
    let credentials = Credentials::of(&req);
    let protected = state.settings().await?.flag(registry::FILE_UPLOAD_PROTECT_FILES);
    let lifetime = state.config.token_lifetime_ms();
    let (file, allowed) = state
        .read(move |conn| -> Result<_, ApiError> {
            let file = db::files::find(conn, &id)?
                .filter(|file| file.message_id.is_some() && file.complete)
                .ok_or(ErrorCode::NotFound)?;
            let allowed = !protected || may_download(conn, &file, &credentials, lifetime)?;
            Ok((file, allowed))
        })
        .await?;
    if !allowed {
        return Err(ErrorCode::Unauthorized.into());
    }
    let size = u64::try_from(file.size).unwrap_or(0);
    let requested = req.headers().get(header::RANGE).and_then(|value| value.to_str().ok());
    let mut res = HttpResponse::Ok();
    res.insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"));
    let (first, last) = match range(requested, size) {
        Err(()) => {
            res.status(StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
            return Ok(res.json(serde_json::json!({
                "success": false,
                "error": ErrorCode::RangeNotSatisfiable.as_str(),
            })));
        }
        Ok(Some((first, last))) => {
            res.status(StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, format!("bytes {first}-{last}/{size}")));
            (first, last + 1)
        }
        Ok(None) => (0, size),
    };
    // Only browsers' own media players get to show a file; anything else (SVG, PDF, HTML
    // declared as something else) is downloaded.
    let family = file.kind.split('/').next().unwrap_or_default();
    let inline = matches!(family, "image" | "audio" | "video") && file.kind != "image/svg+xml";
    res.insert_header((header::CONTENT_TYPE, file.kind.as_str()))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(inline, &file.name)));
    Ok(res.body(SizedStream::new(last - first, chunks(state, file.id, first, last))))
}

/// The bytes `first..end` of file `id`, read one chunk at a time as the client takes them.
fn chunks(
    state: web::Data<AppState>,
    id: String,
    first: u64,
    end: u64,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    let chunk_size = CHUNK_SIZE as u64;
    futures_util::stream::try_unfold(first, move |at| {
        let (state, id) = (state.clone(), id.clone());
        async move {
            if at >= end {
                return Ok(None);
            }
            let n = at / chunk_size;
            let index = i64::try_from(n).map_err(|err| ApiError::Internal(err.into()))?;
            let bytes = state
                .read(move |conn| Ok(db::files::chunk(conn, &id, index)?))
                .await?
                .ok_or_else(|| ApiError::Internal(anyhow::format_err!("a chunk is missing")))?;
            let from = usize::try_from(at - n * chunk_size).unwrap_or(usize::MAX);
            let to = usize::try_from(end.min((n + 1) * chunk_size) - n * chunk_size)
                .unwrap_or(usize::MAX);
            let piece = bytes.get(from..to).map(web::Bytes::copy_from_slice);
            let piece =
                piece.ok_or_else(|| ApiError::Internal(anyhow::format_err!("a chunk is short")))?;
            let next = at + piece.len() as u64;
            Ok(Some((piece, next)))
        }
    })
    .map_err_into()
}

trait MapErrInto: Sized {
    fn map_err_into(self) -> futures_util::stream::MapErr<Self, fn(ApiError) -> actix_web::Error>;
}

impl<S: futures_util::TryStream<Error = ApiError>> MapErrInto for S {
    fn map_err_into(self) -> futures_util::stream::MapErr<Self, fn(ApiError) -> actix_web::Error> {
        use futures_util::TryStreamExt as _;
        self.map_err(actix_web::Error::from as fn(ApiError) -> actix_web::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(range(None, 10), Ok(None));
        assert_eq!(range(Some("bytes=0-3"), 10), Ok(Some((0, 3))));
        assert_eq!(range(Some("bytes=5-"), 10), Ok(Some((5, 9))));
        assert_eq!(range(Some("bytes=-4"), 10), Ok(Some((6, 9))));
        assert_eq!(range(Some("bytes=8-100"), 10), Ok(Some((8, 9))));
        assert_eq!(range(Some("bytes=10-"), 10), Err(()));
        assert_eq!(range(Some("bytes=0-1,4-5"), 10), Ok(None));
        assert_eq!(range(Some("items=0-1"), 10), Ok(None));
        assert_eq!(range(Some("bytes=-0"), 10), Err(()));
        assert_eq!(range(Some("bytes=0-0"), 0), Err(()));
    }
}
