//! The gRPC channel to the API and the metadata every call carries.

use tonic::metadata::MetadataValue;

/// A handle on the API: a client of each service over one lazily connected
/// channel.
pub use classtrack_proto::Clients as Api;

/// Who a call is made for: the browser's bearer token and address.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    pub token: Option<String>,
    pub address: Option<String>,
    /// The page's language, sent as `accept-language` so that the API can answer in it.
    pub locale: classtrack_i18n::Locale,
}

impl Caller {
    /// Wraps a message with `authorization`, `x-forwarded-for` and `accept-language` metadata.
    pub fn req<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let metadata = request.metadata_mut();
        if let Some(token) = &self.token {
            if let Ok(value) = MetadataValue::try_from(format!("Bearer {token}")) {
                metadata.insert("authorization", value);
            }
        }
        if let Some(address) = &self.address {
            if let Ok(value) = MetadataValue::try_from(address.as_str()) {
                metadata.insert("x-forwarded-for", value);
            }
        }
        metadata.insert(
            "accept-language",
            MetadataValue::from_static(self.locale.tag()),
        );
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_carries_token_and_address() {
        let caller = Caller {
            token: Some("abc".into()),
            address: Some("203.0.113.7".into()),
            locale: classtrack_i18n::Locale::Fr,
        };
        let request = caller.req(());
        let md = request.metadata();
        assert_eq!(md.get("accept-language").unwrap(), "fr");
        assert_eq!(md.get("authorization").unwrap(), "Bearer abc");
        assert_eq!(md.get("x-forwarded-for").unwrap(), "203.0.113.7");
    }

    #[test]
    fn a_token_with_a_newline_is_dropped_not_sent() {
        let caller = Caller {
            token: Some("a\nb".into()),
            address: None,
            locale: Default::default(),
        };
        assert!(caller.req(()).metadata().get("authorization").is_none());
    }
}
