//! Request bodies on their way in, before tonic buffers them.
//!
//! A gRPC message is framed as a flag byte, its length (4 bytes, big
//! endian), then the message. [`Intake`] reads each frame's header as the
//! body streams in and, before the message itself is buffered:
//! - refuses a message longer than `--max-message-bytes` with
//!   RESOURCE_EXHAUSTED (tonic would say OUT_OF_RANGE);
//! - reserves its length from the server's budget of request bytes in
//!   flight (`--max-inflight-bytes`), refusing it with RESOURCE_EXHAUSTED
//!   and a retry hint when the budget is spent; the call's job then holds
//!   the reservation ([`Reserved`]) until it returns;
//! - reports a body that ends inside a frame as INVALID_ARGUMENT (tonic
//!   would say INTERNAL).
//!
//! It also notes when each request arrived ([`Arrived`]): the gRPC deadline
//! counts from then, as the transport's own timer does.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

use hyper::body::Frame;
use tonic::body::Body;
use tonic::codegen::{http, Body as HttpBody, Bytes, Service};
use tonic::server::NamedService;
use tonic::Status;

use super::calls::{Calls, Reservation};

/// Wraps a gRPC service so that its request bodies go through the intake.
#[derive(Debug, Clone)]
pub(super) struct Intake<S> {
    inner: S,
    calls: Arc<Calls>,
    max_message: usize,
}

impl<S> Intake<S> {
    /// `inner` behind the intake, with messages of at most `max_message`
    /// bytes, reserved from `calls`' budget.
    pub(super) fn new(inner: S, calls: Arc<Calls>, max_message: usize) -> Self {
        Intake {
            inner,
            calls,
            max_message,
        }
    }
}

impl<S: NamedService> NamedService for Intake<S> {
    const NAME: &'static str = S::NAME;
}

/// When a request reached the server (its gRPC deadline counts from then).
#[derive(Debug, Clone, Copy)]
pub(super) struct Arrived(pub(super) std::time::Instant);

/// The bytes a request's messages reserved, in the request's extensions:
/// the handler takes them for its job.
#[derive(Debug, Clone, Default)]
pub(super) struct Reserved(Arc<Mutex<Option<Reservation>>>);

impl Reserved {
    /// Takes the reservation (once).
    pub(super) fn take(&self) -> Option<Reservation> {
        self.0.lock().ok()?.take()
    }

    fn add(&self, r: Reservation) {
        if let Ok(mut slot) = self.0.lock() {
            match slot.as_mut() {
                Some(held) => held.absorb(r),
                None => *slot = Some(r),
            }
        }
    }
}

impl<S> Service<http::Request<Body>> for Intake<S>
where
    S: Service<http::Request<Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let reserved = Reserved::default();
        parts.extensions.insert(reserved.clone());
        parts.extensions.insert(Arrived(std::time::Instant::now()));
        let body = Body::new(Framed {
            inner: body,
            frames: Frames::default(),
            calls: self.calls.clone(),
            max_message: self.max_message,
            reserved,
        });
        self.inner.call(http::Request::from_parts(parts, body))
    }
}

/// Where a body is in its frames.
#[derive(Debug, Default)]
struct Frames {
    /// Header bytes read of the current frame (0..5).
    header: [u8; 5],
    have: usize,
    /// Message bytes still to come in the current frame.
    left: u64,
    /// Declared length of the current frame.
    length: u64,
}

impl Frames {
    /// Reads `data`, calling `on_header` with each frame's declared length.
    fn feed(
        &mut self,
        mut data: &[u8],
        mut on_header: impl FnMut(u64) -> Result<(), Status>,
    ) -> Result<(), Status> {
        while !data.is_empty() {
            if self.left > 0 {
                let n = self.left.min(data.len() as u64);
                self.left -= n;
                data = &data[n as usize..];
                continue;
            }
            let n = (5 - self.have).min(data.len());
            self.header[self.have..self.have + n].copy_from_slice(&data[..n]);
            self.have += n;
            data = &data[n..];
            if self.have == 5 {
                let len = u32::from_be_bytes([
                    self.header[1],
                    self.header[2],
                    self.header[3],
                    self.header[4],
                ]);
                self.have = 0;
                self.length = u64::from(len);
                self.left = self.length;
                on_header(self.length)?;
            }
        }
        Ok(())
    }

    /// An error if the body ended inside a frame.
    fn finish(&self) -> Result<(), Status> {
        if self.have > 0 {
            return Err(Status::invalid_argument(format!(
                "the request body ends inside a gRPC frame header ({} of 5 bytes)",
                self.have
            )));
        }
        if self.left > 0 {
            return Err(Status::invalid_argument(format!(
                "the request body ends {} bytes into a message of {} bytes",
                self.length - self.left,
                self.length
            )));
        }
        Ok(())
    }
}

/// A request body read through [`Frames`].
struct Framed {
    inner: Body,
    frames: Frames,
    calls: Arc<Calls>,
    max_message: usize,
    reserved: Reserved,
}

impl Framed {
    fn on_header(&self, len: u64) -> Result<(), Status> {
        if len > self.max_message as u64 {
            return Err(Status::resource_exhausted(format!(
                "the request message has {len} bytes, more than the server's limit of {} \
                 (--max-message-bytes)",
                self.max_message
            )));
        }
        self.reserved.add(self.calls.reserve(len as usize)?);
        Ok(())
    }
}

impl HttpBody for Framed {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.get_mut();
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        Poll::Ready(match frame {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let mut frames = std::mem::take(&mut this.frames);
                    let fed = frames.feed(data, |len| this.on_header(len));
                    this.frames = frames;
                    if let Err(status) = fed {
                        return Poll::Ready(Some(Err(status)));
                    }
                }
                Some(Ok(frame))
            }
            Some(Err(status)) => Some(Err(status)),
            None => this.frames.finish().err().map(Err),
        })
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(len: u32) -> Vec<u8> {
        let mut f = vec![0];
        f.extend_from_slice(&len.to_be_bytes());
        f.extend(std::iter::repeat_n(7u8, len as usize));
        f
    }

    /// The declared lengths seen when `body` arrives in chunks of `chunk`.
    fn lengths(body: &[u8], chunk: usize) -> (Vec<u64>, Result<(), Status>) {
        let mut frames = Frames::default();
        let mut seen = Vec::new();
        for c in body.chunks(chunk) {
            frames
                .feed(c, |len| {
                    seen.push(len);
                    Ok(())
                })
                .unwrap();
        }
        (seen, frames.finish())
    }

    #[test]
    fn headers_are_found_in_any_chunking() {
        let mut body = frame(3);
        body.extend(frame(0));
        body.extend(frame(300));
        for chunk in [1, 2, 4, 5, 6, 64, 1000] {
            let (seen, end) = lengths(&body, chunk);
            assert_eq!(seen, vec![3, 0, 300], "chunks of {chunk}");
            assert!(end.is_ok());
        }
    }

    #[test]
    fn a_body_cut_inside_a_frame_is_the_callers_error() {
        let body = frame(10);
        let (_, end) = lengths(&body[..9], 4);
        let e = end.unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
        assert!(
            e.message().contains("4 bytes into a message of 10"),
            "{e:?}"
        );
        let (_, end) = lengths(&body[..3], 1);
        assert_eq!(end.unwrap_err().code(), tonic::Code::InvalidArgument);
    }
}
