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

/// A `T` that must be written as a JSON object. Serde lets a struct be read from an array
/// of its fields' values (`["tok", "rid", "hi"]`); the SPEC's strict types refuse that.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OnlyMaps<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> de::Visitor<'de> for OnlyMaps<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_map(OnlyMaps(std::marker::PhantomData)).map(Object)
    }
}

/// A field that must be a JSON object.
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Object::deserialize(deserializer).map(|Object(value)| value)
}

/// An optional field that, when present, must be a JSON object (see [`present`]).
pub fn present_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    object(deserializer).map(Some)
}

/// An optional field that, when present, must be an array of JSON objects.
pub fn present_objects<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = Vec::<Object<T>>::deserialize(deserializer)?;
    Ok(Some(items.into_iter().map(|Object(item)| item).collect()))
}

/// A field that must be an array of JSON objects.
pub fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = Vec::<Object<T>>::deserialize(deserializer)?;
    Ok(items.into_iter().map(|Object(item)| item).collect())
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        a: String,
    }

    #[derive(Debug, Deserialize)]
    struct Outer {
        #[serde(deserialize_with = "super::object")]
        inner: Inner,
        #[serde(default, deserialize_with = "super::present_objects")]
        items: Option<Vec<Inner>>,
    }

    #[test]
    fn objects_are_not_read_from_arrays() {
        let parse = |text: &str| serde_json::from_str::<Outer>(text);
        let parsed = parse(r#"{"inner":{"a":"x"},"items":[{"a":"y"}]}"#).expect("objects");
        assert_eq!(parsed.inner.a, "x");
        assert_eq!(parsed.items.map(|items| items.len()), Some(1));
        assert!(parse(r#"{"inner":["x"]}"#).is_err());
        assert!(parse(r#"{"inner":{"a":"x"},"items":[["y"]]}"#).is_err());
        assert!(parse(r#"{"inner":{"a":"x","b":1}}"#).is_err());
        assert!(serde_json::from_str::<super::Object<Inner>>(r#"["x"]"#).is_err());
        let object = serde_json::from_str::<super::Object<Inner>>(r#"{"a":"x"}"#).expect("object");
        assert_eq!(object.0.a, "x");
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
