//! `POST /api/v1/livechat/room.saveInfo`: an agent or manager edits a room's topic, tags and
//! custom fields and its visitor's name, e-mail, phone and custom fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of a save-info request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The room's visitor and what changes about it.
    #[serde(rename = "guestData", deserialize_with = "crate::de::object")]
    pub guest_data: GuestData,
    /// The room and what changes about it.
    #[serde(rename = "roomData", deserialize_with = "crate::de::object")]
    pub room_data: RoomData,
}

/// The visitor's part: a field left out stays as it is; an empty `email` or `phone` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GuestData {
    /// The visitor's `_id`: the room's visitor.
    #[serde(rename = "_id")]
    pub id: String,
    /// Display name.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// Phone number.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<String>,
    /// Visitor custom fields; only defined ones are stored.
    #[serde(
        rename = "livechatData",
        default,
        deserialize_with = "crate::de::present_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub livechat_data: Option<BTreeMap<String, String>>,
}

/// The room's part: a field left out stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RoomData {
    /// The room's `_id`.
    #[serde(rename = "_id")]
    pub id: String,
    /// The room's topic; an empty one clears it.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub topic: Option<String>,
    /// The room's tags (at most 20 of 1-100 characters; repeats are dropped), replacing
    /// those it has.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub tags: Option<Vec<String>>,
    /// Room custom fields; only defined ones are stored.
    #[serde(
        rename = "livechatData",
        default,
        deserialize_with = "crate::de::present_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub livechat_data: Option<BTreeMap<String, String>>,
}

impl Request {
    /// Changes nothing yet about room `room_id` and visitor `visitor_id`.
    pub fn new(room_id: impl Into<String>, visitor_id: impl Into<String>) -> Self {
        Self {
            guest_data: GuestData { id: visitor_id.into(), ..GuestData::default() },
            room_data: RoomData { id: room_id.into(), ..RoomData::default() },
        }
    }
}

/// Reply to a save-info request: nothing beyond `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/room.saveInfo";
    type Response = Response;
}
