//! Files (SPEC section 16): uploads by the room's visitor (`livechat/upload`) and by its
//! agents (`rooms.media` + `rooms.mediaConfirm`, `rooms.upload`); downloads are in
//! [`super::download`].
//!
//! Every refusal that needs no byte of the form comes before it is read: who the caller is,
//! whether it may post in the room, whether uploads are on. The file errors follow as the
//! form streams in ([`crate::files::receive`]).

use actix_web::{web, HttpRequest};
use livechat_types::file::{media, media_confirm, room_upload, PendingFile};
use livechat_types::message::Message;
use livechat_types::{ErrorCode, RoomId};

use super::{ok, Reply};
use crate::auth::Agent;
use crate::db::messages::{Author, Refusal};
use crate::db::models::MessageRow;
use crate::db::users::UserRow;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::extract::{path_param, Body};
use crate::files::{self, Owner, Policy, Received};
use crate::settings::registry;
use crate::{permissions, validate, AppState};

/// `POST /api/v1/livechat/upload/{rid}`: the visitor of the open room `rid`, by the token in
/// `x-visitor-token`, sends a file. Anything else is 403 `unauthorized`.
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Reply<Message> {
    let rid = room_from_path(&req)?;
    let token = req
        .headers()
        .get("x-visitor-token")
        .and_then(|value| value.to_str().ok())
        .filter(|token| !token.trim().is_empty() && token.chars().count() <= 256)
        .ok_or(ErrorCode::Unauthorized)?
        .to_owned();
    crate::limits::check_token(&req, &token)?;
    let (lookup_token, lookup_rid) = (token.clone(), rid.as_str().to_owned());
    let sender =
        state.read(move |conn| Ok(db::messages::sender(conn, &lookup_token, &lookup_rid)?)).await?;
    let visitor_id = match sender {
        Some(sender) if sender.open == Some(true) => sender.visitor_id,
        _ => return Err(ErrorCode::Unauthorized.into()),
    };
    let settings = state.settings().await?;
    if !settings.flag(registry::FILE_UPLOAD_ENABLED)
        || !settings.flag(registry::LIVECHAT_FILE_UPLOAD_ENABLED)
    {
        return Err(ApiError::File(ErrorCode::FileUploadDisabled));
    }
    let policy = Policy::of(&settings);
    let owner = Owner::Visitor(visitor_id);
    let received =
        files::receive(&state, req.headers(), payload, rid.as_str(), owner, &policy).await?;
    let author = Author::Visitor { token };
    let row = send(&state, author, rid, &received).await.map_err(|err| match err {
        // The room closed while the file came in: no longer the visitor's open room.
        ApiError::Client(ErrorCode::InvalidRoom | ErrorCode::RoomClosed) => {
            ApiError::Client(ErrorCode::Unauthorized)
        }
        other => other,
    })?;
    ok(row.into_wire())
}

/// `POST /api/v1/rooms.media/{rid}`: an agent of the room (or a manager) stores a pending
/// file, sent later by `rooms.mediaConfirm`.
pub async fn media(
    state: web::Data<AppState>,
    req: HttpRequest,
    Agent(user): Agent,
    payload: web::Payload,
) -> Reply<media::Response> {
    let rid = room_from_path(&req)?;
    let policy = agent_may_upload(&state, &user, &rid).await?;
    let owner = Owner::User(user.id.clone());
    let received =
        files::receive(&state, req.headers(), payload, rid.as_str(), owner, &policy).await?;
    let file = &received.file;
    let url = livechat_types::file::download_path(&file.id, &file.name);
    ok(media::Response { file: PendingFile { id: file.id.clone(), url } })
}

/// `POST /api/v1/rooms.upload/{rid}`: an agent of the room (or a manager) sends a file.
pub async fn room_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    Agent(user): Agent,
    payload: web::Payload,
) -> Reply<room_upload::Response> {
    let rid = room_from_path(&req)?;
    let policy = agent_may_upload(&state, &user, &rid).await?;
    let owner = Owner::User(user.id.clone());
    let received =
        files::receive(&state, req.headers(), payload, rid.as_str(), owner, &policy).await?;
    let row = send(&state, agent_author(&state, user).await?, rid, &received).await?;
    ok(room_upload::Response { message: row.into_wire() })
}

/// `POST /api/v1/rooms.mediaConfirm/{rid}/{fileId}`: sends the caller's pending file.
pub async fn media_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    Agent(user): Agent,
    Body(body): Body<media_confirm::Request>,
) -> Reply<media_confirm::Response> {
    let rid = room_from_path(&req)?;
    let file_id = path_param(&req, "fileId")?;
    for text in [&body.msg, &body.description].into_iter().flatten() {
        if text.chars().count() > state.config.message_max_chars {
            return Err(ErrorCode::MessageSizeExceeded.into());
        }
    }
    agent_may_upload(&state, &user, &rid).await?;
    let (owner, room) = (user.id.clone(), rid.as_str().to_owned());
    let pending = state
        .read(move |conn: &mut DbConn| -> Result<_, ApiError> {
            let file = db::files::find(conn, &file_id)?.filter(|file| {
                file.rid == room
                    && file.user_id.as_deref() == Some(owner.as_str())
                    && file.message_id.is_none()
                    && file.complete
            });
            let Some(file) = file else { return Ok(None) };
            let thumbnail = match &file.thumbnail_id {
                Some(id) => db::files::find(conn, id)?,
                None => None,
            };
            Ok(Some((file, thumbnail)))
        })
        .await?;
    let (file, thumbnail) = pending
        .ok_or_else(|| ApiError::Described("Invalid file".into(), ErrorCode::InvalidFile))?;
    let received = Received { file, thumbnail, msg: body.msg, description: body.description };
    let author = agent_author(&state, user).await?;
    let row = match files::send_message(&state, author, rid.as_str().to_owned(), &received).await? {
        Ok(row) => row,
        Err(refusal) => return Err(agent_refusal(refusal)),
    };
    state.realtime.message_changed(&row.rid, &row.id);
    ok(media_confirm::Response { message: row.into_wire() })
}

fn room_from_path(req: &HttpRequest) -> Result<RoomId, ApiError> {
    let rid = RoomId::from(path_param(req, "rid")?);
    validate::room_id(&rid)?;
    Ok(rid)
}

/// The upload rules for `user` in room `rid`: 403 unless it may act in the room (its agent,
/// a manager or an admin), `room-closed` for a closed room, `error-file-upload-disabled`
/// when uploads are off.
async fn agent_may_upload(
    state: &AppState,
    user: &UserRow,
    rid: &RoomId,
) -> Result<Policy, ApiError> {
    state.require(user, permissions::VIEW_L_ROOM).await?;
    let id = rid.as_str().to_owned();
    let room = state.read(move |conn| Ok(db::rooms::find(conn, &id)?)).await?;
    let room = room.filter(|room| user.may_act_in(room)).ok_or(ErrorCode::Unauthorized)?;
    if !room.open {
        return Err(ErrorCode::RoomClosed.into());
    }
    let settings = state.settings().await?;
    if !settings.flag(registry::FILE_UPLOAD_ENABLED) {
        return Err(ApiError::File(ErrorCode::FileUploadDisabled));
    }
    Ok(Policy::of(&settings))
}

async fn agent_author(state: &AppState, user: UserRow) -> Result<Author, ApiError> {
    let placeholders = state.settings().await?.flag(registry::CANNED_RESPONSES_ENABLE);
    Ok(Author::Agent { user, placeholders })
}

fn agent_refusal(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NoSuchRoom | Refusal::UnknownToken => ErrorCode::Unauthorized.into(),
        other => other.into(),
    }
}

/// Sends the message carrying `received`; a refused message deletes the file.
async fn send(
    state: &AppState,
    author: Author,
    rid: RoomId,
    received: &Received,
) -> Result<MessageRow, ApiError> {
    let is_agent = matches!(author, Author::Agent { .. });
    let sent = files::send_message(state, author, rid.0, received).await;
    let row = match sent {
        Ok(Ok(row)) => row,
        Ok(Err(refusal)) => {
            files::discard(state, received).await;
            return Err(if is_agent { agent_refusal(refusal) } else { refusal.into() });
        }
        Err(err) => {
            if matches!(err, ApiError::Client(_) | ApiError::Described(..)) {
                files::discard(state, received).await;
            }
            return Err(err);
        }
    };
    state.realtime.message_changed(&row.rid, &row.id);
    Ok(row)
}
