//! Wire types generated from `proto/mentormatch/v1/mentormatch.proto`.
//!
//! Prost messages, the tonic client and server, and pbjson serde impls that
//! read and write proto3 canonical JSON. These types stop at the edge:
//! the rest of [`crate::wire`] maps them to and from the domain model.
#![allow(missing_docs, clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/mentormatch.v1.rs"));
include!(concat!(env!("OUT_DIR"), "/mentormatch.v1.serde.rs"));

/// Encoded `FileDescriptorSet` of the API, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/mentormatch_descriptor.bin"));
