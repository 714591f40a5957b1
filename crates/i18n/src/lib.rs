//! ClassTrack in English, French and Arabic.
//!
//! The messages are Project Fluent files, `locales/<lang>/*.ftl`, every file of a language
//! loaded into one bundle (the web tier's `web.ftl`, later the API's `api.ftl`). Plural rules
//! come from the library (CLDR), never from our code. [`text`] formats one message;
//! [`negotiate`] picks a language from an `Accept-Language` value.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language ClassTrack speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    Fr,
    Ar,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Fr, Locale::Ar];

    /// The BCP 47 tag, for `lang` and for cookies and the saved preference.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Ar => "ar",
        }
    }

    /// `rtl` for Arabic, `ltr` otherwise: the page's `dir`.
    pub fn dir(self) -> &'static str {
        match self {
            Locale::Ar => "rtl",
            _ => "ltr",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
            Locale::Ar => "العربية",
        }
    }

    /// A tag such as `fr`, `fr-CA` or `AR`; `None` for a language we don't speak.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.tag() == primary)
    }

    fn index(self) -> usize {
        match self {
            Locale::En => 0,
            Locale::Fr => 1,
            Locale::Ar => 2,
        }
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// The first language of an `Accept-Language` value we speak, by quality (`q`), ties in the
/// browser's order; `None` when it names none of ours (the caller then uses the site default).
pub fn negotiate(accept_language: &str) -> Option<Locale> {
    let mut offers: Vec<(u16, usize, Locale)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let locale = Locale::from_tag(pieces.next()?)?;
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                })?;
            (q > 0).then_some((q, i, locale))
        })
        .collect();
    offers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    offers.first().map(|o| o.2)
}

/// One value given to a message.
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    Str(&'a str),
    Num(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Str(s)
    }
}

macro_rules! numeric_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Num(n as f64)
            }
        }
        impl From<&$t> for Arg<'_> {
            fn from(n: &$t) -> Self {
                Arg::Num(*n as f64)
            }
        }
    )*};
}
numeric_arg!(i32, i64, u32, u64, usize, f64);

/// The message `key` in `locale` with `args`. A key missing from the language falls back to
/// English; one missing everywhere comes back as the key itself, which the tests look for.
pub fn text(locale: Locale, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    let fluent_args = (!args.is_empty()).then(|| {
        let mut a = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Str(s) => a.set(*name, FluentValue::from(*s)),
                Arg::Num(n) => a.set(*name, FluentValue::from(*n)),
            }
        }
        a
    });
    for bundle in [bundle(locale), bundle(Locale::En)] {
        if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle
                .format_pattern(pattern, fluent_args.as_ref(), &mut errors)
                .into_owned();
        }
    }
    key.to_string()
}

/// Whether `key` exists in English (the reference language).
pub fn has(key: &str) -> bool {
    bundle(Locale::En).has_message(key)
}

/// Every Fluent file: (language tag, file name, text).
pub const SOURCES: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/sources.rs"));

type Bundle = FluentBundle<FluentResource>;

fn bundle(locale: Locale) -> &'static Bundle {
    static BUNDLES: OnceLock<Vec<Bundle>> = OnceLock::new();
    &BUNDLES.get_or_init(|| Locale::ALL.into_iter().map(build).collect())[locale.index()]
}

/// The files are ours and embedded: one that does not parse is a bug the tests catch, so
/// here its readable messages are kept and the broken ones left out.
fn build(locale: Locale) -> Bundle {
    let id: LanguageIdentifier = locale.tag().parse().expect("our tags are valid");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks keep a Latin name inside Arabic text in its place; in left-to-right
    // languages they would only be invisible noise in the pages.
    bundle.set_use_isolating(locale == Locale::Ar);
    for (_, _, source) in SOURCES.iter().filter(|(tag, _, _)| *tag == locale.tag()) {
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
        // A key defined twice keeps its first definition (the completeness test refuses it).
        let _ = bundle.add_resource(resource);
    }
    bundle
}

pub mod format;

#[cfg(test)]
mod tests;
