//! Placeholders in agents' messages (SPEC section 19), filled in before the message is
//! stored, as Rocket.Chat's canned responses do: `{{contact.name}}`, `{{contact.email}}`,
//! `{{contact.phone}}` from the room's visitor, `{{agent.name}}`, `{{agent.email}}` from the
//! agent who sends it. A value that is missing becomes the empty text (as in Rocket.Chat);
//! anything else between braces stays as written. Visitors' messages are never filled in
//! (**fix**: Rocket.Chat fills them too, so `{{agent.email}}` showed the agent's address).

use super::models::RoomRow;
use super::users::UserRow;
use super::{DbConn, Result};

/// The placeholders, in the order they are replaced.
const NAMES: [&str; 5] =
    ["contact.name", "contact.email", "contact.phone", "agent.name", "agent.email"];

/// `text` with its placeholders filled in for `room` and `agent`; `None` when it has none
/// (the visitor is not even read).
pub fn fill(
    conn: &mut DbConn,
    text: &str,
    room: &RoomRow,
    agent: &UserRow,
) -> Result<Option<String>> {
    if !NAMES.iter().any(|name| text.contains(&format!("{{{{{name}}}}}"))) {
        return Ok(None);
    }
    let visitor = super::visitors::find(conn, &room.visitor_id)?;
    let visitor = visitor.as_ref();
    let values = [
        visitor.and_then(|visitor| visitor.name.clone()),
        visitor.and_then(|visitor| visitor.email.clone()),
        visitor.and_then(|visitor| visitor.phone.clone()),
        Some(agent.name.clone()),
        agent.email.clone(),
    ];
    Ok(Some(replace(text, &values)))
}

/// `text` with each placeholder of [`NAMES`] replaced by its value (missing: empty).
fn replace(text: &str, values: &[Option<String>; 5]) -> String {
    let mut filled = text.to_owned();
    for (name, value) in NAMES.iter().zip(values) {
        filled = filled.replace(&format!("{{{{{name}}}}}"), value.as_deref().unwrap_or_default());
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_placeholders_are_filled_and_others_kept() {
        let values = [
            Some("Vera".to_owned()),
            None,
            Some("+1 555".to_owned()),
            Some("Alice".to_owned()),
            Some("alice@example.com".to_owned()),
        ];
        let text = "Hi {{contact.name}} ({{contact.email}}), {{agent.name}} <{{agent.email}}> \
                    {{contact.phone}} {{contact.age}} {{ agent.name }} {{agent.name}}";
        assert_eq!(
            replace(text, &values),
            "Hi Vera (), Alice <alice@example.com> +1 555 {{contact.age}} {{ agent.name }} Alice"
        );
    }
}
