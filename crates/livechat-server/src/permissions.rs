//! Permissions (SPEC Part two): each endpoint checks Rocket.Chat's permission id for it.
//! Grants start as Rocket.Chat's `upsertPermissions` makes them (for the roles this server
//! has), plus the SPEC's **fix** that `livechat-agent` holds `transfer-livechat-guest`;
//! `permissions.update` changes them, in the `permissions` table.
//!
//! Every instance keeps the grants in a [`Cache`]. A change drops it at once on the instance
//! that made it, and on the others through a realtime notification (PostgreSQL
//! `LISTEN/NOTIFY`); should a notification be lost, the cache expires after
//! `--permission-cache-ms` all the same.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::db::users::UserRow;
use crate::db::{self, DbConn};
use crate::roles::{ADMIN, AGENT, MANAGER};

/// Open a livechat room, read and act in the rooms one serves.
pub const VIEW_L_ROOM: &str = "view-l-room";
/// See the livechat's agents and managers.
pub const VIEW_LIVECHAT_MANAGER: &str = "view-livechat-manager";
/// See every livechat room.
pub const VIEW_LIVECHAT_ROOMS: &str = "view-livechat-rooms";
/// Close a livechat room one serves.
pub const CLOSE_LIVECHAT_ROOM: &str = "close-livechat-room";
/// Close a livechat room someone else serves.
pub const CLOSE_OTHERS_LIVECHAT_ROOM: &str = "close-others-livechat-room";
/// Give the agent role, take it away.
pub const MANAGE_LIVECHAT_AGENTS: &str = "manage-livechat-agents";
/// Give the manager role, take it away.
pub const MANAGE_LIVECHAT_MANAGERS: &str = "manage-livechat-managers";
/// Create users.
pub const CREATE_USER: &str = "create-user";
/// Remove users.
pub const DELETE_USER: &str = "delete-user";
/// Give users roles.
pub const ASSIGN_ROLES: &str = "assign-roles";
/// Give users the admin role.
pub const ASSIGN_ADMIN_ROLE: &str = "assign-admin-role";
/// Set another user's presence.
pub const EDIT_OTHER_USER_ACTIVE_STATUS: &str = "edit-other-user-active-status";
/// Hand a chat on to another agent or department.
pub const TRANSFER_LIVECHAT_GUEST: &str = "transfer-livechat-guest";
/// Change the room info and visitor of a room someone else serves.
pub const SAVE_OTHERS_LIVECHAT_ROOM_INFO: &str = "save-others-livechat-room-info";
/// Change a visitor's contact details (name, e-mail, phone, custom fields).
pub const EDIT_OMNICHANNEL_CONTACT: &str = "edit-omnichannel-contact";
/// Change grants.
pub const ACCESS_PERMISSIONS: &str = "access-permissions";

/// See canned responses.
pub const VIEW_CANNED_RESPONSES: &str = "view-canned-responses";
/// Save one's own private canned responses.
pub const SAVE_CANNED_RESPONSES: &str = "save-canned-responses";
/// Save canned responses of every scope.
pub const SAVE_ALL_CANNED_RESPONSES: &str = "save-all-canned-responses";
/// Save the canned responses of one's departments.
pub const SAVE_DEPARTMENT_CANNED_RESPONSES: &str = "save-department-canned-responses";
/// Remove canned responses.
pub const REMOVE_CANNED_RESPONSES: &str = "remove-canned-responses";
/// Manage tags.
pub const MANAGE_LIVECHAT_TAGS: &str = "manage-livechat-tags";

/// Every permission id this server knows, with its default roles: Rocket.Chat's, of the
/// roles this server has.
pub const DEFAULTS: &[(&str, &[&str])] = &[
    (ACCESS_PERMISSIONS, &[ADMIN]),
    (ASSIGN_ADMIN_ROLE, &[ADMIN]),
    (ASSIGN_ROLES, &[ADMIN]),
    (CLOSE_LIVECHAT_ROOM, &[MANAGER, AGENT, ADMIN]),
    (CLOSE_OTHERS_LIVECHAT_ROOM, &[MANAGER, ADMIN]),
    (CREATE_USER, &[ADMIN]),
    (DELETE_USER, &[ADMIN]),
    (EDIT_OTHER_USER_ACTIVE_STATUS, &[ADMIN]),
    (EDIT_OMNICHANNEL_CONTACT, &[MANAGER, AGENT, ADMIN]),
    ("edit-other-user-info", &[ADMIN]),
    ("edit-other-user-password", &[ADMIN]),
    ("manage-livechat-departments", &[MANAGER, ADMIN]),
    (MANAGE_LIVECHAT_AGENTS, &[MANAGER, ADMIN]),
    (MANAGE_LIVECHAT_MANAGERS, &[MANAGER, ADMIN]),
    (MANAGE_LIVECHAT_TAGS, &[MANAGER, ADMIN]),
    (REMOVE_CANNED_RESPONSES, &[MANAGER, AGENT, ADMIN]),
    (SAVE_ALL_CANNED_RESPONSES, &[MANAGER, ADMIN]),
    (SAVE_CANNED_RESPONSES, &[MANAGER, AGENT, ADMIN]),
    (SAVE_DEPARTMENT_CANNED_RESPONSES, &[MANAGER, ADMIN]),
    // **fix** (SPEC): agents forward the chats they serve.
    (TRANSFER_LIVECHAT_GUEST, &[MANAGER, AGENT, ADMIN]),
    (SAVE_OTHERS_LIVECHAT_ROOM_INFO, &[MANAGER, ADMIN]),
    ("view-livechat-departments", &[MANAGER, ADMIN]),
    (VIEW_CANNED_RESPONSES, &[MANAGER, AGENT, ADMIN]),
    (VIEW_L_ROOM, &[MANAGER, AGENT, ADMIN]),
    (VIEW_LIVECHAT_MANAGER, &[MANAGER, ADMIN]),
    ("view-livechat-queue", &[MANAGER, AGENT, ADMIN]),
    (VIEW_LIVECHAT_ROOMS, &[MANAGER, ADMIN]),
    ("view-other-user-channels", &[ADMIN]),
    ("view-user-administration", &[ADMIN]),
];

/// Whether `id` is a permission this server knows.
pub fn is_known(id: &str) -> bool {
    DEFAULTS.iter().any(|(known, _)| *known == id)
}

/// One permission as it is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Its roles.
    pub roles: Vec<String>,
    /// When they were last changed; `None` for a default.
    pub updated_at: Option<i64>,
}

/// Every permission as it is now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants(pub BTreeMap<String, Grant>);

impl Grants {
    /// The defaults, with the changes `changed` (from [`db::permissions::list`]) applied.
    pub fn new(changed: Vec<db::permissions::Changed>) -> Self {
        let mut grants: BTreeMap<String, Grant> = DEFAULTS
            .iter()
            .map(|(id, roles)| {
                // In the order of every stored set.
                let roles = crate::roles::list(&crate::roles::format(roles).unwrap_or_default());
                ((*id).to_owned(), Grant { roles, updated_at: None })
            })
            .collect();
        for (id, roles, at) in changed {
            if let Some(grant) = grants.get_mut(&id) {
                *grant = Grant { roles: crate::roles::list(&roles), updated_at: Some(at) };
            }
        }
        Self(grants)
    }

    /// Reads them from the database.
    pub fn load(conn: &mut DbConn) -> db::Result<Self> {
        Ok(Self::new(db::permissions::list(conn)?))
    }

    /// Whether `user` holds `permission` through one of its roles.
    pub fn allows(&self, user: &UserRow, permission: &str) -> bool {
        self.0.get(permission).is_some_and(|grant| grant.roles.iter().any(|r| user.has_role(r)))
    }
}

/// The grants of one instance, read from the database at most once per expiry.
pub struct Cache {
    expiry: Duration,
    cached: RwLock<Option<(Instant, Arc<Grants>)>>,
    /// Counts [`Cache::invalidate`]s, so a read that started before one is not kept.
    generation: AtomicU64,
}

impl Cache {
    /// A cache whose grants expire after `expiry`.
    pub fn new(expiry: Duration) -> Self {
        Self { expiry, cached: RwLock::new(None), generation: AtomicU64::new(0) }
    }

    /// The cached grants while fresh; otherwise `None` and the generation to [`Cache::keep`]
    /// a fresh read with.
    pub fn get(&self) -> Result<Arc<Grants>, u64> {
        let generation = self.generation.load(Ordering::SeqCst);
        let cached = self.cached.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*cached {
            Some((at, grants)) if at.elapsed() < self.expiry => Ok(grants.clone()),
            _ => Err(generation),
        }
    }

    /// Keeps grants read after [`Cache::get`] returned `generation`, unless the cache was
    /// invalidated meanwhile (the read may predate the change).
    pub fn keep(&self, generation: u64, grants: Arc<Grants>) {
        let mut cached = self.cached.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation.load(Ordering::SeqCst) == generation {
            *cached = Some((Instant::now(), grants));
        }
    }

    /// Drops the grants: the next check reads them again.
    pub fn invalidate(&self) {
        let mut cached = self.cached.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        *cached = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &str) -> UserRow {
        UserRow {
            id: "u1".into(),
            username: "u".into(),
            name: "u".into(),
            password_hash: String::new(),
            status: "not-available".into(),
            created_at: 0,
            roles: roles.into(),
            presence: "offline".into(),
            email: None,
            seen_at: None,
        }
    }

    #[test]
    fn defaults_follow_the_roles() {
        let grants = Grants::new(Vec::new());
        assert!(grants.allows(&user("livechat-agent"), VIEW_L_ROOM));
        assert!(grants.allows(&user("livechat-agent"), "transfer-livechat-guest"));
        assert!(!grants.allows(&user("livechat-agent"), MANAGE_LIVECHAT_AGENTS));
        assert!(grants.allows(&user("livechat-manager"), MANAGE_LIVECHAT_AGENTS));
        assert!(!grants.allows(&user("livechat-manager"), CREATE_USER));
        assert!(grants.allows(&user("admin"), CREATE_USER));
        assert!(!grants.allows(&user("user"), VIEW_L_ROOM));
        assert!(!grants.allows(&user("admin"), "no-such-permission"));
    }

    #[test]
    fn changes_replace_defaults_and_unknown_ids_are_ignored() {
        let changed = vec![
            (VIEW_L_ROOM.to_owned(), "admin".to_owned(), 5),
            ("gone".to_owned(), "livechat-agent".to_owned(), 5),
        ];
        let grants = Grants::new(changed);
        assert!(!grants.allows(&user("livechat-agent"), VIEW_L_ROOM));
        assert_eq!(grants.0[VIEW_L_ROOM].updated_at, Some(5));
        assert!(!grants.0.contains_key("gone"));
    }

    #[test]
    fn an_invalidated_read_is_not_kept() {
        let cache = Cache::new(Duration::from_secs(60));
        let Err(generation) = cache.get() else { panic!("empty cache") };
        cache.invalidate();
        cache.keep(generation, Arc::new(Grants::default()));
        assert!(cache.get().is_err());
        let Err(generation) = cache.get() else { panic!("empty cache") };
        cache.keep(generation, Arc::new(Grants::default()));
        assert!(cache.get().is_ok());
    }
}
