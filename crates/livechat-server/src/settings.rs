//! Settings changed at run time (SPEC section 15).
//!
//! An admin's change is a row of the `settings` table ([`crate::db::settings`]); a setting
//! without a row has its default ([`registry`]). Each instance keeps the current values in
//! a cache, which is dropped when any instance stores a setting (a
//! [`Notification::Settings`](crate::realtime::Notification::Settings), sent by PostgreSQL
//! with the commit of that write, reaches every instance) and which expires after
//! `--settings-cache-ms` in any case, should a notification be lost.

pub mod registry;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use livechat_types::setting::SettingValue;

use crate::db::users::AgentView;
use crate::db::{self, DbConn};
use registry::Definition;

/// The value of every honoured setting at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    values: HashMap<&'static str, SettingValue>,
}

impl Values {
    /// The defaults, with the stored values in their place.
    pub fn from_rows(rows: &[db::settings::SettingRow]) -> Self {
        let mut values: HashMap<&'static str, SettingValue> = registry::ALL
            .iter()
            .filter(|definition| definition.honoured)
            .map(|definition| (definition.id, definition.default_value()))
            .collect();
        for row in rows {
            let Some(definition) = registry::honoured_setting(&row.id) else { continue };
            match serde_json::from_str::<SettingValue>(&row.value) {
                Ok(value) if definition.check(&value).is_ok() => {
                    values.insert(definition.id, value);
                }
                // Only the API writes this table, and it checks types; a row changed by hand
                // that does not fit is ignored rather than trusted.
                _ => tracing::warn!(setting = %definition.id, "stored setting ignored: wrong type"),
            }
        }
        Self { values }
    }

    /// The value of honoured setting `definition`.
    pub fn get(&self, definition: &Definition) -> SettingValue {
        self.values.get(definition.id).cloned().unwrap_or_else(|| definition.default_value())
    }

    /// A switch's value (`false` for an id that is not a switch: a bug the tests catch).
    pub fn flag(&self, id: &str) -> bool {
        matches!(self.values.get(id), Some(SettingValue::Bool(true)))
    }

    /// What visitors see of their agent.
    pub fn agent_view(&self) -> AgentView {
        AgentView {
            show_info: self.flag(registry::SHOW_AGENT_INFO),
            show_email: self.flag(registry::SHOW_AGENT_EMAIL),
        }
    }

    /// Whether agents take chats from the queue themselves (`Manual_Selection`).
    pub fn manual_routing(&self) -> bool {
        self.text(registry::ROUTING_METHOD) == registry::MANUAL_SELECTION
    }

    /// A number's value (0 for an id that is not a number).
    pub fn int(&self, id: &str) -> i64 {
        match self.values.get(id) {
            Some(SettingValue::Int(number)) => *number,
            _ => 0,
        }
    }

    /// `Livechat_maximum_chats_per_agent`: how many open rooms an agent may serve before
    /// routing skips it (0: no limit).
    pub fn max_chats(&self) -> i64 {
        self.int(registry::MAX_CHATS_PER_AGENT)
    }

    /// A text's value (`""` for an id that is not a text).
    pub fn text(&self, id: &str) -> &str {
        match self.values.get(id) {
            Some(SettingValue::Text(text)) => text,
            _ => "",
        }
    }
}

/// This instance's cache of the settings.
pub struct Settings {
    /// How long cached values are used at most.
    lifetime: Duration,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    /// Counts the times the cache was dropped: values read before a drop are not kept after
    /// it, since they may predate the change that caused it.
    generation: u64,
    values: Option<(Instant, Arc<Values>)>,
}

impl Settings {
    /// An empty cache whose values live at most `lifetime`.
    pub fn new(lifetime: Duration) -> Self {
        Self { lifetime, cache: Mutex::new(Cache::default()) }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached values while they are fresh; otherwise the generation to read them under
    /// (for [`Settings::keep`]).
    pub fn cached(&self) -> Result<Arc<Values>, u64> {
        let cache = self.cache();
        match &cache.values {
            Some((read_at, values)) if read_at.elapsed() < self.lifetime => Ok(values.clone()),
            _ => Err(cache.generation),
        }
    }

    /// Caches `values`, read from the database since [`Settings::cached`] returned
    /// `generation`, unless the cache was dropped meanwhile; returns them either way.
    pub fn keep(&self, generation: u64, values: Values) -> Arc<Values> {
        let values = Arc::new(values);
        let mut cache = self.cache();
        if cache.generation == generation {
            cache.values = Some((Instant::now(), values.clone()));
        }
        values
    }

    /// Drops the cached values: a setting changed.
    pub fn forget(&self) {
        let mut cache = self.cache();
        cache.generation = cache.generation.wrapping_add(1);
        cache.values = None;
    }

    /// The current values, read with `conn` when the cache has none (for threads that
    /// already hold a connection, such as the realtime dispatcher).
    pub fn load(&self, conn: &mut DbConn) -> db::Result<Arc<Values>> {
        match self.cached() {
            Ok(values) => Ok(values),
            Err(generation) => {
                let rows = db::settings::all(conn)?;
                Ok(self.keep(generation, Values::from_rows(&rows)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::settings::SettingRow;

    fn row(id: &str, value: &str) -> SettingRow {
        SettingRow { id: id.into(), value: value.into(), updated_at: 0 }
    }

    #[test]
    fn stored_values_replace_defaults_when_they_fit() {
        let defaults = Values::from_rows(&[]);
        assert!(defaults.flag(registry::LIVECHAT_ENABLED));
        assert_eq!(defaults.text(registry::TITLE), "Rocket.Chat");
        let values = Values::from_rows(&[
            row(registry::LIVECHAT_ENABLED, "false"),
            row(registry::TITLE, "\"Help\""),
            row(registry::SHOW_AGENT_INFO, "\"not a flag\""),
            row("Livechat_message_character_limit", "100"),
        ]);
        assert!(!values.flag(registry::LIVECHAT_ENABLED));
        assert_eq!(values.text(registry::TITLE), "Help");
        assert!(values.flag(registry::SHOW_AGENT_INFO), "a wrong type keeps the default");
        assert!(!values.values.contains_key("Livechat_message_character_limit"));
    }

    #[test]
    fn a_drop_wins_over_a_read_that_started_before_it() {
        let settings = Settings::new(Duration::from_secs(60));
        let generation = settings.cached().expect_err("empty");
        settings.forget();
        settings.keep(generation, Values::from_rows(&[]));
        assert!(settings.cached().is_err(), "stale values were kept");
        let generation = settings.cached().expect_err("empty");
        settings.keep(generation, Values::from_rows(&[]));
        assert!(settings.cached().is_ok());
    }

    #[test]
    fn values_expire() {
        let settings = Settings::new(Duration::ZERO);
        let generation = settings.cached().expect_err("empty");
        settings.keep(generation, Values::from_rows(&[]));
        assert!(settings.cached().is_err());
    }
}
