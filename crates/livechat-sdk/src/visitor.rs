//! A registered visitor: keeps its token and its current room.

use std::sync::{Arc, Mutex};

use futures_util::stream::Stream;
use livechat_types::message::{delete, get, send, update, Message};
use livechat_types::room::{close, open, Room};
use livechat_types::visitor::Visitor as VisitorInfo;
use livechat_types::{MessageId, RoomId, VisitorToken};

use crate::client::Client;
use crate::error::Error;

/// A visitor handle from [`Client::register`]: methods use its token and its room, opening
/// a room when it has none.
#[derive(Clone, Debug)]
pub struct Visitor {
    client: Client,
    info: VisitorInfo,
    room: Arc<Mutex<Option<RoomId>>>,
}

impl Visitor {
    pub(crate) fn new(client: Client, info: VisitorInfo) -> Self {
        Self { client, info, room: Arc::default() }
    }

    /// The visitor as the server registered it.
    pub fn info(&self) -> &VisitorInfo {
        &self.info
    }

    /// The visitor's token.
    pub fn token(&self) -> &VisitorToken {
        &self.info.token
    }

    /// The client this handle uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn remembered_room(&self) -> Option<RoomId> {
        self.room.lock().map_or(None, |room| room.clone())
    }

    fn remember_room(&self, room_id: Option<RoomId>) {
        if let Ok(mut room) = self.room.lock() {
            *room = room_id;
        }
    }

    /// The visitor's open room, opened when needed; it becomes the handle's room.
    /// `GET /api/v1/livechat/room`
    pub async fn open_room(&self) -> Result<Room, Error> {
        let res = self.client.open_room(&open::Request::new(self.token().clone())).await?;
        self.remember_room(Some(res.room.id.clone()));
        Ok(res.room)
    }

    /// The handle's room id, opening a room when there is none.
    pub async fn room_id(&self) -> Result<RoomId, Error> {
        match self.remembered_room() {
            Some(room_id) => Ok(room_id),
            None => Ok(self.open_room().await?.id),
        }
    }

    /// Sends a message to the visitor's room (retry-safe; see [`Client::send_message`]).
    pub async fn send(&self, text: impl Into<String>) -> Result<Message, Error> {
        let req = send::Request::new(self.token().clone(), self.room_id().await?, text);
        Ok(self.client.send_message(&req).await?.message)
    }

    /// Sends a message with a client-chosen id: sending it again returns the stored message.
    pub async fn send_with_id(
        &self,
        id: MessageId,
        text: impl Into<String>,
    ) -> Result<Message, Error> {
        let req = send::Request::new(self.token().clone(), self.room_id().await?, text).with_id(id);
        Ok(self.client.send_message(&req).await?.message)
    }

    /// One message of the room.
    pub async fn message(&self, id: &MessageId) -> Result<Message, Error> {
        let req = get::Request::new(id.clone(), self.token().clone(), self.room_id().await?);
        Ok(self.client.get_message(&req).await?.message)
    }

    /// Replaces the text of one of the visitor's messages.
    pub async fn edit(&self, id: &MessageId, text: impl Into<String>) -> Result<Message, Error> {
        let req =
            update::Request::new(id.clone(), self.token().clone(), self.room_id().await?, text);
        Ok(self.client.update_message(&req).await?.message)
    }

    /// Deletes one of the visitor's messages.
    pub async fn delete(&self, id: &MessageId) -> Result<delete::Deleted, Error> {
        let req = delete::Request::new(id.clone(), self.token().clone(), self.room_id().await?);
        Ok(self.client.delete_message(&req).await?.message)
    }

    /// Every message of the room, newest first (see [`Client::history_stream`]).
    pub async fn history(
        &self,
    ) -> Result<impl Stream<Item = Result<Message, Error>> + Send + 'static, Error> {
        Ok(self.client.history_stream(self.room_id().await?, self.token().clone(), 100))
    }

    /// Live events of the visitor's room (see [`Client::subscribe_room`]).
    pub async fn subscribe(
        &self,
    ) -> Result<impl Stream<Item = Result<crate::RoomEvent, Error>> + Send + 'static, Error> {
        let room_id = self.room_id().await?;
        self.client.subscribe_room(room_id, crate::Subscriber::Visitor(self.token().clone())).await
    }

    /// Closes the visitor's room; the next send opens a new one.
    /// `POST /api/v1/livechat/room.close`
    pub async fn close(&self) -> Result<close::Response, Error> {
        let req = close::Request::new(self.token().clone(), self.room_id().await?);
        let res = self.client.close_room(&req).await?;
        self.remember_room(None);
        Ok(res)
    }
}
