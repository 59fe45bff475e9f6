//! Registers a visitor, opens a room, sends and edits a message, lists the history and
//! closes the room.
//!
//! ```sh
//! cargo run -p livechat-sdk --example chat -- http://127.0.0.1:3000
//! ```

use futures_util::TryStreamExt as _;
use livechat_sdk::{Client, VisitorToken};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let client = Client::builder(base_url).build()?;

    let token = VisitorToken::from(format!("example-{}", std::process::id()));
    let visitor = client.register(token).await?;
    println!("registered {} ({})", visitor.info().username, visitor.info().id);

    let room = visitor.open_room().await?;
    println!("room {} is open", room.id);

    let message = visitor.send("Hello! Is anybody there?").await?;
    println!("sent {} at {}", message.id, message.ts);

    let edited = visitor.edit(&message.id, "Hello! Is anybody there? I need help.").await?;
    println!("edited: {}", edited.text);

    let history: Vec<_> = visitor.history().await?.try_collect().await?;
    println!("history, newest first:");
    for message in &history {
        let kind = message.kind.as_deref().map(|kind| format!(" [{kind}]")).unwrap_or_default();
        println!("  {} {}:{kind} {}", message.ts, message.u.username, message.text);
    }

    let closed = visitor.close().await?;
    println!("closed room {}: {}", closed.rid, closed.comment);
    Ok(())
}
