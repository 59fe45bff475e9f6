//! Roles (SPEC section 12): a set per user, of `user`, `admin`, `livechat-manager` and
//! `livechat-agent`. Stored as one text column, the set's names comma-separated in the order
//! of [`ALL`]; no name is part of another, so `roles LIKE '%livechat-agent%'` finds exactly
//! the users holding that role.

/// Every user may hold it; it grants nothing of the livechat's.
pub const USER: &str = "user";
/// Administrators: users, permissions, every room.
pub const ADMIN: &str = "admin";
/// Managers: agents, managers, every room.
pub const MANAGER: &str = "livechat-manager";
/// Agents: take chats (routing considers only them).
pub const AGENT: &str = "livechat-agent";
/// Every role, in the order they are stored.
pub const ALL: [&str; 4] = [USER, ADMIN, MANAGER, AGENT];

/// The roles of a stored set.
pub fn parse(stored: &str) -> impl Iterator<Item = &str> {
    stored.split(',').filter(|role| !role.is_empty())
}

/// Whether the stored set holds `role`.
pub fn contains(stored: &str, role: &str) -> bool {
    parse(stored).any(|held| held == role)
}

/// The stored form of a set of role names, duplicates dropped; `Err` names the first one
/// that is not a role.
pub fn format<S: AsRef<str>>(roles: &[S]) -> Result<String, String> {
    if let Some(unknown) = roles.iter().find(|role| !ALL.contains(&role.as_ref())) {
        return Err(unknown.as_ref().to_owned());
    }
    let held: Vec<&str> =
        ALL.into_iter().filter(|role| roles.iter().any(|given| given.as_ref() == *role)).collect();
    Ok(held.join(","))
}

/// The stored set as a list.
pub fn list(stored: &str) -> Vec<String> {
    parse(stored).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_stored_in_one_order_without_duplicates() {
        assert_eq!(format(&[AGENT, ADMIN, AGENT]), Ok("admin,livechat-agent".to_owned()));
        assert_eq!(format::<&str>(&[]), Ok(String::new()));
        assert_eq!(format(&["agent"]), Err("agent".to_owned()));
        assert!(contains("admin,livechat-agent", AGENT));
        assert!(!contains("admin", AGENT));
        assert_eq!(list(""), Vec::<String>::new());
    }

    #[test]
    fn no_role_name_is_part_of_another() {
        // What makes `LIKE '%<role>%'` exact.
        for role in ALL {
            for other in ALL {
                assert!(role == other || !other.contains(role), "{role} in {other}");
            }
        }
    }
}
