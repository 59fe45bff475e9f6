//! The livechat's agents and managers: `livechat/users/{type}`, where `type` is `agent` or
//! `manager` (SPEC section 12).

pub mod add;
pub mod get;
pub mod list;
pub mod remove;

/// `agent`: users holding `livechat-agent`.
pub const AGENT: &str = "agent";
/// `manager`: users holding `livechat-manager`.
pub const MANAGER: &str = "manager";
