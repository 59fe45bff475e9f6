//! Migrations that change existing data, run on a database that an earlier version filled.

use diesel::connection::SimpleConnection;
use diesel::{sql_query, QueryableByName, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use livechat_server::db::{self, Backend, DbConn, DbManager};

use super::{TestBackend, TestDb};

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// A database of its own with the first `count` migrations applied, and a connection to it.
fn migrated_to(count: usize) -> (TestDb, DbConn) {
    let (test_db, url) = TestDb::create(TestBackend::configured());
    let manager = DbManager::new(Backend::from_url(&url), std::time::Duration::from_secs(5));
    let mut conn = manager.connect().expect("database");
    for _ in 0..count {
        match &mut conn {
            DbConn::Postgres(pg) => pg.run_next_migration(PG_MIGRATIONS).map(drop),
            DbConn::Sqlite(sqlite) => sqlite.run_next_migration(SQLITE_MIGRATIONS).map(drop),
        }
        .expect("migration");
    }
    (test_db, conn)
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// The single text column `name` of each row of `query`.
fn names(conn: &mut DbConn, query: &str) -> Vec<String> {
    let rows: Vec<Name> = sql_query(query).load(conn).expect(query);
    rows.into_iter().map(|row| row.name).collect()
}

#[test]
fn visitors_who_chose_their_username_get_a_guest_name() {
    let (_db, mut conn) = migrated_to(3);
    let set_counter = match conn {
        DbConn::Postgres(_) => "SELECT setval('guest_numbers', 1);",
        DbConn::Sqlite(_) => "UPDATE counters SET value = 1 WHERE name = 'guest';",
    };
    conn.batch_execute(set_counter).expect("counter");
    conn.batch_execute(
        "INSERT INTO visitors (id, token, username, created_at, updated_at) VALUES
             ('v1', 'tok-1', 'guest-1', 1, 1),
             ('v2', 'tok-2', 'alice', 2, 2),
             ('v3', 'tok-3', 'guest-7', 3, 3);
         INSERT INTO rooms (id, visitor_id, fname, open, created_at, last_ts, source_type,
                            updated_at, closed_by_id, closed_by_username, closer) VALUES
             ('r1', 'v1', 'One', TRUE, 1, 1, 'api', 1, NULL, NULL, NULL),
             ('r2', 'v2', 'Two', FALSE, 2, 3, 'api', 4, 'v2', 'alice', 'visitor');
         INSERT INTO messages (id, rid, msg, ts, updated_at, author_id, author_username,
                               visitor_id, edited_by_id, edited_by_username) VALUES
             ('m1', 'r2', 'I am alice', 2, 3, 'v2', 'alice', 'v2', 'v2', 'alice'),
             ('m2', 'r1', 'Agent here', 1, 1, 'agent1', 'alice', NULL, NULL, NULL);",
    )
    .expect("an earlier version's data");

    db::migrate(&mut conn).expect("migrate");

    let visitors = names(&mut conn, "SELECT username AS name FROM visitors ORDER BY id");
    assert_eq!(visitors, ["guest-1", "guest-2", "guest-3"]);
    let authors = names(
        &mut conn,
        "SELECT author_username || '/' || edited_by_username AS name FROM messages WHERE id = 'm1'",
    );
    assert_eq!(authors, ["guest-2/guest-2"]);
    // An agent's message keeps its agent's name.
    let agent = names(&mut conn, "SELECT author_username AS name FROM messages WHERE id = 'm2'");
    assert_eq!(agent, ["alice"]);
    let closer = names(&mut conn, "SELECT closed_by_username AS name FROM rooms WHERE id = 'r2'");
    assert_eq!(closer, ["guest-2"]);
    // The next visitor gets the next number.
    assert_eq!(db::visitors::next_guest_number(&mut conn).expect("next"), 4);
}

#[test]
fn usernames_that_differ_only_in_case_stop_the_migration_with_their_names() {
    let (_db, mut conn) = migrated_to(4);
    conn.batch_execute(
        "INSERT INTO users (id, username, name, password_hash, role, status, created_at) VALUES
             ('u1', 'alice', 'Alice', 'x', 'agent', 'not-available', 1),
             ('u2', 'Alice', 'Alice', 'x', 'agent', 'not-available', 2),
             ('u3', 'bob', 'Bob', 'x', 'agent', 'not-available', 3);",
    )
    .expect("an earlier version's users");

    let err = db::migrate(&mut conn).expect_err("alice and Alice");

    assert_eq!(
        err.to_string(),
        "migrations failed: usernames are now unique ignoring case, and these differ only in \
         case: alice (id u1), Alice (id u2). Rename all but one of each in the database, for \
         example UPDATE users SET username = 'Alice-2' WHERE id = 'u2'; then start again"
    );
    // Nothing of the failed migration stays; after the renaming it goes through.
    conn.batch_execute("UPDATE users SET username = 'Alice-2' WHERE id = 'u2'").expect("rename");
    db::migrate(&mut conn).expect("migrate");
    let found = db::users::find_by_username(&mut conn, "ALICE").expect("find").expect("Alice");
    assert_eq!(found.id, "u1");
    let duplicate =
        "INSERT INTO users (id, username, name, password_hash, role, status, created_at) \
                     VALUES ('u4', 'BOB', 'Bob', 'x', 'agent', 'not-available', 4)";
    assert!(conn.batch_execute(duplicate).is_err(), "the index refuses BOB");
}

#[test]
fn custom_fields_move_from_one_text_to_a_row_each() {
    let (_db, mut conn) = migrated_to(5);
    conn.batch_execute(
        r#"INSERT INTO visitors (id, token, username, custom_fields, created_at, updated_at) VALUES
             ('v1', 'tok-1', 'guest-1', '{"plan":"gold","company":"ACME","seats":5}', 1, 1),
             ('v2', 'tok-2', 'guest-2', NULL, 2, 2),
             ('v3', 'tok-3', 'guest-3', '{}', 3, 3);"#,
    )
    .expect("an earlier version's visitors");

    db::migrate(&mut conn).expect("migrate");

    let v1 = db::visitors::fields(&mut conn, "v1").expect("fields").expect("v1 has fields");
    let expected = serde_json::json!({"company": "ACME", "plan": "gold"});
    // A value that was not a string (the API never stored one) is dropped.
    assert_eq!(serde_json::Value::Object(v1), expected);
    assert_eq!(db::visitors::fields(&mut conn, "v2").expect("fields"), None);
    assert_eq!(db::visitors::fields(&mut conn, "v3").expect("fields"), None);
    // Each key stored before is now a hidden visitor field, so the values stay usable.
    let defined = names(
        &mut conn,
        "SELECT id || '/' || scope || '/' || visibility AS name FROM custom_fields ORDER BY id",
    );
    assert_eq!(defined, ["company/visitor/hidden", "plan/visitor/hidden"]);
    // Removing a visitor removes its fields.
    db::visitors::delete(&mut conn, "v1").expect("delete");
    let left = names(&mut conn, "SELECT key AS name FROM visitor_fields");
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn roles_become_a_set_and_admins_keep_taking_chats() {
    let (_db, mut conn) = migrated_to(6);
    conn.batch_execute(
        "INSERT INTO users (id, username, name, password_hash, role, status, created_at) VALUES
             ('u1', 'alice', 'Alice', 'x', 'agent', 'available', 1),
             ('u2', 'root', 'Root', 'x', 'admin', 'not-available', 2);",
    )
    .expect("an earlier version's users");

    db::migrate(&mut conn).expect("migrate");

    let roles = names(&mut conn, "SELECT roles AS name FROM users ORDER BY id");
    assert_eq!(roles, ["livechat-agent", "admin,livechat-agent"]);
    let alice = db::users::find(&mut conn, "u1").expect("find").expect("alice");
    assert!(alice.is_agent() && !alice.is_admin() && !alice.is_manager());
    assert_eq!((alice.presence.as_str(), alice.email), ("offline", None));
    let root = db::users::find(&mut conn, "u2").expect("find").expect("root");
    assert!(root.is_admin() && root.is_agent());
    // Both still take chats: the available one is routed to.
    let routed =
        db::users::least_busy_available(&mut conn, None, 0).expect("routing").expect("alice");
    assert_eq!(routed.id, "u1");
    // E-mail addresses are unique ignoring case.
    conn.batch_execute("UPDATE users SET email = 'a@example.com' WHERE id = 'u1'").expect("email");
    let taken = conn.batch_execute("UPDATE users SET email = 'A@example.com' WHERE id = 'u2'");
    assert!(taken.is_err(), "the index refuses A@example.com");
}
