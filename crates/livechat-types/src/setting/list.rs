//! `GET /api/v1/settings?count=&offset=`: every setting this server offers, with its value
//! (admins), in pages.

use serde::{Deserialize, Serialize};

use super::SettingValue;
use crate::{Endpoint, Method};

/// Query of a list-settings request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Settings to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// One setting and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Setting {
    /// The setting's id, such as `Livechat_enabled`.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its value: the stored one, else the default.
    pub value: SettingValue,
}

/// Reply to a list-settings request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The settings of this page, in a fixed order.
    pub settings: Vec<Setting>,
    /// Settings in this page.
    pub count: i64,
    /// Settings skipped.
    pub offset: i64,
    /// Settings in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/settings";
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_reply_is_a_page_of_ids_and_values() {
        let reply = json!({
            "settings": [{"_id": "Livechat_enabled", "value": true}, {"_id": "Livechat_title", "value": "Help"}],
            "count": 2,
            "offset": 0,
            "total": 40,
            "success": true,
        });
        let parsed: crate::Success<Response> = serde_json::from_value(reply).expect("reply");
        assert_eq!(parsed.data.settings[1].value, SettingValue::from("Help"));
        assert_eq!(parsed.data.total, 40);
        let query: Request = serde_json::from_value(json!({"count": "10", "offset": "20"}))
            .expect("query strings carry numbers as text");
        assert_eq!((query.count, query.offset), (Some(10), Some(20)));
    }
}
