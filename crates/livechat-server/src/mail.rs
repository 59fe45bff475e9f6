//! E-mail (SPEC section 17): transcripts and offline messages, written to the outbox as
//! [`Mail`] with their request and sent over SMTP by the deliverer ([`Mailer`]).
//!
//! Everything a visitor typed is escaped in the HTML part, and every header value is one
//! line: carriage returns, line feeds and other control characters become spaces, so no
//! name or subject can add a header. The `Message-ID` is made from the delivery's id, so
//! every attempt of one e-mail carries the same one and a mail client that drops repeats
//! shows it once.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport as _, Message as Email, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::db::models::MessageRow;
use crate::db::outbox::DeliveryRow;
use crate::outbox::Outcome;

/// An e-mail as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// The recipients' addresses.
    pub to: Vec<String>,
    /// Where answers go (the visitor of an offline message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The subject, one line.
    pub subject: String,
    /// The plain text part.
    pub text: String,
    /// The HTML part (everything from clients escaped).
    pub html: String,
}

/// `smtp_url` with its password replaced by `***` (for logs).
pub fn masked_url(smtp_url: &str) -> String {
    let Some((scheme, rest)) = smtp_url.split_once("://") else { return "***".into() };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => smtp_url.to_owned(),
    }
}

/// One line of a header: control characters (CR and LF among them) become spaces.
pub fn one_line(text: &str) -> String {
    let line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    line.trim().to_owned()
}

/// `text` escaped for HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The transcript of `messages` (the room's conversation, oldest first; system messages are
/// left out) for `to`; the messages of visitor `visitor_id` are set apart from the agents'.
pub fn transcript(to: &str, subject: &str, visitor_id: &str, messages: &[MessageRow]) -> Mail {
    let mut text = String::new();
    let mut html =
        String::from("<!DOCTYPE html><html><body><div style=\"font-family:sans-serif\">\n");
    for message in messages.iter().filter(|message| message.kind.is_none()) {
        let author = message.author_name.as_deref().unwrap_or(&message.author_username);
        let from_visitor = message.visitor_id.as_deref() == Some(visitor_id);
        let when = chrono::DateTime::from_timestamp_millis(message.ts)
            .map(|at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        let body = match message.file_ref() {
            Some(file) if message.msg.is_empty() => format!("[file: {}]", file.name),
            Some(file) => format!("{} [file: {}]", message.msg, file.name),
            None => message.msg.clone(),
        };
        text.push_str(&format!("{author} ({when}):\n{body}\n\n"));
        let colour = if from_visitor { "#555" } else { "#1d74f5" };
        html.push_str(&format!(
            "<p><strong style=\"color:{colour}\">{}</strong> <em>{}</em><br>{}</p>\n",
            escape_html(author),
            escape_html(&when),
            escape_html(&body).replace('\n', "<br>"),
        ));
    }
    html.push_str("</div></body></html>\n");
    Mail { to: vec![to.to_owned()], reply_to: None, subject: one_line(subject), text, html }
}

/// An offline message left by `name` (`email`) for `to`.
pub fn offline(to: Vec<String>, name: &str, email: &str, message: &str) -> Mail {
    let name = one_line(name);
    let preview: String = one_line(message).chars().take(20).collect();
    let subject = format!("Livechat offline message from {name}: {preview}");
    let mut text = format!("Visitor name: {name}\nVisitor e-mail: {email}\n");
    let mut html = format!(
        "<!DOCTYPE html><html><body><p><strong>Visitor name:</strong> {}<br>\
         <strong>Visitor e-mail:</strong> {}<br>",
        escape_html(&name),
        escape_html(email),
    );
    text.push_str(&format!("\n{message}\n"));
    html.push_str(&format!(
        "</p><p>{}</p></body></html>\n",
        escape_html(message).replace('\n', "<br>")
    ));
    Mail { to, reply_to: Some(email.to_owned()), subject: one_line(&subject), text, html }
}

/// Sends the outbox's e-mails over the configured relay.
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Option<Mailbox>,
}

impl Mailer {
    /// The mailer of `--smtp-url` and `--smtp-from`; none without a URL. A URL or sender
    /// that does not parse is an error at start-up, not at the first e-mail.
    pub fn new(config: &crate::Config) -> anyhow::Result<Self> {
        let Some(url) = config.smtp_url.as_deref().filter(|url| !url.trim().is_empty()) else {
            return Ok(Self { transport: None, from: None });
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|err| anyhow::format_err!("--smtp-url {}: {err}", masked_url(url)))?
            .timeout(Some(config.smtp_timeout()))
            .build();
        let from: Mailbox = config
            .smtp_from
            .parse()
            .map_err(|err| anyhow::format_err!("--smtp-from {:?}: {err}", config.smtp_from))?;
        Ok(Self { transport: Some(transport), from: Some(from) })
    }

    /// Whether e-mail can be sent at all (`--smtp-url` is set).
    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    /// One attempt of delivery `row`.
    pub async fn send(&self, row: &DeliveryRow) -> Outcome {
        let (Some(transport), Some(from)) = (&self.transport, &self.from) else {
            return Outcome::Final("no --smtp-url is configured".into());
        };
        let mail: Mail = match serde_json::from_str(&row.body) {
            Ok(mail) => mail,
            Err(err) => return Outcome::Final(format!("unreadable e-mail: {err}")),
        };
        let email = match build(&mail, from, &row.id) {
            Ok(email) => email,
            Err(err) => return Outcome::Final(err),
        };
        match transport.send(email).await {
            Ok(_) => Outcome::Delivered,
            Err(err) if err.is_permanent() => Outcome::Final(format!("SMTP refused: {err}")),
            Err(err) => Outcome::Retry(format!("SMTP: {err}")),
        }
    }
}

/// The message of `mail` from `from`, with the `Message-ID` of delivery `id`.
fn build(mail: &Mail, from: &Mailbox, id: &str) -> Result<Email, String> {
    let domain = from.email.domain();
    let mut builder = Email::builder()
        .from(from.clone())
        .subject(one_line(&mail.subject))
        .message_id(Some(format!("<{id}@{domain}>")));
    for to in &mail.to {
        let to = to.parse().map_err(|err| format!("recipient {to:?}: {err}"))?;
        builder = builder.to(Mailbox::new(None, to));
    }
    if let Some(reply_to) = &mail.reply_to {
        let address = reply_to.parse().map_err(|err| format!("reply-to {reply_to:?}: {err}"))?;
        builder = builder.reply_to(Mailbox::new(None, address));
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.text.clone()),
                )
                .singlepart(
                    SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.html.clone()),
                ),
        )
        .map_err(|err| format!("cannot build the e-mail: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_one_line() {
        assert_eq!(one_line("Hi\r\nBcc: evil@example.com"), "Hi  Bcc: evil@example.com");
        assert_eq!(one_line(" tab\there\u{7f} "), "tab here");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(masked_url("smtps://user:secret@host:465"), "smtps://user:***@host:465");
        assert_eq!(masked_url("smtp://relay:25"), "smtp://relay:25");
    }

    #[test]
    fn offline_subject_names_the_visitor_and_the_start_of_the_message() {
        let mail = offline(
            vec!["desk@example.com".into()],
            "Ann\r\nBcc: x@example.com",
            "ann@example.com",
            "Please call me back tomorrow",
        );
        assert_eq!(
            mail.subject,
            "Livechat offline message from Ann  Bcc: x@example.com: Please call me back"
        );
        assert_eq!(mail.reply_to.as_deref(), Some("ann@example.com"));
    }
}
