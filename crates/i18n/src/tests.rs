use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast;

use super::*;

/// Every message of a language with the variables its value and attributes use.
fn messages(tag: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (_, file, source) in SOURCES.iter().filter(|(t, _, _)| *t == tag) {
        let resource = fluent_syntax::parser::parse(*source)
            .unwrap_or_else(|(_, errors)| panic!("{tag}/{file} does not parse: {errors:?}"));
        for entry in resource.body {
            let (id, value, attributes) = match entry {
                ast::Entry::Message(m) => (m.id.name.to_string(), m.value, m.attributes),
                ast::Entry::Term(t) => (format!("-{}", t.id.name), Some(t.value), t.attributes),
                _ => continue,
            };
            let mut vars = BTreeSet::new();
            if let Some(p) = &value {
                pattern_vars(p, &mut vars);
            }
            for a in &attributes {
                pattern_vars(&a.value, &mut vars);
            }
            assert!(
                out.insert(id.clone(), vars).is_none(),
                "{tag}/{file}: {id} defined twice"
            );
        }
    }
    out
}

fn pattern_vars(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, vars),
    }
}

fn inline_vars(inline: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

#[test]
fn every_key_exists_in_every_language_with_the_same_placeholders() {
    let english = messages("en");
    assert!(
        english.len() > 20,
        "the English files hold {} messages",
        english.len()
    );
    for locale in [Locale::Fr, Locale::Ar] {
        let other = messages(locale.tag());
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{locale} lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{locale} has keys English lacks: {extra:?}"
        );
        for (key, vars) in &english {
            assert_eq!(
                &other[key], vars,
                "{locale}: {key} has other placeholders than English"
            );
        }
    }
}

#[test]
fn every_language_has_the_same_files() {
    let files = |tag: &str| -> BTreeSet<&str> {
        SOURCES
            .iter()
            .filter(|(t, _, _)| *t == tag)
            .map(|(_, f, _)| *f)
            .collect()
    };
    assert!(files("en").contains("web.ftl"));
    for locale in Locale::ALL {
        assert_eq!(files(locale.tag()), files("en"), "{locale}");
    }
    let tags: BTreeSet<&str> = SOURCES.iter().map(|(t, _, _)| *t).collect();
    assert_eq!(
        tags,
        Locale::ALL.iter().map(|l| l.tag()).collect(),
        "a folder per language"
    );
}

#[test]
fn accept_language_picks_the_best_language_we_speak() {
    assert_eq!(
        negotiate("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7"),
        Some(Locale::Fr)
    );
    assert_eq!(negotiate("de-DE, ar;q=0.5, en;q=0.4"), Some(Locale::Ar));
    assert_eq!(negotiate("en;q=0.3, fr;q=0.8"), Some(Locale::Fr));
    assert_eq!(negotiate("ar-MA"), Some(Locale::Ar));
    assert_eq!(
        negotiate("fr;q=0, en;q=0.1"),
        Some(Locale::En),
        "q=0 means not wanted"
    );
    assert_eq!(negotiate("de, es"), None);
    assert_eq!(negotiate(""), None);
    assert_eq!(negotiate("fr;q=abc"), None, "an unreadable q is ignored");
    assert_eq!(negotiate("*"), None);
}

#[test]
fn plurals_follow_each_languages_rules() {
    let n = |l, count: i64| text(l, "test-students", &[("count", count.into())]);
    assert_eq!(n(Locale::En, 1), "1 student");
    assert_eq!(n(Locale::En, 0), "0 students");
    assert_eq!(n(Locale::Fr, 0), "0 étudiant", "French 0 is singular");
    assert_eq!(n(Locale::Fr, 2), "2 étudiants");
    // Arabic has six plural forms; 3-10 take the 'few' one, 11-99 'many'.
    assert_eq!(n(Locale::Ar, 2), "طالبان");
    assert!(n(Locale::Ar, 3).contains("طلاب"), "{}", n(Locale::Ar, 3));
    assert!(n(Locale::Ar, 11).contains("طالبًا"), "{}", n(Locale::Ar, 11));
}

#[test]
fn a_missing_key_comes_back_as_itself() {
    assert_eq!(text(Locale::Fr, "no-such-key", &[]), "no-such-key");
    assert!(!has("no-such-key"));
    assert!(has("nav-courses"));
}

#[test]
fn tags_are_read_loosely() {
    assert_eq!(Locale::from_tag("FR-ca"), Some(Locale::Fr));
    assert_eq!(Locale::from_tag("ar_EG"), Some(Locale::Ar));
    assert_eq!(Locale::from_tag("de"), None);
    assert_eq!(Locale::Ar.dir(), "rtl");
    assert_eq!(Locale::Fr.dir(), "ltr");
}
