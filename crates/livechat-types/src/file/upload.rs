//! `POST /api/v1/livechat/upload/{rid}`: the room's visitor sends a file (multipart `file`,
//! `msg?`, `description?`; the token in `x-visitor-token`). The reply is the message itself,
//! not wrapped in `message` (as Rocket.Chat).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::UploadFields;
use crate::message::Message;
use crate::{fill_route, Endpoint, Method, ParamSource, RoomId};

/// A visitor's upload: the room in the path, the form's text fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The room (path).
    #[serde(skip)]
    pub room_id: RoomId,
    /// The form's fields.
    #[serde(flatten)]
    pub fields: UploadFields,
}

impl Request {
    /// An upload into room `room_id` with no text.
    pub fn new(room_id: RoomId) -> Self {
        Self { room_id, fields: UploadFields::default() }
    }
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/upload/{rid}";
    const PARAMS: ParamSource = ParamSource::Multipart;
    type Response = Message;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.room_id.as_str()])
    }
}
