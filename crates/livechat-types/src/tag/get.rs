//! `GET /api/v1/livechat/tags/{tagId}`: one tag the caller may use; 404 `Tag not found`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::Tag;
use crate::{fill_route, Endpoint, Method};

/// A get-tag request; the id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The tag's id (path).
    #[serde(skip)]
    pub id: String,
}

/// Reply to a get-tag request: the tag itself.
pub type Response = Tag;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/tags/{tagId}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
