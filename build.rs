//! Compiles `proto/` with protox (a pure-Rust protobuf compiler: no system
//! `protoc`), then generates prost messages, tonic client and server, and
//! pbjson serde impls (proto3 canonical JSON) from the same descriptors.
use std::{env, fs, path::PathBuf};

use prost::Message;

const PROTO: &str = "proto/mentormatch/v1/mentormatch.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let fds = protox::compile([PROTO], ["proto"])?;
    let descriptor_path = out.join("mentormatch_descriptor.bin");
    let bytes = fds.encode_to_vec();
    fs::write(&descriptor_path, &bytes)?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // prost, with undecodable bodies reported as INVALID_ARGUMENT.
        .codec_path("crate::wire::codec::StrictCodec")
        .compile_fds(fds)?;

    pbjson_build::Builder::new()
        .register_descriptors(&bytes)?
        .build(&[".mentormatch.v1"])?;
    Ok(())
}
