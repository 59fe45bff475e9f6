//! Users, roles and permissions, for managers and admins (and the caller's own account).
//! What the caller may do follows its roles and the permissions they hold; a refusal is
//! [`Error::Api`] with HTTP 403 and [`ErrorCode::Unauthorized`](crate::ErrorCode).

use livechat_types::livechat_users::{add, get, list, remove};
use livechat_types::permission::{list_all, update, Permission};
use livechat_types::user::{create, delete, me, set_status, update_own_basic_info, User};

use crate::agent::AgentSession;
use crate::error::Error;

impl AgentSession {
    /// The caller's own account. `GET /api/v1/me`
    pub async fn account(&self) -> Result<User, Error> {
        Ok(self.client().call_as(&me::Request::default(), self.auth()).await?.user)
    }

    /// Sets the caller's presence (`online`, `away`, `busy`, `offline`).
    /// `POST /api/v1/users.setStatus`
    pub async fn set_presence(&self, status: impl Into<String>) -> Result<(), Error> {
        let req = set_status::Request::new(status);
        self.client().call_as(&req, self.auth()).await.map(drop)
    }

    /// Changes the caller's name, username, e-mail address or password (a new password needs
    /// the current one, and ends every other session). `POST /api/v1/users.updateOwnBasicInfo`
    pub async fn update_own_basic_info(
        &self,
        data: update_own_basic_info::BasicInfo,
    ) -> Result<User, Error> {
        let req = update_own_basic_info::Request { data };
        Ok(self.client().call_as(&req, self.auth()).await?.user)
    }

    /// Creates a user (`create-user`; roles need `assign-roles`, `admin` also
    /// `assign-admin-role`). A taken username or address is
    /// [`ErrorCode::FieldUnavailable`](crate::ErrorCode). `POST /api/v1/users.create`
    pub async fn create_user(&self, req: &create::Request) -> Result<create::Created, Error> {
        Ok(self.client().call_as(req, self.auth()).await?.user)
    }

    /// Removes a user (`delete-user`): its open rooms go back to the queue, its sessions end.
    /// `POST /api/v1/users.delete`
    pub async fn delete_user(&self, user_id: impl Into<String>) -> Result<(), Error> {
        let req = delete::Request::new(user_id);
        self.client().call_as(&req, self.auth()).await.map(drop)
    }

    /// The agents or the managers (`kind` is `agent` or `manager`).
    /// `GET /api/v1/livechat/users/{type}`
    pub async fn livechat_users(&self, req: &list::Request) -> Result<list::Response, Error> {
        self.client().call_as(req, self.auth()).await
    }

    /// Gives user `username` the agent or the manager role (`kind`).
    /// `POST /api/v1/livechat/users/{type}`
    pub async fn add_livechat_user(
        &self,
        kind: impl Into<String>,
        username: impl Into<String>,
    ) -> Result<add::Added, Error> {
        let req = add::Request::new(kind, username);
        Ok(self.client().call_as(&req, self.auth()).await?.user)
    }

    /// User `id` if it holds the agent or the manager role (`kind`), else `None`.
    /// `GET /api/v1/livechat/users/{type}/{_id}`
    pub async fn livechat_user(
        &self,
        kind: impl Into<String>,
        id: impl Into<String>,
    ) -> Result<Option<User>, Error> {
        let req = get::Request::new(kind, id);
        Ok(self.client().call_as(&req, self.auth()).await?.user)
    }

    /// Takes the agent or the manager role (`kind`) from user `id`; an agent's open rooms go
    /// back to the queue. `DELETE /api/v1/livechat/users/{type}/{_id}`
    pub async fn remove_livechat_user(
        &self,
        kind: impl Into<String>,
        id: impl Into<String>,
    ) -> Result<(), Error> {
        let req = remove::Request::new(kind, id);
        self.client().call_as(&req, self.auth()).await.map(drop)
    }

    /// Every permission and the roles that hold it. `GET /api/v1/permissions.listAll`
    pub async fn permissions(&self) -> Result<Vec<Permission>, Error> {
        let req = list_all::Request::default();
        Ok(self.client().call_as(&req, self.auth()).await?.update)
    }

    /// Sets the roles of permissions (`access-permissions`); every instance applies it
    /// within a second. Returns every permission as it is now.
    /// `POST /api/v1/permissions.update`
    pub async fn update_permissions(
        &self,
        req: &update::Request,
    ) -> Result<Vec<Permission>, Error> {
        Ok(self.client().call_as(req, self.auth()).await?.permissions)
    }
}
