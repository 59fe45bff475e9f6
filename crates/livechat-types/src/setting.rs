//! Settings changed at run time by an admin (SPEC section 15): `settings` (all of them) and
//! `settings/{_id}`.

pub mod get;
pub mod list;
pub mod set;

use serde::{Deserialize, Serialize};

/// The value of a setting: a boolean, an integer or a string, as the setting's type says.
/// Any other JSON (a fraction, `null`, an object) is not a setting value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum SettingValue {
    /// A switch.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A text, or one of a fixed set of texts.
    Text(String),
}

impl From<bool> for SettingValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<i64> for SettingValue {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<&str> for SettingValue {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for SettingValue {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_plain_json() {
        for (value, wire) in [
            (SettingValue::Bool(true), json!(true)),
            (SettingValue::Int(5000), json!(5000)),
            (SettingValue::from("Rocket.Chat"), json!("Rocket.Chat")),
        ] {
            assert_eq!(serde_json::to_value(&value).ok(), Some(wire.clone()));
            assert_eq!(serde_json::from_value::<SettingValue>(wire).ok(), Some(value));
        }
        for other in [json!(null), json!(0.5), json!({}), json!([true])] {
            assert!(serde_json::from_value::<SettingValue>(other).is_err());
        }
    }
}
