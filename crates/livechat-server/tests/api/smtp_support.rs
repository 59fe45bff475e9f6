//! The test SMTP server itself (`tests/support/smtp.rs`): what lettre sends arrives byte for
//! byte, decodes, and survives the server being stopped and started again.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use crate::smtp::SmtpServer;

/// Longest a test waits for its mail.
const WAIT: Duration = Duration::from_secs(30);

/// A plain (no TLS) transport to `smtp`.
fn transport(smtp: &SmtpServer) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(smtp.port())
        .timeout(Some(Duration::from_secs(10)))
        .build()
}

fn mailbox(text: &str) -> Mailbox {
    text.parse().expect("a mailbox")
}

/// A one-part plain-text message.
fn plain(subject: &str) -> Message {
    Message::builder()
        .from(mailbox("Livechat <noreply@example.com>"))
        .to(mailbox("visitor@example.org"))
        .subject(subject)
        .body(format!("{subject}\n"))
        .expect("a message")
}

#[actix_web::test]
async fn smtp_server_keeps_and_decodes_what_lettre_sends() {
    let Some(smtp) = SmtpServer::start().await else { return };
    assert_eq!(smtp.url(), format!("smtp://127.0.0.1:{}", smtp.port()));
    // Long non-ASCII lines (quoted-printable or base64 on the wire), and a line starting with
    // a dot (which SMTP escapes and the server must unescape).
    let text = format!("{}\n.a line starting with a dot\nEnde\n", "Grüße aus Köln. ".repeat(12));
    let html = "<p>Grüße <b>aus</b> Köln</p>\n";
    let subject = "Ihre Unterhaltung — Grüße ✓\r\nX-Injected: yes";
    let message = Message::builder()
        .from(mailbox("Livechat <noreply@example.com>"))
        .to(mailbox("Zoë <zoe@example.org>"))
        .bcc(mailbox("audit@example.org"))
        .subject(subject)
        .message_id(Some("<first.1@livechat.test>".into()))
        .multipart(MultiPart::alternative_plain_html(text.clone(), html.to_owned()))
        .expect("a message");
    let formatted = message.formatted();
    transport(&smtp).send(message).await.expect("sent");

    let mails = smtp.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    // lettre ends the data with CR LF . CR LF even after the message's own final CR LF: the
    // server keeps exactly what came over the wire.
    assert_eq!(mail.raw, [formatted.as_slice(), b"\r\n"].concat(), "kept byte for byte");
    assert!(mail.raw.is_ascii(), "encoded on the wire: {}", String::from_utf8_lossy(&mail.raw));
    assert_eq!(mail.sender, "noreply@example.com");
    assert_eq!(mail.recipients, ["zoe@example.org", "audit@example.org"]);
    // The CR LF inside the subject is no line break of the header: no field was injected.
    assert_eq!(
        mail.header("Subject").map(|subject| subject.replace("\r\n", "\n")),
        Some(subject.replace("\r\n", "\n"))
    );
    let names = mail.header_names();
    for name in ["From", "To", "Subject", "Message-ID", "Date", "MIME-Version", "Content-Type"] {
        assert!(names.iter().any(|have| have.eq_ignore_ascii_case(name)), "{name}: {names:?}");
    }
    assert!(!names.iter().any(|name| name.eq_ignore_ascii_case("X-Injected")), "{names:?}");
    assert!(!names.iter().any(|name| name.eq_ignore_ascii_case("Bcc")), "{names:?}");
    assert_eq!(mail.headers("subject").len(), 1);
    assert!(mail
        .header("To")
        .is_some_and(|to| to.contains("Zoë") && to.contains("zoe@example.org")));
    assert_eq!(mail.message_id().as_deref(), Some("first.1@livechat.test"));
    assert_eq!(mail.text().map(|body| body.replace("\r\n", "\n")), Some(text));
    assert_eq!(mail.html().map(|body| body.replace("\r\n", "\n")), Some(html.to_owned()));
}

#[actix_web::test]
async fn smtp_server_tells_a_text_body_from_an_html_body() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let only_html = Message::builder()
        .from(mailbox("noreply@example.com"))
        .to(mailbox("visitor@example.org"))
        .subject("html")
        .singlepart(SinglePart::html("<p>only HTML</p>".to_owned()))
        .expect("a message");
    transport(&smtp).send(only_html).await.expect("sent");
    transport(&smtp).send(plain("only text")).await.expect("sent");

    let mails = smtp.wait_for(2, WAIT).await;
    assert_eq!(
        mails[0].html().map(|body| body.trim_end().to_owned()).as_deref(),
        Some("<p>only HTML</p>")
    );
    assert_eq!(mails[0].text(), None, "an HTML-only message has no text body");
    assert_eq!(
        mails[1].text().map(|body| body.trim_end().to_owned()).as_deref(),
        Some("only text")
    );
    assert_eq!(mails[1].html(), None);
    assert_eq!(mails[1].header("Subject").as_deref(), Some("only text"));
}

#[actix_web::test]
async fn smtp_server_refuses_while_stopped_and_keeps_its_mail_across_a_restart() {
    let Some(mut smtp) = SmtpServer::start().await else { return };
    let port = smtp.port();
    transport(&smtp).send(plain("before")).await.expect("sent");
    smtp.wait_for(1, WAIT).await;

    smtp.stop();
    let refused = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
    assert!(refused.is_err(), "nothing listens while stopped");
    assert!(transport(&smtp).send(plain("while down")).await.is_err());

    smtp.start_again().await;
    assert_eq!(smtp.port(), port);
    transport(&smtp).send(plain("after")).await.expect("sent");
    let mails = smtp.wait_for(2, WAIT).await;
    let subjects: Vec<_> = mails.iter().filter_map(|mail| mail.header("Subject")).collect();
    assert_eq!(subjects, ["before", "after"]);
}
