//! Every error code arrives as the right `Error` variant.

use livechat_sdk::types::{message, room, visitor};
use livechat_sdk::{Client, Error, ErrorCode, MessageId, RetryPolicy, RoomId, VisitorToken};

use crate::{client, fresh_token, url};

#[track_caller]
fn assert_api(err: Error, status: u16, code: ErrorCode) {
    match err {
        Error::Api { status: got, code: got_code, .. } => {
            assert_eq!((got, got_code), (status, code));
        }
        other => panic!("expected Api({code}), got {other:?}"),
    }
}

#[tokio::test]
async fn business_errors() {
    let client = client();
    let visitor = client.register(fresh_token("errors")).await.expect("register");
    let room = visitor.open_room().await.expect("room");

    let unknown = VisitorToken::from("no-such-visitor-token");
    crate::record_secret(unknown.as_str());
    let err =
        client.open_room(&room::open::Request::new(unknown.clone())).await.expect_err("token");
    assert_api(err, 400, ErrorCode::InvalidToken);
    let err = client.get_visitor(&visitor::get::Request::new(unknown)).await.expect_err("visitor");
    assert_api(err, 400, ErrorCode::InvalidToken);

    let err = visitor.message(&MessageId::from("nope")).await.expect_err("message");
    assert_api(err, 400, ErrorCode::InvalidMessage);

    let long = "x".repeat(5001);
    let err = visitor.send(long).await.expect_err("size");
    assert_api(err, 400, ErrorCode::MessageSizeExceeded);

    let history: Vec<_> = client
        .message_history(&message::history::Request::new(room.id.clone(), visitor.token().clone()))
        .await
        .expect("history")
        .messages;
    let started = history.last().expect("livechat-started").id.clone();
    let err = visitor.edit(&started, "not mine").await.expect_err("system message");
    assert_api(err, 400, ErrorCode::ActionNotAllowed);

    let err = client
        .delete_visitor(&visitor::delete::Request::new(visitor.token().clone()))
        .await
        .expect_err("open room");
    assert_api(err, 400, ErrorCode::VisitorHasOpenRooms);

    let other = client.register(fresh_token("errors-other")).await.expect("other");
    let taken = visitor.send("mine").await.expect("send");
    let err = other.send_with_id(taken.id.clone(), "same id").await.expect_err("duplicate");
    assert_api(err, 400, ErrorCode::DuplicateMessageId);

    let err = client
        .open_room(&room::open::Request {
            room_id: Some(RoomId::from("missing")),
            ..room::open::Request::new(visitor.token().clone())
        })
        .await
        .expect_err("room");
    assert_api(err, 400, ErrorCode::InvalidRoom);

    visitor.close().await.expect("close");
    let closed = message::send::Request::new(visitor.token().clone(), room.id.clone(), "late");
    let err = client.send_message(&closed).await.expect_err("closed");
    assert_api(err, 400, ErrorCode::RoomClosed);
    let err = client
        .close_room(&room::close::Request::new(visitor.token().clone(), room.id))
        .await
        .expect_err("closed twice");
    assert_api(err, 400, ErrorCode::RoomClosed);

    let err = visitor.send("   ").await.expect_err("blank");
    assert_api(err, 400, ErrorCode::InvalidParams);
}

#[tokio::test]
async fn transport_errors_are_their_own_variant() {
    // A port nothing listens on: bind one, note it, close it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let client = Client::builder(format!("http://{address}"))
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    let err = client.register(fresh_token("transport")).await.expect_err("nothing listens");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn non_api_replies_are_unexpected_bodies() {
    // The server's 404 for a path outside the API is still the envelope...
    let client = Client::new(format!("{}/not-the-api", url())).expect("client");
    let err = client.register(fresh_token("prefix")).await.expect_err("wrong prefix");
    assert_api(err, 404, ErrorCode::NotFound);

    // ...while a server that is not ours answers with something else.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            let body = "<html>gateway</html>";
            let reply = format!(
                "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    let client = Client::new(format!("http://{address}")).expect("client");
    let err = client.register(fresh_token("html")).await.expect_err("html");
    match err {
        Error::UnexpectedBody { status, body } => {
            assert_eq!(status, 502);
            assert!(body.contains("gateway"));
        }
        other => panic!("expected UnexpectedBody, got {other:?}"),
    }
}

#[tokio::test]
async fn settings_are_for_admins_only() {
    let (user, password) = crate::agent_account();
    let agent = client().login(&user, &password).await.expect("login");
    crate::record_secret(agent.auth_token());

    let err = agent.get_setting("Livechat_enabled").await.expect_err("an agent reads");
    assert_api(err, 403, ErrorCode::Unauthorized);
    let err = agent.set_setting("Livechat_enabled", false).await.expect_err("an agent writes");
    assert_api(err, 403, ErrorCode::Unauthorized);
}
