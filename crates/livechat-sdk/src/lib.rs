#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod admin;
mod agent;
mod canned;
mod client;
mod department;
mod error;
mod queue_events;
mod realtime;
mod rooms;
mod settings;
mod visitor;
mod workflow;

pub use agent::AgentSession;
pub use client::{Client, ClientBuilder, RetryPolicy};
pub use error::{BuildError, Error};
pub use livechat_types::{self as types, ErrorCode, MessageId, RoomId, Timestamp, VisitorToken};
pub use queue_events::QueueEvent;
pub use realtime::{RoomEvent, Subscriber};
pub use visitor::Visitor;
