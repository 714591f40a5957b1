//! The language switcher on every page, before login too: a link that keeps the choice in a
//! cookie and comes back to the page it was on. Logged in, it also saves the choice on the
//! user (`SetMyLocale`), which then follows them to any browser.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use classtrack_i18n::Locale;
use classtrack_proto::v1::SetMyLocaleRequest;
use serde::Deserialize;
use tonic::Code;

use super::forms::Query;
use super::{local_path, Visitor};
use crate::browser::Browser;
use crate::error::PageError;
use crate::lang::{LANG_COOKIE, LANG_MAX_AGE};
use crate::AppState;

#[derive(Deserialize)]
pub struct Choice {
    lang: String,
    next: Option<String>,
}

/// `GET /language?lang=fr&next=/courses`. A language we don't speak changes nothing.
pub async fn choose(
    State(state): State<AppState>,
    Visitor(browser): Visitor,
    Query(choice): Query<Choice>,
) -> Result<Response, PageError> {
    let back = local_path(choice.next.as_deref()).unwrap_or_else(|| "/".into());
    let Some(locale) = Locale::from_tag(&choice.lang) else {
        return Ok(Redirect::to(&back).into_response());
    };
    save(&state, &browser, locale).await?;
    Ok((
        [(
            header::SET_COOKIE,
            browser.cookie(LANG_COOKIE, locale.tag(), LANG_MAX_AGE),
        )],
        Redirect::to(&back),
    )
        .into_response())
}

/// Saves the choice on the logged-in user. A login that lapsed, or one that must change its
/// password first, keeps the cookie only; any other failure is the page's.
async fn save(state: &AppState, browser: &Browser, locale: Locale) -> Result<(), PageError> {
    if browser.session.is_none() {
        return Ok(());
    }
    let saved = state
        .api
        .auth()
        .set_my_locale(browser.caller().req(SetMyLocaleRequest {
            locale: locale.tag().into(),
        }))
        .await;
    match saved {
        Ok(_) => Ok(()),
        Err(status)
            if matches!(
                status.code(),
                Code::Unauthenticated | Code::FailedPrecondition
            ) =>
        {
            Ok(())
        }
        Err(status) => Err(status.into()),
    }
}
