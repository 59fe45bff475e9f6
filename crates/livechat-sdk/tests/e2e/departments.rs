//! A manager sets up a department; its agent sees it, and errors come back typed.

use livechat_sdk::types::department::{agents, list, DepartmentIn};
use livechat_sdk::ErrorCode;

use crate::{admin_account, agent_account, client};

fn details(name: &str) -> DepartmentIn {
    DepartmentIn {
        name: name.to_owned(),
        enabled: true,
        show_on_registration: true,
        email: String::new(),
        ..DepartmentIn::default()
    }
}

#[tokio::test]
async fn a_manager_sets_up_a_department_for_its_agent() {
    let client = client();
    let (admin_name, admin_password) = admin_account();
    let admin = client.login(&admin_name, &admin_password).await.expect("admin login");
    crate::record_secret(admin.auth_token());
    let (agent_name, agent_password) = agent_account();
    let agent = client.login(&agent_name, &agent_password).await.expect("agent login");
    crate::record_secret(agent.auth_token());

    let name = "E2E Sales";
    let created = admin.create_department(details(name), &[agent.user_id()]).await.expect("create");
    let id = created.department.id.clone();
    assert_eq!(created.department.num_agents, 1);
    assert_eq!(created.agents[0].username, agent_name);

    // The agent sees its department; it may not change it.
    let mine = agent.departments(&list::Request::default()).await.expect("list");
    assert!(mine.departments.iter().any(|department| department.id == id));
    let err = agent.create_department(details("Not mine"), &[]).await.expect_err("forbidden");
    assert_eq!(err.code(), Some(&ErrorCode::Unauthorized));

    let mut renamed = details(&format!("{name} EMEA"));
    renamed.description = Some("Europe".into());
    let updated = admin.update_department(&id, renamed, &[]).await.expect("update");
    assert_eq!(updated.department.description.as_deref(), Some("Europe"));
    let err = admin.update_department("no-such-id", details("X"), &[]).await.expect_err("missing");
    assert_eq!(err.code(), Some(&ErrorCode::DepartmentNotFound));
    let err = admin
        .update_department(&id, details("Y"), &["no-such-user"])
        .await
        .expect_err("not an agent");
    assert_eq!(err.code(), Some(&ErrorCode::UserIsNotAgent));

    let members = admin
        .department_agents(&agents::Request { id: id.clone(), ..agents::Request::default() })
        .await
        .expect("agents");
    assert_eq!(members.total, 1);

    admin.archive_department(&id, true).await.expect("archive");
    let got = admin.department(&id).await.expect("get").department;
    assert_eq!(
        got.map(|department| (department.archived, department.enabled)),
        Some((true, false))
    );
    let err = admin.delete_department(&id).await.expect_err("removal is off by default");
    assert_eq!(err.code(), Some(&ErrorCode::DepartmentRemovalDisabled));
    admin.set_setting("Omnichannel_enable_department_removal", true).await.expect("setting");
    admin.delete_department(&id).await.expect("delete");
    assert_eq!(admin.department(&id).await.expect("get").department, None);
}
