//! The language switcher on every page, before login too: a link that keeps the choice in a
//! cookie and comes back to the page it was on.

use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use classtrack_i18n::Locale;
use serde::Deserialize;

use super::forms::Query;
use super::{local_path, Visitor};
use crate::lang::{LANG_COOKIE, LANG_MAX_AGE};

#[derive(Deserialize)]
pub struct Choice {
    lang: String,
    next: Option<String>,
}

/// `GET /language?lang=fr&next=/courses`. A language we don't speak changes nothing.
pub async fn choose(Visitor(browser): Visitor, Query(choice): Query<Choice>) -> Response {
    let back = local_path(choice.next.as_deref()).unwrap_or_else(|| "/".into());
    match Locale::from_tag(&choice.lang) {
        Some(locale) => (
            [(
                header::SET_COOKIE,
                browser.cookie(LANG_COOKIE, locale.tag(), LANG_MAX_AGE),
            )],
            Redirect::to(&back),
        )
            .into_response(),
        None => Redirect::to(&back).into_response(),
    }
}
