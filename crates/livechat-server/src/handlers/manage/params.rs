//! The filters of `livechat/rooms` and the order of `livechat/{rid}/messages`, read and
//! checked: bad JSON, a wrong type or a value out of bounds is `invalid-params`.

use std::collections::BTreeSet;

use livechat_types::agent::rooms;
use livechat_types::Timestamp;
use serde_json::Value;

use crate::db::room_list::{RoomFilter, RoomOrder};
use crate::error::ApiError;
use crate::validate::{self, bounds};

/// Most agents, tags or custom fields one filter takes.
const VALUES_MAX: usize = 20;
/// Most characters of a tag.
pub(super) const TAG_MAX: usize = 100;

/// The filter a rooms query asks for (who may see what is the handler's to add).
pub(super) fn room_filter(raw: &str, query: rooms::Request) -> Result<RoomFilter, ApiError> {
    let mut filter = RoomFilter::visible_to(None);
    filter.open = query.open;
    filter.agents = repeated(raw, "agents", query.agents.as_deref())?;
    for agent in &filter.agents {
        validate::plain_id("agents", agent)?;
    }
    filter.department_id = query.department_id.filter(|id| !id.is_empty());
    if let Some(department) = &filter.department_id {
        validate::plain_id("departmentId", department)?;
    }
    filter.tags = repeated(raw, "tags", query.tags.as_deref())?;
    for tag in &filter.tags {
        validate::at_most("tags", tag, TAG_MAX)?;
    }
    filter.created = range("createdAt", query.created_at.as_deref())?;
    filter.closed = range("closedAt", query.closed_at.as_deref())?;
    filter.fields = custom_fields(query.custom_fields.as_deref())?;
    filter.name = query.room_name.filter(|name| !name.is_empty());
    if let Some(name) = &filter.name {
        validate::at_most("roomName", name, bounds::NAME)?;
    }
    filter.order = sort(query.sort.as_deref())?;
    Ok(filter)
}

/// The values of `name[]` in the query string `raw`, and those of `name` split at commas;
/// blanks dropped, repeats once.
fn repeated(raw: &str, name: &str, joined: Option<&str>) -> Result<Vec<String>, ApiError> {
    let bracketed = format!("{name}[]");
    let mut seen = BTreeSet::new();
    let values: Vec<String> = form_urlencoded::parse(raw.as_bytes())
        .filter(|(key, _)| *key == bracketed)
        .map(|(_, value)| value.into_owned())
        .chain(joined.into_iter().flat_map(|joined| joined.split(',').map(str::to_owned)))
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty() && seen.insert(value.clone()))
        .collect();
    if values.len() > VALUES_MAX {
        return Err(ApiError::Params(format!("at most {VALUES_MAX} '{name}'")));
    }
    Ok(values)
}

/// `{"start": ISO, "end": ISO}` (either optional) as epoch-millisecond bounds.
fn range(name: &str, json: Option<&str>) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let Some(json) = json.filter(|json| !json.is_empty()) else { return Ok((None, None)) };
    let bad = || ApiError::Params(format!("'{name}' must be {{\"start\": date, \"end\": date}}"));
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(json) else { return Err(bad()) };
    let mut bounds = (None, None);
    for (key, value) in object {
        let slot = match key.as_str() {
            "start" => &mut bounds.0,
            "end" => &mut bounds.1,
            _ => return Err(bad()),
        };
        let Value::String(text) = value else { return Err(bad()) };
        let at = Timestamp::parse(&text)
            .ok_or_else(|| ApiError::Params(format!("'{name}.{key}' must be a valid date")))?;
        *slot = Some(at.as_millis());
    }
    Ok(bounds)
}

/// A JSON object of custom field values, each a string.
fn custom_fields(json: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(json) = json.filter(|json| !json.is_empty()) else { return Ok(Vec::new()) };
    let bad = || ApiError::Params("'customFields' must be a JSON object of strings".into());
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(json) else { return Err(bad()) };
    if object.len() > VALUES_MAX {
        return Err(ApiError::Params(format!("at most {VALUES_MAX} 'customFields'")));
    }
    let mut fields = Vec::with_capacity(object.len());
    for (key, value) in object {
        let Value::String(value) = value else { return Err(bad()) };
        validate::present("customFields", &key)?;
        validate::at_most("customFields", &key, bounds::FIELD_KEY)?;
        validate::at_most("customFields", &value, bounds::FIELD_VALUE)?;
        fields.push((key, value));
    }
    Ok(fields)
}

/// `{"<field>": 1 | -1}`: one field, ascending with 1. Newest first when not given.
fn sort(json: Option<&str>) -> Result<(RoomOrder, bool), ApiError> {
    let Some((field, ascending)) = one_sort(json)? else { return Ok((RoomOrder::Opened, false)) };
    let order = RoomOrder::from_wire(&field).ok_or_else(|| {
        ApiError::Params("'sort' orders by ts, fname, lm, closedAt, _updatedAt or msgs".into())
    })?;
    Ok((order, ascending))
}

/// Whether a message search ascends: `{"ts": 1}`; `{"ts": -1}` or nothing is newest first.
pub(super) fn message_order(json: Option<&str>) -> Result<bool, ApiError> {
    match one_sort(json)? {
        None => Ok(false),
        Some((field, ascending)) if field == "ts" => Ok(ascending),
        Some(_) => Err(ApiError::Params("'sort' orders messages by ts only".into())),
    }
}

/// The one `{"<field>": 1 | -1}` of a `sort` parameter.
fn one_sort(json: Option<&str>) -> Result<Option<(String, bool)>, ApiError> {
    let Some(json) = json.filter(|json| !json.is_empty()) else { return Ok(None) };
    let bad = || ApiError::Params("'sort' must be {\"<field>\": 1 or -1}".into());
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(json) else { return Err(bad()) };
    let mut entries = object.into_iter();
    let (Some((field, direction)), None) = (entries.next(), entries.next()) else {
        return Err(bad());
    };
    match direction.as_i64() {
        Some(1) => Ok(Some((field, true))),
        Some(-1) => Ok(Some((field, false))),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_take_iso_bounds_only() {
        let at = |text: &str| Timestamp::parse(text).map(Timestamp::as_millis);
        let both = r#"{"start":"2024-01-01T00:00:00.000Z","end":"2024-02-01T00:00:00Z"}"#;
        assert_eq!(
            range("createdAt", Some(both)).ok(),
            Some((at("2024-01-01T00:00:00Z"), at("2024-02-01T00:00:00Z")))
        );
        assert_eq!(range("createdAt", None).ok(), Some((None, None)));
        for bad in ["{", "[]", r#"{"start":1}"#, r#"{"start":"yesterday"}"#, r#"{"from":"x"}"#] {
            assert!(range("createdAt", Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn sorts_name_one_known_field() {
        assert_eq!(sort(None).ok(), Some((RoomOrder::Opened, false)));
        assert_eq!(sort(Some(r#"{"fname":1}"#)).ok(), Some((RoomOrder::Name, true)));
        assert_eq!(sort(Some(r#"{"closedAt":-1}"#)).ok(), Some((RoomOrder::Closed, false)));
        for bad in [r#"{"fname":2}"#, r#"{"v.token":1}"#, r#"{"ts":1,"fname":1}"#, "1", "{"] {
            assert!(sort(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(message_order(Some(r#"{"ts":1}"#)).ok(), Some(true));
        assert!(message_order(Some(r#"{"msg":1}"#)).is_err());
    }

    #[test]
    fn repeated_values_come_bracketed_or_joined() {
        let values = repeated("tags[]=a&tags[]=b%2Cc&x=1", "tags", Some("d, a")).ok();
        assert_eq!(values, Some(vec!["a".into(), "b,c".into(), "d".into()]));
        let many = (0..21).map(|n| format!("tags[]=t{n}")).collect::<Vec<_>>().join("&");
        assert!(repeated(&many, "tags", None).is_err());
    }

    #[test]
    fn custom_fields_are_an_object_of_strings() {
        assert_eq!(
            custom_fields(Some(r#"{"plan":"pro"}"#)).ok(),
            Some(vec![("plan".into(), "pro".into())])
        );
        for bad in [r#"{"plan":1}"#, r#"["plan"]"#, r#"{"plan":{"$ne":""}}"#, "{"] {
            assert!(custom_fields(Some(bad)).is_err(), "{bad}");
        }
    }
}
