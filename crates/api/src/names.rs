//! Reading resource names (`courses/{id}`, `sessions/{id}`, …) out of
//! requests. Its own module because both the services and the check-in
//! judge ([`crate::checkin`], which the attendance service calls) read names:
//! kept in `services`, it made `checkin` and `services` depend on each other.

use crate::error::{ApiError, ApiResult};

/// Parses a resource name, naming the request field on failure.
pub(crate) fn parse_name<T>(
    field: &str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, classtrack_core::NameError>,
) -> ApiResult<T> {
    if value.is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    parse(value).map_err(|e| ApiError::invalid(field, e.to_string()))
}
