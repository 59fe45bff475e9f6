//! What the widget reports besides messages: offline messages, page views, visitor status
//! and custom fields.

pub mod custom_field;
pub mod offline_message;
pub mod offline_messages;
pub mod page_visited;
pub mod visitor_status;
