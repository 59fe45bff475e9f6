//! The agent's workflow: the queue (inquiries), taking a chat, forwarding it, joining it,
//! the transfer history and the agents' loads; and, for visitors, switching department and
//! the place in the queue.

use livechat_types::inquiry::{get_one, list, queue, queued_for_user, take, Inquiry};
use livechat_types::room::{config, Room};
use livechat_types::transfer::{forward, history, join, switch};
use livechat_types::RoomId;

use crate::agent::AgentSession;
use crate::error::Error;
use crate::visitor::Visitor;

impl AgentSession {
    /// The queue this agent may take from (its departments' and the general one), longest
    /// waiting first. `GET /api/v1/livechat/inquiries.queuedForUser`
    pub async fn queued_for_user(
        &self,
        req: &queued_for_user::Request,
    ) -> Result<queued_for_user::Response, Error> {
        self.call(req).await
    }

    /// The whole queue (managers), or one department's.
    /// `GET /api/v1/livechat/inquiries.list`
    pub async fn inquiries(&self, req: &list::Request) -> Result<list::Response, Error> {
        self.call(req).await
    }

    /// The inquiry of an open room; `None` when the room is closed, unknown or out of reach.
    /// `GET /api/v1/livechat/inquiries.getOne`
    pub async fn inquiry(&self, room_id: &RoomId) -> Result<Option<Inquiry>, Error> {
        Ok(self.call(&get_one::Request { room_id: room_id.clone() }).await?.inquiry)
    }

    /// Takes a queued chat (its inquiry id is its room's id). Of concurrent takes one wins;
    /// the others fail with [`ErrorCode::InquiryTaken`](crate::ErrorCode). An agent that is
    /// not available gets [`ErrorCode::AgentStatusServiceOffline`](crate::ErrorCode), a chat
    /// out of its queues [`ErrorCode::ErrorNotFound`](crate::ErrorCode).
    /// `POST /api/v1/livechat/inquiries.take`
    pub async fn take(&self, inquiry_id: impl Into<String>) -> Result<(), Error> {
        self.call(&take::Request::new(inquiry_id)).await.map(drop)
    }

    /// Gives a queued chat to agent `user_id` (managers).
    /// `POST /api/v1/livechat/inquiries.take`
    pub async fn take_for(
        &self,
        inquiry_id: impl Into<String>,
        user_id: impl Into<String>,
    ) -> Result<(), Error> {
        let req = take::Request { user_id: Some(user_id.into()), ..take::Request::new(inquiry_id) };
        self.call(&req).await.map(drop)
    }

    /// How many open chats each agent serves, per department, busiest first.
    /// `GET /api/v1/livechat/queue`
    pub async fn queue(&self, req: &queue::Request) -> Result<queue::Response, Error> {
        self.call(req).await
    }

    /// Hands a chat to another agent or department (build the request with
    /// [`forward::Request::to_agent`] or [`forward::Request::to_department`]). Errors include
    /// [`ErrorCode::UserIsOffline`](crate::ErrorCode),
    /// [`ErrorCode::SelectedAgentIsRoomAgent`](crate::ErrorCode),
    /// [`ErrorCode::ForwardingToSameDepartment`](crate::ErrorCode) and
    /// [`ErrorCode::NoAgentsAvailableInDepartment`](crate::ErrorCode).
    /// `POST /api/v1/livechat/room.forward`
    pub async fn forward(&self, req: &forward::Request) -> Result<(), Error> {
        self.call(req).await.map(drop)
    }

    /// A page of a room's transfers, oldest first.
    /// `GET /api/v1/livechat/transfer.history/{rid}`
    pub async fn transfer_history(
        &self,
        req: &history::Request,
    ) -> Result<history::Response, Error> {
        self.call(req).await
    }

    /// Joins a chat: a manager any open one, an agent a queued one (which takes it).
    /// `GET /api/v1/livechat/room.join`
    pub async fn join(&self, room_id: &RoomId) -> Result<(), Error> {
        self.call(&join::Request { room_id: room_id.clone() }).await.map(drop)
    }
}

impl Visitor {
    /// Moves the visitor's open chat to department `department` (its id), when
    /// `Livechat_allow_switching_departments` allows it (else
    /// [`ErrorCode::NotAllowed`](crate::ErrorCode)). Returns the room as it is now.
    /// `POST /api/v1/livechat/room.transfer`
    pub async fn switch_department(&self, department: impl Into<String>) -> Result<Room, Error> {
        let req = switch::Request {
            token: self.token().clone(),
            rid: self.room_id().await?,
            department: department.into(),
        };
        Ok(self.client().call_as(&req, None).await?.room)
    }

    /// The place of the visitor's open chat in its queue, from 1; `None` when an agent
    /// serves it or it has none (`queueInfo` of the widget configuration).
    /// `GET /api/v1/livechat/config`
    pub async fn queue_spot(&self) -> Result<Option<i64>, Error> {
        let req = config::Request { token: Some(self.token().clone()), department: None };
        let res = self.client().config(&req).await?;
        Ok(res.config.queue_info.map(|info| info.spot))
    }
}
