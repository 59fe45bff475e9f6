//! `livechat/room`, `livechat/room.close` and `livechat/config`.

use crate::outbox::{self, Event, Hooks};
use actix_web::{web, HttpRequest};
use diesel::Connection as _;
use livechat_types::room::{close, config, open};
use livechat_types::webhook::RoomEventKind;
use livechat_types::ErrorCode;
use serde_json::{json, Map, Value};

use super::{now, ok, Reply};
use crate::db::messages::{Author, NewMessage};
use crate::db::models::{RoomRow, VisitorRow};
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::{Body, Query};
use crate::ids::random_id;
use crate::settings::{registry, Values};
use crate::{routing, validate, AppState};

/// The comment a visitor's close leaves in the room.
const CLOSED_BY_VISITOR: &str = "Closed by visitor";

/// `GET /api/v1/livechat/room?token=&rid=`
pub async fn open(
    state: web::Data<AppState>,
    req: HttpRequest,
    Query(query): Query<open::Request>,
) -> Reply<open::Response> {
    validate::token(&query.token)?;
    if let Some(room_id) = &query.room_id {
        validate::room_id(room_id)?;
    }
    let source = source_type(&req);
    // Most calls find the open room; only opening one needs the writer.
    let lookup = query.clone();
    let (visitor, found) = state
        .read(move |conn| {
            let visitor = db::visitors::find_by_token(conn, lookup.token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let room = match &lookup.room_id {
                Some(room_id) => Some(
                    db::rooms::find_of_visitor(conn, room_id.as_str(), &visitor.id)?
                        .filter(|room| room.open)
                        .ok_or(ErrorCode::InvalidRoom)?,
                ),
                None => db::rooms::find_open_of_visitor(conn, &visitor.id)?,
            };
            Ok((visitor, room))
        })
        .await?;
    if let Some(room) = found {
        return ok(open::Response { room: room.to_wire(&visitor, true), new_room: false });
    }
    // Rooms open already stay open; no new one opens while livechat is off.
    let settings = state.settings().await?;
    if !settings.flag(registry::LIVECHAT_ENABLED) {
        return Err(ErrorCode::OmnichannelDisabled.into());
    }
    let key = Key::Visitor(visitor.token.clone());
    let opening = Opening {
        source,
        require_agent: state.config.require_online_agent,
        manual: settings.manual_routing(),
        max_chats: settings.max_chats(),
    };
    let (visitor, room, new_room, routed) = state
        .write(key, move |conn: &mut DbConn| open_room(conn, visitor, &opening, now()))
        .await?;
    match &routed {
        Some(routed) => state.realtime.room_routed(routed),
        // Queued: agents watching the queue hear of it.
        None if new_room => state.realtime.room_changed(&room.id),
        None => {}
    }
    ok(open::Response { room: room.to_wire(&visitor, true), new_room })
}

/// How a room opens.
struct Opening {
    /// `widget` or `api`.
    source: &'static str,
    /// Refuse to open without an available agent (`--require-online-agent`).
    require_agent: bool,
    /// Routing is manual: the room waits in the queue for an agent to take it.
    manual: bool,
    /// `Livechat_maximum_chats_per_agent`: routing skips agents serving this many rooms.
    max_chats: i64,
}

/// Opens a room for `visitor` unless it has one; the partial unique index decides races.
/// Returns the visitor, the room, whether it is new, and its agent if it got one. Locks the
/// visitor's open-room slot and the new room (key [`Key::Visitor`]).
fn open_room(
    conn: &mut DbConn,
    visitor: VisitorRow,
    opening: &Opening,
    now: i64,
) -> Result<(VisitorRow, RoomRow, bool, Option<routing::Routed>), ApiError> {
    // The visitor may have been removed since the read.
    let visitor = db::visitors::find(conn, &visitor.id)?.ok_or(ErrorCode::InvalidToken)?;
    if let Some(room) = db::rooms::find_open_of_visitor(conn, &visitor.id)? {
        return Ok((visitor, room, false, None));
    }
    let mut room = RoomRow {
        id: random_id(),
        visitor_id: visitor.id.clone(),
        fname: visitor.display_name().to_owned(),
        open: true,
        msgs: 0,
        created_at: now,
        last_message_at: None,
        // The started message takes `now`.
        last_ts: now - 1,
        served_by_id: None,
        served_by_username: None,
        served_at: None,
        department_id: visitor.department.clone(),
        closed_at: None,
        closed_by_id: None,
        closed_by_username: None,
        closer: None,
        source_type: opening.source.to_owned(),
        updated_at: now,
        queued_at: now,
        tags: "[]".to_owned(),
        topic: None,
        agent_replied_at: None,
        survey_feedback: None,
        call_status: None,
    };
    // In a savepoint of its own: a room opened concurrently through another instance is a
    // unique violation that must not end this write.
    match conn.transaction(|conn| db::rooms::insert(conn, &room)) {
        Ok(()) => {}
        Err(db::Error::Conflict(_)) => {
            let room = db::rooms::find_open_of_visitor(conn, &visitor.id)?.ok_or_else(|| {
                anyhow::format_err!("open room vanished after a unique violation")
            })?;
            return Ok((visitor, room, false, None));
        }
        Err(err) => return Err(err.into()),
    }
    let by = (visitor.id.clone(), visitor.username.clone(), visitor.display_name().to_owned());
    let started = NewMessage {
        author: Author::System { kind: "livechat-started", by, data: None },
        rid: room.id.clone(),
        id: None,
        text: String::new(),
        now,
        max_chars: usize::MAX,
    };
    let started = db::messages::store(conn, &started)?.map_err(|refusal| {
        anyhow::format_err!("a new room refused its first message: {refusal:?}")
    })?;
    let hooks = Hooks::read(conn)?;
    outbox::hooks::room_event(conn, hooks, Event::Start, &room.id, RoomEventKind::Start, None)?;
    let (routed, staffed) = if opening.manual {
        (None, !opening.require_agent || db::users::any_available(conn)?)
    } else {
        let routed = routing::route(conn, &room, now, opening.max_chats)?;
        let staffed = routed.is_some();
        (routed, staffed)
    };
    if opening.require_agent && !staffed {
        // Rolls back this write's savepoint: nothing was stored.
        return Err(ErrorCode::NoAgentOnline.into());
    }
    if routed.is_none() {
        outbox::hooks::room_event(
            conn,
            hooks,
            Event::Queued,
            &room.id,
            RoomEventKind::Queued,
            None,
        )?;
    }
    // The room as stored: its first messages and its agent.
    room = db::rooms::find(conn, &room.id)?
        .ok_or_else(|| anyhow::format_err!("a new room vanished"))?;
    debug_assert!(room.last_ts >= started.ts);
    Ok((visitor, room, true, routed))
}

/// `widget` when the request carries the widget's cookies, else `api`.
fn source_type(req: &HttpRequest) -> &'static str {
    let cookie = |name: &str| req.cookie(name).map(|cookie| cookie.value().to_owned());
    if cookie("rc_room_type").as_deref() == Some("l")
        && cookie("rc_is_widget").as_deref() == Some("t")
    {
        "widget"
    } else {
        "api"
    }
}

/// `POST /api/v1/livechat/room.close`
pub async fn close(
    state: web::Data<AppState>,
    Body(req): Body<close::Request>,
) -> Reply<close::Response> {
    validate::token(&req.token)?;
    validate::room_id(&req.room_id)?;
    // Checked first, as Rocket.Chat does: agents still close rooms (`room.closeByUser`).
    if !state.settings().await?.flag(registry::VISITORS_MAY_CLOSE) {
        return Err(ErrorCode::NotAllowedToCloseConversation.into());
    }
    let key = req.room_id.as_str().to_owned();
    let rid = req.room_id.clone();
    let closed_id = state
        .write(Key::Room(key.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let visitor = db::visitors::find_by_token(conn, req.token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let room = db::rooms::lock_of_visitor(conn, req.room_id.as_str(), &visitor.id)?
                .ok_or(ErrorCode::InvalidRoom)?;
            if !room.open {
                return Err(ErrorCode::RoomClosed.into());
            }
            let by = (visitor.id.clone(), visitor.username.clone(), visitor.display_name().into());
            let by_visitor = (visitor.id.as_str(), visitor.username.as_str(), "visitor");
            Ok(close_room(conn, &room, by, by_visitor, CLOSED_BY_VISITOR.to_owned())?)
        })
        .await?;
    state.realtime.message_changed(&key, &closed_id);
    state.realtime.room_changed(&key);
    super::drain_after_close(&state).await;
    ok(close::Response { rid, comment: CLOSED_BY_VISITOR.to_owned() })
}

/// Closes an open `room` (locked by the caller) and stores its `livechat-close` message
/// with `comment`, attributed to `by` (`(id, username, name)`); `closer` is `(id,
/// username, "visitor"|"user")`. Returns the message's id.
pub fn close_room(
    conn: &mut DbConn,
    room: &RoomRow,
    by: (String, String, String),
    closer: (&str, &str, &str),
    comment: String,
) -> db::Result<String> {
    let now = now();
    let closing =
        db::rooms::Closing { at: now, by_id: closer.0, by_username: closer.1, closer: closer.2 };
    db::rooms::close(conn, &room.id, &closing)?;
    let closed = NewMessage {
        author: Author::System { kind: "livechat-close", by, data: None },
        rid: room.id.clone(),
        id: None,
        text: comment,
        now,
        max_chars: usize::MAX,
    };
    let closed = db::messages::store(conn, &closed)?.map_err(|refusal| {
        anyhow::format_err!("a closing room refused its message: {refusal:?}")
    })?;
    let kind = RoomEventKind::Closed {
        served_by: crate::webhooks::served_by(room),
        closed_at: livechat_types::Timestamp(now),
        closed_by: livechat_types::message::UserRef {
            id: closer.0.to_owned(),
            username: closer.1.to_owned(),
        },
        closer: closer.2.to_owned(),
    };
    outbox::hooks::room_event_as_stored(conn, Event::Close, &room.id, kind)?;
    Ok(closed.id)
}

/// `GET /api/v1/livechat/config?token=&department=`. Always 200, also for unknown tokens.
pub async fn config(
    state: web::Data<AppState>,
    Query(query): Query<config::Request>,
) -> Reply<config::Response> {
    let token = query.token.filter(|token| validate::token(token).is_ok());
    let department = query.department.filter(|id| !id.is_empty() && id.len() <= 64);
    let settings = state.settings().await?;
    let view = settings.agent_view();
    let ((online, departments, custom_fields, triggers), guest, (room, queue_info), agent) = state
        .read(move |conn| {
            // With a department, `online` is about its agents only.
            let online = match &department {
                Some(department) => {
                    // Online is about availability, not about room for one more chat.
                    db::users::least_busy_available(conn, Some(department), 0)?.is_some()
                }
                None => db::users::any_available(conn)?,
            };
            let online = (
                online,
                db::departments::public(conn)?,
                db::custom_fields::form(conn)?,
                db::triggers::enabled(conn)?,
            );
            let Some(token) = token else { return Ok((online, None, (None, None), None)) };
            let Some(visitor) = db::visitors::find_by_token(conn, token.as_str())? else {
                return Ok((online, None, (None, None), None));
            };
            let room = db::rooms::find_open_of_visitor(conn, &visitor.id)?;
            let agent = match room.as_ref().and_then(|room| room.served_by_id.as_deref()) {
                Some(agent_id) => db::users::find(conn, agent_id)?,
                None => None,
            };
            let agent = agent.map(|agent| agent.to_public(view));
            let queue_info = match &room {
                Some(room) if room.served_by_id.is_none() => {
                    Some(config::QueueInfo { spot: db::rooms::spot(conn, room)? })
                }
                _ => None,
            };
            let room = room.map(|room| room.to_wire(&visitor, true));
            let fields = db::visitors::fields(conn, &visitor.id)?;
            Ok((online, Some(visitor.to_wire(fields)), (room, queue_info), agent))
        })
        .await?;
    let config = config::Config {
        enabled: settings.flag(registry::LIVECHAT_ENABLED),
        online,
        settings: widget_settings(&settings, &state),
        theme: theme(&settings),
        messages: messages(&settings),
        departments,
        triggers: super::trigger::for_widget(&triggers),
        custom_fields,
        resources: object(json!({ "sound": crate::widget::sound_url(&state) })),
        guest,
        room,
        agent,
        queue_info,
        survey: config::Survey::default(),
    };
    ok(config::Response { config })
}

/// Config `settings`: the widget's switches.
fn widget_settings(settings: &Values, state: &AppState) -> Map<String, Value> {
    let max_chars = state.config.message_max_chars;
    let transcript = settings.flag(registry::ENABLE_TRANSCRIPT) && state.mailer.configured();
    object(json!({
        "registrationForm": settings.flag(registry::REGISTRATION_FORM),
        "allowSwitchingDepartments": settings.flag(registry::ALLOW_SWITCHING_DEPARTMENTS),
        "nameFieldRegistrationForm": settings.flag(registry::NAME_FIELD_REGISTRATION_FORM),
        "emailFieldRegistrationForm": settings.flag(registry::EMAIL_FIELD_REGISTRATION_FORM),
        "displayOfflineForm": settings.flag(registry::DISPLAY_OFFLINE_FORM),
        "fileUpload": settings.flag(registry::FILE_UPLOAD_ENABLED)
            && settings.flag(registry::LIVECHAT_FILE_UPLOAD_ENABLED),
        "language": "en",
        "transcript": transcript,
        "historyMonitorType": "url",
        "forceAcceptDataProcessingConsent": false,
        "showConnecting": false,
        "agentHiddenInfo": !settings.agent_view().show_info,
        "clearLocalStorageWhenChatEnded": false,
        "limitTextLength": max_chars,
    }))
}

/// Config `theme`: the widget's titles and colours.
fn theme(settings: &Values) -> Map<String, Value> {
    object(json!({
        "title": settings.text(registry::TITLE),
        "color": settings.text(registry::TITLE_COLOR),
        "offlineTitle": settings.text(registry::OFFLINE_TITLE),
        "offlineColor": settings.text(registry::OFFLINE_TITLE_COLOR),
        "actionLinks": {"webrtc": [], "jitsi": []},
    }))
}

/// Config `messages`: the widget's texts.
fn messages(settings: &Values) -> Map<String, Value> {
    object(json!({
        "offlineMessage": settings.text(registry::OFFLINE_MESSAGE),
        "offlineSuccessMessage": settings.text(registry::OFFLINE_SUCCESS_MESSAGE),
        "offlineUnavailableMessage": settings.text(registry::OFFLINE_FORM_UNAVAILABLE),
        "conversationFinishedMessage": settings.text(registry::CONVERSATION_FINISHED_MESSAGE),
        "conversationFinishedText": settings.text(registry::CONVERSATION_FINISHED_TEXT),
        "transcriptMessage": settings.text(registry::TRANSCRIPT_MESSAGE),
        "registrationFormMessage": settings.text(registry::REGISTRATION_FORM_MESSAGE),
        "dataProcessingConsentText": settings.text(registry::DATA_PROCESSING_CONSENT_TEXT),
    }))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
