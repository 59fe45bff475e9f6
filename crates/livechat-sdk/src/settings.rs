//! The admin side: read and change the settings (SPEC section 15).

use livechat_types::setting::{get, list, set, SettingValue};

use crate::agent::AgentSession;
use crate::error::Error;

impl AgentSession {
    /// The value of setting `id`. Errors: `error-invalid-setting` for an id the server does
    /// not know or not honour yet ([`crate::ErrorCode::InvalidSetting`]), 403
    /// [`crate::ErrorCode::Unauthorized`] when this user is not an admin.
    /// `GET /api/v1/settings/{_id}`
    pub async fn get_setting(&self, id: impl Into<String>) -> Result<SettingValue, Error> {
        let res = self.client().call_as(&get::Request::new(id), self.auth()).await?;
        Ok(res.value)
    }

    /// A page of every setting the server offers, with its value (admins; 403
    /// [`crate::ErrorCode::Unauthorized`] otherwise). `GET /api/v1/settings`
    pub async fn settings(&self, req: &list::Request) -> Result<list::Response, Error> {
        self.client().call_as(req, self.auth()).await
    }

    /// Changes setting `id`; every server instance follows within a second. Errors as
    /// [`AgentSession::get_setting`], plus [`crate::ErrorCode::InvalidParams`] for a value of
    /// the wrong type. `POST /api/v1/settings/{_id}`
    pub async fn set_setting(
        &self,
        id: impl Into<String>,
        value: impl Into<SettingValue>,
    ) -> Result<(), Error> {
        self.client().call_as(&set::Request::new(id, value), self.auth()).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use livechat_types::agent::login;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    use super::*;
    use crate::{Client, ErrorCode};

    /// A server that answers each connection with the next of `replies` (status, JSON body)
    /// and hands back the requests it read, head and body.
    async fn server(
        replies: Vec<(u16, &'static str)>,
    ) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let handle = tokio::spawn(async move {
            let mut seen = Vec::new();
            for (status, body) in replies {
                let (mut socket, _) = listener.accept().await.expect("accept");
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // The head, then as many body bytes as it announces.
                loop {
                    let read = socket.read(&mut buffer).await.expect("read");
                    request.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|line| {
                                let (name, value) = line.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if rest.len() >= length || read == 0 {
                            break;
                        }
                    }
                    if read == 0 {
                        break;
                    }
                }
                seen.push(String::from_utf8_lossy(&request).to_string());
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                socket.write_all(reply.as_bytes()).await.expect("write");
            }
            seen
        });
        (base, handle)
    }

    fn session(base: &str) -> AgentSession {
        let credentials = login::Credentials {
            user_id: "admin-id".into(),
            auth_token: "admin-token".into(),
            token_expires: None,
            me: login::Me {
                id: "admin-id".into(),
                username: "root".into(),
                name: "Root".into(),
                roles: vec!["admin".into()],
                status_livechat: "not-available".into(),
            },
        };
        AgentSession::new(Client::new(base).expect("client"), credentials)
    }

    #[tokio::test]
    async fn settings_are_read_and_written_with_the_admins_credentials() {
        let (base, requests) = server(vec![
            (200, r#"{"_id":"Livechat_enabled","value":false,"success":true}"#),
            (200, r#"{"success":true}"#),
            (200, r#"{"settings":[{"_id":"Livechat_title","value":"Help"}],"count":1,"offset":2,"total":3,"success":true}"#),
        ])
        .await;
        let admin = session(&base);

        assert_eq!(
            admin.get_setting("Livechat_enabled").await.ok(),
            Some(SettingValue::Bool(false))
        );
        admin.set_setting("Livechat_title", "Help").await.expect("set");
        let query = list::Request { count: Some(1), offset: Some(2) };
        let page = admin.settings(&query).await.expect("list");
        assert_eq!((page.settings[0].value.clone(), page.total), (SettingValue::from("Help"), 3));

        let requests = requests.await.expect("server");
        assert!(
            requests[0].starts_with("GET /api/v1/settings/Livechat_enabled "),
            "{}",
            requests[0]
        );
        assert!(
            requests[1].starts_with("POST /api/v1/settings/Livechat_title "),
            "{}",
            requests[1]
        );
        assert!(requests[1].ends_with(r#"{"value":"Help"}"#), "{}", requests[1]);
        assert!(
            requests[2].starts_with("GET /api/v1/settings?count=1&offset=2 "),
            "{}",
            requests[2]
        );
        for request in &requests {
            let lower = request.to_ascii_lowercase();
            assert!(lower.contains("x-user-id: admin-id"), "{request}");
            assert!(lower.contains("x-auth-token: admin-token"), "{request}");
        }
    }

    #[tokio::test]
    async fn refusals_are_typed() {
        let (base, _requests) = server(vec![
            (400, r#"{"success":false,"error":"error-invalid-setting"}"#),
            (403, r#"{"success":false,"error":"unauthorized"}"#),
        ])
        .await;
        let admin = session(&base);

        let unknown = admin.get_setting("No_such_setting").await.expect_err("unknown");
        assert_eq!(unknown.code(), Some(&ErrorCode::InvalidSetting));
        assert_eq!(unknown.status(), Some(400));
        let refused = admin.set_setting("Livechat_enabled", false).await.expect_err("agent");
        assert_eq!(refused.code(), Some(&ErrorCode::Unauthorized));
        assert_eq!(refused.status(), Some(403));
    }
}
