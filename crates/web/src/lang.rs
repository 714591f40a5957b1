//! The language of the page being made. The browser layer settles it per request (the
//! `ct_lang` cookie the switcher sets, else `Accept-Language`, else the `default_locale`
//! setting) and runs the handler inside [`scope`], so a layout, an error page or a flash
//! message anywhere below finds it with [`current`] without each function passing it on.
//! Once the page knows who is logged in, their saved language wins ([`prefer`]).

use std::cell::Cell;

use classtrack_i18n::{Arg, Locale};

/// The cookie the language switcher sets (a year).
pub const LANG_COOKIE: &str = "ct_lang";
pub const LANG_MAX_AGE: i64 = 365 * 24 * 3600;

#[derive(Clone, Debug)]
pub struct PageContext {
    /// Settled by the browser layer, replaced by the user's saved language ([`prefer`]).
    pub locale: Cell<Locale>,
    /// The path and query of the page, where the switcher comes back to.
    pub here: String,
}

tokio::task_local! {
    static CONTEXT: PageContext;
}

/// Runs `f` with `context` as the current page's.
pub async fn scope<F: std::future::Future>(context: PageContext, f: F) -> F::Output {
    CONTEXT.scope(context, f).await
}

/// Runs `f` with `context` as the current page's, synchronously: for work done after the
/// handler returned, such as each event of a live stream.
pub fn sync_scope<R>(context: PageContext, f: impl FnOnce() -> R) -> R {
    CONTEXT.sync_scope(context, f)
}

/// The current page's context, to carry into work that outlives the handler.
pub fn context() -> PageContext {
    CONTEXT
        .try_with(Clone::clone)
        .unwrap_or_else(|_| PageContext {
            locale: Locale::default().into(),
            here: "/".into(),
        })
}

/// The language of the current page (English outside a request, as in unit tests).
pub fn current() -> Locale {
    CONTEXT.try_with(|c| c.locale.get()).unwrap_or_default()
}

/// The logged-in user's saved language (`User.locale`, empty for none): from now on the
/// current page's language when it is one we speak. Returns the page's language.
pub fn prefer(saved: &str) -> Locale {
    let chosen = Locale::from_tag(saved);
    CONTEXT
        .try_with(|c| {
            if let Some(locale) = chosen {
                c.locale.set(locale);
            }
            c.locale.get()
        })
        .unwrap_or_else(|_| chosen.unwrap_or_default())
}

/// Where the current page is (for the switcher's way back).
pub fn here() -> String {
    CONTEXT
        .try_with(|c| c.here.clone())
        .unwrap_or_else(|_| "/".into())
}

/// The language a request is answered in.
pub fn choose(cookie: Option<&str>, accept_language: Option<&str>, default: Locale) -> Locale {
    cookie
        .and_then(Locale::from_tag)
        .or_else(|| accept_language.and_then(classtrack_i18n::negotiate))
        .unwrap_or(default)
}

/// The message `key` in the current page's language.
pub fn t(key: &str) -> String {
    classtrack_i18n::text(current(), key, &[])
}

/// The message `key` with arguments, in the current page's language.
pub fn t_args(key: &str, args: &[(&str, Arg<'_>)]) -> String {
    classtrack_i18n::text(current(), key, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_wins_then_the_browser_then_the_site() {
        assert_eq!(choose(Some("ar"), Some("fr"), Locale::En), Locale::Ar);
        assert_eq!(choose(Some("xx"), Some("fr-CA"), Locale::En), Locale::Fr);
        assert_eq!(choose(None, Some("de"), Locale::Fr), Locale::Fr);
        assert_eq!(choose(None, None, Locale::Ar), Locale::Ar);
    }

    #[tokio::test]
    async fn messages_follow_the_scope() {
        assert_eq!(t("log-out"), "Log out");
        let fr = PageContext {
            locale: Cell::new(Locale::Fr),
            here: "/courses".into(),
        };
        let (text, here) = scope(fr, async { (t("log-out"), here()) }).await;
        assert_eq!(text, "Se déconnecter");
        assert_eq!(here, "/courses");
    }

    #[tokio::test]
    async fn a_saved_language_wins_for_the_rest_of_the_page() {
        let en = PageContext {
            locale: Cell::new(Locale::En),
            here: "/".into(),
        };
        let seen = scope(en, async {
            let before = t("log-out");
            assert_eq!(prefer(""), Locale::En, "no preference changes nothing");
            assert_eq!(prefer("xx"), Locale::En, "nor one we don't speak");
            assert_eq!(prefer("ar"), Locale::Ar);
            (before, t("log-out"), current())
        })
        .await;
        assert_eq!(seen, ("Log out".into(), "تسجيل الخروج".into(), Locale::Ar));
    }
}
