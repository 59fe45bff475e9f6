//! `GET /api/v1/livechat/department.autocomplete?selector=`: department names for a search
//! box. `selector` is JSON, `{"term": "sal"}`, as Rocket.Chat's clients send it.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Query of an autocomplete request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// `{"term": "<text>"}`: names containing the term, ignoring case.
    pub selector: String,
}

/// One match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Item {
    /// Department id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its name.
    pub name: String,
}

/// Reply to an autocomplete request: at most 10 enabled departments, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The matches.
    pub items: Vec<Item>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/department.autocomplete";
    type Response = Response;
}
