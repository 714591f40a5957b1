//! The caller's language, for the localized messages errors carry
//! (`google.rpc.LocalizedMessage`, AIP-193). A layer reads the call's
//! `accept-language` metadata (the web tier forwards the browser's) and keeps
//! the language for the call's handler; `From<ApiError> for Status` reads it
//! back with [`current`]. Without the metadata, or outside a call (an error
//! raised later in a response stream), the language is English.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use classtrack_i18n::Locale;

tokio::task_local! {
    static LOCALE: Locale;
}

/// The layer: serves the call with the language its `accept-language`
/// metadata asks for.
pub async fn scope(req: Request, next: Next) -> Response {
    let locale = requested(req.headers());
    LOCALE.scope(locale, next.run(req)).await
}

/// The language `headers` ask for; English when they name none of ours.
pub fn requested(headers: &http::HeaderMap) -> Locale {
    headers
        .get_all(http::header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(classtrack_i18n::negotiate)
        .unwrap_or_default()
}

/// The language of the call being served.
pub fn current() -> Locale {
    LOCALE.try_with(|l| *l).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::ACCEPT_LANGUAGE,
            http::HeaderValue::from_str(value).expect("a header value"),
        );
        h
    }

    #[test]
    fn the_metadata_chooses_the_language_and_english_is_the_rest() {
        assert_eq!(requested(&headers("fr-FR,fr;q=0.9,en;q=0.5")), Locale::Fr);
        assert_eq!(requested(&headers("ar")), Locale::Ar);
        assert_eq!(requested(&headers("de-DE")), Locale::En);
        assert_eq!(requested(&http::HeaderMap::new()), Locale::En);
        assert_eq!(current(), Locale::En, "outside a call");
    }
}
