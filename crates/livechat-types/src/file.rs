//! Files sent in rooms (SPEC section 16): the visitor's `livechat/upload`, the agents'
//! `rooms.media` + `rooms.mediaConfirm` and `rooms.upload`, and what a message that carries
//! a file says about it. Downloads are `GET /file-upload/{id}/{name}` ([`DOWNLOAD_ROUTE`]),
//! outside the JSON API.

pub mod media;
pub mod media_confirm;
pub mod room_upload;
pub mod upload;

use serde::{Deserialize, Serialize};

/// Where a stored file is downloaded: the bytes themselves, not JSON. `name` is ignored by
/// the server; it only makes the link readable.
pub const DOWNLOAD_ROUTE: &str = "/file-upload/{id}/{name}";

/// The name of the multipart field that carries the file.
pub const FILE_FIELD: &str = "file";

/// The download path of file `id` named `name` (both percent-encoded).
pub fn download_path(id: &str, name: &str) -> String {
    crate::fill_route(DOWNLOAD_ROUTE, &[id, name]).into_owned()
}

/// A file as a message lists it (`file`, `files`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FileRef {
    /// The file's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Its name, sanitised (1-255 characters, no path separators).
    pub name: String,
    /// Its media type, as the server determined it (`application/octet-stream` when the
    /// declared type did not match the content).
    #[serde(rename = "type")]
    pub media_type: String,
    /// Its size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// An image's size in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ImageDimensions {
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
}

/// A message attachment describing a file, as Rocket.Chat's clients draw it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Attachment {
    /// Always `file`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The file's name.
    pub title: String,
    /// Where the file is downloaded (`/file-upload/<id>/<name>`, relative to the server).
    pub title_link: String,
    /// Always `true`: the link downloads the file.
    pub title_link_download: bool,
    /// What the sender wrote about the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For images: what to show (the thumbnail when there is one, else the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The media type of what `image_url` points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
    /// The size in bytes of what `image_url` points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_size: Option<u64>,
    /// The original image's size in pixels, when its header tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_dimensions: Option<ImageDimensions>,
    /// For audio: the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_url: Option<String>,
    /// The audio's media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_type: Option<String>,
    /// The audio's size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_size: Option<u64>,
    /// For video: the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// The video's media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_type: Option<String>,
    /// The video's size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_size: Option<u64>,
}

/// What a message that carries a file says about it: `file`, `files` (the file, then its
/// thumbnail if any) and `attachments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FileFields {
    /// The file.
    pub file: FileRef,
    /// The file and its thumbnail.
    pub files: Vec<FileRef>,
    /// How clients draw it.
    pub attachments: Vec<Attachment>,
}

/// A pending file, as `rooms.media` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PendingFile {
    /// The file's id, for `rooms.mediaConfirm`.
    #[serde(rename = "_id")]
    pub id: String,
    /// Where it will be downloaded once confirmed.
    pub url: String,
}

/// The text fields of an upload form, beside the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UploadFields {
    /// The file (multipart only; any content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(extend("contentMediaType" = "application/octet-stream")))]
    pub file: Option<String>,
    /// The message's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    /// What the sender writes about the file (the attachment's `description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn download_paths_are_encoded() {
        assert_eq!(download_path("abc", "my file.png"), "/file-upload/abc/my%20file.png");
    }

    #[test]
    fn attachments_leave_out_what_they_lack() {
        let attachment = Attachment {
            kind: "file".into(),
            title: "a.pdf".into(),
            title_link: "/file-upload/x/a.pdf".into(),
            title_link_download: true,
            ..Attachment::default()
        };
        assert_eq!(
            serde_json::to_value(&attachment).ok(),
            Some(json!({
                "type": "file",
                "title": "a.pdf",
                "title_link": "/file-upload/x/a.pdf",
                "title_link_download": true
            }))
        );
    }
}
