//! What must hold after a fault: every acknowledged message stored exactly once, as
//! acknowledged, nothing nobody sent, `ts` strictly increasing per room; checked through
//! the history API and directly in the database.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use diesel::connection::SimpleConnection as _;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{Connection as _, PgConnection, QueryableByName, RunQueryDsl as _, SqliteConnection};
use futures_util::TryStreamExt as _;
use livechat_sdk::MessageId;

use crate::load::{client, Room, Tally};

/// One stored message, as the history API or the database lists it.
#[derive(Clone, Debug, QueryableByName)]
pub struct Stored {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub rid: String,
    #[diesel(sql_type = BigInt)]
    pub ts: i64,
    #[diesel(sql_type = Text)]
    pub msg: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub kind: Option<String>,
}

/// Problems found in one listing of the stored messages.
#[derive(Debug, Default)]
pub struct Findings {
    /// Messages listed.
    pub stored: usize,
    /// Acknowledged, but not stored.
    pub lost: Vec<String>,
    /// Stored more than once.
    pub duplicated: Vec<String>,
    /// Stored, but never sent (or with another text or room than sent).
    pub unknown: Vec<String>,
    /// Stored with another `ts` than acknowledged.
    pub changed: Vec<String>,
    /// Two messages of a room whose `ts` do not strictly increase.
    pub ts_order: Vec<String>,
}

impl Findings {
    /// Panics with a description of every problem.
    pub fn assert_clean(&self, source: &str) {
        let problems = [
            ("lost", &self.lost),
            ("duplicated", &self.duplicated),
            ("unknown", &self.unknown),
            ("changed ts", &self.changed),
            ("ts not strictly increasing", &self.ts_order),
        ];
        let text: Vec<String> = problems
            .iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(what, list)| {
                format!("{} {what} (e.g. {:?})", list.len(), &list[..list.len().min(5)])
            })
            .collect();
        assert!(text.is_empty(), "{source}: {}", text.join("; "));
    }
}

/// Compares the stored messages of the clients' rooms with what the clients saw.
pub fn compare(stored: &[Stored], tally: &Tally) -> Findings {
    let mut findings = Findings { stored: stored.len(), ..Findings::default() };
    let mut copies: HashMap<&str, Vec<&Stored>> = HashMap::new();
    for message in stored.iter().filter(|message| message.kind.is_none()) {
        copies.entry(message.id.as_str()).or_default().push(message);
    }
    for (id, list) in &copies {
        if list.len() > 1 {
            findings.duplicated.push((*id).to_owned());
        }
        let message = list[0];
        match tally.attempted.get(&MessageId::from((*id).to_owned())) {
            Some((rid, text)) if rid.as_str() == message.rid && *text == message.msg => {}
            _ => findings.unknown.push(format!("{id} {:?} in {}", message.msg, message.rid)),
        }
    }
    for (id, acked) in &tally.acked {
        match copies.get(id.as_str()) {
            None => findings.lost.push(id.to_string()),
            Some(list) if list[0].ts != acked.ts => findings
                .changed
                .push(format!("{id}: acknowledged ts {}, stored {}", acked.ts, list[0].ts)),
            Some(_) => {}
        }
    }
    let mut by_room: BTreeMap<&str, Vec<&Stored>> = BTreeMap::new();
    for message in stored {
        by_room.entry(message.rid.as_str()).or_default().push(message);
    }
    for messages in by_room.values_mut() {
        messages.sort_by_key(|message| message.ts);
        for pair in messages.windows(2) {
            if pair[0].ts >= pair[1].ts {
                findings.ts_order.push(format!(
                    "{} and {} in {} share ts {}",
                    pair[0].id, pair[1].id, pair[0].rid, pair[1].ts
                ));
            }
        }
    }
    findings
}

/// Every message of the rooms, through the history API (paging with `end`). The listing
/// must come newest first with strictly decreasing `ts`.
pub async fn through_api(url: &str, rooms: &[Room]) -> (Vec<Stored>, Vec<String>) {
    let client = client(url, Duration::from_secs(30));
    let mut stored = Vec::new();
    let mut order = Vec::new();
    for room in rooms {
        let messages: Vec<_> = client
            .history_stream(room.id.clone(), room.token.clone(), 100)
            .try_collect()
            .await
            .expect("history");
        for pair in messages.windows(2) {
            if pair[0].ts <= pair[1].ts {
                order.push(format!("{} listed before {} in {}", pair[0].id, pair[1].id, room.id));
            }
        }
        stored.extend(messages.into_iter().map(|message| Stored {
            id: message.id.to_string(),
            rid: message.room_id.to_string(),
            ts: message.ts.as_millis(),
            msg: message.text,
            kind: message.kind,
        }));
    }
    (stored, order)
}

/// Every message in the database: each run has a database of its own, so a message
/// nobody sent shows up wherever it landed.
const MESSAGES: &str = "SELECT id, rid, ts, msg, kind FROM messages";

#[derive(QueryableByName)]
struct IntegrityCheck {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct ForeignKeyViolation {
    #[diesel(sql_type = Text)]
    table: String,
}

/// Every message in the database, read directly (the server need not run); on SQLite,
/// also `PRAGMA integrity_check` (must be `ok`) and `PRAGMA foreign_key_check` (must be
/// empty), returned as the second value.
pub fn in_database(url: &str) -> (Vec<Stored>, String) {
    let query = MESSAGES;
    if url.starts_with("postgres") {
        let mut conn = PgConnection::establish(url).expect("connect to PostgreSQL");
        let stored = diesel::sql_query(query).load::<Stored>(&mut conn).expect("read messages");
        return (stored, "ok".into());
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let mut conn = SqliteConnection::establish(path).expect("open the SQLite file");
    conn.batch_execute("PRAGMA busy_timeout = 5000").expect("busy timeout");
    let integrity: Vec<String> = diesel::sql_query("PRAGMA integrity_check")
        .load::<IntegrityCheck>(&mut conn)
        .expect("integrity_check")
        .into_iter()
        .map(|row| row.integrity_check)
        .collect();
    let violations = diesel::sql_query("PRAGMA foreign_key_check")
        .load::<ForeignKeyViolation>(&mut conn)
        .expect("foreign_key_check");
    let mut verdict = integrity.join("; ");
    if !violations.is_empty() {
        let tables: Vec<_> = violations.iter().map(|row| row.table.as_str()).collect();
        verdict.push_str(&format!("; foreign key violations in {tables:?}"));
    }
    let stored = diesel::sql_query(query).load::<Stored>(&mut conn).expect("read messages");
    (stored, verdict)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use livechat_sdk::RoomId;

    use super::*;
    use crate::load::Acked;

    fn stored(id: &str, ts: i64, msg: &str) -> Stored {
        Stored { id: id.into(), rid: "r1".into(), ts, msg: msg.into(), kind: None }
    }

    /// A tally of three acknowledged sends `a`, `b`, `c` (ts 1, 2, 3) and one unacknowledged
    /// send `d`, all into room `r1`.
    fn tally() -> Tally {
        let mut tally = Tally::default();
        for (id, ts) in [("a", 1), ("b", 2), ("c", 3), ("d", 0)] {
            let id = MessageId::from(id.to_owned());
            tally
                .attempted
                .insert(id.clone(), (RoomId::from("r1".to_owned()), format!("text {id}")));
            if ts > 0 {
                tally.acked.insert(id, Acked { ts, at: Instant::now() });
            }
        }
        tally
    }

    #[test]
    fn a_complete_listing_is_clean() {
        let listing =
            [stored("a", 1, "text a"), stored("b", 2, "text b"), stored("c", 3, "text c")];
        let findings = compare(&listing, &tally());
        findings.assert_clean("listing");
        // An unacknowledged send may have been stored.
        let with_d = [listing.as_slice(), &[stored("d", 4, "text d")]].concat();
        compare(&with_d, &tally()).assert_clean("listing");
    }

    #[test]
    fn every_kind_of_damage_is_found() {
        let listing = [
            stored("a", 1, "text a"),
            stored("a", 5, "text a"),
            stored("c", 7, "text c"),
            stored("x", 8, "text x"),
            stored("d", 8, "other text"),
        ];
        let findings = compare(&listing, &tally());
        assert_eq!(findings.lost, ["b"]);
        assert_eq!(findings.duplicated, ["a"]);
        assert_eq!(findings.changed.len(), 1, "{:?}", findings.changed);
        assert_eq!(findings.unknown.len(), 2, "{:?}", findings.unknown);
        assert_eq!(findings.ts_order.len(), 1, "{:?}", findings.ts_order);
        let outcome = std::panic::catch_unwind(|| findings.assert_clean("listing"));
        assert!(outcome.is_err());
    }
}
