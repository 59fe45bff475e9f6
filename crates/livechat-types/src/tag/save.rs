//! `POST /api/v1/livechat/tags.save`: a new tag, or (with `_id`) new details for one.

use serde::{Deserialize, Serialize};

use super::Tag;
use crate::{Endpoint, Method};

/// Body of a save-tag request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The tag to change; absent for a new one.
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// The tag's details.
    #[serde(rename = "tagData", deserialize_with = "crate::de::object")]
    pub tag_data: TagData,
    /// The departments it is offered to; absent or empty: all.
    #[serde(
        rename = "tagDepartments",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub tag_departments: Option<Vec<String>>,
}

/// A tag's name and description.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TagData {
    /// Its name (1-100 characters, unique).
    pub name: String,
    /// What it is for.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
}

impl Request {
    /// A new tag named `name`.
    pub fn new(name: &str) -> Self {
        Self {
            id: None,
            tag_data: TagData { name: name.to_owned(), description: None },
            tag_departments: None,
        }
    }
}

/// Reply to a save-tag request: the tag as stored.
pub type Response = Tag;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/tags.save";
    type Response = Response;
}
