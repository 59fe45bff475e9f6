//! `POST /api/v1/livechat/room.survey`: the visitor rates its chat. Items outside config
//! `survey` (and values outside its `values`) are dropped; `additionalFeedback` is free text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, RoomId, VisitorToken};

/// The survey's items (config `survey.items`).
pub const ITEMS: [&str; 4] =
    ["satisfaction", "agentKnowledge", "agentResposiveness", "agentFriendliness"];
/// The values an item takes (config `survey.values`).
pub const VALUES: [&str; 5] = ["1", "2", "3", "4", "5"];
/// The free-text item.
pub const ADDITIONAL_FEEDBACK: &str = "additionalFeedback";

/// One answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Answer {
    /// The item.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// Body of a survey request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// The visitor's room.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
    /// The answers.
    pub data: Vec<Answer>,
}

/// Reply: the answers kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The room.
    pub rid: RoomId,
    /// Item names to values.
    pub data: BTreeMap<String, String>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/room.survey";
    type Response = Response;
}
