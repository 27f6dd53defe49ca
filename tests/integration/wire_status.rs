//! The status of requests that never reach a handler, through a real
//! server: bodies that do not decode are the caller's error
//! (INVALID_ARGUMENT), messages over the size limit are RESOURCE_EXHAUSTED.

use mentormatch::ServerConfig;
use prost::Message;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::{Code, Status};

use crate::util::*;

/// Sends bytes as they are; reads replies as bytes.
#[derive(Default)]
struct Raw;

struct RawCoder;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCoder;
    type Decoder = RawCoder;
    fn encoder(&mut self) -> RawCoder {
        RawCoder
    }
    fn decoder(&mut self) -> RawCoder {
        RawCoder
    }
}

impl Encoder for RawCoder {
    type Item = Vec<u8>;
    type Error = Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

impl Decoder for RawCoder {
    type Item = Vec<u8>;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        use bytes::Buf;
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

/// Calls `Solve` with `body` as the message's bytes.
async fn solve_raw(server: &TestServer, body: Vec<u8>) -> Result<Vec<u8>, Status> {
    let mut grpc = tonic::client::Grpc::new(server.channel().await);
    grpc.ready().await.expect("ready");
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(
        "/mentormatch.v1.MatchingService/Solve",
    );
    grpc.unary(tonic::Request::new(body), path, Raw)
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_do_not_decode_are_invalid_argument() {
    let server = start_server(ServerConfig::default()).await;
    let good = small_request().encode_to_vec();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // request_id (field 1, a string) holding invalid UTF-8.
        ("invalid UTF-8", vec![0x0a, 0x02, 0xff, 0xfe]),
        // A length-delimited field promising more bytes than follow.
        ("truncated", good[..good.len() / 2].to_vec()),
        // Field 1 with wire type 7, which does not exist.
        ("bad wire type", vec![0x0f, 0x00]),
    ];
    for (what, body) in cases {
        let status = solve_raw(&server, body).await.expect_err(what);
        assert_eq!(status.code(), Code::InvalidArgument, "{what}: {status:?}");
        assert!(
            status.message().contains("does not decode as protobuf"),
            "{what}: {}",
            status.message()
        );
    }
    // The same path answers a well-formed body.
    let reply = solve_raw(&server, good).await.expect("solved");
    assert!(mentormatch::pb::SolveResponse::decode(&reply[..]).is_ok());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_over_the_limit_are_resource_exhausted() {
    let body = small_request().encode_to_vec();
    let server = start_server(ServerConfig {
        max_message_bytes: body.len() - 1,
        ..ServerConfig::default()
    })
    .await;
    let status = solve_raw(&server, body.clone())
        .await
        .expect_err("too large");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let expected = format!(
        "the request message has {} bytes, more than the server's limit of {}",
        body.len(),
        body.len() - 1
    );
    assert!(status.message().contains(&expected), "{}", status.message());
    assert!(status.message().contains("--max-message-bytes"));
    server.stop().await;
}
