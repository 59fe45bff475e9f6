//! File names: what is stored, and how a download names the file.

/// The longest stored name, in characters.
const MAX_NAME_CHARS: usize = 255;

/// A stored name for `name` as the client gave it: path separators and control characters
/// become `_`, surrounding spaces go, at most 255 characters; no name (or nothing left)
/// is `file`.
pub fn sanitise_name(name: Option<&str>) -> String {
    let cleaned: String = name
        .unwrap_or_default()
        .trim()
        .chars()
        .map(|c| if matches!(c, '/' | '\\') || c.is_control() { '_' } else { c })
        .take(MAX_NAME_CHARS)
        .collect();
    match cleaned.as_str() {
        "" | "." | ".." => "file".to_owned(),
        _ => cleaned,
    }
}

/// `Content-Disposition` for a download of `name`: `inline` or `attachment`, with a plain
/// ASCII `filename` and the exact name as UTF-8 in `filename*` (RFC 6266, RFC 8187).
pub fn content_disposition(inline: bool, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        // RFC 8187 attr-char.
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_separators_and_control_characters() {
        assert_eq!(sanitise_name(Some("../../etc/passwd")), ".._.._etc_passwd");
        assert_eq!(sanitise_name(Some("a\\b\nc.txt")), "a_b_c.txt");
        assert_eq!(sanitise_name(Some("  ")), "file");
        assert_eq!(sanitise_name(Some("..")), "file");
        assert_eq!(sanitise_name(None), "file");
        assert_eq!(sanitise_name(Some(&"é".repeat(300))).chars().count(), 255);
    }

    #[test]
    fn dispositions_quote_nothing_they_should_not() {
        assert_eq!(
            content_disposition(false, "a \"b\";\r\nc.html"),
            "attachment; filename=\"a _b_;__c.html\"; filename*=UTF-8''a%20%22b%22%3B%0D%0Ac.html"
        );
        assert_eq!(
            content_disposition(true, "café.png"),
            "inline; filename=\"caf_.png\"; filename*=UTF-8''caf%C3%A9.png"
        );
    }
}
