//! Rooms for managers: the filtered room list, room info, message search and visitor info.

use livechat_types::agent::rooms_filters;
use livechat_types::room::{messages, save_info};
use livechat_types::visitor::info;
use livechat_types::RoomId;

use crate::agent::AgentSession;
use crate::error::Error;

impl AgentSession {
    /// The sources rooms were opened from, to filter [`AgentSession::rooms`] by.
    /// `GET /api/v1/livechat/rooms/filters`
    pub async fn room_filters(&self) -> Result<rooms_filters::Response, Error> {
        self.call(&rooms_filters::Request {}).await
    }

    /// Changes a room's topic, tags and custom fields and its visitor's details.
    /// `POST /api/v1/livechat/room.saveInfo`
    pub async fn save_room_info(&self, req: &save_info::Request) -> Result<(), Error> {
        self.call(req).await.map(drop)
    }

    /// A page of a room's messages, those containing `search_term` when given.
    /// `GET /api/v1/livechat/:rid/messages`
    pub async fn search_room_messages(
        &self,
        room_id: &RoomId,
        search_term: Option<&str>,
    ) -> Result<messages::Response, Error> {
        let mut req = messages::Request::new(room_id.clone());
        req.search_term = search_term.map(str::to_owned);
        self.call(&req).await
    }

    /// A visitor as the team sees it (never its token).
    /// `GET /api/v1/livechat/visitors.info`
    pub async fn visitor_info(&self, visitor_id: &str) -> Result<info::VisitorInfo, Error> {
        Ok(self.call(&info::Request::new(visitor_id)).await?.visitor)
    }
}
