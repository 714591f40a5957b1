//! Generated code for the `classtrack.v1` gRPC contract (see `proto/classtrack/v1`).

pub mod clients;
pub mod endpoint;

pub use clients::Clients;

#[allow(clippy::all, clippy::pedantic)]
pub mod v1 {
    tonic::include_proto!("classtrack.v1");
}

/// Encoded `FileDescriptorSet` of the contract, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("classtrack_descriptor");
