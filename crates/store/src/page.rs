//! Keyset pagination: a page token is the last id seen, opaque to clients.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Rows on a page when the request asks for 0.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// The most rows on one page; larger requests are cut to it.
pub const MAX_PAGE_SIZE: i64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// One page of a list, parsed from a request's `page_size` and `page_token`.
/// A list fetches [`Page::fetch`] rows past `after_id` in its order, and
/// [`Page::finish`] trims them and makes the next token.
pub struct Page {
    /// The id of the last row of the previous page; 0 on the first page.
    pub after_id: i64,
    /// Rows on this page: 1 to [`MAX_PAGE_SIZE`].
    pub size: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
/// Why a page request is refused (answered INVALID_ARGUMENT on the field).
pub enum PageError {
    #[error("page_size must not be negative")]
    /// `page_size` was below 0.
    NegativeSize,
    #[error("page_token is not one this server issued")]
    /// The token doesn't decode, or was issued for another kind of list.
    BadToken,
}

impl Page {
    /// Reads a request's page: `page_size` 0 means [`DEFAULT_PAGE_SIZE`], larger
    /// than [`MAX_PAGE_SIZE`] is cut to it; `page_token` must be empty or one that
    /// [`Page::finish`] made for the same `kind` (a short tag per list, e.g. `"u"`).
    pub fn parse(page_size: i32, page_token: &str, kind: &str) -> Result<Self, PageError> {
        let size = match page_size {
            n if n < 0 => return Err(PageError::NegativeSize),
            0 => DEFAULT_PAGE_SIZE,
            n => i64::from(n).min(MAX_PAGE_SIZE),
        };
        let after_id = if page_token.is_empty() {
            0
        } else {
            let raw = URL_SAFE_NO_PAD
                .decode(page_token)
                .map_err(|_| PageError::BadToken)?;
            let text = String::from_utf8(raw).map_err(|_| PageError::BadToken)?;
            text.strip_prefix(kind)
                .and_then(|t| t.strip_prefix(':'))
                .and_then(|id| id.parse::<i64>().ok())
                .filter(|id| *id >= 0)
                .ok_or(PageError::BadToken)?
        };
        Ok(Self { after_id, size })
    }

    /// Rows to fetch: one more than the page, to know whether another follows.
    pub fn fetch(&self) -> i64 {
        self.size + 1
    }

    /// Trims the extra row and returns the next token ("" on the last page).
    pub fn finish<T>(&self, rows: &mut Vec<T>, id: impl Fn(&T) -> i64, kind: &str) -> String {
        if rows.len() as i64 > self.size {
            rows.truncate(self.size as usize);
            rows.last()
                .map(|r| URL_SAFE_NO_PAD.encode(format!("{kind}:{}", id(r))))
                .unwrap_or_default()
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_foreign_ones_fail() {
        let p = Page::parse(2, "", "u").expect("first page");
        let mut rows = vec![1, 2, 3];
        let next = p.finish(&mut rows, |r| *r, "u");
        assert_eq!(rows, [1, 2]);
        assert_eq!(Page::parse(2, &next, "u").expect("next").after_id, 2);
        assert_eq!(Page::parse(2, &next, "c"), Err(PageError::BadToken));
        assert_eq!(Page::parse(2, "garbage!", "u"), Err(PageError::BadToken));
        assert_eq!(Page::parse(-1, "", "u"), Err(PageError::NegativeSize));
    }
}
