//! `GET /api/v1/livechat/department.listByIds?ids[]=a&ids[]=b`: the departments with these
//! ids (those in the caller's reach).

use serde::{Deserialize, Serialize};

use super::Department;
use crate::{Endpoint, Method};

/// Query of a departments-by-id request. The ids travel as `ids[]=a&ids[]=b`, as Rocket.Chat's
/// clients send them, or as `ids=a,b`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Department ids, separated by commas (or repeated as `ids[]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<String>,
}

/// Reply to a departments-by-id request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The departments found, by name.
    pub departments: Vec<Department>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/department.listByIds";
    type Response = Response;
}
