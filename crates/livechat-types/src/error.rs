//! The error envelope and the error codes on the wire.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An error code. Kebab-case on the wire (`invalid-token`).
///
/// Codes this version does not know are kept as [`ErrorCode::Unknown`], so a client built
/// against an older version still sees what the server said.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The visitor token is unknown.
    InvalidToken,
    /// The room does not exist, or is not the caller's.
    InvalidRoom,
    /// The room is closed.
    RoomClosed,
    /// The message does not exist in that room.
    InvalidMessage,
    /// The room has no agent.
    InvalidAgent,
    /// Not the author, editing or deleting disabled, or the edit window passed.
    ActionNotAllowed,
    /// The message text is longer than the server allows.
    MessageSizeExceeded,
    /// The client-chosen message `_id` is taken by another message.
    DuplicateMessageId,
    /// No agent is online and the server requires one.
    NoAgentOnline,
    /// The department does not exist.
    InvalidDepartment,
    /// The visitor still has an open room.
    VisitorHasOpenRooms,
    /// The e-mail address is not one (offline messages).
    InvalidEmail,
    /// A department member must have the agent role.
    UserIsNotAgent,
    /// The department does not exist (or is out of the caller's reach).
    DepartmentNotFound,
    /// No agent is available for a new chat (`livechat/agent.next`).
    AgentNotFound,
    /// Removing departments is switched off (`Omnichannel_enable_department_removal`).
    DepartmentRemovalDisabled,
    /// The setting does not exist, or this server does not honour it yet.
    InvalidSetting,
    /// Livechat is switched off (`Livechat_enabled`): no new rooms.
    OmnichannelDisabled,
    /// Visitors may not close their conversations
    /// (`Omnichannel_allow_visitors_to_close_conversation`).
    NotAllowedToCloseConversation,
    /// The offline form is switched off (`Livechat_display_offline_form`).
    OfflineFormDisabled,
    /// No such inquiry, or none the caller may take (Meteor style).
    ErrorNotFound,
    /// Someone took the inquiry first (Meteor style).
    InquiryTaken,
    /// The agent who would take the inquiry is not available (Meteor style).
    AgentStatusServiceOffline,
    /// The agent given to take an inquiry is not one.
    TheUserIsInvalid,
    /// No such room, or not one the caller may hand on or join.
    ErrorInvalidRoom,
    /// The room to forward is closed.
    ConversationAlreadyClosed,
    /// The agent to forward to is not available.
    UserIsOffline,
    /// The agent to forward to serves the room already.
    SelectedAgentIsRoomAgent,
    /// The agent to forward to is not in the department given.
    UserNotInDepartment,
    /// The department to forward to is the room's already.
    ForwardingToSameDepartment,
    /// Nobody in the department to forward to is available.
    NoAgentsAvailableInDepartment,
    /// Not allowed here (switching departments, joining a served chat).
    NotAllowed,
    /// Out of the caller's reach.
    NotAuthorized,
    /// A canned response's shortcut is empty, has spaces, is too long or is taken (Meteor
    /// style).
    InvalidShortcut,
    /// No such canned response, or none the caller may change (Meteor style).
    CannedResponseNotFound,
    /// No such tag (`livechat/tags.delete`).
    TagNotFound,
    /// The room's department wants tags on closing and none were given.
    TagsRequired,
    /// A closing comment is required (`Livechat_request_comment_when_closing_conversation`).
    CommentRequired,
    /// The visitor does not exist, or is out of the caller's reach
    /// (`livechat/visitors.info`).
    VisitorNotFound,
    /// The request's parameters are malformed.
    InvalidParams,
    /// A username or e-mail address is taken already (Meteor style, with a reason).
    FieldUnavailable,
    /// No such user, or none of the kind the endpoint is about.
    InvalidUser,
    /// No such permission.
    InvalidPermission,
    /// No such role.
    InvalidRole,
    /// The current password given is not the user's.
    InvalidPassword,
    /// A new password is too short or too common (Meteor style, with a reason).
    PasswordPolicyNotMet,
    /// Missing or invalid agent credentials (HTTP 401).
    NotLoggedIn,
    /// Authenticated but not allowed (HTTP 403).
    Unauthorized,
    /// Uploads are switched off (`FileUpload_Enabled`, `Livechat_fileupload_enabled`).
    FileUploadDisabled,
    /// The file is larger than `FileUpload_MaxFileSize` (413).
    FileTooLarge,
    /// The form has no `file` field.
    NoFileUploaded,
    /// The file's type is refused by the `FileUpload_MediaType*` lists.
    TypeNotAllowed,
    /// Not the caller's pending file (`rooms.mediaConfirm`).
    InvalidFile,
    /// `error-transcript-disabled`: transcripts are off, or no e-mail can be sent.
    TranscriptDisabled,
    /// `error-transcript-limit`: the room's transcripts were asked for three times.
    TranscriptLimit,
    /// `invalid-data`: none of a survey's answers is one it asks.
    InvalidData,
    /// `Webhook_URL_not_set`: `Livechat_webhookUrl` is empty.
    WebhookUrlNotSet,
    /// `error-invalid-webhook-response`: the receiver did not answer 2xx.
    InvalidWebhookResponse,
    /// A download's `Range` starts past the file's end (416).
    RangeNotSatisfiable,
    /// Unknown route (HTTP 404).
    NotFound,
    /// Known route, wrong method (HTTP 405).
    MethodNotAllowed,
    /// The body is not `application/json` (HTTP 415).
    UnsupportedMediaType,
    /// The body is over the size limit (HTTP 413).
    PayloadTooLarge,
    /// The request body did not arrive in time (HTTP 408).
    RequestTimeout,
    /// Too many requests (HTTP 429).
    TooManyRequests,
    /// The database is unavailable; the outcome of the request is unknown (HTTP 503).
    ServiceUnavailable,
    /// An unexpected server error (HTTP 500).
    Internal,
    /// A code this version does not know.
    Unknown(String),
}

impl ErrorCode {
    const TABLE: &'static [(ErrorCode, &'static str)] = &[
        (Self::InvalidToken, "invalid-token"),
        (Self::InvalidRoom, "invalid-room"),
        (Self::RoomClosed, "room-closed"),
        (Self::InvalidMessage, "invalid-message"),
        (Self::InvalidAgent, "invalid-agent"),
        (Self::ActionNotAllowed, "error-action-not-allowed"),
        (Self::MessageSizeExceeded, "error-message-size-exceeded"),
        (Self::DuplicateMessageId, "duplicate-message-id"),
        (Self::NoAgentOnline, "no-agent-online"),
        (Self::InvalidDepartment, "error-invalid-department"),
        (Self::VisitorHasOpenRooms, "visitor-has-open-rooms"),
        (Self::InvalidEmail, "error-invalid-email"),
        (Self::UserIsNotAgent, "error-user-is-not-agent"),
        (Self::DepartmentNotFound, "error-department-not-found"),
        (Self::AgentNotFound, "agent-not-found"),
        (Self::DepartmentRemovalDisabled, "error-department-removal-disabled"),
        (Self::InvalidSetting, "error-invalid-setting"),
        (Self::OmnichannelDisabled, "error-omnichannel-is-disabled"),
        (Self::NotAllowedToCloseConversation, "error-not-allowed-to-close-conversation"),
        (Self::OfflineFormDisabled, "error-offline-form-disabled"),
        (Self::ErrorNotFound, "error-not-found"),
        (Self::InquiryTaken, "error-inquiry-taken"),
        (Self::AgentStatusServiceOffline, "error-agent-status-service-offline"),
        (Self::TheUserIsInvalid, "The user is invalid"),
        (Self::ErrorInvalidRoom, "error-invalid-room"),
        (Self::ConversationAlreadyClosed, "This_conversation_is_already_closed"),
        (Self::UserIsOffline, "error-user-is-offline"),
        (Self::SelectedAgentIsRoomAgent, "error-selected-agent-room-agent-are-same"),
        (Self::UserNotInDepartment, "error-user-not-belong-to-department"),
        (Self::ForwardingToSameDepartment, "error-forwarding-chat-same-department"),
        (
            Self::NoAgentsAvailableInDepartment,
            "error-no-agents-available-for-service-on-department",
        ),
        (Self::NotAllowed, "error-not-allowed"),
        (Self::NotAuthorized, "error-not-authorized"),
        (Self::InvalidShortcut, "error-invalid-shortcut"),
        (Self::CannedResponseNotFound, "error-canned-response-not-found"),
        (Self::TagNotFound, "error-tag-not-found"),
        (Self::TagsRequired, "error-tags-must-be-assigned-before-closing-chat"),
        (Self::CommentRequired, "error-comment-is-required"),
        (Self::VisitorNotFound, "visitor-not-found"),
        (Self::InvalidParams, "invalid-params"),
        (Self::FieldUnavailable, "error-field-unavailable"),
        (Self::InvalidUser, "error-invalid-user"),
        (Self::InvalidPermission, "error-invalid-permission"),
        (Self::InvalidRole, "error-invalid-role"),
        (Self::InvalidPassword, "error-invalid-password"),
        (Self::PasswordPolicyNotMet, "error-password-policy-not-met"),
        (Self::NotLoggedIn, "You must be logged in to do this."),
        (Self::Unauthorized, "unauthorized"),
        (Self::FileUploadDisabled, "error-file-upload-disabled"),
        (Self::FileTooLarge, "error-file-too-large"),
        (Self::RangeNotSatisfiable, "error-range-not-satisfiable"),
        (Self::NoFileUploaded, "error-no-file-uploaded"),
        (Self::TypeNotAllowed, "error-type-not-allowed"),
        (Self::InvalidFile, "invalid-file"),
        (Self::TranscriptDisabled, "error-transcript-disabled"),
        (Self::TranscriptLimit, "error-transcript-limit"),
        (Self::InvalidData, "invalid-data"),
        (Self::WebhookUrlNotSet, "Webhook_URL_not_set"),
        (Self::InvalidWebhookResponse, "error-invalid-webhook-response"),
        (Self::NotFound, "Resource not found"),
        (Self::MethodNotAllowed, "Method not allowed"),
        (Self::UnsupportedMediaType, "error-unsupported-media-type"),
        (Self::PayloadTooLarge, "error-payload-too-large"),
        (Self::RequestTimeout, "error-request-timeout"),
        (Self::TooManyRequests, "error-too-many-requests"),
        (Self::ServiceUnavailable, "service-unavailable"),
        (Self::Internal, "Internal server error"),
    ];

    /// The code as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unknown(code) => code,
            known => Self::TABLE
                .iter()
                .find(|(code, _)| code == known)
                .map_or("Internal server error", |(_, text)| text),
        }
    }

    /// Reads a code from its wire form; unknown text becomes [`ErrorCode::Unknown`].
    pub fn parse(text: &str) -> Self {
        Self::TABLE
            .iter()
            .find(|(_, wire)| *wire == text)
            .map_or_else(|| Self::Unknown(text.to_owned()), |(code, _)| code.clone())
    }

    /// The HTTP status that carries this code.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::NotLoggedIn => 401,
            Self::Unauthorized => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::PayloadTooLarge | Self::FileTooLarge => 413,
            Self::RangeNotSatisfiable => 416,
            Self::UnsupportedMediaType => 415,
            Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::ServiceUnavailable => 503,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Self::parse(&text))
    }
}

/// A code is a string on the wire; clients must accept codes they do not know.
#[cfg(feature = "openapi")]
impl schemars::JsonSchema for ErrorCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ErrorCode".into()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        concat!(module_path!(), "::ErrorCode").into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let known: Vec<&str> = Self::TABLE.iter().map(|(_, text)| *text).collect();
        schemars::json_schema!({
            "description": "An error code; new codes may appear.",
            "type": "string",
            "examples": known,
        })
    }
}

/// The body of every error reply: `{"success": false, "error": ..., "errorType"?: ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    /// Always `false`.
    #[cfg_attr(feature = "openapi", schemars(extend("const" = false)))]
    pub success: bool,
    /// The error: a bare code, `"[code]"`, or a sentence ending in `[code]`.
    pub error: String,
    /// The code, where the endpoint's style carries it separately.
    #[serde(rename = "errorType", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(with = "Option<ErrorCode>"))]
    pub error_type: Option<String>,
}

impl ErrorBody {
    /// `{"success":false,"error":"<code>"}`: message, room and agent endpoints.
    pub fn plain(code: &ErrorCode) -> Self {
        let error = match code {
            ErrorCode::UnsupportedMediaType => {
                return Self::described("The body must be application/json", code)
            }
            ErrorCode::PayloadTooLarge => {
                return Self::described("The request body is too large", code)
            }
            ErrorCode::RequestTimeout => {
                return Self::described("The request body did not arrive in time", code)
            }
            ErrorCode::TooManyRequests => {
                format!("Too many requests, try again later [{code}]")
            }
            ErrorCode::VisitorHasOpenRooms => {
                return Self::described("Cannot remove visitors with opened rooms", code)
            }
            _ => code.to_string(),
        };
        Self { success: false, error, error_type: None }
    }

    /// `{"success":false,"error":"[<code>]","errorType":"<code>"}`: `livechat/visitor*`
    /// endpoints.
    pub fn bracketed(code: &ErrorCode) -> Self {
        match code {
            ErrorCode::InvalidToken
            | ErrorCode::InvalidRoom
            | ErrorCode::InvalidParams
            | ErrorCode::InvalidDepartment
            | ErrorCode::Unknown(_) => Self {
                success: false,
                error: format!("[{code}]"),
                error_type: Some(code.to_string()),
            },
            other => Self::plain(other),
        }
    }

    /// `{"success":false,"error":"<sentence> [<code>]","errorType":"<code>"}`.
    pub fn described(description: &str, code: &ErrorCode) -> Self {
        Self {
            success: false,
            error: format!("{description} [{code}]"),
            error_type: Some(code.to_string()),
        }
    }

    /// The code this body carries: `errorType` when present, else a trailing `[code]` of
    /// `error`, else `error` itself.
    pub fn code(&self) -> ErrorCode {
        if let Some(code) = &self.error_type {
            return ErrorCode::parse(code);
        }
        let error = self.error.trim_end();
        if let Some(open) = error.rfind('[').filter(|_| error.ends_with(']')) {
            return ErrorCode::parse(&error[open + 1..error.len() - 1]);
        }
        ErrorCode::parse(error)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn codes_round_trip() {
        for (code, text) in ErrorCode::TABLE {
            assert_eq!(code.as_str(), *text);
            assert_eq!(&ErrorCode::parse(text), code);
        }
        assert_eq!(ErrorCode::parse("brand-new"), ErrorCode::Unknown("brand-new".into()));
        assert_eq!(ErrorCode::Unknown("brand-new".into()).as_str(), "brand-new");
    }

    #[test]
    fn statuses() {
        assert_eq!(ErrorCode::InvalidToken.http_status(), 400);
        assert_eq!(ErrorCode::NotLoggedIn.http_status(), 401);
        assert_eq!(ErrorCode::NotFound.http_status(), 404);
        assert_eq!(ErrorCode::ServiceUnavailable.http_status(), 503);
    }

    #[test]
    fn envelopes_match_the_spec() {
        let plain = serde_json::to_value(ErrorBody::plain(&ErrorCode::InvalidToken)).ok();
        assert_eq!(plain, Some(json!({"success": false, "error": "invalid-token"})));
        let bracketed = serde_json::to_value(ErrorBody::bracketed(&ErrorCode::InvalidToken)).ok();
        assert_eq!(
            bracketed,
            Some(
                json!({"success": false, "error": "[invalid-token]", "errorType": "invalid-token"})
            )
        );
        let open = serde_json::to_value(ErrorBody::plain(&ErrorCode::VisitorHasOpenRooms)).ok();
        assert_eq!(
            open,
            Some(json!({
                "success": false,
                "error": "Cannot remove visitors with opened rooms [visitor-has-open-rooms]",
                "errorType": "visitor-has-open-rooms"
            }))
        );
    }

    #[test]
    fn code_is_read_from_every_style() {
        for body in
            [ErrorBody::plain(&ErrorCode::RoomClosed), ErrorBody::bracketed(&ErrorCode::RoomClosed)]
        {
            assert_eq!(body.code(), ErrorCode::RoomClosed);
        }
        assert_eq!(
            ErrorBody::plain(&ErrorCode::TooManyRequests).code(),
            ErrorCode::TooManyRequests
        );
        assert_eq!(ErrorBody::plain(&ErrorCode::NotFound).code(), ErrorCode::NotFound);
    }
}
