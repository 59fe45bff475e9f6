//! Departments, for managers and admins (agents read their own).

use livechat_types::department::{
    agents, agents_update, archive, create, delete, get, list, unarchive, update, AgentIn,
    DepartmentIn,
};

use crate::agent::AgentSession;
use crate::error::Error;

impl AgentSession {
    /// Departments by name (an agent sees its own only). `GET /api/v1/livechat/department`
    pub async fn departments(&self, req: &list::Request) -> Result<list::Response, Error> {
        self.call(req).await
    }

    /// One department and its agents; `None` when it does not exist or is out of reach.
    /// `GET /api/v1/livechat/department/:_id`
    pub async fn department(&self, id: &str) -> Result<get::Response, Error> {
        self.call(&get::Request { id: id.to_owned(), include_agents: Some(true) }).await
    }

    /// Creates a department with `agents` (user ids of agents).
    /// `POST /api/v1/livechat/department`
    pub async fn create_department(
        &self,
        department: DepartmentIn,
        agents: &[&str],
    ) -> Result<create::Response, Error> {
        let agents = Some(agents.iter().map(|id| member(id)).collect());
        self.call(&create::Request { department, agents }).await
    }

    /// New details for department `id`; `agents` are added (the others stay).
    /// `PUT /api/v1/livechat/department/:_id`
    pub async fn update_department(
        &self,
        id: &str,
        department: DepartmentIn,
        agents: &[&str],
    ) -> Result<create::Response, Error> {
        let agents = Some(agents.iter().map(|id| member(id)).collect());
        self.call(&update::Request { id: id.to_owned(), department, agents }).await
    }

    /// Removes department `id`. `DELETE /api/v1/livechat/department/:_id`
    pub async fn delete_department(&self, id: &str) -> Result<(), Error> {
        self.call(&delete::Request { id: id.to_owned() }).await.map(drop)
    }

    /// A page of department `id`'s agents. `GET /api/v1/livechat/department/:_id/agents`
    pub async fn department_agents(
        &self,
        req: &agents::Request,
    ) -> Result<agents::Response, Error> {
        self.call(req).await
    }

    /// Adds, updates and removes agents of a department.
    /// `POST /api/v1/livechat/department/:_id/agents`
    pub async fn change_department_agents(
        &self,
        req: &agents_update::Request,
    ) -> Result<(), Error> {
        self.call(req).await.map(drop)
    }

    /// Archives department `id` (which disables it), or takes it out of the archive.
    /// `POST /api/v1/livechat/department/:_id/archive` and `.../unarchive`
    pub async fn archive_department(&self, id: &str, archived: bool) -> Result<(), Error> {
        let id = id.to_owned();
        if archived {
            self.call(&archive::Request { id }).await.map(drop)
        } else {
            self.call(&unarchive::Request { id }).await.map(drop)
        }
    }
}

fn member(id: &str) -> AgentIn {
    AgentIn { agent_id: id.to_owned(), ..AgentIn::default() }
}
