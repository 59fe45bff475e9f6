//! `POST /api/v1/livechat/department/{_id}/unarchive`: takes a department out of the
//! archive (it stays disabled until enabled).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{fill_route, Endpoint, Method};

/// The request; the id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The department's id (path).
    #[serde(skip)]
    pub id: String,
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/department/{_id}/unarchive";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
