//! The client: one method per endpoint.

use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt as _, TryStreamExt as _};
use livechat_types::message::{delete, get, history, send, update, Message};
use livechat_types::room::{close, config, open};
use livechat_types::visitor::{delete as remove_visitor, get as get_visitor, register};
use livechat_types::{
    Endpoint, ErrorBody, MessageId, Method, RoomId, Success, Timestamp, VisitorToken,
};
use rand::Rng as _;

use crate::error::{BuildError, Error};
use crate::visitor::Visitor;

/// How `send_message` retries after a transport error, a 503 or a 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: u32,
    /// Wait before the first retry; doubled each time.
    pub initial_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(16));
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

impl Default for RetryPolicy {
    /// Four retries, from 100 ms up to 2 s apart.
    fn default() -> Self {
        Self {
            max_retries: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// Configures a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    user_agent: String,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    transfer_timeout: Duration,
}

impl ClientBuilder {
    /// Timeout of one HTTP request (default 30 s). Ignored with [`Self::http_client`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `User-Agent` header (default `livechat-sdk/<version>`). Ignored with
    /// [`Self::http_client`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses this `reqwest::Client` (proxies, TLS roots, connection pools of your own).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Timeout of one whole file upload or download (default 1 hour), in place of
    /// [`Self::timeout`], which would cut large files short. Also applies with
    /// [`Self::http_client`].
    pub fn transfer_timeout(mut self, timeout: Duration) -> Self {
        self.transfer_timeout = timeout;
        self
    }

    /// How sends are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let base = self.base_url.trim_end_matches('/').to_owned();
        let valid = ["http://", "https://"]
            .iter()
            .any(|scheme| base.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty()));
        if !valid {
            return Err(BuildError::InvalidUrl(self.base_url));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .user_agent(self.user_agent)
                .build()?,
        };
        Ok(Client { http, base, retry: self.retry, transfer_timeout: self.transfer_timeout })
    }
}

/// A client of the livechat API. Cheap to clone; clones share one connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    retry: RetryPolicy,
    transfer_timeout: Duration,
}

impl Client {
    /// Starts configuring a client for the server at `base_url` (`http://127.0.0.1:3000`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            timeout: Duration::from_secs(30),
            user_agent: concat!("livechat-sdk/", env!("CARGO_PKG_VERSION")).to_owned(),
            http: None,
            retry: RetryPolicy::default(),
            transfer_timeout: Duration::from_secs(3600),
        }
    }

    /// A client with the default settings.
    pub fn new(base_url: impl Into<String>) -> Result<Self, BuildError> {
        Self::builder(base_url).build()
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends one request and decodes the reply.
    async fn call<E: Endpoint>(&self, req: &E) -> Result<E::Response, Error> {
        self.call_as(req, None).await
    }

    /// Sends one request, with agent credentials when given, and decodes the reply.
    pub(crate) async fn call_as<E: Endpoint>(
        &self,
        req: &E,
        credentials: Option<(&str, &str)>,
    ) -> Result<E::Response, Error> {
        let url = format!("{}{}", self.base, req.path());
        let mut builder = match E::METHOD {
            Method::Get => self.http.get(url).query(req),
            Method::Post => self.http.post(url).json(req),
            Method::Put => self.http.put(url).json(req),
            Method::Delete => self.http.delete(url).json(req),
        };
        if let Some((user_id, auth_token)) = credentials {
            builder = builder.header("X-User-Id", user_id).header("X-Auth-Token", auth_token);
        }
        decode(builder.send().await?).await
    }

    /// The underlying HTTP client (uploads and downloads build their own requests).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The URL of `path` on the server (`/file-upload/...`); absolute URLs are kept.
    pub(crate) fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}/{}", self.base, path.trim_start_matches('/'))
        }
    }

    /// The timeout of one whole upload or download.
    pub(crate) fn transfer_timeout(&self) -> Duration {
        self.transfer_timeout
    }

    /// Registers a visitor, or updates the one with this token.
    /// `POST /api/v1/livechat/visitor`
    pub async fn register_visitor(
        &self,
        req: &register::Request,
    ) -> Result<register::Response, Error> {
        self.call(req).await
    }

    /// The visitor with this token. `GET /api/v1/livechat/visitor/{token}`
    pub async fn get_visitor(
        &self,
        req: &get_visitor::Request,
    ) -> Result<get_visitor::Response, Error> {
        self.call(req).await
    }

    /// Removes a visitor without open rooms, with its rooms and messages.
    /// `DELETE /api/v1/livechat/visitor/{token}`
    pub async fn delete_visitor(
        &self,
        req: &remove_visitor::Request,
    ) -> Result<remove_visitor::Response, Error> {
        self.call(req).await
    }

    /// The visitor's open room, opened when it has none. `GET /api/v1/livechat/room`
    pub async fn open_room(&self, req: &open::Request) -> Result<open::Response, Error> {
        self.call(req).await
    }

    /// Closes the visitor's room. `POST /api/v1/livechat/room.close`
    pub async fn close_room(&self, req: &close::Request) -> Result<close::Response, Error> {
        self.call(req).await
    }

    /// The widget configuration. `GET /api/v1/livechat/config`
    pub async fn config(&self, req: &config::Request) -> Result<config::Response, Error> {
        self.call(req).await
    }

    /// Sends a message, retry-safe: a client `_id` is generated when the request has none,
    /// and transport errors, 503 and 429 (after its `Retry-After`) are retried with that same `_id` as the client's
    /// [`RetryPolicy`] says. `POST /api/v1/livechat/message`
    pub async fn send_message(&self, req: &send::Request) -> Result<send::Response, Error> {
        let mut req = req.clone();
        req.id.get_or_insert_with(new_message_id);
        self.with_retries(|| self.call(&req)).await
    }

    /// Runs `attempt` again after retryable failures, as the [`RetryPolicy`] says. Only for
    /// requests that are safe to repeat (sends carry a client `_id`).
    pub(crate) async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let mut retries = 0;
        loop {
            match attempt().await {
                Err(err) if err.is_retryable() && retries < self.retry.max_retries => {
                    // A rate-limited client waits as long as the server asks (up to a minute).
                    let asked = err.retry_after().unwrap_or_default().min(Duration::from_secs(60));
                    tokio::time::sleep(self.retry.backoff(retries).max(asked)).await;
                    retries += 1;
                }
                result => return result,
            }
        }
    }

    /// One message of the visitor's room. `GET /api/v1/livechat/message/{id}`
    pub async fn get_message(&self, req: &get::Request) -> Result<get::Response, Error> {
        self.call(req).await
    }

    /// Edits a message the visitor sent. `PUT /api/v1/livechat/message/{id}`
    pub async fn update_message(&self, req: &update::Request) -> Result<update::Response, Error> {
        self.call(req).await
    }

    /// Deletes a message the visitor sent. `DELETE /api/v1/livechat/message/{id}`
    pub async fn delete_message(&self, req: &delete::Request) -> Result<delete::Response, Error> {
        self.call(req).await
    }

    /// One page of a room's messages, newest first.
    /// `GET /api/v1/livechat/messages.history/{rid}`
    pub async fn message_history(
        &self,
        req: &history::Request,
    ) -> Result<history::Response, Error> {
        self.call(req).await
    }

    /// Every message of a room, newest first, fetched in pages of `page_size` (at most 100)
    /// that continue with `end` = the oldest `ts` so far, so each message comes exactly once.
    pub fn history_stream(
        &self,
        room_id: RoomId,
        token: VisitorToken,
        page_size: i64,
    ) -> impl Stream<Item = Result<Message, Error>> + Send + 'static {
        self.pages(room_id, Some(token), None, page_size)
    }

    /// History pages for a visitor (`token`) or an agent (`credentials`).
    pub(crate) fn pages(
        &self,
        room_id: RoomId,
        token: Option<VisitorToken>,
        credentials: Option<(String, String)>,
        page_size: i64,
    ) -> impl Stream<Item = Result<Message, Error>> + Send + 'static {
        let client = self.clone();
        let page_size = page_size.clamp(1, 100);
        let start: Option<Option<Timestamp>> = Some(None);
        stream::try_unfold(start, move |cursor| {
            let client = client.clone();
            let room_id = room_id.clone();
            let token = token.clone();
            let credentials = credentials.clone();
            async move {
                let Some(end) = cursor else { return Ok::<_, Error>(None) };
                let req = history::Request {
                    token,
                    limit: Some(page_size),
                    end,
                    ..history::Request::for_agent(room_id)
                };
                let credentials =
                    credentials.as_ref().map(|(user, token)| (user.as_str(), token.as_str()));
                let page = client.call_as(&req, credentials).await?.messages;
                let next = match page.last() {
                    Some(oldest) if page.len() as i64 == page_size => Some(Some(oldest.ts)),
                    _ => None,
                };
                Ok(Some((stream::iter(page.into_iter().map(Ok::<_, Error>)), next)))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// Registers a visitor with this token and returns a handle that remembers it.
    pub async fn register(&self, token: VisitorToken) -> Result<Visitor, Error> {
        self.register_with(register::Request::new(token)).await
    }

    /// Registers a visitor with these details and returns a handle that remembers it.
    pub async fn register_with(&self, req: register::Request) -> Result<Visitor, Error> {
        let res = self.register_visitor(&req).await?;
        Ok(Visitor::new(self.clone(), res.visitor))
    }
}

/// The payload of a JSON reply, or the error it carries.
pub(crate) async fn decode<T: serde::de::DeserializeOwned>(
    res: reqwest::Response,
) -> Result<T, Error> {
    let status = res.status().as_u16();
    let retry_after = retry_after(&res);
    let bytes = res.bytes().await?;
    if (200..300).contains(&status) {
        if let Ok(Success { data, .. }) = serde_json::from_slice::<Success<T>>(&bytes) {
            return Ok(data);
        }
    }
    Err(api_error(status, retry_after, &bytes))
}

/// The `Retry-After` of a reply, in seconds.
pub(crate) fn retry_after(res: &reqwest::Response) -> Option<Duration> {
    res.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The error a reply with this status and body stands for: [`Error::Api`] for the API's
/// envelope, else [`Error::UnexpectedBody`].
pub(crate) fn api_error(status: u16, retry_after: Option<Duration>, bytes: &[u8]) -> Error {
    if !(200..300).contains(&status) {
        if let Ok(body) = serde_json::from_slice::<ErrorBody>(bytes) {
            let (code, message) = (body.code(), body.error);
            return Error::Api { status, code, message, retry_after };
        }
    }
    let mut body = String::from_utf8_lossy(bytes).into_owned();
    if body.len() > 1024 {
        let cut = (0..=1024).rev().find(|&i| body.is_char_boundary(i)).unwrap_or(0);
        body.truncate(cut);
    }
    Error::UnexpectedBody { status, body }
}

/// A fresh client-side message id (17 random alphanumerics).
pub fn new_message_id() -> MessageId {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    MessageId((0..17).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_must_be_http() {
        assert!(Client::new("http://127.0.0.1:3000/").is_ok());
        assert!(Client::new("https://chat.example.com").is_ok());
        assert!(matches!(Client::new("127.0.0.1:3000"), Err(BuildError::InvalidUrl(_))));
        assert!(matches!(Client::new("http://"), Err(BuildError::InvalidUrl(_))));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(0), Duration::from_millis(100));
        assert_eq!(policy.backoff(1), Duration::from_millis(200));
        assert_eq!(policy.backoff(10), Duration::from_secs(2));
    }

    #[test]
    fn generated_ids_are_valid_client_ids() {
        let id = new_message_id();
        assert_eq!(id.as_str().len(), 17);
        assert!(id.as_str().bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
