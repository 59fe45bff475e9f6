//! The `user` subcommands: manage agents and admins in the configured database.

use std::io::BufRead;

use diesel::Connection as _;

use crate::config::{Config, UserCommand};
use crate::db::users::UserRow;
use crate::db::{self, DbManager};
use crate::ids::random_id;
use crate::password::{policy, Passwords, Settings};

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
        UserCommand::Add { username, name, role, .. } => {
            let username = username.trim().to_owned();
            anyhow::ensure!(!username.is_empty(), "the username must not be blank");
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
                role,
                status: "not-available".into(),
                created_at: livechat_types::Timestamp::now().as_millis(),
            };
            db::users::insert(&mut conn, &row).map_err(|err| match err {
                db::Error::Conflict(_) => {
                    anyhow::format_err!("a user named {:?} exists already", row.username)
                }
                other => other.into(),
            })?;
            Ok(format!("added {} {} ({})", row.role, row.username, row.id))
        }
        UserCommand::List => {
            let users = db::users::list(&mut conn)?;
            let mut out = String::from("id                 username             role   status\n");
            for user in users {
                out.push_str(&format!(
                    "{:<18} {:<20} {:<6} {}\n",
                    user.id, user.username, user.role, user.status
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
                db::rooms::unassign_all(conn, &user.id)?;
                db::users::delete(conn, &user.id).map(drop)
            })?;
            let rerouted = crate::routing::drain_queue_on(&mut conn)?;
            Ok(format!(
                "removed {username}; {} of its open rooms went to other agents",
                rerouted.len()
            ))
        }
    }
}
