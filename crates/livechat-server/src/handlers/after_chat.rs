//! After the chat (SPEC sections 17 and 18): the transcript by e-mail, the survey, the call
//! status, and the managers' webhook test.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::web;
use livechat_types::room::{survey, transcript};
use livechat_types::visitor::call_status;
use livechat_types::webhook::test_hook;
use livechat_types::webhook::{self, RoomEventKind};
use livechat_types::{ErrorCode, Timestamp};
use serde_json::json;

use super::{now, ok, Reply};
use crate::auth::Authed;
use crate::db::messages::{Author, NewMessage};
use crate::db::outbox::Channel;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::Body;
use crate::outbox::Outcome;
use crate::settings::registry;
use crate::{outbox, permissions, validate, AppState};

/// The system message that records a transcript request (Rocket.Chat's type).
pub const TRANSCRIPT_KIND: &str = "livechat_transcript_history";
/// How many transcripts one room may ask for.
pub const TRANSCRIPTS_PER_ROOM: i64 = 3;
/// The subject when neither the request nor `Livechat_transcript_email_subject` gives one.
const DEFAULT_SUBJECT: &str = "Transcript of your livechat conversation";
/// The longest subject, in characters.
const MAX_SUBJECT: usize = 256;
/// The longest call status, in characters.
const MAX_CALL_STATUS: usize = 64;
/// How many answers one survey request may carry.
const MAX_ANSWERS: usize = 32;

/// `POST /api/v1/livechat/transcript`
pub async fn transcript(
    state: web::Data<AppState>,
    Body(req): Body<transcript::Request>,
) -> Reply<transcript::Response> {
    validate::token(&req.token)?;
    validate::room_id(&req.room_id)?;
    let settings = state.settings().await?;
    // Off, nothing is mailed to any address (else an open relay).
    if !settings.flag(registry::ENABLE_TRANSCRIPT) || !state.mailer.configured() {
        return Err(ErrorCode::TranscriptDisabled.into());
    }
    let subject = match req.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(subject) => subject.to_owned(),
        None => match settings.text(registry::TRANSCRIPT_EMAIL_SUBJECT).trim() {
            "" => DEFAULT_SUBJECT.to_owned(),
            subject => subject.to_owned(),
        },
    };
    validate::at_most("subject", &subject, MAX_SUBJECT)?;
    let email = req.email.trim().to_lowercase();
    let rid = req.room_id.as_str().to_owned();
    let stored = state
        .write(Key::Room(rid.clone()), move |conn: &mut DbConn| -> Result<_, ApiError> {
            let visitor = db::visitors::find_by_token(conn, req.token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let room = db::rooms::lock_of_visitor(conn, &rid, &visitor.id)?
                .ok_or(ErrorCode::ErrorInvalidRoom)?;
            if !validate::is_email(&email) {
                return Err(ErrorCode::InvalidEmail.into());
            }
            if db::messages::count_kind(conn, &room.id, TRANSCRIPT_KIND)? >= TRANSCRIPTS_PER_ROOM {
                return Err(ErrorCode::TranscriptLimit.into());
            }
            let messages =
                db::messages::conversation(conn, &room.id, crate::webhooks::MAX_MESSAGES)?;
            let mail = crate::mail::transcript(&email, &subject, &visitor.id, &messages);
            let body = serde_json::to_string(&mail).map_err(anyhow::Error::from)?;
            outbox::enqueue(conn, Channel::Mail, "transcript", None, body)?;
            let data = json!({
                "requestData": {
                    "type": "visitor",
                    "visitor": {"_id": visitor.id, "username": visitor.username},
                    "email": email,
                    "subject": subject,
                },
            });
            let by = (visitor.id.clone(), visitor.username.clone(), visitor.display_name().into());
            let record = NewMessage {
                author: Author::System { kind: TRANSCRIPT_KIND, by, data: Some(data.to_string()) },
                rid: room.id.clone(),
                id: None,
                text: String::new(),
                now: now(),
                max_chars: usize::MAX,
            };
            let record = db::messages::store(conn, &record)?.map_err(|refusal| {
                anyhow::format_err!("a transcript's record was refused: {refusal:?}")
            })?;
            Ok((room.id, record.id))
        })
        .await?;
    state.outbox.wake();
    state.realtime.message_changed(&stored.0, &stored.1);
    ok(transcript::Response { message: "Livechat transcript sent".into() })
}

/// `POST /api/v1/livechat/room.survey`
pub async fn survey(
    state: web::Data<AppState>,
    Body(req): Body<survey::Request>,
) -> Reply<survey::Response> {
    validate::token(&req.token)?;
    validate::room_id(&req.room_id)?;
    if req.data.len() > MAX_ANSWERS {
        return Err(ApiError::Params(format!("at most {MAX_ANSWERS} answers")));
    }
    let max_chars = state.config.message_max_chars;
    let mut answers = BTreeMap::new();
    for answer in req.data {
        let asked = survey::ITEMS.contains(&answer.name.as_str())
            && survey::VALUES.contains(&answer.value.as_str());
        if answer.name == survey::ADDITIONAL_FEEDBACK {
            validate::at_most("additionalFeedback", &answer.value, max_chars)?;
            answers.insert(answer.name, answer.value);
        } else if asked {
            answers.insert(answer.name, answer.value);
        }
    }
    let rid = req.room_id.clone();
    let key = Key::Room(rid.as_str().to_owned());
    let kept = answers.clone();
    state
        .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let visitor = db::visitors::find_by_token(conn, req.token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let room = db::rooms::lock_of_visitor(conn, req.room_id.as_str(), &visitor.id)?
                .ok_or(ErrorCode::InvalidRoom)?;
            if kept.is_empty() {
                return Err(ErrorCode::InvalidData.into());
            }
            let mut feedback: BTreeMap<String, String> = room
                .survey_feedback
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_default();
            feedback.extend(kept);
            let feedback = serde_json::to_string(&feedback).map_err(anyhow::Error::from)?;
            db::rooms::set_survey_feedback(conn, &room.id, &feedback, now())?;
            Ok(())
        })
        .await?;
    state.realtime.room_changed(rid.as_str());
    ok(survey::Response { rid, data: answers })
}

/// `POST /api/v1/livechat/visitor.callStatus`
pub async fn call_status(
    state: web::Data<AppState>,
    Body(req): Body<call_status::Request>,
) -> Reply<call_status::Response> {
    validate::token(&req.token)?;
    validate::room_id(&req.room_id)?;
    validate::present("callStatus", &req.call_status)?;
    validate::at_most("callStatus", &req.call_status, MAX_CALL_STATUS)?;
    validate::at_most("callId", &req.call_id, MAX_CALL_STATUS)?;
    let status = req.call_status.clone();
    let key = Key::Room(req.room_id.as_str().to_owned());
    state
        .write(key, move |conn: &mut DbConn| -> Result<_, ApiError> {
            let visitor = db::visitors::find_by_token(conn, req.token.as_str())?
                .ok_or(ErrorCode::InvalidToken)?;
            let room = db::rooms::lock_of_visitor(conn, req.room_id.as_str(), &visitor.id)?
                .ok_or(ErrorCode::InvalidRoom)?;
            db::rooms::set_call_status(conn, &room.id, &req.call_status, now())?;
            Ok(())
        })
        .await?;
    ok(call_status::Response { call_status: status })
}

/// `POST /api/v1/livechat/webhook.test`: a sample `LivechatSession`, sent now.
pub async fn webhook_test(
    state: web::Data<AppState>,
    Authed(user, Body(_)): Authed<Body<test_hook::Request>>,
) -> Reply<test_hook::Response> {
    state.require(&user, permissions::VIEW_LIVECHAT_MANAGER).await?;
    let settings = state.settings().await?;
    let url = settings.text(registry::WEBHOOK_URL).trim();
    if url.is_empty() {
        return Err(ErrorCode::WebhookUrlNotSet.into());
    }
    let at = Timestamp(now());
    let sample = webhook::RoomEvent {
        kind: RoomEventKind::Closed {
            served_by: Some(livechat_types::room::ServedBy {
                id: user.id.clone(),
                username: user.username.clone(),
                ts: at,
            }),
            closed_at: at,
            closed_by: livechat_types::message::UserRef {
                id: user.id.clone(),
                username: user.username.clone(),
            },
            closer: "user".into(),
        },
        room_id: "sample-room".into(),
        label: "Sample visitor".into(),
        created_at: at,
        last_message_at: at,
        tags: None,
        department_id: None,
        visitor: webhook::Visitor {
            id: "sample-visitor".into(),
            name: "Sample visitor".into(),
            username: "guest-sample".into(),
            department: None,
            email: None,
            phone: None,
        },
        agent: Some(webhook::Agent {
            id: user.id.clone(),
            username: user.username.clone(),
            name: user.name.clone(),
            email: None,
        }),
        messages: Vec::new(),
    };
    let body = serde_json::to_vec(&sample).map_err(anyhow::Error::from)?;
    let timeout =
        Duration::from_millis(u64::try_from(settings.int(registry::HTTP_TIMEOUT)).unwrap_or(5000));
    let secret = settings.text(registry::SECRET_TOKEN);
    let id = uuid::Uuid::new_v4().to_string();
    let sent = crate::webhooks::post(
        &state.webhook_client,
        url,
        secret,
        &id,
        sample.event_type(),
        &body,
        timeout,
    )
    .await;
    match sent {
        Outcome::Delivered => ok(test_hook::Response {}),
        Outcome::Retry(why) | Outcome::Final(why) => {
            tracing::info!(reason = %why, "webhook test: the receiver did not take it");
            Err(ErrorCode::InvalidWebhookResponse.into())
        }
    }
}
