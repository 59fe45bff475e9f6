#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod admin;
mod agent;
mod client;
mod department;
mod error;
mod realtime;
mod rooms;
mod settings;
mod visitor;

pub use agent::AgentSession;
pub use client::{Client, ClientBuilder, RetryPolicy};
pub use error::{BuildError, Error};
pub use livechat_types::{self as types, ErrorCode, MessageId, RoomId, Timestamp, VisitorToken};
pub use realtime::{RoomEvent, Subscriber};
pub use visitor::Visitor;
