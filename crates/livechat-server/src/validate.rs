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
    let text = id.as_str();
    let well_formed = (1..=64).contains(&text.len())
        && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if well_formed {
        Ok(())
    } else {
        Err(ApiError::Params("'_id' must be 1-64 characters of [A-Za-z0-9_-]".into()))
    }
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
    fn texts() {
        assert!(text("hi").is_ok());
        assert!(text(" \n").is_err());
    }
}
