//! `GET /api/v1/livechat/triggers/{_id}`: one trigger, `null` when there is none.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::Trigger;
use crate::{fill_route, Endpoint, Method};

/// A get-trigger request; the id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The trigger's id (path).
    #[serde(skip)]
    pub id: String,
}

/// Reply to a get-trigger request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The trigger, or `null`.
    pub trigger: Option<Trigger>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/triggers/{_id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
