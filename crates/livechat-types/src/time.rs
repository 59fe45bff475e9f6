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

impl Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` written into `buf`, for years 0 to 9999 (every other
    /// time goes through chrono).
    fn format_into(self, buf: &mut [u8; 24]) -> Option<&str> {
        let millis = self.0.rem_euclid(1000);
        let seconds = self.0.div_euclid(1000);
        let days = seconds.div_euclid(86_400);
        let second_of_day = seconds.rem_euclid(86_400);
        // Days since 1970-01-01 to a civil date (proleptic Gregorian), after H. Hinnant.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let digits = |buf: &mut [u8], value: i64| {
            let mut value = value;
            for byte in buf.iter_mut().rev() {
                *byte = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        digits(&mut buf[0..4], year);
        buf[4] = b'-';
        digits(&mut buf[5..7], month);
        buf[7] = b'-';
        digits(&mut buf[8..10], day);
        buf[10] = b'T';
        digits(&mut buf[11..13], second_of_day / 3600);
        buf[13] = b':';
        digits(&mut buf[14..16], second_of_day / 60 % 60);
        buf[16] = b':';
        digits(&mut buf[17..19], second_of_day % 60);
        buf[19] = b'.';
        digits(&mut buf[20..23], millis);
        buf[23] = b'Z';
        std::str::from_utf8(buf).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0; 24];
        if let Some(text) = self.format_into(&mut buf) {
            return f.write_str(text);
        }
        match DateTime::<Utc>::from_timestamp_millis(self.0) {
            Some(time) => f.write_str(&time.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0; 24];
        match self.format_into(&mut buf) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.collect_str(self),
        }
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
    fn formats_like_chrono() {
        let samples = [
            0,
            -1,
            1,
            999,
            -86_400_000,
            951_782_400_000, // 2000-02-29
            1_536_931_893_201,
            4_102_444_799_999,
            -62_167_219_200_000, // 0000-01-01
            -62_167_219_200_001, // before year 0: chrono's form
            253_402_300_799_999, // 9999-12-31T23:59:59.999
            253_402_300_800_000, // year 10000: chrono's form
            i64::MAX,
            i64::MIN,
        ];
        let mut value: i64 = 12_345;
        let more = (0..20_000).map(|_| {
            value = value.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            value % 300_000_000_000_000
        });
        for millis in samples.into_iter().chain(more) {
            let expected = match DateTime::<Utc>::from_timestamp_millis(millis) {
                Some(time) => time.to_rfc3339_opts(SecondsFormat::Millis, true),
                None => millis.to_string(),
            };
            assert_eq!(Timestamp(millis).to_string(), expected, "{millis}");
            let json = serde_json::to_string(&Timestamp(millis)).expect("serializes");
            assert_eq!(json, format!("\"{expected}\""), "{millis}");
        }
    }

    #[test]
    fn rejects_other_text() {
        assert!(Timestamp::parse("yesterday").is_none());
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }
}
