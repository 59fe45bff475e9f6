//! What a file is: the declared type stands only when the magic bytes agree, and the
//! `FileUpload_MediaType*` lists.

/// The type a file is stored and served as, from the type the client declared and the
/// file's first bytes. Images, audio, video and PDF keep a type only when their magic bytes
/// are of that kind (then the type the bytes show); everything else, and anything whose
/// bytes disagree, is `application/octet-stream`, which browsers download rather than show.
/// (Rocket.Chat trusts the declared type: an HTML page declared `image/png` is stored XSS.)
pub fn sniff(declared: Option<&str>, head: &[u8]) -> String {
    const OPAQUE: &str = "application/octet-stream";
    let declared = declared.unwrap_or(OPAQUE).to_ascii_lowercase();
    let Some(found) = infer::get(head) else { return OPAQUE.to_owned() };
    let found = found.mime_type();
    let family = |mime: &str| mime.split('/').next().unwrap_or_default().to_owned();
    let agrees = match family(&declared).as_str() {
        "image" | "audio" | "video" => family(found) == family(&declared),
        _ => declared == "application/pdf" && found == "application/pdf",
    };
    // SVG is text and never matched by magic bytes; kept out here too for clarity.
    if agrees && found != "image/svg+xml" {
        found.to_owned()
    } else {
        OPAQUE.to_owned()
    }
}

/// `FileUpload_MediaTypeWhiteList` and `FileUpload_MediaTypeBlackList`: comma-separated
/// types, `image/*` for a whole family. Empty allow list: every type not denied.
#[derive(Clone, Debug, Default)]
pub struct TypeLists {
    allow: Vec<String>,
    deny: Vec<String>,
}

impl TypeLists {
    /// The lists from the settings' texts.
    pub fn new(allow: &str, deny: &str) -> Self {
        let parse = |text: &str| {
            text.split(',')
                .map(|item| item.trim().to_ascii_lowercase())
                .filter(|item| !item.is_empty())
                .collect()
        };
        Self { allow: parse(allow), deny: parse(deny) }
    }

    /// Whether a file declared as `declared` and stored as `stored` may be uploaded: neither
    /// type denied (so a denied SVG stays refused though it would be stored as an opaque
    /// file), and the stored type allowed.
    pub fn allows(&self, declared: Option<&str>, stored: &str) -> bool {
        let denied = |mime: &str| self.deny.iter().any(|pattern| matches(pattern, mime));
        if denied(stored) || declared.is_some_and(|declared| denied(&declared.to_ascii_lowercase()))
        {
            return false;
        }
        self.allow.is_empty() || self.allow.iter().any(|pattern| matches(pattern, stored))
    }
}

fn matches(pattern: &str, mime: &str) -> bool {
    match pattern.strip_suffix("/*") {
        Some(family) => mime.split('/').next() == Some(family),
        None => pattern == mime,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

    #[test]
    fn declared_types_stand_only_when_the_bytes_agree() {
        assert_eq!(sniff(Some("image/png"), PNG), "image/png");
        assert_eq!(sniff(Some("image/jpeg"), PNG), "image/png");
        assert_eq!(
            sniff(Some("image/png"), b"<html><script>alert(1)</script>"),
            "application/octet-stream"
        );
        assert_eq!(sniff(Some("text/html"), PNG), "application/octet-stream");
        assert_eq!(sniff(Some("application/pdf"), b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff(Some("image/svg+xml"), b"<svg/>"), "application/octet-stream");
        assert_eq!(sniff(None, PNG), "application/octet-stream");
    }

    #[test]
    fn lists_deny_first_then_allow() {
        let lists = TypeLists::new("", "image/svg+xml");
        assert!(lists.allows(Some("image/png"), "image/png"));
        assert!(!lists.allows(Some("image/svg+xml"), "application/octet-stream"));
        let lists = TypeLists::new("image/*, application/pdf", "");
        assert!(lists.allows(None, "image/gif"));
        assert!(lists.allows(None, "application/pdf"));
        assert!(!lists.allows(Some("image/png"), "application/octet-stream"));
    }
}
