//! Rooms for managers: `livechat/rooms` with Rocket.Chat's filters, `livechat/rooms/filters`,
//! `livechat/room.saveInfo`, `livechat/{rid}/messages` and `livechat/visitors.info`. Agents
//! reach the rooms they serve and the queue; managers and admins every room.

use actix_web::{web, HttpRequest};
use livechat_types::agent::{rooms, rooms_filters};
use livechat_types::room::{messages, Source};
use livechat_types::visitor::info;
use livechat_types::{ErrorCode, RoomId};

use super::{ok, page, Reply};
use crate::auth::Authed;
use crate::db;
use crate::extract::{path_param, Query};
use crate::{permissions, validate, AppState};

mod params;
mod save;

pub use save::save_info;

/// `GET /api/v1/livechat/rooms`: a page of the rooms the caller may see that pass every
/// filter given.
pub async fn list_rooms(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(query)): Authed<Query<rooms::Request>>,
) -> Reply<rooms::Response> {
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let mut filter = params::room_filter(http.query_string(), query)?;
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    filter.agent_id = (!user.sees_every_room()).then(|| user.id.clone());
    let ((page, fields), total) = state
        .read(move |conn| {
            let mut filter = filter;
            if let Some(agent_id) = &filter.agent_id {
                filter.departments = db::departments::of_user(conn, agent_id)?;
            }
            let (page, total) = db::room_list::list(conn, &filter, offset, count)?;
            let ids: Vec<String> = page.iter().map(|(room, _)| room.id.clone()).collect();
            let fields = db::custom_fields::of_rooms(conn, &ids)?;
            Ok(((page, fields), total))
        })
        .await?;
    let rooms: Vec<_> = page
        .iter()
        .map(|(room, visitor)| {
            let mut wire = room.to_wire(visitor, false);
            let data: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .filter(|(rid, _, _)| *rid == room.id)
                .map(|(_, key, value)| (key.clone(), serde_json::Value::from(value.as_str())))
                .collect();
            wire.livechat_data = (!data.is_empty()).then_some(data);
            wire
        })
        .collect();
    ok(rooms::Response { count: rooms.len() as i64, rooms, offset, total })
}

/// `GET /api/v1/livechat/rooms/filters`: the sources rooms were opened from.
pub async fn filters(
    state: web::Data<AppState>,
    Authed(user, Query(_)): Authed<Query<rooms_filters::Request>>,
) -> Reply<rooms_filters::Response> {
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let sources = state.read(|conn| Ok(db::room_list::sources(conn)?)).await?;
    let filters = sources.into_iter().map(|kind| Source { kind }).collect();
    ok(rooms_filters::Response { filters })
}

/// `GET /api/v1/livechat/{rid}/messages`: a page of a room's messages, those containing
/// `searchTerm` when given. A room out of the caller's reach is `invalid-room`, as a missing
/// one.
pub async fn room_messages(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Query(query)): Authed<Query<messages::Request>>,
) -> Reply<messages::Response> {
    let room_id = RoomId::from(path_param(&http, "rid")?);
    validate::room_id(&room_id)?;
    let (count, offset) = page(query.count, query.offset, 50, 100)?;
    let term = query.search_term.filter(|term| !term.is_empty());
    if let Some(term) = &term {
        validate::at_most("searchTerm", term, validate::bounds::NAME)?;
    }
    let ascending = params::message_order(query.sort.as_deref())?;
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let (rows, total) = state
        .read(move |conn| {
            let departments = db::departments::of_user(conn, &user.id)?;
            let room = db::rooms::find(conn, room_id.as_str())?
                .filter(|room| user.may_see(room, &departments))
                .ok_or(ErrorCode::InvalidRoom)?;
            let found = db::room_list::search_messages(
                conn,
                &room.id,
                term.as_deref(),
                ascending,
                offset,
                count,
            )?;
            Ok(found)
        })
        .await?;
    let messages: Vec<_> = rows.into_iter().map(|row| row.into_wire()).collect();
    ok(messages::Response { count: messages.len() as i64, messages, offset, total })
}

/// `GET /api/v1/livechat/visitors.info?visitorId=`: the visitor of a room the caller may
/// see (managers: any visitor), without its token. Any other is `visitor-not-found`.
pub async fn visitor_info(
    state: web::Data<AppState>,
    Authed(user, Query(query)): Authed<Query<info::Request>>,
) -> Reply<info::Response> {
    validate::present("visitorId", &query.visitor_id)?;
    validate::plain_id("visitorId", &query.visitor_id)?;
    state.require(&user, permissions::VIEW_L_ROOM).await?;
    let visitor = state
        .read(move |conn| {
            let visitor =
                db::visitors::find(conn, &query.visitor_id)?.ok_or(ErrorCode::VisitorNotFound)?;
            if !user.sees_every_room() {
                let rooms = db::room_list::of_visitor(conn, &visitor.id)?;
                let departments = db::departments::of_user(conn, &user.id)?;
                if !rooms.iter().any(|room| user.may_see(room, &departments)) {
                    return Err(ErrorCode::VisitorNotFound.into());
                }
            }
            let fields = db::visitors::fields(conn, &visitor.id)?;
            Ok(visitor.to_info(fields))
        })
        .await?;
    ok(info::Response { visitor })
}
