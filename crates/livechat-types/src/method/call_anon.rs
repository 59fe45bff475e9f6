//! `POST /api/v1/method.callAnon/{method}`: runs a method without credentials.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{fill_route, Endpoint, Method};

/// A bridge call; the method's name travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The method's name (path).
    #[serde(skip)]
    pub method: String,
    /// The call, as EJSON text.
    pub message: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/method.callAnon/{method}";
    type Response = super::Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.method])
    }
}
