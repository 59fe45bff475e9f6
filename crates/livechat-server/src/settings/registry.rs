//! Every setting of SPEC section 15 in one table: its id, its type and its default
//! (Rocket.Chat's). Only the honoured ones can be read or changed; the others answer
//! `error-invalid-setting` until the feature they govern exists, and then only their
//! `honoured` flag changes. Settings that overlap a command-line flag (`--allow-edit`,
//! `--require-online-agent`, `--message-max-chars`, ...) are not offered at all.

use livechat_types::setting::SettingValue;

/// The type of a setting's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `true` or `false`.
    Bool,
    /// A text of at most this many characters.
    Text(usize),
    /// A whole number within bounds.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// One of these texts.
    Choice(&'static [&'static str]),
}

/// A default value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultValue {
    /// A switch.
    Bool(bool),
    /// A text.
    Text(&'static str),
    /// A number.
    Int(i64),
}

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Definition {
    /// Its id on the wire (`Livechat_enabled`).
    pub id: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Its value until an admin changes it.
    pub default: DefaultValue,
    /// Whether this server acts on it yet.
    pub honoured: bool,
}

/// The longest text setting (widget texts, e-mail subjects), in characters.
const TEXT: Kind = Kind::Text(1024);
/// The longest free text (offline and finished-chat instructions, consent texts).
const LONG_TEXT: Kind = Kind::Text(4096);
/// A colour such as `#C1272D`.
const COLOUR: Kind = Kind::Text(64);
/// A timer's length in seconds: at least one, at most a year.
const SECONDS: Kind = Kind::Int { min: 1, max: 365 * 24 * 3600 };

const fn honoured(id: &'static str, kind: Kind, default: DefaultValue) -> Definition {
    Definition { id, kind, default, honoured: true }
}

use DefaultValue::{Bool as B, Int as I, Text as T};
use Kind::Bool as FLAG;

/// Every setting, honoured or not.
pub const ALL: &[Definition] = &[
    // Honoured: what `livechat/config`, `livechat/room`, `room.close`, `agent.info` and
    // `offline.message` do today.
    honoured(LIVECHAT_ENABLED, FLAG, B(true)),
    honoured(REGISTRATION_FORM, FLAG, B(true)),
    honoured(NAME_FIELD_REGISTRATION_FORM, FLAG, B(true)),
    honoured(EMAIL_FIELD_REGISTRATION_FORM, FLAG, B(true)),
    honoured(DISPLAY_OFFLINE_FORM, FLAG, B(true)),
    honoured(SHOW_AGENT_INFO, FLAG, B(true)),
    honoured(SHOW_AGENT_EMAIL, FLAG, B(false)),
    honoured(VISITORS_MAY_CLOSE, FLAG, B(true)),
    honoured(TITLE, TEXT, T("Rocket.Chat")),
    honoured(TITLE_COLOR, COLOUR, T("#C1272D")),
    honoured(OFFLINE_TITLE, TEXT, T("Leave a message")),
    honoured(OFFLINE_TITLE_COLOR, COLOUR, T("#666666")),
    honoured(OFFLINE_MESSAGE, LONG_TEXT, T("")),
    honoured(OFFLINE_SUCCESS_MESSAGE, LONG_TEXT, T("")),
    honoured(OFFLINE_FORM_UNAVAILABLE, LONG_TEXT, T("")),
    honoured(CONVERSATION_FINISHED_MESSAGE, LONG_TEXT, T("")),
    honoured(CONVERSATION_FINISHED_TEXT, LONG_TEXT, T("")),
    honoured(REGISTRATION_FORM_MESSAGE, LONG_TEXT, T("")),
    honoured(TRANSCRIPT_MESSAGE, LONG_TEXT, T("")),
    honoured(DATA_PROCESSING_CONSENT_TEXT, LONG_TEXT, T("")),
    // The queue and transfers (SPEC section 14).
    honoured(ROUTING_METHOD, Kind::Choice(&[AUTO_SELECTION, MANUAL_SELECTION]), T(AUTO_SELECTION)),
    honoured(ALLOW_SWITCHING_DEPARTMENTS, FLAG, B(true)),
    // Canned responses, and what closing a chat asks for (SPEC section 19).
    honoured(CANNED_RESPONSES_ENABLE, FLAG, B(true)),
    honoured(COMMENT_REQUIRED_ON_CLOSE, FLAG, B(true)),
    honoured(ALLOW_FORCE_CLOSE, FLAG, B(false)),
    // The timers (`crate::timers`) and the routing limit.
    honoured(AGENT_LEAVE_ACTION, Kind::Choice(&["none", "close", "forward"]), T("none")),
    honoured(AGENT_LEAVE_ACTION_TIMEOUT, SECONDS, I(60)),
    honoured(AGENT_LEAVE_COMMENT, TEXT, T("")),
    honoured(MAX_CHATS_PER_AGENT, Kind::Int { min: 0, max: 1_000_000 }, I(0)),
    honoured(VISITOR_INACTIVITY_TIMEOUT, SECONDS, I(3600)),
    honoured(AUTO_CLOSE_ABANDONED_ROOMS, FLAG, B(false)),
    honoured(ABANDONED_ROOMS_CLOSED_MESSAGE, LONG_TEXT, T("")),
    // Not yet: the features they govern do not exist.
    honoured(FILE_UPLOAD_ENABLED, FLAG, B(true)),
    honoured(LIVECHAT_FILE_UPLOAD_ENABLED, FLAG, B(true)),
    honoured(FILE_UPLOAD_PROTECT_FILES, FLAG, B(true)),
    honoured(DEPARTMENT_REMOVAL, FLAG, B(false)),
    // E-mail and webhooks (`crate::outbox`).
    honoured(ENABLE_TRANSCRIPT, FLAG, B(false)),
    honoured(WEBHOOK_ON_START, FLAG, B(false)),
    honoured(WEBHOOK_ON_CHAT_QUEUED, FLAG, B(false)),
    honoured(WEBHOOK_ON_CHAT_TAKEN, FLAG, B(false)),
    honoured(WEBHOOK_ON_FORWARD, FLAG, B(false)),
    honoured(WEBHOOK_ON_CLOSE, FLAG, B(false)),
    honoured(WEBHOOK_ON_VISITOR_MESSAGE, FLAG, B(false)),
    honoured(WEBHOOK_ON_AGENT_MESSAGE, FLAG, B(false)),
    honoured(WEBHOOK_ON_OFFLINE_MSG, FLAG, B(false)),
    honoured(OFFLINE_EMAIL, TEXT, T("")),
    honoured(WEBHOOK_URL, TEXT, T("")),
    honoured(SECRET_TOKEN, TEXT, T("")),
    honoured(TRANSCRIPT_EMAIL_SUBJECT, TEXT, T("")),
    honoured(FILE_UPLOAD_WHITE_LIST, TEXT, T("")),
    honoured(FILE_UPLOAD_BLACK_LIST, TEXT, T("image/svg+xml")),
    honoured(HTTP_TIMEOUT, Kind::Int { min: 1, max: 60_000 }, I(5000)),
    honoured(FILE_UPLOAD_MAX_SIZE, Kind::Int { min: 0, max: 1 << 30 }, I(104_857_600)),
];

/// `Livechat_enabled`: off, `livechat/config` says `enabled: false` and no room opens.
pub const LIVECHAT_ENABLED: &str = "Livechat_enabled";
/// `Livechat_registration_form`: the widget asks for name and e-mail first.
pub const REGISTRATION_FORM: &str = "Livechat_registration_form";
/// `Livechat_name_field_registration_form`: that form asks for a name.
pub const NAME_FIELD_REGISTRATION_FORM: &str = "Livechat_name_field_registration_form";
/// `Livechat_email_field_registration_form`: that form asks for an e-mail address.
pub const EMAIL_FIELD_REGISTRATION_FORM: &str = "Livechat_email_field_registration_form";
/// `Livechat_display_offline_form`: the offline form, and `offline.message`.
pub const DISPLAY_OFFLINE_FORM: &str = "Livechat_display_offline_form";
/// `Livechat_show_agent_info`: off, visitors see `{hiddenInfo: true}` for their agent.
pub const SHOW_AGENT_INFO: &str = "Livechat_show_agent_info";
/// `Livechat_show_agent_email`: visitors see their agent's e-mail addresses.
pub const SHOW_AGENT_EMAIL: &str = "Livechat_show_agent_email";
/// `Omnichannel_allow_visitors_to_close_conversation`: visitors' `room.close`.
pub const VISITORS_MAY_CLOSE: &str = "Omnichannel_allow_visitors_to_close_conversation";
/// Whether managers may remove departments (else `error-department-removal-disabled`).
pub const DEPARTMENT_REMOVAL: &str = "Omnichannel_enable_department_removal";
/// `Canned_Responses_Enable`: off, the canned-responses endpoints answer 403 and agents'
/// messages keep their placeholders.
pub const CANNED_RESPONSES_ENABLE: &str = "Canned_Responses_Enable";
/// `Livechat_request_comment_when_closing_conversation`: `room.closeByUser` wants a comment.
pub const COMMENT_REQUIRED_ON_CLOSE: &str = "Livechat_request_comment_when_closing_conversation";
/// `Omnichannel_allow_force_close_conversations`: `room.closeByUser` honours `forceClose`.
pub const ALLOW_FORCE_CLOSE: &str = "Omnichannel_allow_force_close_conversations";
/// `Livechat_title`: the widget's title.
pub const TITLE: &str = "Livechat_title";
/// `Livechat_title_color`.
pub const TITLE_COLOR: &str = "Livechat_title_color";
/// `Livechat_offline_title`.
pub const OFFLINE_TITLE: &str = "Livechat_offline_title";
/// `Livechat_offline_title_color`.
pub const OFFLINE_TITLE_COLOR: &str = "Livechat_offline_title_color";
/// `Livechat_offline_message`.
pub const OFFLINE_MESSAGE: &str = "Livechat_offline_message";
/// `Livechat_offline_success_message`.
pub const OFFLINE_SUCCESS_MESSAGE: &str = "Livechat_offline_success_message";
/// `Livechat_offline_form_unavailable`.
pub const OFFLINE_FORM_UNAVAILABLE: &str = "Livechat_offline_form_unavailable";
/// `Livechat_conversation_finished_message`.
pub const CONVERSATION_FINISHED_MESSAGE: &str = "Livechat_conversation_finished_message";
/// `Livechat_conversation_finished_text`.
pub const CONVERSATION_FINISHED_TEXT: &str = "Livechat_conversation_finished_text";
/// `Livechat_registration_form_message`.
pub const REGISTRATION_FORM_MESSAGE: &str = "Livechat_registration_form_message";
/// `Livechat_transcript_message`.
pub const TRANSCRIPT_MESSAGE: &str = "Livechat_transcript_message";
/// `Livechat_data_processing_consent_text`.
pub const DATA_PROCESSING_CONSENT_TEXT: &str = "Livechat_data_processing_consent_text";

/// `Livechat_enable_transcript`: visitors may have their chat mailed (with SMTP set up).
pub const ENABLE_TRANSCRIPT: &str = "Livechat_enable_transcript";
/// `Livechat_transcript_email_subject`: the transcript's subject when the visitor gives none.
pub const TRANSCRIPT_EMAIL_SUBJECT: &str = "Livechat_transcript_email_subject";
/// `Livechat_offline_email`: where offline messages go when their department has no e-mail.
pub const OFFLINE_EMAIL: &str = "Livechat_offline_email";
/// `Livechat_webhookUrl`: where webhooks go (empty: none are sent).
pub const WEBHOOK_URL: &str = "Livechat_webhookUrl";
/// `Livechat_secret_token`: the webhooks' token header and signing key.
pub const SECRET_TOKEN: &str = "Livechat_secret_token";
/// `Livechat_http_timeout`: how long one webhook delivery may take, in milliseconds.
pub const HTTP_TIMEOUT: &str = "Livechat_http_timeout";
/// `Livechat_webhook_on_start`.
pub const WEBHOOK_ON_START: &str = "Livechat_webhook_on_start";
/// `Livechat_webhook_on_chat_queued`.
pub const WEBHOOK_ON_CHAT_QUEUED: &str = "Livechat_webhook_on_chat_queued";
/// `Livechat_webhook_on_chat_taken`.
pub const WEBHOOK_ON_CHAT_TAKEN: &str = "Livechat_webhook_on_chat_taken";
/// `Livechat_webhook_on_forward`.
pub const WEBHOOK_ON_FORWARD: &str = "Livechat_webhook_on_forward";
/// `Livechat_webhook_on_close`.
pub const WEBHOOK_ON_CLOSE: &str = "Livechat_webhook_on_close";
/// `Livechat_webhook_on_visitor_message`.
pub const WEBHOOK_ON_VISITOR_MESSAGE: &str = "Livechat_webhook_on_visitor_message";
/// `Livechat_webhook_on_agent_message`.
pub const WEBHOOK_ON_AGENT_MESSAGE: &str = "Livechat_webhook_on_agent_message";
/// `Livechat_webhook_on_offline_msg`.
pub const WEBHOOK_ON_OFFLINE_MSG: &str = "Livechat_webhook_on_offline_msg";

/// `Livechat_Routing_Method`: [`AUTO_SELECTION`] or [`MANUAL_SELECTION`].
pub const ROUTING_METHOD: &str = "Livechat_Routing_Method";
/// Routing gives each chat to an agent.
pub const AUTO_SELECTION: &str = "Auto_Selection";
/// Chats wait in the queue until an agent takes them.
pub const MANUAL_SELECTION: &str = "Manual_Selection";
/// `Livechat_allow_switching_departments`: visitors may move their chat to another
/// department (`livechat/room.transfer`).
pub const ALLOW_SWITCHING_DEPARTMENTS: &str = "Livechat_allow_switching_departments";
/// `Livechat_agent_leave_action`: what happens to an agent's open rooms once its last
/// realtime connection has been gone for the timeout: `none`, `close` or `forward`.
pub const AGENT_LEAVE_ACTION: &str = "Livechat_agent_leave_action";
/// `Livechat_agent_leave_action_timeout`: seconds without a realtime connection.
pub const AGENT_LEAVE_ACTION_TIMEOUT: &str = "Livechat_agent_leave_action_timeout";
/// `Livechat_agent_leave_comment`: the comment of the rooms the `close` action closes.
pub const AGENT_LEAVE_COMMENT: &str = "Livechat_agent_leave_comment";
/// `Livechat_maximum_chats_per_agent`: routing skips agents serving this many open rooms
/// (0: no limit).
pub const MAX_CHATS_PER_AGENT: &str = "Livechat_maximum_chats_per_agent";
/// `Livechat_visitor_inactivity_timeout`: seconds of visitor silence after the agent's
/// message that make a chat abandoned.
pub const VISITOR_INACTIVITY_TIMEOUT: &str = "Livechat_visitor_inactivity_timeout";
/// `Livechat_auto_close_abandoned_rooms`: abandoned chats are closed.
pub const AUTO_CLOSE_ABANDONED_ROOMS: &str = "Livechat_auto_close_abandoned_rooms";
/// `Livechat_abandoned_rooms_closed_custom_message`: the comment of an abandoned chat's
/// close (empty: Rocket.Chat's text).
pub const FILE_UPLOAD_ENABLED: &str = "FileUpload_Enabled";
pub const LIVECHAT_FILE_UPLOAD_ENABLED: &str = "Livechat_fileupload_enabled";
pub const FILE_UPLOAD_PROTECT_FILES: &str = "FileUpload_ProtectFiles";
pub const FILE_UPLOAD_WHITE_LIST: &str = "FileUpload_MediaTypeWhiteList";
pub const FILE_UPLOAD_BLACK_LIST: &str = "FileUpload_MediaTypeBlackList";
pub const FILE_UPLOAD_MAX_SIZE: &str = "FileUpload_MaxFileSize";
pub const ABANDONED_ROOMS_CLOSED_MESSAGE: &str = "Livechat_abandoned_rooms_closed_custom_message";

/// The honoured setting `id`, if it is one.
pub fn honoured_setting(id: &str) -> Option<&'static Definition> {
    ALL.iter().find(|definition| definition.id == id && definition.honoured)
}

impl Definition {
    /// Its default as a value.
    pub fn default_value(&self) -> SettingValue {
        match self.default {
            DefaultValue::Bool(value) => SettingValue::Bool(value),
            DefaultValue::Text(value) => SettingValue::from(value),
            DefaultValue::Int(value) => SettingValue::Int(value),
        }
    }

    /// Why `value` is not a value of this setting, if it is not.
    pub fn check(&self, value: &SettingValue) -> Result<(), String> {
        let id = self.id;
        match (self.kind, value) {
            (Kind::Bool, SettingValue::Bool(_)) => Ok(()),
            (Kind::Text(max), SettingValue::Text(text)) if text.chars().count() <= max => Ok(()),
            (Kind::Text(max), SettingValue::Text(_)) => {
                Err(format!("'value' of {id} must be at most {max} characters"))
            }
            (Kind::Int { min, max }, SettingValue::Int(number)) if (min..=max).contains(number) => {
                Ok(())
            }
            (Kind::Int { min, max }, _) => {
                Err(format!("'value' of {id} must be an integer from {min} to {max}"))
            }
            (Kind::Choice(choices), SettingValue::Text(text))
                if choices.contains(&text.as_str()) =>
            {
                Ok(())
            }
            (Kind::Choice(choices), _) => {
                Err(format!("'value' of {id} must be one of {}", choices.join(", ")))
            }
            (Kind::Bool, _) => Err(format!("'value' of {id} must be a boolean")),
            (Kind::Text(_), _) => Err(format!("'value' of {id} must be a string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_defaults_fit_their_types() {
        for (index, definition) in ALL.iter().enumerate() {
            assert!(
                ALL[..index].iter().all(|other| other.id != definition.id),
                "{} twice",
                definition.id
            );
            assert_eq!(definition.check(&definition.default_value()), Ok(()), "{}", definition.id);
        }
    }

    #[test]
    fn every_named_setting_is_honoured_with_the_type_its_readers_expect() {
        let flags = [
            LIVECHAT_ENABLED,
            REGISTRATION_FORM,
            NAME_FIELD_REGISTRATION_FORM,
            EMAIL_FIELD_REGISTRATION_FORM,
            DISPLAY_OFFLINE_FORM,
            SHOW_AGENT_INFO,
            SHOW_AGENT_EMAIL,
            VISITORS_MAY_CLOSE,
            DEPARTMENT_REMOVAL,
            ALLOW_SWITCHING_DEPARTMENTS,
            CANNED_RESPONSES_ENABLE,
            COMMENT_REQUIRED_ON_CLOSE,
            ALLOW_FORCE_CLOSE,
            AUTO_CLOSE_ABANDONED_ROOMS,
            FILE_UPLOAD_ENABLED,
            LIVECHAT_FILE_UPLOAD_ENABLED,
            FILE_UPLOAD_PROTECT_FILES,
            ENABLE_TRANSCRIPT,
            WEBHOOK_ON_START,
            WEBHOOK_ON_CHAT_QUEUED,
            WEBHOOK_ON_CHAT_TAKEN,
            WEBHOOK_ON_FORWARD,
            WEBHOOK_ON_CLOSE,
            WEBHOOK_ON_VISITOR_MESSAGE,
            WEBHOOK_ON_AGENT_MESSAGE,
            WEBHOOK_ON_OFFLINE_MSG,
        ];
        let texts = [
            TITLE,
            TITLE_COLOR,
            OFFLINE_TITLE,
            OFFLINE_TITLE_COLOR,
            OFFLINE_MESSAGE,
            OFFLINE_SUCCESS_MESSAGE,
            OFFLINE_FORM_UNAVAILABLE,
            CONVERSATION_FINISHED_MESSAGE,
            CONVERSATION_FINISHED_TEXT,
            REGISTRATION_FORM_MESSAGE,
            TRANSCRIPT_MESSAGE,
            DATA_PROCESSING_CONSENT_TEXT,
            AGENT_LEAVE_COMMENT,
            ABANDONED_ROOMS_CLOSED_MESSAGE,
            FILE_UPLOAD_WHITE_LIST,
            FILE_UPLOAD_BLACK_LIST,
            OFFLINE_EMAIL,
            WEBHOOK_URL,
            SECRET_TOKEN,
            TRANSCRIPT_EMAIL_SUBJECT,
        ];
        let numbers = [
            AGENT_LEAVE_ACTION_TIMEOUT,
            MAX_CHATS_PER_AGENT,
            VISITOR_INACTIVITY_TIMEOUT,
            FILE_UPLOAD_MAX_SIZE,
            HTTP_TIMEOUT,
        ];
        let choices = [ROUTING_METHOD, AGENT_LEAVE_ACTION];
        for id in flags {
            assert_eq!(honoured_setting(id).map(|d| d.kind), Some(Kind::Bool), "{id}");
        }
        for id in texts {
            let kind = honoured_setting(id).map(|d| d.kind);
            assert!(matches!(kind, Some(Kind::Text(_))), "{id}");
        }
        for id in numbers {
            let kind = honoured_setting(id).map(|d| d.kind);
            assert!(matches!(kind, Some(Kind::Int { .. })), "{id}");
        }
        for id in choices {
            let kind = honoured_setting(id).map(|d| d.kind);
            assert!(matches!(kind, Some(Kind::Choice(_))), "{id}");
        }
        let honoured = ALL.iter().filter(|definition| definition.honoured).count();
        let named = flags.len() + choices.len() + texts.len() + numbers.len();
        assert_eq!(honoured, named, "an honoured setting nobody reads");
    }

    #[test]
    fn only_honoured_settings_are_found() {
        assert!(honoured_setting(LIVECHAT_ENABLED).is_some());
        assert!(honoured_setting(WEBHOOK_URL).is_some());
        assert!(honoured_setting("livechat_enabled").is_none(), "ids are exact");
        assert!(honoured_setting("No_such_setting").is_none());
    }

    #[test]
    fn values_are_type_checked() {
        let enabled = honoured_setting(LIVECHAT_ENABLED).expect("registered");
        assert!(enabled.check(&SettingValue::Bool(false)).is_ok());
        assert!(enabled.check(&SettingValue::from("false")).is_err());
        assert!(enabled.check(&SettingValue::Int(0)).is_err());
        let title = honoured_setting(TITLE).expect("registered");
        assert!(title.check(&SettingValue::from("Help")).is_ok());
        assert!(title.check(&SettingValue::Bool(true)).is_err());
        assert!(title.check(&SettingValue::from("x".repeat(1025))).is_err());
        let later = |id: &str| ALL.iter().find(|d| d.id == id).copied().expect("registered");
        let timeout = later("Livechat_http_timeout");
        assert!(timeout.check(&SettingValue::Int(0)).is_err());
        assert!(timeout.check(&SettingValue::Int(5000)).is_ok());
        let leave = honoured_setting(AGENT_LEAVE_ACTION).expect("registered");
        assert!(leave.check(&SettingValue::from("forward")).is_ok());
        assert!(leave.check(&SettingValue::from("hold")).is_err());
        let seconds = honoured_setting(AGENT_LEAVE_ACTION_TIMEOUT).expect("registered");
        assert!(seconds.check(&SettingValue::Int(0)).is_err(), "a timer of no time");
        assert!(seconds.check(&SettingValue::Int(1)).is_ok());
        assert!(seconds.check(&SettingValue::from("60")).is_err());
        let limit = honoured_setting(MAX_CHATS_PER_AGENT).expect("registered");
        assert!(limit.check(&SettingValue::Int(0)).is_ok(), "0 is no limit");
        assert!(limit.check(&SettingValue::Int(-1)).is_err());
        let routing = later("Livechat_Routing_Method");
        assert!(routing.check(&SettingValue::from("Manual_Selection")).is_ok());
        assert!(routing.check(&SettingValue::from("External")).is_err());
    }
}
