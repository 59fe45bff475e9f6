//! Who may upload into a room and download its files: its visitor, its agents, managers;
//! nobody else.

use reqwest::Method;
use serde_json::json;

use super::{form, link_of, png_header, served_room};
use crate::TestApp;

#[actix_web::test]
async fn other_visitors_agents_and_anonymous_callers_are_refused() {
    let app = TestApp::new().await;
    let (agent, admin, rid) = served_room(&app, "tok-a").await;
    let other_room = app.visitor_with_room("tok-b").await;
    let stranger = app.agent("stranger", "agent").await;
    let manager = app.agent("boss", "manager").await;
    let bytes = png_header(10, 10);
    let message = app
        .visitor_upload("tok-a", &rid, form("a.png", "image/png", bytes.clone(), &[]))
        .await
        .ok();
    let link = link_of(&message);
    let unauthorized = json!({"success": false, "error": "unauthorized"});

    // Uploads: another visitor's token, no token, an unknown one, a closed room, an agent
    // who does not serve the room.
    for token in ["tok-b", "nope"] {
        let res =
            app.visitor_upload(token, &rid, form("x.png", "image/png", bytes.clone(), &[])).await;
        assert_eq!((res.status, &res.json), (403, &unauthorized), "{token}");
    }
    let path = format!("/api/v1/livechat/upload/{rid}");
    let res = app.upload_form(&path, form("x.png", "image/png", bytes.clone(), &[]), &[]).await;
    assert_eq!((res.status, &res.json), (403, &unauthorized));
    let res =
        app.agent_upload(&stranger, &rid, form("x.png", "image/png", bytes.clone(), &[])).await;
    assert_eq!((res.status, &res.json), (403, &unauthorized));
    let media = format!("/api/v1/rooms.media/{rid}");
    let res = app
        .upload_form(&media, form("x.png", "image/png", bytes.clone(), &[]), &stranger.headers())
        .await;
    assert_eq!((res.status, &res.json), (403, &unauthorized));
    let res = app.upload_form(&media, form("x.png", "image/png", bytes.clone(), &[]), &[]).await;
    assert_eq!(res.status, 401);

    // Downloads: anonymous, other visitors (with their own room or this one's id), an agent
    // of other rooms, a stale token, and the widget's cookies without the room type.
    let refused = [
        app.download(&link, &[]).await,
        app.visitor_download(&link, &other_room, "tok-b").await,
        app.visitor_download(&link, &rid, "tok-b").await,
        app.visitor_download(&link, &other_room, "tok-a").await,
        app.download(&link, &stranger.headers()).await,
        app.download(&link, &[("X-User-Id", agent.id.as_str()), ("X-Auth-Token", "stale")]).await,
        app.download(&format!("{link}?rc_rid={rid}&rc_token=tok-a"), &[]).await,
        app.download(&format!("{link}?rc_uid={}&rc_token={}", stranger.id, agent.token), &[]).await,
    ];
    for (n, download) in refused.iter().enumerate() {
        assert_eq!(download.status, 403, "case {n}");
        let body: serde_json::Value = serde_json::from_slice(&download.bytes).expect("JSON");
        assert_eq!(body, unauthorized, "case {n}");
    }
    // Managers and admins see every room's files.
    for user in [&manager, &admin] {
        let download = app.download(&link, &user.headers()).await;
        assert_eq!((download.status, &download.bytes), (200, &bytes), "{}", user.username);
    }
    // Unknown files are 404 for everyone.
    let missing = app.download("/file-upload/ZZZZZZZZZZZZZZZZZ/x.png", &admin.headers()).await;
    assert_eq!(missing.status, 404);
    // With FileUpload_ProtectFiles off, the link is enough.
    app.set_setting(&admin, "FileUpload_ProtectFiles", json!(false)).await;
    assert_eq!(app.download(&link, &[]).await.status, 200);
    // A closed room takes no more uploads, from its visitor or its agent.
    app.close("tok-a", &rid).await.ok();
    let res =
        app.visitor_upload("tok-a", &rid, form("x.png", "image/png", bytes.clone(), &[])).await;
    assert_eq!(res.status, 403);
    let res = app.agent_upload(&agent, &rid, form("x.png", "image/png", bytes, &[])).await;
    res.assert_error("room-closed");
    let _ = Method::GET;
}

#[actix_web::test]
async fn each_credential_pair_comes_whole_from_one_place() {
    let app = TestApp::new().await;
    let (agent, _admin, rid) = served_room(&app, "tok-a").await;
    let other_room = app.visitor_with_room("tok-b").await;
    let message = app
        .visitor_upload("tok-a", &rid, form("a.png", "image/png", png_header(10, 10), &[]))
        .await
        .ok();
    let link = link_of(&message);
    // The page asking holds another visitor's widget cookies (its `rc_token` included): the
    // agent's query pair still counts, and the cookies' pair counts for its own room only.
    let cookies = format!("rc_room_type=l; rc_rid={other_room}; rc_token=tok-b");
    let as_agent = format!("{link}?rc_uid={}&rc_token={}", agent.id, agent.token);
    let download = app.download(&as_agent, &[("Cookie", cookies.as_str())]).await;
    assert_eq!(download.status, 200);
    // The room's own visitor by cookies, asking with a query naming someone else.
    let cookies = format!("rc_room_type=l; rc_rid={rid}; rc_token=tok-a");
    let query = format!("{link}?rc_uid={}&rc_token=tok-b", agent.id);
    assert_eq!(app.download(&query, &[("Cookie", cookies.as_str())]).await.status, 200);
    // Halves of two pairs never make one: the agent's id with the visitor's cookie token.
    let cookies = format!("rc_token={}", agent.token);
    let mixed = format!("{link}?rc_uid={}", agent.id);
    assert_eq!(app.download(&mixed, &[("Cookie", cookies.as_str())]).await.status, 403);
}
