//! `GET /api/v1/livechat/custom-fields/{_id}`: one definition, `null` when there is none.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::CustomField;
use crate::{fill_route, Endpoint, Method};

/// A get-custom-field request; the key travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The field's key (path).
    #[serde(skip)]
    pub id: String,
}

/// Reply to a get-custom-field request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The definition, or `null`.
    #[serde(rename = "customField")]
    pub custom_field: Option<CustomField>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/custom-fields/{_id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}
