//! An agent and a visitor chat over the API.

use futures_util::TryStreamExt as _;
use livechat_sdk::types::agent::rooms;
use livechat_sdk::types::room::config;
use livechat_sdk::{Error, ErrorCode};

use crate::{agent_account, client, fresh_token};

#[tokio::test]
async fn an_agent_answers_a_visitor() {
    let client = client();
    let (user, password) = agent_account();
    let agent = client.login(&user, &password).await.expect("login");
    crate::record_secret(agent.auth_token());
    assert_eq!(agent.me().username, user);
    agent.set_available(true).await.expect("available");

    let visitor = client.register(fresh_token("agent-chat")).await.expect("register");
    let room = visitor.open_room().await.expect("room");
    assert_eq!(room.served_by.as_ref().map(|agent| agent.username.as_str()), Some(user.as_str()));
    visitor.send("I need help").await.expect("visitor message");

    let listed = agent
        .rooms(&rooms::Request { open: Some(true), ..rooms::Request::default() })
        .await
        .expect("rooms");
    assert!(listed.rooms.iter().any(|listed| listed.id == room.id));

    let reply = agent.reply(&room.id, "How can I help?").await.expect("reply");
    assert_eq!(reply.u.id, agent.user_id());
    let seen: Vec<String> = visitor
        .history()
        .await
        .expect("history")
        .map_ok(|message| message.text)
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(seen.first().map(String::as_str), Some("How can I help?"));

    let edited = agent.edit(&room.id, &reply.id, "How may I help?").await.expect("edit");
    assert_eq!(edited.text, "How may I help?");
    let extra = agent.reply(&room.id, "typo").await.expect("second reply");
    agent.delete(&room.id, &extra.id).await.expect("delete");
    let texts: Vec<String> = agent
        .history(room.id.clone())
        .map_ok(|message| message.text)
        .try_collect()
        .await
        .expect("agent history");
    assert!(texts.contains(&"How may I help?".to_owned()));
    assert!(!texts.contains(&"typo".to_owned()));

    agent.close(&room.id, Some("Solved".into())).await.expect("close");
    let err = visitor.send("still there?").await.expect_err("closed");
    assert_eq!(err.code(), Some(&ErrorCode::RoomClosed));

    // Logging out one of two sessions keeps the agent available. The realtime scenario shares
    // this agent, makes it available and expects its room routed to it; with a session of
    // its own left, this logout never ends that availability, whatever order the two run in.
    let other = client.login(&user, &password).await.expect("second session");
    crate::record_secret(other.auth_token());
    let session = agent.clone();
    agent.logout().await.expect("logout");
    let err = session.set_available(false).await.expect_err("logged out");
    assert!(matches!(err, Error::Api { status: 401, code: ErrorCode::NotLoggedIn, .. }), "{err:?}");
    let config = client.config(&config::Request::default()).await.expect("config");
    assert!(config.config.online, "the other session keeps the agent available");
    other.rooms(&rooms::Request::default()).await.expect("the other session still works");
}

#[tokio::test]
async fn wrong_passwords_are_refused() {
    let (user, _) = agent_account();
    crate::record_secret("not-the-password");
    let err = client().login(&user, "not-the-password").await.expect_err("wrong password");
    assert!(matches!(err, Error::Api { status: 401, .. }), "{err:?}");
}
