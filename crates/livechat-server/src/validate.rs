//! Parameter rules of SPEC section 1 that JSON types alone cannot express.

use livechat_types::{MessageId, RoomId, VisitorToken};

use crate::error::ApiError;

/// Length in Unicode scalar values, as the SPEC counts.
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

/// A visitor token: 1-256 characters, not blank.
pub fn token(token: &VisitorToken) -> Result<(), ApiError> {
    let text = token.as_str();
    if text.trim().is_empty() {
        return Err(ApiError::Params("must have required property 'token'".into()));
    }
    if chars(text) > 256 {
        return Err(ApiError::Params("'token' must NOT have more than 256 characters".into()));
    }
    Ok(())
}

/// A room id: 1-64 characters.
pub fn room_id(room_id: &RoomId) -> Result<(), ApiError> {
    let text = room_id.as_str();
    if text.trim().is_empty() {
        return Err(ApiError::Params("must have required property 'rid'".into()));
    }
    if chars(text) > 64 {
        return Err(ApiError::Params("'rid' must NOT have more than 64 characters".into()));
    }
    Ok(())
}

/// A message id: 1-64 characters of `[A-Za-z0-9_-]`.
pub fn message_id(id: &MessageId) -> Result<(), ApiError> {
    plain_id("_id", id.as_str())
}

/// An id the server made, or a client chose for a message, named `field` in the error:
/// 1-64 characters of `[A-Za-z0-9_-]`.
pub fn plain_id(field: &str, text: &str) -> Result<(), ApiError> {
    let well_formed = (1..=64).contains(&text.len())
        && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if well_formed {
        Ok(())
    } else {
        Err(ApiError::Params(format!("'{field}' must be 1-64 characters of [A-Za-z0-9_-]")))
    }
}

/// What a client may store, beyond the request body limit. The README's Limits section lists
/// them; each is refused with `invalid-params`.
pub mod bounds {
    /// A visitor's name, and the name on an offline message.
    pub const NAME: usize = 256;
    /// An e-mail address (RFC 5321's limit for a path).
    pub const EMAIL: usize = 254;
    /// A visitor's phone number.
    pub const PHONE: usize = 64;
    /// A department id given by a visitor.
    pub const DEPARTMENT: usize = 64;
    /// Custom fields one visitor keeps.
    pub const FIELDS_PER_VISITOR: usize = 50;
    /// A custom field's key.
    pub const FIELD_KEY: usize = 64;
    /// A custom field's value.
    pub const FIELD_VALUE: usize = 1024;
    /// Offline messages one e-mail address may leave within an hour.
    pub const OFFLINE_PER_ADDRESS_PER_HOUR: i64 = 5;
    /// Page views kept per room (the oldest go first).
    pub const PAGES_PER_ROOM: i64 = 50;
    /// A page view's title.
    pub const PAGE_TITLE: usize = 512;
    /// A page view's address.
    pub const PAGE_HREF: usize = 2048;
    /// A page view's kind of change (`url`, ...).
    pub const PAGE_CHANGE: usize = 32;
}

/// `value`, named `field` in the error, has at most `max` characters.
pub fn at_most(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if chars(value) > max {
        return Err(ApiError::Params(format!(
            "'{field}' must NOT have more than {max} characters"
        )));
    }
    Ok(())
}

/// `value`, named `field` in the error, is not blank.
pub fn present(field: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::Params(format!("must have required property '{field}'")));
    }
    Ok(())
}

/// Whether `address` is a plain e-mail address (`local@domain.tld`, no display name, no
/// address literal) within [`bounds::EMAIL`].
pub fn is_email(address: &str) -> bool {
    use email_address::{EmailAddress, Options};
    let options =
        Options::default().with_required_tld().without_domain_literal().without_display_text();
    chars(address) <= bounds::EMAIL && EmailAddress::parse_with_options(address, options).is_ok()
}

/// A message text: not empty. Its length is checked later, after the room (SPEC order).
pub fn text(text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::Params("'msg' must NOT be empty".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(token(&"abc".into()).is_ok());
        assert!(token(&"   ".into()).is_err());
        assert!(token(&"".into()).is_err());
        assert!(token(&"é".repeat(256).into()).is_ok());
        assert!(token(&"é".repeat(257).into()).is_err());
    }

    #[test]
    fn message_ids() {
        assert!(message_id(&"abc_DEF-123".into()).is_ok());
        assert!(message_id(&"a".repeat(64).into()).is_ok());
        assert!(message_id(&"a".repeat(65).into()).is_err());
        assert!(message_id(&"".into()).is_err());
        assert!(message_id(&"a b".into()).is_err());
        assert!(message_id(&"ä".into()).is_err());
    }

    #[test]
    fn emails() {
        assert!(is_email("ana@example.com"));
        assert!(is_email("first.last+tag@mail.example.org"));
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "Ana <ana@example.com>",
            "ana@[127.0.0.1]",
            "a b@example.com",
            "ana@exa mple.com",
            "ana@example.com\r\nBcc: x@y.z",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(64));
        assert!(is_email(&long));
        let too_long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        assert!(!is_email(&too_long));
    }

    #[test]
    fn lengths() {
        assert!(at_most("name", &"é".repeat(3), 3).is_ok());
        assert!(at_most("name", &"é".repeat(4), 3).is_err());
        assert!(present("name", " x ").is_ok());
        assert!(present("name", " \t").is_err());
    }

    #[test]
    fn texts() {
        assert!(text("hi").is_ok());
        assert!(text(" \n").is_err());
    }
}
