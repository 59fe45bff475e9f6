//! The `user` subcommands: manage agents and admins in the configured database.

use std::io::BufRead;

use diesel::Connection as _;

use crate::config::{Config, UserCommand};
use crate::db::users::UserRow;
use crate::db::{self, DbManager};
use crate::ids::random_id;
use crate::password::{policy, Passwords, Settings};
use crate::roles;

/// Runs a `user` subcommand; migrations are applied first. `user add` reads the password
/// from standard input. Returns what to print.
pub fn run_user(config: &Config, command: UserCommand) -> anyhow::Result<String> {
    run_user_with(config, command, &mut std::io::stdin().lock())
}

/// [`run_user`] with the password read from `input`.
pub fn run_user_with(
    config: &Config,
    command: UserCommand,
    input: &mut impl BufRead,
) -> anyhow::Result<String> {
    let manager = DbManager::new(config.backend(), config.db_timeout());
    let mut conn = manager.connect()?;
    db::migrate(&mut conn)?;
    match command {
        UserCommand::Add { username, name, roles: given, .. } => {
            let username = username.trim().to_owned();
            anyhow::ensure!(
                valid_username(&username),
                "a username is 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"
            );
            let mut password = String::new();
            input.read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            policy::check(password, config.password_min_chars as usize)?;
            let password_hash = Passwords::new(Settings::default()).hash_blocking(password)?;
            let row = UserRow {
                id: random_id(),
                name: name.unwrap_or_else(|| username.clone()),
                username,
                password_hash,
                roles: stored_roles(&given),
                status: "not-available".into(),
                created_at: livechat_types::Timestamp::now().as_millis(),
                presence: "offline".into(),
                email: None,
                seen_at: None,
            };
            // Unique ignoring case: `Alice` is refused when `alice` exists.
            if let Err(err) = db::users::insert(&mut conn, &row) {
                let db::Error::Conflict(_) = err else { return Err(err.into()) };
                let taken = db::users::find_by_username(&mut conn, &row.username)?
                    .map_or_else(|| row.username.clone(), |user| user.username);
                anyhow::bail!("a user named {taken:?} exists already (usernames ignore case)");
            }
            Ok(format!("added {} {} ({})", row.roles, row.username, row.id))
        }
        UserCommand::List => {
            let users = db::users::list(&mut conn)?;
            let mut out =
                String::from("id                 username             status        roles\n");
            for user in users {
                out.push_str(&format!(
                    "{:<18} {:<20} {:<13} {}\n",
                    user.id, user.username, user.status, user.roles
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        UserCommand::Remove { username } => {
            let user = db::users::find_by_username(&mut conn, &username)?
                .ok_or_else(|| anyhow::format_err!("no user named {username:?}"))?;
            // Its open rooms go back to the queue (and to another agent, if one is
            // available) rather than staying with a user that no longer exists.
            // Rooms before the user, in the storage layer's lock order; then each queued room
            // is routed in a transaction of its own.
            conn.transaction(|conn| {
                let now = livechat_types::Timestamp::now().as_millis();
                crate::routing::requeue_all(conn, &user, now)?;
                db::users::delete(conn, &user.id).map(drop)
            })?;
            let settings = crate::settings::Values::from_rows(&db::settings::all(&mut conn)?);
            let rerouted = if settings.manual_routing() {
                Vec::new()
            } else {
                crate::routing::drain_queue_on(&mut conn)?
            };
            Ok(format!(
                "removed {username}; {} of its open rooms went to other agents",
                rerouted.len()
            ))
        }
    }
}

/// The stored role set of `user add --role`s: `agent` is `livechat-agent`, `manager`
/// `livechat-manager`, `admin` `admin`; none given is `agent`. An admin who also takes
/// chats is `--role admin --role agent`.
fn stored_roles(given: &[String]) -> String {
    let mut held = Vec::new();
    for role in given {
        match role.as_str() {
            "manager" => held.push(roles::MANAGER),
            "admin" => held.push(roles::ADMIN),
            _ => held.push(roles::AGENT),
        }
    }
    if held.is_empty() {
        held.push(roles::AGENT);
    }
    roles::format(&held).unwrap_or_default()
}

/// A username as `user add` accepts it: 1-64 ASCII letters, digits, `.`, `_` and `-`.
/// ASCII keeps "ignoring case" the same on both databases.
fn valid_username(username: &str) -> bool {
    (1..=64).contains(&username.len())
        && username.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"._-".contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_given_on_the_command_line() {
        let stored = |given: &[&str]| {
            stored_roles(&given.iter().map(|role| (*role).to_owned()).collect::<Vec<_>>())
        };
        assert_eq!(stored(&[]), "livechat-agent");
        assert_eq!(stored(&["manager"]), "livechat-manager");
        assert_eq!(stored(&["manager", "agent"]), "livechat-manager,livechat-agent");
        assert_eq!(stored(&["admin"]), "admin");
        assert_eq!(stored(&["agent", "admin"]), "admin,livechat-agent");
    }

    #[test]
    fn usernames_are_ascii_words() {
        for good in ["alice", "Alice", "e2e-agent", "a.b_c-d", "x", &"a".repeat(64)] {
            assert!(valid_username(good), "{good}");
        }
        for bad in ["", "ali ce", "älice", "alice@example.com", "a/b", &"a".repeat(65)] {
            assert!(!valid_username(bad), "{bad}");
        }
    }
}
