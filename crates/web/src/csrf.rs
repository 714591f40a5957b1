//! CSRF tokens without server-side state.
//!
//! A token is an HMAC keyed by a secret the browser already holds in an
//! HttpOnly cookie (its API token once logged in, its random browser id
//! before). Another site can neither read that cookie nor compute the MAC, so
//! a form it forges carries no valid token; every replica can check one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const PURPOSE: &[u8] = b"classtrack-web csrf v1";

/// The token for forms shown to the holder of `basis`.
pub fn token(basis: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(basis).finalize().into_bytes())
}

/// Whether `presented` is the token for `basis` (constant time).
pub fn verify(basis: &str, presented: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(presented) {
        Ok(bytes) => mac(basis).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

fn mac(basis: &str) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(basis.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(PURPOSE);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_for_its_basis_only() {
        let t = token("secret-a");
        assert!(verify("secret-a", &t));
        assert!(!verify("secret-b", &t));
    }

    #[test]
    fn tampered_or_malformed_tokens_fail() {
        let mut t = token("secret");
        t.replace_range(0..1, if t.starts_with('A') { "B" } else { "A" });
        assert!(!verify("secret", &t));
        assert!(!verify("secret", ""));
        assert!(!verify("secret", "not base64 !"));
    }
}
