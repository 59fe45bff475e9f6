//! Files through the SDK, on the suite's server: a visitor sends an image from a path and
//! its agent sees it over REST and live and downloads it byte for byte; the agent sends a
//! PDF from a byte stream (and a file in two steps) and the visitor downloads it; another
//! visitor and another agent are refused; a range comes back right; a refused type and a
//! file over `FileUpload_MaxFileSize` (413) are typed errors and leave no message.
//!
//! One test, in order: the size limit is a server-wide setting, and lowering it must not
//! meet another upload of this suite.

use std::time::Duration;

use futures_util::{stream, Stream, StreamExt as _, TryStreamExt as _};
use livechat_sdk::types::file::media_confirm;
use livechat_sdk::types::message::Message;
use livechat_sdk::types::user::create;
use livechat_sdk::{
    file_link, AgentSession, ByteRange, Bytes, Download, Error, ErrorCode, RoomEvent, Upload,
};
use sha2::{Digest as _, Sha256};

use crate::{admin_account, agent_account, client, fresh_token, record_secret, unique};

type Events = std::pin::Pin<Box<dyn Stream<Item = Result<RoomEvent, Error>> + Send>>;

/// The server's default `FileUpload_MaxFileSize`, restored after the limit step.
const DEFAULT_MAX_FILE_SIZE: i64 = 104_857_600;

#[tokio::test]
async fn visitors_and_agents_exchange_files() {
    let client = client();
    let (agent_name, agent_password) = agent_account();
    let agent = client.login(&agent_name, &agent_password).await.expect("agent login");
    record_secret(agent.auth_token());
    agent.set_available(true).await.expect("available");
    let (admin_name, admin_password) = admin_account();
    let admin = client.login(&admin_name, &admin_password).await.expect("admin login");
    record_secret(admin.auth_token());

    let alice = client.register(fresh_token("files-alice")).await.expect("register");
    let room = alice.open_room().await.expect("room");
    let served_by = room.served_by.as_ref().map(|agent| agent.id.clone());
    assert_eq!(served_by.as_deref(), Some(agent.user_id()), "the suite's agent serves the room");
    let mut agent_events: Events = Box::pin(
        client.subscribe_room(room.id.clone(), agent.subscriber()).await.expect("subscribe"),
    );

    // The visitor sends an image from a path (640 x 360: it gets a thumbnail).
    let folder = std::env::temp_dir().join(format!("livechat-e2e-files-{}", unique()));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let png = png(640, 360);
    let path = folder.join("screen.png");
    std::fs::write(&path, &png).expect("write the image");
    let upload = Upload::from_path(&path).await.expect("open the image");
    assert_eq!((upload.name(), upload.content_type()), ("screen.png", "image/png"));
    assert_eq!(upload.length(), Some(png.len() as u64));
    let sent = alice
        .upload(upload.with_message("This is what I see").with_description("the error"))
        .await
        .expect("the visitor's upload");
    assert_eq!(sent.text, "This is what I see");
    let file = sent.file.clone().expect("file");
    assert_eq!((file.name.as_str(), file.media_type.as_str()), ("screen.png", "image/png"));
    assert_eq!(file.size, Some(png.len() as u64));
    let files = sent.files.clone().expect("files");
    assert_eq!(files.len(), 2, "the image and its thumbnail: {files:?}");
    let attachment = sent.attachments.as_ref().and_then(|all| all.first()).expect("attachment");
    let link = file_link(&sent).expect("a link");
    assert_eq!(attachment.title_link, link);
    assert_eq!(link, livechat_sdk::types::file::download_path(&file.id, &file.name));
    assert_eq!(attachment.description.as_deref(), Some("the error"));
    let dimensions = attachment.image_dimensions.expect("dimensions");
    assert_eq!((dimensions.width, dimensions.height), (640, 360));
    let thumbnail = attachment.image_url.clone().expect("a thumbnail");
    assert_ne!(thumbnail, link);

    // Its agent sees it over REST and live, with the same file.
    let history: Vec<Message> =
        agent.history(room.id.clone()).try_collect().await.expect("history");
    let listed = history.iter().find(|message| message.id == sent.id).expect("in the history");
    assert_eq!((&listed.file, &listed.files), (&sent.file, &sent.files));
    assert_eq!(listed.attachments, sent.attachments);
    let live = next_message(&mut agent_events, &sent.id).await;
    assert_eq!((&live.file, &live.attachments), (&sent.file, &sent.attachments));

    // The agent downloads it byte for byte; so does the visitor.
    let download = agent.download(&link, None).await.expect("the agent's download");
    assert_eq!(download.status(), 200);
    assert_eq!(download.content_type(), Some("image/png"));
    assert_eq!(download.content_length(), Some(png.len() as u64));
    assert!(download.content_disposition().is_some_and(|value| value.starts_with("inline")));
    assert_eq!(download.file_name().as_deref(), Some("screen.png"));
    assert_eq!(sha256_of(download).await, sha256(&png));
    let own = alice.download(&room.id, &link, None).await.expect("the visitor's download");
    assert_eq!(sha256_of(own).await, sha256(&png));
    let thumb = agent.download(&thumbnail, None).await.expect("the thumbnail");
    assert_eq!(thumb.content_type(), attachment.image_type.as_deref());
    let thumb = thumb.bytes().await.expect("thumbnail bytes");
    assert_eq!(Some(thumb.len() as u64), attachment.image_size);

    // The agent sends a PDF from a byte stream of unknown length; the visitor downloads it.
    let pdf = pdf(300 * 1024);
    let pieces: Vec<Result<Bytes, std::io::Error>> =
        pdf.chunks(10_000).map(|piece| Ok(Bytes::copy_from_slice(piece))).collect();
    let upload = Upload::from_stream("invoice.pdf", "application/pdf", stream::iter(pieces))
        .with_message("Your invoice");
    let invoice = agent.upload(&room.id, upload).await.expect("the agent's upload");
    assert_eq!(invoice.u.id, agent.user_id());
    let invoice_file = invoice.file.clone().expect("file");
    assert_eq!(invoice_file.media_type, "application/pdf");
    assert_eq!(invoice_file.size, Some(pdf.len() as u64));
    let invoice_link = file_link(&invoice).expect("a link");
    let download = alice.download(&room.id, &invoice_link, None).await.expect("download");
    assert_eq!(download.content_type(), Some("application/pdf"));
    assert!(download.content_disposition().is_some_and(|value| value.starts_with("attachment")));
    assert_eq!(sha256_of(download).await, sha256(&pdf));
    let saved = folder.join("invoice.pdf");
    let download = alice.download(&room.id, &invoice_link, None).await.expect("download");
    assert_eq!(download.save(&saved).await.expect("save"), pdf.len() as u64);
    assert_eq!(std::fs::read(&saved).expect("read"), pdf);

    // Two steps: a pending file nobody sees, then its message; a second confirm is refused.
    let notes = Upload::from_bytes("notes.txt", "text/plain", &b"step one, step two"[..]);
    let pending = agent.upload_pending(&room.id, notes).await.expect("pending");
    let mut confirm = media_confirm::Request::new(room.id.clone(), pending.id.clone());
    confirm.msg = Some("The notes".into());
    let confirmed = agent.confirm_upload(&confirm).await.expect("confirm");
    let notes_file = confirmed.file.clone().expect("file");
    assert_eq!(notes_file.id, pending.id);
    // Text is not one of the kinds the server recognises by content.
    assert_eq!(notes_file.media_type, "application/octet-stream");
    assert_eq!(refusal(agent.confirm_upload(&confirm).await), (400, ErrorCode::InvalidFile));

    // Another visitor may neither download nor upload there.
    let bob = client.register(fresh_token("files-bob")).await.expect("register bob");
    let bob_room = bob.room_id().await.expect("bob's room");
    let forbidden = (403, ErrorCode::Unauthorized);
    assert_eq!(refusal(bob.download(&room.id, &link, None).await), forbidden);
    assert_eq!(refusal(bob.download(&bob_room, &link, None).await), forbidden);
    let intrusion = Upload::from_bytes("x.pdf", "application/pdf", pdf.clone());
    assert_eq!(
        refusal(client.upload_as_visitor(&room.id, bob.token(), intrusion).await),
        forbidden
    );

    // Another agent (not serving the room) neither.
    let (other, other_id) = other_agent(&client, &admin).await;
    assert_eq!(refusal(other.download(&link, None).await), forbidden);
    let intrusion = Upload::from_bytes("x.pdf", "application/pdf", pdf.clone());
    assert_eq!(refusal(other.upload(&room.id, intrusion).await), forbidden);
    admin.delete_user(&other_id).await.expect("delete the other agent");

    // Ranges: some bytes, the last ones, and one past the end.
    let part = agent.download(&invoice_link, Some((1000..=5095).into())).await.expect("range");
    assert!(part.is_partial());
    let expected_range = format!("bytes 1000-5095/{}", pdf.len());
    assert_eq!(part.content_range(), Some(expected_range.as_str()));
    assert_eq!(part.content_length(), Some(4096));
    assert_eq!(part.bytes().await.expect("range bytes"), pdf[1000..=5095]);
    let tail = alice.download(&room.id, &invoice_link, Some(ByteRange::Last(10))).await;
    assert_eq!(tail.expect("tail").bytes().await.expect("tail bytes"), pdf[pdf.len() - 10..]);
    let past = agent.download(&invoice_link, Some(ByteRange::From(pdf.len() as u64 + 1))).await;
    assert_eq!(refusal(past).0, 416);

    let before = message_ids(&agent, &room.id).await;
    // A type the default black list refuses (`image/svg+xml`).
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#;
    let svg = Upload::from_bytes("logo.svg", "image/svg+xml", &svg[..]);
    assert_eq!(refusal(alice.upload(svg).await), (400, ErrorCode::TypeNotAllowed));

    // Over the limit: 413, typed, and no message. The limit goes back at once.
    admin.set_setting("FileUpload_MaxFileSize", 64 * 1024_i64).await.expect("lower the limit");
    let small_stream =
        Upload::from_stream("big.bin", "application/octet-stream", noise(256 * 1024));
    let small = alice.upload(small_stream).await;
    // Large enough that the server answers while the client is still sending.
    let large_stream = Upload::from_stream("big.bin", "application/octet-stream", noise(8 << 20));
    let large = alice.upload(large_stream).await;
    let large_path = folder.join("large.bin");
    std::fs::write(&large_path, vec![7u8; 4 << 20]).expect("write");
    let from_path = alice.upload(Upload::from_path(&large_path).await.expect("open")).await;
    admin
        .set_setting("FileUpload_MaxFileSize", DEFAULT_MAX_FILE_SIZE)
        .await
        .expect("restore the limit");
    for (what, result) in [("256 KiB", small), ("8 MiB", large), ("4 MiB from a path", from_path)] {
        let err = result.expect_err(what);
        assert!(
            matches!(&err, Error::Api { status: 413, code: ErrorCode::FileTooLarge, .. }),
            "{what}: {err:?}"
        );
    }
    assert_eq!(message_ids(&agent, &room.id).await, before, "a refused file sends nothing");

    let _ = std::fs::remove_dir_all(&folder);
}

/// The code and status of an API error.
fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, ErrorCode) {
    match result {
        Err(Error::Api { status, code, .. }) => (status, code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The ids of a room's messages, newest first.
async fn message_ids(agent: &AgentSession, room_id: &livechat_sdk::RoomId) -> Vec<String> {
    let all: Vec<Message> = agent.history(room_id.clone()).try_collect().await.expect("history");
    all.into_iter().map(|message| message.id.as_str().to_owned()).collect()
}

/// The message `id` as it arrives live, within 10 s.
async fn next_message(events: &mut Events, id: &livechat_sdk::MessageId) -> Message {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("the message did not arrive live within 10 s")
            .expect("the stream is open")
            .expect("no error");
        if let RoomEvent::Message(message) = event {
            if &message.id == id {
                return *message;
            }
        }
    }
}

/// A user with the agent role, logged in, and its id (not available: it takes no chats).
async fn other_agent(
    client: &livechat_sdk::Client,
    admin: &AgentSession,
) -> (AgentSession, String) {
    let username = format!("e2e-files-{}", unique().replace('-', ""));
    let password = format!("pw-{}", unique());
    record_secret(&password);
    let req = create::Request::new(
        &username,
        &password,
        "Other Agent",
        format!("{username}@example.com"),
    )
    .with_roles(["user", "livechat-agent"]);
    let created = admin.create_user(&req).await.expect("create the other agent");
    let session = client.login(&username, &password).await.expect("the other agent's login");
    record_secret(session.auth_token());
    (session, created.id)
}

pub(crate) fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// The SHA-256 of a download, computed as it streams.
pub(crate) async fn sha256_of(mut download: Download) -> Vec<u8> {
    let mut hasher = Sha256::new();
    while let Some(piece) = download.next().await {
        hasher.update(piece.expect("a piece of the download"));
    }
    hasher.finalize().to_vec()
}

/// `len` pseudo-random bytes in 64 KiB pieces.
fn noise(len: usize) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut left = len;
    stream::iter(std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let size = left.min(64 * 1024);
        left -= size;
        let piece: Vec<u8> = (0..size)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        Some(Ok(Bytes::from(piece)))
    }))
}

/// A PDF-looking file of `len` bytes (its magic bytes make it a PDF to the server).
fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    let mut n = 0u32;
    while bytes.len() < len - 6 {
        bytes.extend_from_slice(format!("% line {n}\n").as_bytes());
        n += 1;
    }
    bytes.truncate(len - 6);
    bytes.extend_from_slice(b"%%EOF\n");
    bytes
}

/// A `width` x `height` RGB PNG (a gradient), stored without compression.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // no filter
        for x in 0..width {
            raw.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]);
        }
    }
    // zlib: stored deflate blocks, then the Adler-32 of the data.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (n, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(n + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", header), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(&data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
