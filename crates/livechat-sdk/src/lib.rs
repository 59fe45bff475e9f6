#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod admin;
mod after_chat;
mod agent;
mod canned;
mod client;
mod department;
mod error;
mod files;
mod queue_events;
mod realtime;
mod rooms;
mod settings;
mod visitor;
pub mod webhook;
mod workflow;

pub use agent::AgentSession;
/// The pieces of uploads and downloads.
pub use bytes::Bytes;
pub use client::{Client, ClientBuilder, RetryPolicy};
pub use error::{BuildError, Error};
pub use files::{file_link, ByteRange, Download, DownloadAuth, Upload};
pub use livechat_types::{self as types, ErrorCode, MessageId, RoomId, Timestamp, VisitorToken};
pub use queue_events::QueueEvent;
pub use realtime::{RoomEvent, Subscriber};
pub use visitor::Visitor;
