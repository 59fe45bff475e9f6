//! `DELETE /api/v1/livechat/triggers/{_id}`: removes a trigger.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{fill_route, Endpoint, Method};

/// A delete-trigger request; the id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The trigger's id (path).
    #[serde(skip)]
    pub id: String,
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Delete;
    const ROUTE: &'static str = "/api/v1/livechat/triggers/{_id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
