//! `POST /api/v1/livechat/triggers`: a new trigger, or (with `_id`) new details for one.

use serde::{Deserialize, Serialize};

use super::{Action, Condition};
use crate::{Endpoint, Method};

/// Body of a save-trigger request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The trigger to change; absent for a new one.
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Its name.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// Whether the widget runs it.
    pub enabled: bool,
    /// Whether it runs only once per visitor.
    #[serde(rename = "runOnce", default)]
    pub run_once: bool,
    /// When it runs.
    pub conditions: Vec<Condition>,
    /// What it does.
    pub actions: Vec<Action>,
}

/// Reply to a save-trigger request: the trigger's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The trigger's id.
    #[serde(rename = "_id")]
    pub id: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/triggers";
    type Response = Response;
}
