//! After the chat (SPEC sections 17 and 18): the visitor's transcript, rating and call
//! status, and the managers' webhook test.

use std::collections::BTreeMap;

use livechat_types::room::{survey, transcript};
use livechat_types::visitor::call_status;
use livechat_types::webhook::test_hook;

use crate::agent::AgentSession;
use crate::error::Error;
use crate::visitor::Visitor;

impl Visitor {
    /// Has the room's conversation mailed to `email` (with `subject`, or the server's), once
    /// the server is set up for it. Errors: `error-transcript-disabled`, `error-invalid-email`,
    /// `error-transcript-limit` (three per room), `error-invalid-room`.
    /// `POST /api/v1/livechat/transcript`
    pub async fn request_transcript(
        &self,
        email: impl Into<String>,
        subject: Option<String>,
    ) -> Result<(), Error> {
        let mut req = transcript::Request::new(self.token().clone(), self.room_id().await?, email);
        req.subject = subject;
        self.client().call_as(&req, None).await.map(drop)
    }

    /// Rates the chat: `answers` are survey items (config `survey`) and their values, or
    /// `additionalFeedback` and a text. Returns what the server kept (unknown items are
    /// dropped; none kept is `invalid-data`). `POST /api/v1/livechat/room.survey`
    pub async fn rate(
        &self,
        answers: impl IntoIterator<Item = (String, String)>,
    ) -> Result<BTreeMap<String, String>, Error> {
        let data =
            answers.into_iter().map(|(name, value)| survey::Answer { name, value }).collect();
        let req =
            survey::Request { token: self.token().clone(), room_id: self.room_id().await?, data };
        Ok(self.client().call_as(&req, None).await?.data)
    }

    /// Stores the status of call `call_id` on the visitor's room.
    /// `POST /api/v1/livechat/visitor.callStatus`
    pub async fn set_call_status(
        &self,
        call_id: impl Into<String>,
        status: impl Into<String>,
    ) -> Result<String, Error> {
        let req = call_status::Request {
            token: self.token().clone(),
            call_status: status.into(),
            room_id: self.room_id().await?,
            call_id: call_id.into(),
        };
        Ok(self.client().call_as(&req, None).await?.call_status)
    }
}

impl AgentSession {
    /// Sends a sample `LivechatSession` to the configured webhook URL now (managers).
    /// Errors: `Webhook_URL_not_set`, `error-invalid-webhook-response` (no 2xx).
    /// `POST /api/v1/livechat/webhook.test`
    pub async fn test_webhook(&self) -> Result<(), Error> {
        self.client().call_as(&test_hook::Request {}, self.auth()).await.map(drop)
    }
}
