//! The benchmark's reference: a minimal actix-web server that parses the same JSON requests
//! and answers with replies of the same sizes as the livechat server, without storage. Run
//! by `cargo xtask bench`; it prints `listening on http://ADDR` like the server.
//!
//! Environment: `ECHO_BIND` (default `127.0.0.1:0`), and the reply sizes in bytes per
//! workload: `ECHO_SEND_BYTES`, `ECHO_HISTORY_BYTES`, `ECHO_ROOM_BYTES`.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

fn size(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// `{"success":true,"pad":"xxx…"}` of exactly `bytes` bytes (at least the empty form).
fn reply_of(bytes: usize) -> String {
    let empty = r#"{"success":true,"pad":""}"#;
    format!(r#"{{"success":true,"pad":"{}"}}"#, "x".repeat(bytes.saturating_sub(empty.len())))
}

struct Replies {
    send: String,
    history: String,
    room: String,
}

async fn answer(req: HttpRequest, body: web::Bytes, replies: web::Data<Replies>) -> HttpResponse {
    if !body.is_empty() && serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return HttpResponse::BadRequest().json(serde_json::json!({"success": false}));
    }
    let path = req.path();
    let reply = if path.contains("messages.history") {
        &replies.history
    } else if path.ends_with("/livechat/room") {
        &replies.room
    } else {
        &replies.send
    };
    HttpResponse::Ok().content_type("application/json").body(reply.clone())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let replies = web::Data::new(Replies {
        send: reply_of(size("ECHO_SEND_BYTES", 300)),
        history: reply_of(size("ECHO_HISTORY_BYTES", 6000)),
        room: reply_of(size("ECHO_ROOM_BYTES", 350)),
    });
    let bind = std::env::var("ECHO_BIND").unwrap_or_else(|_| "127.0.0.1:0".into());
    let server = HttpServer::new(move || {
        App::new().app_data(replies.clone()).default_service(web::to(answer))
    })
    .bind(&bind)?;
    for addr in server.addrs() {
        println!("listening on http://{addr}");
    }
    server.run().await
}
