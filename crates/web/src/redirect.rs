//! Where a browser may be sent back to after logging in: a path on this site,
//! never another site, and never something that cannot go in a header.
//!
//! Browsers are generous with `Location`: they drop tabs and newlines, read
//! `\` as `/`, and take `//host` as another host, so `/\t/evil.example` and
//! `/\evil.example` both leave the site. Rather than predict every reading,
//! only plain paths are kept: one leading `/`, then visible ASCII without
//! backslashes, and the same again once percent-decoded (for whoever decodes
//! before following). Everything else is dropped and the caller goes home.

use percent_encoding::percent_decode_str;

/// Longer than any page address of ClassTrack; a login link is not a store.
const MAX_LEN: usize = 2048;

/// `next` when it is a plain local path (query included), else `None`.
pub fn local_path(next: Option<&str>) -> Option<String> {
    let next = next?;
    if next.len() > MAX_LEN || !is_plain_path(next) {
        return None;
    }
    let decoded = percent_decode_str(next).decode_utf8().ok()?;
    is_plain_path_decoded(&decoded).then(|| next.to_string())
}

/// `/` then visible ASCII: no space, no control character, no backslash,
/// and not `//` (another host).
fn is_plain_path(path: &str) -> bool {
    path.starts_with('/')
        && !path[1..].starts_with('/')
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

/// After decoding, anything printable may appear (`%20`, accents) but still
/// no control character, backslash or leading `//`.
fn is_plain_path_decoded(path: &str) -> bool {
    path.starts_with('/')
        && !path[1..].starts_with('/')
        && !path.chars().any(|c| c.is_control() || c == '\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_kept_with_their_query() {
        for path in [
            "/",
            "/courses/1",
            "/admin/users?q=a%20b&page=2",
            "/c/AbC-_x",
            "/history#latest",
            "/courses/caf%C3%A9",
        ] {
            assert_eq!(local_path(Some(path)).as_deref(), Some(path), "{path}");
        }
    }

    #[test]
    fn other_sites_are_dropped() {
        for next in [
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            " //evil.example",
            " /courses",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "courses/1",
            "",
        ] {
            assert_eq!(local_path(Some(next)), None, "{next:?}");
        }
        assert_eq!(local_path(None), None);
    }

    #[test]
    fn what_cannot_go_in_a_header_is_dropped() {
        for next in [
            "/courses\r\nSet-Cookie: x=1",
            "/courses\n",
            "/courses\r",
            "/courses\0",
            "/courses\u{7f}",
            "/caf\u{e9}",
            "/courses\u{2028}",
        ] {
            assert_eq!(local_path(Some(next)), None, "{next:?}");
        }
        assert_eq!(local_path(Some(&format!("/{}", "a".repeat(MAX_LEN)))), None);
    }

    #[test]
    fn percent_encoded_tricks_are_dropped() {
        for next in [
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%09/evil.example",
            "/courses%0D%0ASet-Cookie:%20x=1",
            "/courses%00",
            "/%FF",
        ] {
            assert_eq!(local_path(Some(next)), None, "{next:?}");
        }
    }
}
