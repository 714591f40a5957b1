//! The rotating QR token: derived, never stored.
//!
//! A token names a session and a time window and carries an HMAC-SHA256 of
//! both under the session's random secret: `{session}.{window}.{mac}`. Any
//! replica holding the secret (it lives in the database) can verify it. The
//! six-digit short code shown beside the QR comes from the same MAC.
//!
//! A *scan proof* lets a student who scanned in time but had to log in first
//! check in a few minutes later: it is a MAC over the token's session and
//! window and the scan instant, issued when the scan is judged.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::SessionId;

type HmacSha256 = Hmac<Sha256>;

const MAC_BYTES: usize = 16;
const MAC_CHARS: usize = 22;
/// A token from the next window is accepted this close to its start (replica clock skew).
const CLOCK_SKEW_MS: i64 = 1_000;

/// The per-session secret behind every token of that session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret([u8; 32]);

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret(..)")
    }
}

impl SessionSecret {
    /// A new random secret (32 bytes from rand's thread generator, a CSPRNG
    /// seeded from the operating system),
    /// made when a session is created.
    pub fn generate() -> Self {
        Self(rand::random())
    }

    /// The secret as read back from the database; `None` unless exactly 32
    /// bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The 32 bytes, for storing. Never show them: whoever has them can
    /// make the session's tokens and codes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn mac(&self, purpose: &[u8], parts: &[i64]) -> [u8; 32] {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(purpose);
        for p in parts {
            mac.update(&p.to_be_bytes());
        }
        mac.finalize().into_bytes().into()
    }
}

/// How a session's tokens rotate.
///
/// Time is cut into windows of `period_secs` counted from the Unix epoch;
/// each window has its own token and short code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// How long each token is shown, in seconds (at least 1).
    pub period_secs: i64,
    /// How long after a rotation the previous window's token is still
    /// accepted, in seconds (at least 0).
    pub grace_secs: i64,
}

impl Rotation {
    /// A rotation of `period_secs` with `grace_secs` of grace; a period
    /// below 1 s is taken as 1 s and a negative grace as none.
    pub fn new(period_secs: i64, grace_secs: i64) -> Self {
        Self {
            period_secs: period_secs.max(1),
            grace_secs: grace_secs.max(0),
        }
    }

    fn period_ms(self) -> i64 {
        self.period_secs * 1_000
    }

    /// The number of the window `at` falls in: milliseconds since the epoch
    /// divided by the period, rounded down.
    pub fn window_at(self, at: DateTime<Utc>) -> i64 {
        at.timestamp_millis().div_euclid(self.period_ms())
    }

    /// The instant `window` begins (and `window - 1` ends); for a window
    /// beyond the range of [`DateTime`], the latest instant it can hold.
    pub fn window_start(self, window: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(window.saturating_mul(self.period_ms()))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Whether a token of `window` is accepted at `at`: the current window,
    /// the previous one during the grace after rotation, and the next one
    /// within a second of its start (clock skew between replicas).
    pub fn accepts(self, window: i64, at: DateTime<Utc>) -> bool {
        let current = self.window_at(at);
        let since_rotation = at - self.window_start(current);
        let until_next = self.window_start(current + 1) - at;
        window == current
            || (window == current - 1 && since_rotation < Duration::seconds(self.grace_secs))
            || (window == current + 1 && until_next <= Duration::milliseconds(CLOCK_SKEW_MS))
    }
}

/// A token as read from a QR code, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrToken {
    /// The session the token claims to be for.
    pub session: SessionId,
    /// The rotation window it was issued for (see [`Rotation::window_at`]).
    pub window: i64,
    mac: [u8; MAC_BYTES],
}

/// The text is not shaped like a token (`{session}.{window}.{mac}`, decimal
/// numbers without leading zeros and a 22-character base64url MAC); the
/// check-in is refused as [`CheckInRejection::TokenMalformed`](crate::CheckInRejection::TokenMalformed).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a ClassTrack check-in token")]
pub struct TokenMalformed;

impl QrToken {
    /// The token of `session` for `window`.
    pub fn issue(secret: &SessionSecret, session: SessionId, window: i64) -> Self {
        let full = secret.mac(b"qr", &[session.0, window]);
        let mut mac = [0u8; MAC_BYTES];
        mac.copy_from_slice(&full[..MAC_BYTES]);
        Self {
            session,
            window,
            mac,
        }
    }

    /// Parses a bare token or a whole check-in URL ending in `/c/{token}`
    /// (a query or fragment after it is ignored). Says nothing of the
    /// signature: see [`is_signed_by`](Self::is_signed_by).
    pub fn parse(input: &str) -> Result<Self, TokenMalformed> {
        let input = input.trim();
        let token = match input.rfind("/c/") {
            Some(i) => &input[i + 3..],
            None => input,
        };
        let token = token.split(['?', '#']).next().unwrap_or_default();
        let mut parts = token.split('.');
        let (Some(session), Some(window), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenMalformed);
        };
        let session = canonical_number(session).filter(|s| *s > 0);
        let window = canonical_number(window);
        let (Some(session), Some(window)) = (session, window) else {
            return Err(TokenMalformed);
        };
        if mac.len() != MAC_CHARS {
            return Err(TokenMalformed);
        }
        let bytes = URL_SAFE_NO_PAD.decode(mac).map_err(|_| TokenMalformed)?;
        let mac: [u8; MAC_BYTES] = bytes.try_into().map_err(|_| TokenMalformed)?;
        Ok(Self {
            session: SessionId(session),
            window,
            mac,
        })
    }

    /// Whether this token was made with `secret` (constant time).
    pub fn is_signed_by(&self, secret: &SessionSecret) -> bool {
        let expected = Self::issue(secret, self.session, self.window);
        bool::from(expected.mac.ct_eq(&self.mac))
    }

    /// Six digits for typing by hand, from the same MAC as the token.
    pub fn short_code(&self) -> String {
        let n = u32::from_be_bytes([self.mac[12], self.mac[13], self.mac[14], self.mac[15]]);
        format!("{:06}", n % 1_000_000)
    }
}

impl std::fmt::Display for QrToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.session.0,
            self.window,
            URL_SAFE_NO_PAD.encode(self.mac)
        )
    }
}

/// Digits only, no sign, no leading zeros.
fn canonical_number(s: &str) -> Option<i64> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
        && s.len() <= 18;
    ok.then(|| s.parse().ok()).flatten()
}

/// Whether `code` is the short code of `session` at `at`, under the same
/// window rules as the QR token. Returns the matching window.
pub fn match_short_code(
    secret: &SessionSecret,
    session: SessionId,
    rotation: Rotation,
    code: &str,
    at: DateTime<Utc>,
) -> Option<i64> {
    let code = code.trim();
    let current = rotation.window_at(at);
    [current, current - 1, current + 1]
        .into_iter()
        .filter(|w| rotation.accepts(*w, at))
        .find(|w| {
            let expected = QrToken::issue(secret, session, *w).short_code();
            bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
        })
}

/// Proof that a token was judged valid at `scan_time`, for a check-in completed later.
pub fn scan_proof(secret: &SessionSecret, token: &QrToken, scan_time: DateTime<Utc>) -> String {
    let mac = secret.mac(
        b"scan",
        &[token.session.0, token.window, scan_time.timestamp_millis()],
    );
    URL_SAFE_NO_PAD.encode(&mac[..MAC_BYTES])
}

/// Whether `proof` is the [`scan_proof`] of `token` at `scan_time` under
/// `secret` (constant time). Says nothing of how long ago the scan was.
pub fn verify_scan_proof(
    secret: &SessionSecret,
    token: &QrToken,
    scan_time: DateTime<Utc>,
    proof: &str,
) -> bool {
    let expected = scan_proof(secret, token, scan_time);
    bool::from(expected.as_bytes().ct_eq(proof.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).expect("valid test time")
    }

    #[test]
    fn issued_token_parses_and_verifies() {
        let secret = SessionSecret::generate();
        let token = QrToken::issue(&secret, SessionId(7), 123_456);
        let parsed = QrToken::parse(&token.to_string()).expect("parses");
        assert_eq!(parsed, token);
        assert!(parsed.is_signed_by(&secret));
        assert!(!parsed.is_signed_by(&SessionSecret::generate()));
        let url = format!("https://ct.example.edu/c/{token}");
        assert_eq!(QrToken::parse(&url), Ok(token));
    }

    #[test]
    fn windows_current_previous_in_grace_only() {
        let r = Rotation::new(10, 3);
        let w = r.window_at(at(1_000_000_000));
        let start = r.window_start(w);
        assert!(r.accepts(w, start));
        assert!(r.accepts(w, start + Duration::milliseconds(9_999)));
        // previous window: accepted for 3 s after rotation, not at 3 s
        assert!(r.accepts(w - 1, start + Duration::milliseconds(2_999)));
        assert!(!r.accepts(w - 1, start + Duration::seconds(3)));
        // the one before is never accepted
        assert!(!r.accepts(w - 2, start));
        // next window only within the skew allowance
        assert!(r.accepts(w + 1, start + Duration::milliseconds(9_000)));
        assert!(!r.accepts(w + 1, start + Duration::milliseconds(8_999)));
    }

    #[test]
    fn short_code_matches_current_and_graced_window() {
        let secret = SessionSecret::generate();
        let r = Rotation::new(10, 3);
        let now = at(2_000_000_000);
        let w = r.window_at(now);
        let code = QrToken::issue(&secret, SessionId(1), w).short_code();
        assert_eq!(code.len(), 6);
        assert_eq!(
            match_short_code(&secret, SessionId(1), r, &code, now),
            Some(w)
        );
        let later = r.window_start(w + 1) + Duration::seconds(4);
        assert_eq!(
            match_short_code(&secret, SessionId(1), r, &code, later),
            None
        );
    }

    #[test]
    fn scan_proof_binds_token_and_time() {
        let secret = SessionSecret::generate();
        let token = QrToken::issue(&secret, SessionId(3), 99);
        let t = at(5_000);
        let proof = scan_proof(&secret, &token, t);
        assert!(verify_scan_proof(&secret, &token, t, &proof));
        assert!(!verify_scan_proof(&secret, &token, at(5_001), &proof));
        let other = QrToken::issue(&secret, SessionId(3), 100);
        assert!(!verify_scan_proof(&secret, &other, t, &proof));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in [
            "",
            "1.2",
            "1.2.3.4",
            "a.2.AAAAAAAAAAAAAAAAAAAAAA",
            "0.2.AAAAAAAAAAAAAAAAAAAAAA",
            "01.2.AAAAAAAAAAAAAAAAAAAAAA",
            "1.-2.AAAAAAAAAAAAAAAAAAAAAA",
            "1.2.AAAA",
            "1.2.AAAAAAAAAAAAAAAAAAAAA!",
        ] {
            assert_eq!(QrToken::parse(bad), Err(TokenMalformed), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_changed_character_is_rejected(
            session in 1i64..1_000_000, window in 0i64..10_000_000_000, idx in any::<prop::sample::Index>(),
            replacement in prop::char::range('!', '~'),
        ) {
            let secret = SessionSecret::from_bytes(&[7u8; 32]).expect("32 bytes");
            let text = QrToken::issue(&secret, SessionId(session), window).to_string();
            let i = idx.index(text.len());
            prop_assume!(text.as_bytes()[i] as char != replacement);
            let mut tampered: Vec<char> = text.chars().collect();
            tampered[i] = replacement;
            let tampered: String = tampered.into_iter().collect();
            let ok = QrToken::parse(&tampered).map(|t| t.is_signed_by(&secret)).unwrap_or(false);
            prop_assert!(!ok, "tampered token {} accepted", tampered);
        }
    }
}
