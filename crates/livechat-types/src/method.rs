//! Rocket.Chat's method bridge: `POST method.call/:method` (with credentials) and
//! `POST method.callAnon/:method` run a Meteor method over REST. The call and its outcome
//! travel as EJSON text inside the JSON body, as Rocket.Chat's clients send and read them.

pub mod call;
pub mod call_anon;

use serde::{Deserialize, Serialize};

/// The call inside `message`: `{"msg":"method","id":"1","method":"...","params":[...]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodCall {
    /// Always `method`.
    pub msg: String,
    /// The caller's id for the call, echoed in the result.
    pub id: String,
    /// The method's name.
    pub method: String,
    /// Its arguments.
    #[serde(default)]
    pub params: Vec<serde_json::Value>,
}

/// The outcome inside the reply's `message`: `{"msg":"result","id":"1","result":...}` or
/// `{"msg":"result","id":"1","error":{...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    /// Always `result`.
    pub msg: String,
    /// The call's id.
    pub id: String,
    /// What the method returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// Why it failed, as a Meteor error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<MethodError>,
}

/// A Meteor error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodError {
    /// Always true: the text is meant for the client.
    #[serde(rename = "isClientSafe")]
    pub is_client_safe: bool,
    /// The error code (`error-not-allowed`, `invalid-params`, ...).
    pub error: String,
    /// A sentence.
    pub reason: String,
    /// `"<reason> [<code>]"`.
    pub message: String,
    /// Always `Meteor.Error`.
    #[serde(rename = "errorType")]
    pub error_type: String,
}

/// The reply of a bridge call (also when the method failed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The outcome, as EJSON text ([`MethodResult`]).
    pub message: String,
}
