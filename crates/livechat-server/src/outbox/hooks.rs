//! Which webhook events are on (`Livechat_webhook_on_…`), and the one function that adds a
//! room's event to the outbox.

use crate::db::outbox::Channel;
use crate::db::{self, DbConn};
use crate::settings::{registry, Values};

/// A webhook event, by the setting that switches it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A room opened (`LivechatSessionStart`).
    Start,
    /// A room waits in the queue (`LivechatSessionQueued`).
    Queued,
    /// An agent got a room (`LivechatSessionTaken`).
    Taken,
    /// A room moved to another agent or department (`LivechatSessionForwarded`).
    Forward,
    /// A room closed (`LivechatSession`).
    Close,
    /// A visitor's message, new or edited (`Message`).
    VisitorMessage,
    /// An agent's message, new or edited (`Message`).
    AgentMessage,
    /// An offline message (`LivechatOfflineMessage`).
    OfflineMessage,
}

impl Event {
    /// Every event.
    pub const ALL: [Event; 8] = [
        Self::Start,
        Self::Queued,
        Self::Taken,
        Self::Forward,
        Self::Close,
        Self::VisitorMessage,
        Self::AgentMessage,
        Self::OfflineMessage,
    ];

    /// The setting that switches it on.
    pub fn setting(self) -> &'static str {
        match self {
            Self::Start => registry::WEBHOOK_ON_START,
            Self::Queued => registry::WEBHOOK_ON_CHAT_QUEUED,
            Self::Taken => registry::WEBHOOK_ON_CHAT_TAKEN,
            Self::Forward => registry::WEBHOOK_ON_FORWARD,
            Self::Close => registry::WEBHOOK_ON_CLOSE,
            Self::VisitorMessage => registry::WEBHOOK_ON_VISITOR_MESSAGE,
            Self::AgentMessage => registry::WEBHOOK_ON_AGENT_MESSAGE,
            Self::OfflineMessage => registry::WEBHOOK_ON_OFFLINE_MSG,
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The webhook events that are on: none without a `Livechat_webhookUrl`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
    on: u16,
}

impl Hooks {
    /// The events `values` switch on.
    pub fn from_values(values: &Values) -> Self {
        if values.text(registry::WEBHOOK_URL).trim().is_empty() {
            return Self::default();
        }
        let on = Event::ALL
            .iter()
            .filter(|event| values.flag(event.setting()))
            .fold(0, |on, event| on | event.bit());
        Self { on }
    }

    /// The events the stored settings switch on, read in the caller's transaction (for the
    /// writes that run deep inside shared functions: routing, closing).
    pub fn read(conn: &mut DbConn) -> db::Result<Self> {
        let rows = db::settings::webhook_rows(conn)?;
        Ok(Self::from_values(&Values::from_rows(&rows)))
    }

    /// Whether `event` is on.
    pub fn wants(self, event: Event) -> bool {
        self.on & event.bit() != 0
    }

    /// Whether any event is on.
    pub fn any(self) -> bool {
        self.on != 0
    }
}

/// Adds `event` of room `rid` to the caller's transaction when it is on: the body is built
/// now, from the room as this transaction sees it ([`crate::webhooks::room_event`]). The
/// caller holds the room's lock. `message` is the message of a `Message` event.
pub fn room_event(
    conn: &mut DbConn,
    hooks: Hooks,
    event: Event,
    rid: &str,
    kind: livechat_types::webhook::RoomEventKind,
    message: Option<&db::models::MessageRow>,
) -> db::Result<()> {
    if !hooks.wants(event) {
        return Ok(());
    }
    let Some(body) = crate::webhooks::room_event(conn, rid, kind, message)? else {
        return Ok(());
    };
    let event_type = body.event_type();
    let json = serde_json::to_string(&body).map_err(|err| db::Error::Internal(err.into()))?;
    super::enqueue(conn, Channel::Webhook, event_type, Some(rid), json)?;
    Ok(())
}

/// [`room_event`] with the hooks read from the stored settings.
pub fn room_event_as_stored(
    conn: &mut DbConn,
    event: Event,
    rid: &str,
    kind: livechat_types::webhook::RoomEventKind,
) -> db::Result<()> {
    let hooks = Hooks::read(conn)?;
    room_event(conn, hooks, event, rid, kind, None)
}
