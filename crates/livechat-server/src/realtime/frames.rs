//! The client's WebSocket bytes, checked frame by frame before anything buffers them.
//!
//! The WebSocket codec underneath waits for a whole frame before it looks at the frame's
//! length, so a header declaring 2^40 bytes would have it buffer whatever follows. This
//! stream reads each frame header as it passes and ends the connection as soon as a header
//! declares more than the limit; the payload behind it is never held.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;

/// A frame header is at most 14 bytes: 2, an extended length of 8, a mask key of 4.
const MAX_HEADER: usize = 14;

/// Client bytes whose frames are at most `limit` bytes of payload each.
pub struct Bounded<S> {
    inner: S,
    limit: u64,
    /// The header being read, while `payload_left` is 0.
    header: [u8; MAX_HEADER],
    header_len: usize,
    /// Payload bytes of the current frame not yet passed.
    payload_left: u64,
    /// Set when a frame over the limit was announced.
    oversized: Arc<AtomicBool>,
    done: bool,
}

impl<S> Bounded<S> {
    /// Wraps `inner`; `oversized` is set when it ends the stream for a frame over `limit`.
    pub fn new(inner: S, limit: usize, oversized: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            limit: limit as u64,
            header: [0; MAX_HEADER],
            header_len: 0,
            payload_left: 0,
            oversized,
            done: false,
        }
    }

    /// Follows the frames in `chunk`; false when one announces more than the limit.
    fn check(&mut self, mut chunk: &[u8]) -> bool {
        while !chunk.is_empty() {
            if self.payload_left > 0 {
                let passed = self.payload_left.min(chunk.len() as u64);
                self.payload_left -= passed;
                chunk = &chunk[passed as usize..];
                continue;
            }
            let wanted = header_size(&self.header[..self.header_len]);
            let take = (wanted - self.header_len).min(chunk.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&chunk[..take]);
            self.header_len += take;
            chunk = &chunk[take..];
            if self.header_len < header_size(&self.header[..self.header_len]) {
                continue;
            }
            let length = payload_length(&self.header[..self.header_len]);
            if length > self.limit {
                return false;
            }
            self.payload_left = length;
            self.header_len = 0;
        }
        true
    }
}

/// How long the header starting with `start` is (2 until its second byte is known).
fn header_size(start: &[u8]) -> usize {
    let Some(second) = start.get(1) else { return 2 };
    let extended = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    2 + extended + mask
}

/// The payload length a complete header declares.
fn payload_length(header: &[u8]) -> u64 {
    match header[1] & 0x7f {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => header[2..10].iter().fold(0, |length, byte| (length << 8) | u64::from(*byte)),
        short => u64::from(short),
    }
}

impl<S> Stream for Bounded<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                if this.check(&bytes) {
                    Poll::Ready(Some(Ok(bytes)))
                } else {
                    this.done = true;
                    this.oversized.store(true, Ordering::Relaxed);
                    Poll::Ready(Some(Err(PayloadError::Overflow)))
                }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;

    use super::*;

    /// A masked client frame header declaring `length` bytes.
    fn header(length: u64) -> Vec<u8> {
        let mut out = vec![0x81];
        match length {
            0..=125 => out.push(0x80 | length as u8),
            126..=0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(length as u16).to_be_bytes());
            }
            _ => {
                out.push(0x80 | 127);
                out.extend_from_slice(&length.to_be_bytes());
            }
        }
        out.extend_from_slice(&[1, 2, 3, 4]);
        out
    }

    fn chunks(parts: Vec<Vec<u8>>) -> impl Stream<Item = Result<Bytes, PayloadError>> + Unpin {
        futures_util::stream::iter(parts.into_iter().map(|part| Ok(Bytes::from(part))))
    }

    #[actix_web::test]
    async fn frames_within_the_limit_pass_even_split_anywhere() {
        let mut bytes = header(5);
        bytes.extend_from_slice(b"hello");
        bytes.extend(header(300));
        bytes.extend(vec![7; 300]);
        // Every split point, byte by byte.
        let parts: Vec<Vec<u8>> = bytes.iter().map(|byte| vec![*byte]).collect();
        let flag = Arc::new(AtomicBool::new(false));
        let passed: Vec<_> = Bounded::new(chunks(parts), 300, flag.clone()).collect().await;
        assert!(passed.iter().all(Result::is_ok));
        assert_eq!(passed.len(), bytes.len());
        assert!(!flag.load(Ordering::Relaxed));
    }

    #[actix_web::test]
    async fn a_header_over_the_limit_ends_the_stream_before_its_payload() {
        let mut first = header(3);
        first.extend_from_slice(b"abc");
        let huge = header(1 << 40);
        let flag = Arc::new(AtomicBool::new(false));
        let parts = vec![first, huge, vec![0; 1024], vec![0; 1024]];
        let mut stream = Bounded::new(chunks(parts), 64 * 1024, flag.clone());
        assert!(matches!(stream.next().await, Some(Ok(_))));
        assert!(matches!(stream.next().await, Some(Err(PayloadError::Overflow))));
        assert!(stream.next().await.is_none(), "nothing after the oversized header");
        assert!(flag.load(Ordering::Relaxed));
        // The 16-bit length form too.
        let flag = Arc::new(AtomicBool::new(false));
        let mut stream = Bounded::new(chunks(vec![header(70_000)]), 64 * 1024, flag.clone());
        assert!(matches!(stream.next().await, Some(Err(PayloadError::Overflow))));
    }
}
