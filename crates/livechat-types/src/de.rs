//! Deserialization helpers for the SPEC's strict parameter rules.

use serde::{de, Deserialize, Deserializer};

/// An optional field that, when present, must hold a value: `null` is refused like any
/// other wrong type (absent fields still read as `None` through `#[serde(default)]`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// An optional integer from a query string that saturates instead of overflowing, so a huge
/// `limit` is clamped rather than refused; text that is not an integer is refused.
pub fn saturating_int<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(de::Error::custom("must be an integer"));
    }
    let value = digits.parse::<i64>().unwrap_or(i64::MAX);
    Ok(Some(if negative { -value } else { value }))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Query {
        #[serde(default, deserialize_with = "super::saturating_int")]
        limit: Option<i64>,
    }

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::present")]
        name: Option<String>,
    }

    #[test]
    fn null_is_not_absent() {
        assert!(serde_json::from_str::<Body>(r#"{"name":null}"#).is_err());
        assert_eq!(serde_json::from_str::<Body>("{}").ok().and_then(|b| b.name), None);
        assert_eq!(
            serde_json::from_str::<Body>(r#"{"name":"a"}"#).ok().and_then(|b| b.name).as_deref(),
            Some("a")
        );
    }

    #[test]
    fn huge_integers_saturate() {
        let parse =
            |text: &str| serde_json::from_value::<Query>(serde_json::json!({"limit": text}));
        assert_eq!(parse("99999999999999999999").ok().and_then(|q| q.limit), Some(i64::MAX));
        assert_eq!(parse("-99999999999999999999").ok().and_then(|q| q.limit), Some(-i64::MAX));
        assert_eq!(parse("20").ok().and_then(|q| q.limit), Some(20));
        assert!(parse("ten").is_err());
        assert!(parse("").is_err());
    }
}
