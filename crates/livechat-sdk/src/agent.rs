//! The agent side: log in, become available, list rooms, reply, edit, delete and close.

use futures_util::stream::Stream;
use livechat_types::agent::{
    chat_delete, chat_send, chat_update, close_room, login, logout, rooms, status,
};
use livechat_types::message::Message;
use livechat_types::{MessageId, RoomId};

use crate::client::{new_message_id, Client};
use crate::error::Error;

/// A logged-in agent or admin, from [`Client::login`]. Requests carry its `X-User-Id` and
/// `X-Auth-Token`.
#[derive(Clone)]
pub struct AgentSession {
    client: Client,
    credentials: login::Credentials,
}

impl std::fmt::Debug for AgentSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentSession").field("user", &self.credentials.me.username).finish()
    }
}

impl Client {
    /// Logs in as an agent or admin. `POST /api/v1/login`
    pub async fn login(
        &self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<AgentSession, Error> {
        let res = self.call_as(&login::Request::new(user, password), None).await?;
        Ok(AgentSession { client: self.clone(), credentials: res.data })
    }
}

impl AgentSession {
    /// The user id (`X-User-Id`).
    pub fn user_id(&self) -> &str {
        &self.credentials.user_id
    }

    /// The auth token: also the `resume` token of the realtime login.
    pub fn auth_token(&self) -> &str {
        &self.credentials.auth_token
    }

    /// The logged-in user.
    pub fn me(&self) -> &login::Me {
        &self.credentials.me
    }

    /// This session as a realtime subscriber (see [`Client::subscribe_room`]).
    pub fn subscriber(&self) -> crate::Subscriber {
        crate::Subscriber::Agent {
            user_id: self.credentials.user_id.clone(),
            auth_token: self.credentials.auth_token.clone(),
        }
    }

    /// The client this session uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A session of `credentials` on `client` (tests build one without a server).
    #[cfg(test)]
    pub(crate) fn new(client: Client, credentials: login::Credentials) -> Self {
        Self { client, credentials }
    }

    pub(crate) fn auth(&self) -> Option<(&str, &str)> {
        Some((&self.credentials.user_id, &self.credentials.auth_token))
    }

    /// Calls `req` with this session's credentials.
    pub(crate) async fn call<E: livechat_types::Endpoint>(
        &self,
        req: &E,
    ) -> Result<E::Response, Error> {
        self.client.call_as(req, self.auth()).await
    }

    /// Becomes available (queued rooms are routed at once) or not.
    /// `POST /api/v1/livechat/agent.status`
    pub async fn set_available(&self, available: bool) -> Result<status::Response, Error> {
        self.client.call_as(&status::Request::new(available), self.auth()).await
    }

    /// Rooms this agent serves plus the queue (managers and admins: every room), narrowed by
    /// the request's filters (agents, department, open, tags, dates, custom fields, name).
    /// `GET /api/v1/livechat/rooms`
    pub async fn rooms(&self, req: &rooms::Request) -> Result<rooms::Response, Error> {
        self.client.call_as(req, self.auth()).await
    }

    /// Replies in a room this agent serves; retry-safe like visitor sends (a client `_id` is
    /// generated and kept across retries). `POST /api/v1/chat.sendMessage`
    pub async fn reply(&self, room_id: &RoomId, text: impl Into<String>) -> Result<Message, Error> {
        self.reply_with_id(room_id, new_message_id(), text).await
    }

    /// Replies with a client-chosen `_id`. `POST /api/v1/chat.sendMessage`
    pub async fn reply_with_id(
        &self,
        room_id: &RoomId,
        id: MessageId,
        text: impl Into<String>,
    ) -> Result<Message, Error> {
        let mut req = chat_send::Request::new(room_id.clone(), text);
        req.message.id = Some(id);
        let res = self.client.with_retries(|| self.client.call_as(&req, self.auth())).await?;
        Ok(res.message)
    }

    /// Edits one of this agent's messages. `POST /api/v1/chat.update`
    pub async fn edit(
        &self,
        room_id: &RoomId,
        message_id: &MessageId,
        text: impl Into<String>,
    ) -> Result<Message, Error> {
        let req = chat_update::Request {
            room_id: room_id.clone(),
            message_id: message_id.clone(),
            text: text.into(),
        };
        Ok(self.client.call_as(&req, self.auth()).await?.message)
    }

    /// Deletes one of this agent's messages. `POST /api/v1/chat.delete`
    pub async fn delete(
        &self,
        room_id: &RoomId,
        message_id: &MessageId,
    ) -> Result<chat_delete::Response, Error> {
        let req = chat_delete::Request { room_id: room_id.clone(), message_id: message_id.clone() };
        self.client.call_as(&req, self.auth()).await
    }

    /// Closes a room this agent serves. `POST /api/v1/livechat/room.closeByUser`
    pub async fn close(&self, room_id: &RoomId, comment: Option<String>) -> Result<(), Error> {
        let req = close_room::Request::new(room_id.clone(), comment);
        self.client.call_as(&req, self.auth()).await.map(drop)
    }

    /// Every message of a room this agent may read, newest first.
    /// `GET /api/v1/livechat/messages.history/{rid}`
    pub fn history(
        &self,
        room_id: RoomId,
    ) -> impl Stream<Item = Result<Message, Error>> + Send + 'static {
        let credentials = (self.credentials.user_id.clone(), self.credentials.auth_token.clone());
        self.client.pages(room_id, None, Some(credentials), 100)
    }

    /// Revokes this session's token. `POST /api/v1/logout`
    pub async fn logout(self) -> Result<(), Error> {
        self.client.call_as(&logout::Request::default(), self.auth()).await.map(drop)
    }
}
