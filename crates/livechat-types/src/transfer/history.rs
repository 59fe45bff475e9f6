//! `GET /api/v1/livechat/transfer.history/{rid}?count=&offset=`: a room's transfers, oldest
//! first.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::TransferData;
use crate::{fill_route, Endpoint, Method, RoomId};

/// Query of a transfer-history request; the room travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The room (path).
    #[serde(skip)]
    pub rid: RoomId,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Transfers to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply: the transfers, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The page.
    pub history: Vec<TransferData>,
    /// Transfers in this page.
    pub count: i64,
    /// Transfers skipped.
    pub offset: i64,
    /// Transfers in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/transfer.history/{rid}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.rid.as_str()])
    }
}
