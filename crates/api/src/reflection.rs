//! gRPC server reflection, in both versions clients speak: `v1`, and
//! `v1alpha` for Python's grpcio-reflection, grpcui and older grpcurl builds.
//! Both describe the whole contract, health, and the well-known
//! `google/protobuf/*` files the contract imports (the descriptor set is
//! built with its imports). Each lists the other among the services.

use tonic_reflection::server::Builder;

fn builder() -> Builder<'static> {
    Builder::configure()
        .register_encoded_file_descriptor_set(classtrack_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}

/// `grpc.reflection.v1.ServerReflection`.
pub fn v1() -> tonic_reflection::server::v1::ServerReflectionServer<
    impl tonic_reflection::server::v1::ServerReflection,
> {
    builder()
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET)
        .build_v1()
        .expect("the contract's descriptor set is valid")
}

/// `grpc.reflection.v1alpha.ServerReflection`.
pub fn v1alpha() -> tonic_reflection::server::v1alpha::ServerReflectionServer<
    impl tonic_reflection::server::v1alpha::ServerReflection,
> {
    builder()
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .expect("the contract's descriptor set is valid")
}
