//! Identifier newtypes. Ids are opaque strings on the wire.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A room's `_id`.
    RoomId
);
string_id!(
    /// A message's `_id`: server-generated, or chosen by the client (1-64 of `[A-Za-z0-9_-]`).
    MessageId
);

/// A visitor token: chosen by the client, it is the visitor's only credential.
///
/// Its `Debug` output is masked so that it never ends up in a log by accident.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VisitorToken(pub String);

impl VisitorToken {
    /// The token as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for VisitorToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VisitorToken(***)")
    }
}

impl From<&str> for VisitorToken {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for VisitorToken {
    fn from(value: String) -> Self {
        Self(value)
    }
}

macro_rules! debug_as_string {
    ($($name:ident),*) => {$(
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    )*};
}

debug_as_string!(RoomId, MessageId);

/// JSON Schemas of the ids: strings, with the limits the server enforces.
#[cfg(feature = "openapi")]
macro_rules! string_schema {
    ($($name:ident: $schema:tt),* $(,)?) => {$(
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
    )*};
}

#[cfg(feature = "openapi")]
string_schema!(
    RoomId: {
        "description": "A room's `_id`.",
        "type": "string",
        "minLength": 1,
        "maxLength": 64
    },
    MessageId: {
        "description": "A message's `_id`: server-generated, or chosen by the client.",
        "type": "string",
        "pattern": "^[A-Za-z0-9_-]{1,64}$"
    },
    VisitorToken: {
        "description": "A visitor token, chosen by the client: 1-256 characters, not blank.",
        "type": "string",
        "minLength": 1,
        "maxLength": 256
    },
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_debug_is_masked() {
        let token = VisitorToken::from("secret-token");
        assert!(!format!("{token:?}").contains("secret"));
        assert_eq!(serde_json::to_string(&token).ok().as_deref(), Some("\"secret-token\""));
    }
}
