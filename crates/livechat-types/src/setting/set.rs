//! `POST /api/v1/settings/{_id}`: changes a setting (admins). Every server instance follows
//! within a second.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::SettingValue;
use crate::{fill_route, Endpoint, Method};

/// Body of a set-setting request; the id travels in the path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The setting's id (path).
    #[serde(skip)]
    pub id: String,
    /// The new value, of the setting's type (`invalid-params` otherwise).
    pub value: SettingValue,
}

impl Request {
    /// Sets setting `id` to `value`.
    pub fn new(id: impl Into<String>, value: impl Into<SettingValue>) -> Self {
        Self { id: id.into(), value: value.into() }
    }
}

/// Reply to a set-setting request: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/settings/{_id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.id])
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_body_is_the_value_alone() {
        let req = Request::new("Livechat_enabled", false);
        assert_eq!(serde_json::to_value(&req).ok(), Some(json!({"value": false})));
        let parsed: Result<Request, _> = serde_json::from_value(json!({"value": "x", "id": "y"}));
        assert!(parsed.is_err(), "unknown fields are refused");
    }
}
