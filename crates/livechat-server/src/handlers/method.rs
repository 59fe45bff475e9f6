//! Rocket.Chat's method bridge (`method.call/:method`, `method.callAnon/:method`): the
//! livechat methods its clients still call over REST, `livechat:saveDepartment`,
//! `livechat:saveTrigger` and `livechat:returnAsInquiry`. The call arrives as EJSON text in `message`; the outcome goes back
//! the same way, a failure of the method as a Meteor error inside a 200 reply, as Rocket.Chat
//! answers. Any other method is 404.

use actix_web::{web, HttpRequest};
use livechat_types::department::{AgentIn, DepartmentIn};
use livechat_types::method::{call, call_anon, MethodCall, MethodError, MethodResult, Response};
use livechat_types::{trigger, ErrorCode};
use serde_json::Value;

use super::{ok, Reply};
use crate::auth::Authed;
use crate::db::users::UserRow;
use crate::error::ApiError;
use crate::extract::{path_param, Body};
use crate::AppState;

/// The methods the bridge serves.
const METHODS: &[&str] =
    &["livechat:saveDepartment", "livechat:saveTrigger", "livechat:returnAsInquiry"];

/// `POST /api/v1/method.call/{method}`
pub async fn call(
    state: web::Data<AppState>,
    http: HttpRequest,
    Authed(user, Body(req)): Authed<Body<call::Request>>,
) -> Reply<Response> {
    run(&state, &http, Some(user), &req.message).await
}

/// `POST /api/v1/method.callAnon/{method}`: the same methods without a user, so they fail
/// with `error-not-allowed` inside the reply.
pub async fn call_anon(
    state: web::Data<AppState>,
    http: HttpRequest,
    Body(req): Body<call_anon::Request>,
) -> Reply<Response> {
    run(&state, &http, None, &req.message).await
}

async fn run(
    state: &AppState,
    http: &HttpRequest,
    user: Option<UserRow>,
    message: &str,
) -> Reply<Response> {
    let method = path_param(http, "method")?;
    if !METHODS.contains(&method.as_str()) {
        return Err(ErrorCode::NotFound.into());
    }
    let call: MethodCall = serde_json::from_str(message)
        .map_err(|_| ApiError::Params("'message' must be a method call in EJSON".into()))?;
    if call.msg != "method" || call.method != method {
        return Err(ApiError::Params("'message' must call the method the path names".into()));
    }
    let outcome = match user {
        Some(user) => invoke(state, &user, &call).await,
        None => Err(ApiError::Client(ErrorCode::Unknown("error-not-allowed".into()))),
    };
    let result = match outcome {
        Ok(result) => {
            MethodResult { msg: "result".into(), id: call.id, result: Some(result), error: None }
        }
        // The server's own failures stay the envelope's (500, 503): only the client's go inside.
        Err(
            err @ (ApiError::Internal(_) | ApiError::Unavailable(_) | ApiError::RateLimited { .. }),
        ) => return Err(err),
        Err(err) => MethodResult {
            msg: "result".into(),
            id: call.id,
            result: None,
            error: Some(meteor_error(&err)),
        },
    };
    let message = serde_json::to_string(&result).map_err(anyhow::Error::from)?;
    ok(Response { message })
}

/// A client error as Meteor carries it.
fn meteor_error(err: &ApiError) -> MethodError {
    let code = err.code().to_string();
    let reason = match err {
        ApiError::Described(reason, _) | ApiError::Params(reason) => reason.clone(),
        ApiError::Client(ErrorCode::Unknown(code)) if code == "error-not-allowed" => {
            "Not allowed".into()
        }
        _ => code.clone(),
    };
    MethodError {
        is_client_safe: true,
        message: format!("{reason} [{code}]"),
        error: code,
        reason,
        error_type: "Meteor.Error".into(),
    }
}

/// Runs `call` for `user`.
async fn invoke(state: &AppState, user: &UserRow, call: &MethodCall) -> Result<Value, ApiError> {
    let arg = |index: usize| call.params.get(index).cloned().unwrap_or(Value::Null);
    let not_allowed = || ApiError::Client(ErrorCode::Unknown("error-not-allowed".into()));
    match call.method.as_str() {
        // (_id or null, departmentData, departmentAgents?)
        "livechat:saveDepartment" => {
            if !state.allows(user, "manage-livechat-departments").await? {
                return Err(not_allowed());
            }
            let id = match arg(0) {
                Value::Null => None,
                Value::String(id) if !id.is_empty() => Some(id),
                _ => {
                    return Err(ApiError::Params(
                        "the first parameter must be an id or null".into(),
                    ))
                }
            };
            let input: DepartmentIn = serde_json::from_value(arg(1))
                .map_err(|err| ApiError::Params(format!("departmentData: {err}")))?;
            let agents: Vec<AgentIn> = match arg(2) {
                Value::Null => Vec::new(),
                agents => serde_json::from_value(agents)
                    .map_err(|err| ApiError::Params(format!("departmentAgents: {err}")))?,
            };
            super::department::check_agents(&agents)?;
            let saved = super::department::save(state, id, input, agents).await?;
            Ok(serde_json::to_value(&saved.0.data.department).map_err(anyhow::Error::from)?)
        }
        // (trigger)
        "livechat:saveTrigger" => {
            if !state.allows(user, "view-livechat-manager").await? {
                return Err(not_allowed());
            }
            let req: trigger::save::Request = serde_json::from_value(arg(0))
                .map_err(|err| ApiError::Params(format!("trigger: {err}")))?;
            super::trigger::store(state, req).await?;
            Ok(Value::Bool(true))
        }
        // (rid, departmentId?)
        "livechat:returnAsInquiry" => {
            if !state.allows(user, crate::permissions::VIEW_L_ROOM).await? {
                return Err(not_allowed());
            }
            let Value::String(rid) = arg(0) else {
                return Err(ApiError::Params("the first parameter must be a room id".into()));
            };
            let department = match arg(1) {
                Value::Null => None,
                Value::String(id) if id.is_empty() => None,
                Value::String(id) => Some(id),
                _ => {
                    return Err(ApiError::Params(
                        "the second parameter must be a department id or null".into(),
                    ))
                }
            };
            super::transfer::return_as_inquiry(state, user, rid, department).await?;
            Ok(Value::Bool(true))
        }
        _ => Err(ErrorCode::NotFound.into()),
    }
}
