//! Sorting people by name as people sort them: by the Unicode collation
//! algorithm with CLDR's root order (ICU4X), so that "Élodie" sorts with
//! the Es, "Noémie" before "Nora", and case does not split a list in two —
//! where a byte order (SQLite's, Rust's) puts every accented or lower-case
//! initial after "Z".

use std::cmp::Ordering;
use std::sync::OnceLock;

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};

fn collator() -> Option<&'static CollatorBorrowed<'static>> {
    static COLLATOR: OnceLock<Option<CollatorBorrowed<'static>>> = OnceLock::new();
    COLLATOR
        .get_or_init(|| Collator::try_new(Default::default(), CollatorOptions::default()).ok())
        .as_ref()
}

/// How two names compare for a list of people.
pub fn names(a: &str, b: &str) -> Ordering {
    match collator() {
        Some(c) => c.compare(a, b),
        None => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// Sorts `items` by the name `name` gives each, keeping the order of equal
/// names (the caller's tie-break, e.g. by id).
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| names(name(a), name(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accented_and_lower_case_initials_sort_with_their_letter() {
        let mut people = vec![
            "Noémie Durand",
            "Zoé Petit",
            "Élodie Martin",
            "Eric Blanc",
            "adam Smith",
            "Nora Ahmed",
            "Ève Laurent",
            "François Leclerc",
            "Fatima Zahra",
        ];
        sort_by_name(&mut people, |p| p);
        assert_eq!(
            people,
            vec![
                "adam Smith",
                "Élodie Martin",
                "Eric Blanc",
                "Ève Laurent",
                "Fatima Zahra",
                "François Leclerc",
                "Noémie Durand",
                "Nora Ahmed",
                "Zoé Petit",
            ]
        );
    }

    #[test]
    fn equal_names_keep_their_order() {
        let mut people = vec![("Ana", 2), ("Ana", 1), ("Abel", 3)];
        sort_by_name(&mut people, |p| p.0);
        assert_eq!(people, vec![("Abel", 3), ("Ana", 2), ("Ana", 1)]);
    }
}
