//! `GET /api/v1/settings/{_id}`: the current value of a setting (admins).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::SettingValue;
use crate::{fill_route, Endpoint, Method};

/// A get-setting request; the id travels in the path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The setting's id, such as `Livechat_enabled` (path).
    #[serde(skip)]
    pub id: String,
}

impl Request {
    /// A request for setting `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// Reply to a get-setting request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The setting's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its value: the stored one, else the default.
    pub value: SettingValue,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
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
    fn the_reply_carries_id_and_value() {
        let reply = json!({"_id": "Livechat_enabled", "value": false, "success": true});
        let parsed: crate::Success<Response> = serde_json::from_value(reply).expect("reply");
        assert_eq!(parsed.data.id, "Livechat_enabled");
        assert_eq!(parsed.data.value, SettingValue::Bool(false));
        assert_eq!(Request::new("Livechat_title").path(), "/api/v1/settings/Livechat_title");
    }
}
