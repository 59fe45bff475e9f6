//! `POST /api/v1/rooms.media/{rid}`: an agent (or a manager) stores a file as *pending*
//! (multipart `file`); `rooms.mediaConfirm` then sends it. A pending file nobody confirms
//! within 24 hours is deleted.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{PendingFile, UploadFields};
use crate::{fill_route, Endpoint, Method, ParamSource, RoomId};

/// A pending upload: the room in the path, the file in the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The room (path).
    #[serde(skip)]
    pub room_id: RoomId,
    /// The form's fields (`msg` and `description` are taken by `rooms.mediaConfirm`, and
    /// ignored here).
    #[serde(flatten)]
    pub fields: UploadFields,
}

impl Request {
    /// A pending upload into room `room_id`.
    pub fn new(room_id: RoomId) -> Self {
        Self { room_id, fields: UploadFields::default() }
    }
}

/// The pending file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Its id and future download path.
    pub file: PendingFile,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/rooms.media/{rid}";
    const PARAMS: ParamSource = ParamSource::Multipart;
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.room_id.as_str()])
    }
}
