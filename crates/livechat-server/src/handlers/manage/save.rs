//! `POST /api/v1/livechat/room.saveInfo`.

use actix_web::web;
use livechat_types::room::save_info;
use livechat_types::visitor::register::CustomField as Value;
use livechat_types::{ErrorCode, RoomId};

use super::params::TAG_MAX;
use crate::auth::Authed;
use crate::db::{self, DbConn, Key};
use crate::error::ApiError;
use crate::extract::Body;
use crate::handlers::{custom_field, now, ok, Reply};
use crate::validate::{self, bounds};
use crate::{permissions, AppState};

/// Most tags a room keeps (as on closing).
const TAGS_MAX: usize = 20;
/// Most characters of a room's topic.
const TOPIC_MAX: usize = 256;

/// `POST /api/v1/livechat/room.saveInfo`: the room's topic, tags and custom fields and its
/// visitor's details. The room must be in the caller's reach (else `error-invalid-room`);
/// one it does not serve needs `save-others-livechat-room-info`, and changing the visitor
/// `edit-omnichannel-contact` (403).
pub async fn save_info(
    state: web::Data<AppState>,
    Authed(user, Body(req)): Authed<Body<save_info::Request>>,
) -> Reply<save_info::Response> {
    let save_info::Request { guest_data: guest, room_data: room } = req;
    validate::room_id(&RoomId::from(room.id.as_str()))?;
    validate::plain_id("guestData._id", &guest.id)?;
    let tags = room.tags.as_deref().map(tags).transpose()?;
    if let Some(topic) = &room.topic {
        validate::at_most("topic", topic.trim(), TOPIC_MAX)?;
    }
    check_guest(&guest)?;
    for fields in [&guest.livechat_data, &room.livechat_data].into_iter().flatten() {
        if fields.len() > bounds::FIELDS_PER_VISITOR {
            return Err(ApiError::Params(format!(
                "at most {} 'livechatData'",
                bounds::FIELDS_PER_VISITOR
            )));
        }
        for (key, value) in fields {
            crate::handlers::visitor::check_field(key, value)?;
        }
    }
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let others = state.allows(&user, permissions::SAVE_OTHERS_LIVECHAT_ROOM_INFO).await?;
    let contact = state.allows(&user, permissions::EDIT_OMNICHANNEL_CONTACT).await?;
    let changes_guest = guest.name.is_some()
        || guest.email.is_some()
        || guest.phone.is_some()
        || guest.livechat_data.as_ref().is_some_and(|fields| !fields.is_empty());
    let rid = room.id.clone();
    state
        .write(Key::Many, move |conn: &mut DbConn| -> Result<_, ApiError> {
            // The room's row, then its visitor's: the lock order.
            let found = db::rooms::lock(conn, &room.id)?;
            let departments = db::departments::of_user(conn, &user.id)?;
            let found = found
                .filter(|found| user.may_see(found, &departments) && found.visitor_id == guest.id)
                .ok_or(ErrorCode::ErrorInvalidRoom)?;
            let serves = found.served_by_id.as_deref() == Some(user.id.as_str());
            allowed_or_403(serves || others)?;
            allowed_or_403(!changes_guest || contact)?;
            let at = now();
            let topic = room.topic.map(|topic| topic.trim().to_owned());
            let tags = tags.map(|tags| serde_json::Value::from(tags).to_string());
            db::room_list::save_info(conn, &found.id, topic, tags, at)?;
            let values = |fields: Option<std::collections::BTreeMap<String, String>>| {
                fields
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(key, value)| Value { key, value, overwrite: true })
                    .collect::<Vec<_>>()
            };
            let room_values = custom_field::defined(conn, values(room.livechat_data))?;
            for (field, value) in room_values.iter().filter(|(field, _)| field.scope == "room") {
                db::custom_fields::set_room_field(conn, &found.id, &field.id, &value.value, true)?;
            }
            if changes_guest {
                let mut visitor =
                    db::visitors::find(conn, &guest.id)?.ok_or(ErrorCode::ErrorInvalidRoom)?;
                let given = |value: Option<String>, old: Option<String>| match value {
                    Some(value) if value.trim().is_empty() => None,
                    Some(value) => Some(value.trim().to_owned()),
                    None => old,
                };
                visitor.name = given(guest.name, visitor.name);
                visitor.email = given(guest.email, visitor.email);
                visitor.phone = given(guest.phone, visitor.phone);
                visitor.updated_at = at;
                db::visitors::update(conn, &visitor)?;
                let guest_values = custom_field::defined(conn, values(guest.livechat_data))?;
                custom_field::store_on_visitor(conn, &visitor.id, &guest_values)?;
            }
            Ok(())
        })
        .await?;
    state.realtime.room_changed(&rid);
    ok(save_info::Response {})
}

/// Tags as closing takes them: at most [`TAGS_MAX`] of 1-[`TAG_MAX`] characters, trimmed,
/// each once, in the order given.
fn tags(given: &[String]) -> Result<Vec<String>, ApiError> {
    let mut kept: Vec<String> = Vec::new();
    for tag in given {
        let tag = tag.trim();
        validate::present("tags", tag)?;
        validate::at_most("tags", tag, TAG_MAX)?;
        if !kept.iter().any(|known| known == tag) {
            kept.push(tag.to_owned());
        }
    }
    if kept.len() > TAGS_MAX {
        return Err(ApiError::Params(format!("at most {TAGS_MAX} 'tags'")));
    }
    Ok(kept)
}

/// The visitor's details within the registration bounds (README, Limits).
fn check_guest(guest: &save_info::GuestData) -> Result<(), ApiError> {
    fn trimmed(value: &Option<String>) -> &str {
        value.as_deref().map(str::trim).unwrap_or_default()
    }
    validate::at_most("name", trimmed(&guest.name), bounds::NAME)?;
    validate::at_most("phone", trimmed(&guest.phone), bounds::PHONE)?;
    let email = trimmed(&guest.email);
    if !email.is_empty() && !validate::is_email(email) {
        return Err(ApiError::Params("'email' must be an e-mail address".into()));
    }
    Ok(())
}

/// `unauthorized` (403) unless `allowed`.
fn allowed_or_403(allowed: bool) -> Result<(), ApiError> {
    if allowed {
        Ok(())
    } else {
        Err(ErrorCode::Unauthorized.into())
    }
}
