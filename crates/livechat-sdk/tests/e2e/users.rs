//! Users, roles and permissions through the SDK: an admin manages a user, an agent is
//! refused with typed errors.

use livechat_sdk::types::livechat_users::{list, AGENT, MANAGER};
use livechat_sdk::types::permission::update;
use livechat_sdk::types::user::create;
use livechat_sdk::{Error, ErrorCode};

use crate::{admin_account, agent_account, client, record_secret, unique};

/// The code and status of an API error.
fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, ErrorCode) {
    match result {
        Err(Error::Api { status, code, .. }) => (status, code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_admin_manages_users_and_an_agent_may_not() {
    let client = client();
    let (admin_name, admin_password) = admin_account();
    let admin = client.login(&admin_name, &admin_password).await.expect("admin login");
    record_secret(admin.auth_token());
    let (agent_name, agent_password) = agent_account();
    let agent = client.login(&agent_name, &agent_password).await.expect("agent login");
    record_secret(agent.auth_token());

    let username = format!("e2e-user-{}", unique().replace('-', ""));
    let password = format!("pw-{}", unique());
    record_secret(&password);
    let email = format!("{username}@example.com");
    let req = create::Request::new(&username, &password, "E2E User", &email);
    let created = admin.create_user(&req).await.expect("create");
    assert_eq!(created.roles, ["user"]);
    // The same username again, in another case: typed, Meteor style.
    let again = create::Request::new(username.to_uppercase(), &password, "Other", "o@example.com");
    assert_eq!(refusal(admin.create_user(&again).await), (400, ErrorCode::FieldUnavailable));

    admin.add_livechat_user(MANAGER, &username).await.expect("make manager");
    let manager = admin.livechat_user(MANAGER, &created.id).await.expect("get").expect("manager");
    assert_eq!(manager.roles, ["user", "livechat-manager"]);
    assert_eq!(admin.livechat_user(AGENT, &created.id).await.expect("get"), None);
    let session = client.login(&username, &password).await.expect("new user's login");
    record_secret(session.auth_token());
    assert_eq!(session.account().await.expect("me").username, username);
    session.set_presence("away").await.expect("presence");
    assert_eq!(session.account().await.expect("me").status, "away");

    // The agent lists the agents, and is refused the rest with 403 `unauthorized`.
    let agents = agent.livechat_users(&list::Request::new(AGENT)).await.expect("agents");
    assert!(agents.users.iter().any(|user| user.username == agent_name));
    let forbidden = (403, ErrorCode::Unauthorized);
    assert_eq!(refusal(agent.livechat_users(&list::Request::new(MANAGER)).await), forbidden);
    assert_eq!(refusal(agent.create_user(&req).await), forbidden);
    assert_eq!(refusal(agent.delete_user(&created.id).await), forbidden);
    let revoke = update::Request::new("view-l-room", ["admin"]);
    assert_eq!(refusal(agent.update_permissions(&revoke).await), forbidden);
    let grants = agent.permissions().await.expect("permissions");
    assert!(grants.iter().any(|grant| grant.id == "view-l-room"));

    admin.remove_livechat_user(MANAGER, &created.id).await.expect("remove manager");
    admin.delete_user(&created.id).await.expect("delete");
    // Its session ended with it.
    assert_eq!(refusal(session.account().await).0, 401);
    assert_eq!(refusal(admin.delete_user(&created.id).await), (400, ErrorCode::InvalidUser));
}
