//! `GET /api/v1/livechat/rooms`: rooms with Rocket.Chat's filters. Agents see the rooms they
//! serve and the queue; managers and admins every room.

use serde::{Deserialize, Serialize};

use crate::room::Room;
use crate::{Endpoint, Method};

/// Query of a rooms request. `agents` and `tags` travel as `agents[]=a&agents[]=b`, as
/// Rocket.Chat's clients send them, or separated by commas (`agents=a,b`); `createdAt`,
/// `closedAt`, `customFields` and `sort` are JSON, as Rocket.Chat takes them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only open (`true`) or closed (`false`) rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
    /// Only rooms served by one of these agents (user ids, separated by commas, or repeated
    /// as `agents[]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agents: Option<String>,
    /// Only rooms of this department.
    #[serde(rename = "departmentId", default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    /// Only rooms with one of these tags (separated by commas, or repeated as `tags[]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// Only rooms opened within `{"start": ISO, "end": ISO}` (either bound optional).
    #[serde(rename = "createdAt", default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Only rooms closed within `{"start": ISO, "end": ISO}` (either bound optional).
    #[serde(rename = "closedAt", default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// Only rooms whose custom fields have these values: a JSON object of strings.
    #[serde(rename = "customFields", default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<String>,
    /// Only rooms whose visitor's name (`fname`) contains this, ignoring case.
    #[serde(rename = "roomName", default, skip_serializing_if = "Option::is_none")]
    pub room_name: Option<String>,
    /// Order, as `{"<field>": 1 | -1}` on `ts`, `fname`, `lm`, `closedAt`, `_updatedAt` or
    /// `msgs`; newest first (`{"ts": -1}`) by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Rooms to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply to a rooms request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Rooms, in the order asked (newest first by default).
    pub rooms: Vec<Room>,
    /// Rooms in this page.
    pub count: i64,
    /// Rooms skipped.
    pub offset: i64,
    /// Rooms in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/rooms";
    type Response = Response;
}
