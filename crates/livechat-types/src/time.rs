//! Timestamps: epoch milliseconds inside, ISO-8601 UTC with milliseconds on the wire.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A point in time with millisecond precision, written `2018-09-14T13:31:33.201Z`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    /// Milliseconds since the Unix epoch.
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// Parses the ISO-8601 form (any offset is accepted and converted to UTC).
    pub fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text).ok().map(|time| Self(time.timestamp_millis()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match DateTime::<Utc>::from_timestamp_millis(self.0) {
            Some(time) => f.write_str(&time.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| de::Error::custom("must be a timestamp like 2018-09-14T13:31:33.201Z"))
    }
}

/// On the wire a timestamp is a string. Replies always carry milliseconds and `Z`; requests
/// may use any RFC 3339 offset.
#[cfg(feature = "openapi")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        concat!(module_path!(), "::Timestamp").into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = schemars::json_schema!({
            "description": "ISO-8601 UTC time with milliseconds: `2018-09-14T13:31:33.201Z`.",
            "type": "string",
            "format": "date-time",
        });
        if generator.contract().is_serialize() {
            schema
                .insert("pattern".into(), r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$".into());
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_documented_format() {
        let ts = Timestamp::parse("2018-09-14T13:31:33.201Z").expect("valid timestamp");
        assert_eq!(ts.as_millis(), 1_536_931_893_201);
        assert_eq!(ts.to_string(), "2018-09-14T13:31:33.201Z");
        assert_eq!(Timestamp(1_536_931_893_000).to_string(), "2018-09-14T13:31:33.000Z");
    }

    #[test]
    fn rejects_other_text() {
        assert!(Timestamp::parse("yesterday").is_none());
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }
}
