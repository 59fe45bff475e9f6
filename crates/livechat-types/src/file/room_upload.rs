//! `POST /api/v1/rooms.upload/{rid}`: an agent (or a manager) sends a file in one step
//! (multipart `file`, `msg?`, `description?`), as the Python client does.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::UploadFields;
use crate::message::Message;
use crate::{fill_route, Endpoint, Method, ParamSource, RoomId};

/// An agent's one-step upload: the room in the path, the form's text fields.
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

/// The message that carries the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The message.
    pub message: Message,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/rooms.upload/{rid}";
    const PARAMS: ParamSource = ParamSource::Multipart;
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.room_id.as_str()])
    }
}
