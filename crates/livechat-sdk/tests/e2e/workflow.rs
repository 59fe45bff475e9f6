//! The agents' workflow with manual routing: an agent sees a chat arrive in its queue
//! stream, takes it (a second take is refused), forwards it to a colleague; the visitor
//! switches department and waits there; canned responses and tags; closing with tags.
//!
//! Runs against a server of its own on the suite's backend: manual routing would change
//! how the shared server routes every other test's chats.

use std::future::Future;
use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use livechat_sdk::types::agent::rooms;
use livechat_sdk::types::canned_response::{list, save};
use livechat_sdk::types::department::DepartmentIn;
use livechat_sdk::types::inquiry::{queue, queued_for_user};
use livechat_sdk::types::tag;
use livechat_sdk::types::transfer::{forward, history};
use livechat_sdk::types::visitor::register;
use livechat_sdk::{AgentSession, Client, Error, ErrorCode, QueueEvent, RoomEvent};

use crate::{fresh_token, process, record_secret, unique};

const PASSWORD: &str = "workflow-e2e-long-password";

/// A database of this test's own on the suite's backend, removed on drop.
enum OwnDatabase {
    Sqlite(std::path::PathBuf),
    Postgres { admin: String, name: String },
}

impl OwnDatabase {
    fn create() -> Self {
        let backend = std::env::var("LIVECHAT_E2E_BACKEND").unwrap_or_else(|_| "sqlite".into());
        if backend == "postgres" {
            use diesel::{Connection as _, RunQueryDsl as _};
            let admin = std::env::var("LIVECHAT_TEST_PG_URL")
                .expect("LIVECHAT_TEST_PG_URL is not set: run via `cargo xtask e2e postgres`");
            let name = format!("lc_e2e_workflow_{}", unique().replace('-', "_"));
            let mut conn = diesel::PgConnection::establish(&admin).expect("connect as admin");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create");
            return Self::Postgres { admin, name };
        }
        let folder = std::env::temp_dir().join(format!("livechat-e2e-workflow-{}", unique()));
        std::fs::create_dir_all(&folder).expect("a temporary folder");
        Self::Sqlite(folder)
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite(folder) => folder.join("workflow.db").display().to_string(),
            Self::Postgres { admin, name } => {
                let (scheme, rest) = admin.split_once("://").unwrap_or(("postgres", admin));
                let authority = rest.split('/').next().unwrap_or(rest);
                format!("{scheme}://{authority}/{name}")
            }
        }
    }
}

impl Drop for OwnDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(folder) => {
                let _ = std::fs::remove_dir_all(folder);
            }
            Self::Postgres { admin, name } => {
                use diesel::{Connection as _, RunQueryDsl as _};
                if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = diesel::sql_query(drop).execute(&mut conn);
                }
            }
        }
    }
}

/// Adds a user with the server binary's `user add`, as xtask does for the suite.
async fn add_user(bin: &str, database: &str, username: &str, role: &str) {
    use tokio::io::AsyncWriteExt as _;
    let mut child = tokio::process::Command::new(bin)
        .args(["--database-url", database, "user", "add", "--username", username])
        .args(["--password-stdin", "--role", role])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run user add");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(format!("{PASSWORD}\n").as_bytes()).await.expect("password");
    drop(stdin);
    assert!(child.wait().await.expect("user add").success(), "user add {username}");
}

async fn login(client: &Client, username: &str) -> AgentSession {
    let session = client.login(username, PASSWORD).await.expect("login");
    record_secret(session.auth_token());
    session
}

/// The first item of `stream` that `wanted` picks, within 20 s.
async fn first<T, E: std::fmt::Debug, R>(
    stream: &mut (impl Stream<Item = Result<T, E>> + Unpin),
    what: &str,
    mut wanted: impl FnMut(T) -> Option<R>,
) -> R {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let item = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no {what} within 20 s"))
            .expect("the stream is open")
            .expect("no error");
        if let Some(found) = wanted(item) {
            return found;
        }
    }
}

/// `call`'s error code; panics when it succeeds.
async fn refused<T: std::fmt::Debug>(call: impl Future<Output = Result<T, Error>>) -> ErrorCode {
    let err = call.await.expect_err("refused");
    err.code().cloned().unwrap_or_else(|| panic!("no code: {err:?}"))
}

fn department(name: &str) -> DepartmentIn {
    DepartmentIn {
        name: name.to_owned(),
        enabled: true,
        show_on_registration: true,
        ..DepartmentIn::default()
    }
}

#[tokio::test]
async fn agents_take_forward_and_close_queued_chats() {
    record_secret(PASSWORD);
    let bin = std::env::var("LIVECHAT_SERVER_BIN")
        .expect("LIVECHAT_SERVER_BIN is not set: run via `cargo xtask e2e`");
    let database = OwnDatabase::create();
    for (username, role) in [("wf-admin", "admin"), ("wf-alice", "agent"), ("wf-bob", "agent")] {
        add_user(&bin, &database.url(), username, role).await;
    }
    let server = process::Instance::start(&bin, &database.url(), &[]).await;
    let client = Client::new(server.url.clone()).expect("client");
    let (admin, alice, bob) = (
        login(&client, "wf-admin").await,
        login(&client, "wf-alice").await,
        login(&client, "wf-bob").await,
    );

    admin.set_setting("Livechat_Routing_Method", "Manual_Selection").await.expect("manual");
    let support = admin
        .create_department(department("Support"), &[alice.user_id(), bob.user_id()])
        .await
        .expect("support")
        .department
        .id;
    let billing =
        admin.create_department(department("Billing"), &[bob.user_id()]).await.expect("billing");
    let billing = billing.department.id;
    alice.set_available(true).await.expect("alice available");
    bob.set_available(true).await.expect("bob available");

    // Alice watches her department's queue; a visitor of that department writes.
    let mut queue = Box::pin(alice.subscribe_queue(Some(&support)).await.expect("queue stream"));
    let mut registration = register::Request::new(fresh_token("workflow"));
    registration.visitor.department = Some(support.clone());
    let visitor = client.register_with(registration).await.expect("register");
    let mut events = Box::pin(visitor.subscribe().await.expect("visitor stream"));
    let rid = visitor.room_id().await.expect("room");
    visitor.send("I need help with my invoice").await.expect("send");

    let waiting = first(&mut queue, "queued chat", |event| match event {
        QueueEvent::Added(inquiry) if inquiry.rid == rid => Some(inquiry),
        _ => None,
    })
    .await;
    assert_eq!(
        (waiting.status.as_str(), waiting.department.as_deref()),
        ("queued", Some(&*support))
    );
    let spot = first(&mut events, "place in the queue", |event| match event {
        RoomEvent::QueueSpot(spot) => Some(spot),
        _ => None,
    })
    .await;
    assert_eq!(spot, 1);
    assert_eq!(visitor.queue_spot().await.expect("config"), Some(1));
    let mine = alice.queued_for_user(&queued_for_user::Request::default()).await.expect("queue");
    assert!(mine.inquiries.iter().any(|inquiry| inquiry.rid == rid));
    assert_eq!(
        alice.inquiry(&rid).await.expect("getOne").map(|inquiry| inquiry.rid),
        Some(rid.clone())
    );

    // Alice takes it: it leaves her queue, the visitor hears of its agent; Bob is too late.
    alice.take(rid.as_str()).await.expect("take");
    first(&mut queue, "taken chat leaving the queue", |event| match event {
        QueueEvent::Removed { room_id, .. } if room_id == rid => Some(()),
        _ => None,
    })
    .await;
    first(&mut events, "agent", |event| match event {
        RoomEvent::Agent(Some(_)) => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(refused(bob.take(rid.as_str())).await, ErrorCode::InquiryTaken);
    assert_eq!(visitor.queue_spot().await.expect("config"), None);

    // Alice hands it to Bob, with a comment kept in the history.
    let mut to_bob = forward::Request::to_agent(rid.clone(), bob.user_id());
    to_bob.comment = Some("Billing question".into());
    alice.forward(&to_bob).await.expect("forward");
    let transfers = bob
        .transfer_history(&history::Request { rid: rid.clone(), ..history::Request::default() })
        .await
        .expect("history");
    assert_eq!(transfers.total, 1);
    let transfer = &transfers.history[0];
    assert_eq!(transfer.scope, "agent");
    assert_eq!(transfer.transferred_to.as_ref().map(|to| to.username.as_str()), Some("wf-bob"));
    assert_eq!(transfer.comment.as_deref(), Some("Billing question"));
    let loads = admin
        .queue(&queue::Request { agent_id: Some(bob.user_id().to_owned()), ..Default::default() })
        .await
        .expect("loads");
    assert_eq!(loads.queue.iter().map(|load| load.chats).sum::<i64>(), 1);
    // Alice serves it no more; Bob cannot hand it to himself.
    assert_eq!(refused(alice.forward(&to_bob)).await, ErrorCode::ErrorInvalidRoom);
    assert_eq!(refused(bob.forward(&to_bob)).await, ErrorCode::SelectedAgentIsRoomAgent);

    // The visitor moves to Billing: with manual routing it waits in Billing's queue.
    let moved = visitor.switch_department(billing.clone()).await.expect("switch");
    assert_eq!(moved.id, rid);
    assert_eq!(visitor.queue_spot().await.expect("config"), Some(1));
    bob.join(&rid).await.expect("bob joins the queued chat");

    // Canned responses: Alice's own one is hers alone.
    let shortcut = format!("greet{}", unique().replace('-', ""));
    let mut greeting = save::Request::new(&shortcut, "Hello {{contact.name}}!", "user");
    greeting.tags = Some(vec!["hello".into()]);
    alice.save_canned_response(&greeting).await.expect("save canned response");
    let found = alice
        .canned_responses(&list::Request {
            shortcut: Some(shortcut.to_uppercase()),
            tags: Some("hello".into()),
            ..list::Request::default()
        })
        .await
        .expect("list");
    assert_eq!(found.total, 1);
    let id = found.canned_responses[0].id.clone();
    assert!(alice.all_canned_responses().await.expect("all").iter().any(|r| r.id == id));
    assert!(!bob.all_canned_responses().await.expect("all").iter().any(|r| r.id == id));
    assert_eq!(alice.canned_response(&id).await.expect("get").text, "Hello {{contact.name}}!");
    assert_eq!(refused(alice.save_canned_response(&greeting)).await, ErrorCode::InvalidShortcut);
    alice.delete_canned_response(&id).await.expect("delete");
    assert_eq!(refused(alice.delete_canned_response(&id)).await, ErrorCode::CannedResponseNotFound);

    // Tags, and Bob closes the chat with one.
    let name = format!("vip-{}", unique());
    let vip = admin.save_tag(&tag::save::Request::new(&name)).await.expect("save tag");
    assert_eq!(bob.tag(&vip.id).await.expect("get tag").name, name);
    let tags = bob
        .tags(&tag::list::Request { text: Some(name.clone()), ..tag::list::Request::default() })
        .await
        .expect("tags");
    assert_eq!(tags.total, 1);
    bob.close_with_tags(&rid, Some("Invoice resent".into()), &[&name]).await.expect("close");
    let closed = admin
        .rooms(&rooms::Request { tags: Some(name.clone()), ..rooms::Request::default() })
        .await
        .expect("rooms");
    assert_eq!(closed.rooms.iter().map(|room| &room.id).collect::<Vec<_>>(), [&rid]);
    admin.delete_tag(&vip.id).await.expect("delete tag");
    assert_eq!(refused(admin.delete_tag(&vip.id)).await, ErrorCode::TagNotFound);
    drop(server);
}
