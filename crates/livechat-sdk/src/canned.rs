//! Canned responses, tags, and closing a chat with tags.

use livechat_types::agent::close_room;
use livechat_types::canned_response::{get, get_all, list, remove, save, CannedResponse};
use livechat_types::tag::{self, Tag};
use livechat_types::RoomId;

use crate::agent::AgentSession;
use crate::error::Error;

impl AgentSession {
    /// A page of the canned responses this user may see, narrowed by shortcut, text, scope,
    /// tags and department. `GET /api/v1/canned-responses`
    pub async fn canned_responses(&self, req: &list::Request) -> Result<list::Response, Error> {
        self.call(req).await
    }

    /// Every canned response this user may see, by shortcut.
    /// `GET /api/v1/canned-responses.get`
    pub async fn all_canned_responses(&self) -> Result<Vec<CannedResponse>, Error> {
        Ok(self.call(&get_all::Request {}).await?.responses)
    }

    /// One canned response this user may see.
    /// `GET /api/v1/canned-responses/{_id}`
    pub async fn canned_response(&self, id: impl Into<String>) -> Result<CannedResponse, Error> {
        Ok(self.call(&get::Request { id: id.into() }).await?.canned_response)
    }

    /// Creates a canned response, or (with `id`) changes one. A bad or taken shortcut is
    /// [`ErrorCode::InvalidShortcut`](crate::ErrorCode).
    /// `POST /api/v1/canned-responses`
    pub async fn save_canned_response(&self, req: &save::Request) -> Result<(), Error> {
        self.call(req).await.map(drop)
    }

    /// Removes a canned response; one that does not exist or is out of reach is
    /// [`ErrorCode::CannedResponseNotFound`](crate::ErrorCode).
    /// `DELETE /api/v1/canned-responses`
    pub async fn delete_canned_response(&self, id: impl Into<String>) -> Result<(), Error> {
        self.call(&remove::Request { id: id.into() }).await.map(drop)
    }

    /// A page of the tags this user may use. `GET /api/v1/livechat/tags`
    pub async fn tags(&self, req: &tag::list::Request) -> Result<tag::list::Response, Error> {
        self.call(req).await
    }

    /// One tag this user may use. `GET /api/v1/livechat/tags/{tagId}`
    pub async fn tag(&self, id: impl Into<String>) -> Result<Tag, Error> {
        self.call(&tag::get::Request { id: id.into() }).await
    }

    /// Creates a tag, or (with `id`) changes one; returns it as stored.
    /// `POST /api/v1/livechat/tags.save`
    pub async fn save_tag(&self, req: &tag::save::Request) -> Result<Tag, Error> {
        self.call(req).await
    }

    /// Removes a tag (rooms keep the names they were closed with); an unknown one is
    /// [`ErrorCode::TagNotFound`](crate::ErrorCode). `POST /api/v1/livechat/tags.delete`
    pub async fn delete_tag(&self, id: impl Into<String>) -> Result<(), Error> {
        self.call(&tag::remove::Request { id: id.into() }).await.map(drop)
    }

    /// Closes a room this agent serves with a comment and tags. A department that wants
    /// tags refuses a close without them ([`ErrorCode::TagsRequired`](crate::ErrorCode)), and
    /// by default a comment is required ([`ErrorCode::CommentRequired`](crate::ErrorCode)).
    /// `POST /api/v1/livechat/room.closeByUser`
    pub async fn close_with_tags(
        &self,
        room_id: &RoomId,
        comment: Option<String>,
        tags: &[&str],
    ) -> Result<(), Error> {
        let mut req = close_room::Request::new(room_id.clone(), comment);
        req.tags = Some(tags.iter().map(|tag| (*tag).to_owned()).collect());
        self.call(&req).await.map(drop)
    }
}
