//! Urlencoded form bodies with repeated keys (checkbox groups), which
//! `axum::Form` cannot read into a list.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::PageError;

pub struct Fields(Bytes);

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        Bytes::from_request(request, state)
            .await
            .map(Fields)
            .map_err(|_| PageError::too_large())
    }
}

impl Fields {
    /// The single-valued fields, as a struct (lists are read with `all`).
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, PageError> {
        let pairs: Vec<(String, String)> = self.pairs();
        let mut seen = std::collections::HashSet::new();
        let single: Vec<_> = pairs
            .into_iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .collect();
        let encoded = serde_urlencoded::to_string(single).unwrap_or_default();
        serde_urlencoded::from_str(&encoded)
            .map_err(|_| PageError::bad_form("The form was incomplete. Go back and try again."))
    }

    /// Every value given for `key`, in order.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.pairs()
            .into_iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect()
    }

    fn pairs(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&self.0).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct One {
        a: String,
    }

    #[test]
    fn repeated_keys_are_read_as_lists_and_singles_as_fields() {
        let f = Fields(Bytes::from_static(b"a=1&day=1&day=3&a=2"));
        assert_eq!(f.all("day"), ["1", "3"]);
        let one: One = f.form().unwrap();
        assert_eq!(one.a, "1");
    }
}
