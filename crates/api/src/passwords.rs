//! argon2id password hashing, off the async threads, and the rule for
//! passwords people choose.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::distr::Alphanumeric;
use rand::Rng;

use classtrack_core::validate::Problem;

use crate::error::{ApiError, ApiResult};

/// argon2id cost. `Default` is OWASP's recommendation (19 MiB, 2 passes);
/// `Fast` exists for tests only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HashCost {
    /// 19 MiB and 2 passes: what a server runs with.
    #[default]
    Standard,
    /// 64 KiB and 1 pass: quick enough for test suites, too weak for
    /// anything else.
    Fast,
}

fn hasher(cost: HashCost) -> Argon2<'static> {
    let params = match cost {
        HashCost::Standard => Params::new(19 * 1024, 2, 1, None),
        HashCost::Fast => Params::new(64, 1, 1, None),
    }
    .unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// argon2 is CPU-bound and takes 19 MiB a hash: run at most one per core, so
/// that a login storm queues instead of multiplying memory.
fn slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// Hashes a password with argon2id and a random salt, off the async threads and at most one per
/// core ([`slots`]).
pub async fn hash(cost: HashCost, password: String) -> ApiResult<String> {
    let _slot = slots().acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher(cost)
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(e.to_string().into()))
    })
    .await
    .map_err(ApiError::internal)?
}

/// Hashes many passwords using every core.
pub async fn hash_all(cost: HashCost, passwords: Vec<String>) -> ApiResult<Vec<String>> {
    // `hash` itself runs at most one per core; spawn them all and keep the order.
    let handles: Vec<_> = passwords
        .into_iter()
        .map(|p| tokio::spawn(hash(cost, p)))
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.map_err(ApiError::internal)??);
    }
    Ok(out)
}

/// Verifies against the stored hash; with no stored hash (unknown user) it
/// verifies against a dummy so that timing does not tell which usernames exist.
/// An empty stored hash (an account from an identity provider) is no hash:
/// it never verifies.
pub async fn verify(stored: Option<String>, password: String) -> ApiResult<bool> {
    let stored = stored.filter(|h| !h.is_empty());
    let _slot = slots().acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let dummy;
        let hash_text = match &stored {
            Some(h) => h.as_str(),
            None => {
                dummy = dummy_hash();
                dummy.as_str()
            }
        };
        let Ok(parsed) = PasswordHash::new(hash_text) else {
            return false;
        };
        // The stored hash carries its own parameters.
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && stored.is_some()
    })
    .await
    .map_err(ApiError::internal)
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            hasher(HashCost::Standard)
                .hash_password(b"not a real password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// A password for a new or reset account: 16 letters and digits.
pub fn generate() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// The least zxcvbn score a chosen password needs: 3 is "safely
/// unguessable" (about 10^10 guesses), far beyond what the login throttle
/// lets anyone try.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Checks a password someone chose (the 8–256 characters of
/// [`validate::password`], then zxcvbn's estimate with the account's own
/// names as context), saying why it is refused, with zxcvbn's advice, in
/// every language. Passwords the server generates need no check.
///
/// [`validate::password`]: classtrack_core::validate::password
pub fn check_chosen(password: &str, context: &[&str]) -> Result<(), Problem> {
    classtrack_core::validate::password(password)?;
    let estimate = zxcvbn::zxcvbn(password, context);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let mut said = Vec::new();
    // Weaker with the account's names than without: it is made of them.
    if estimate.score() < zxcvbn::zxcvbn(password, &[]).score() {
        said.push(Problem::new("api-password-personal"));
    }
    if let Some(feedback) = estimate.feedback() {
        said.extend(feedback.warning().map(|w| Problem::new(warning_key(w))));
        said.extend(
            feedback
                .suggestions()
                .iter()
                .map(|s| Problem::new(suggestion_key(*s))),
        );
    }
    Err(if said.is_empty() {
        Problem::new("api-password-too-easy")
    } else {
        Problem::new("api-password-too-easy-because").sentences("advice", said)
    })
}

/// The message key of zxcvbn's warning (its English text is zxcvbn's own).
fn warning_key(w: zxcvbn::feedback::Warning) -> &'static str {
    use zxcvbn::feedback::Warning as W;
    match w {
        W::StraightRowsOfKeysAreEasyToGuess => "api-password-warning-straight-rows",
        W::ShortKeyboardPatternsAreEasyToGuess => "api-password-warning-short-keyboard-patterns",
        W::RepeatsLikeAaaAreEasyToGuess => "api-password-warning-repeats-like-aaa",
        W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "api-password-warning-repeats-like-abcabc"
        }
        W::ThisIsATop10Password => "api-password-warning-top-10",
        W::ThisIsATop100Password => "api-password-warning-top-100",
        W::ThisIsACommonPassword => "api-password-warning-common",
        W::ThisIsSimilarToACommonlyUsedPassword => "api-password-warning-similar-to-common",
        W::SequencesLikeAbcAreEasyToGuess => "api-password-warning-sequences",
        W::RecentYearsAreEasyToGuess => "api-password-warning-recent-years",
        W::AWordByItselfIsEasyToGuess => "api-password-warning-word-by-itself",
        W::DatesAreOftenEasyToGuess => "api-password-warning-dates",
        W::NamesAndSurnamesByThemselvesAreEasyToGuess => "api-password-warning-names-by-themselves",
        W::CommonNamesAndSurnamesAreEasyToGuess => "api-password-warning-common-names",
    }
}

/// The message key of zxcvbn's suggestion (its English text is zxcvbn's own).
fn suggestion_key(s: zxcvbn::feedback::Suggestion) -> &'static str {
    use zxcvbn::feedback::Suggestion as S;
    match s {
        S::UseAFewWordsAvoidCommonPhrases => "api-password-suggestion-few-words",
        S::NoNeedForSymbolsDigitsOrUppercaseLetters => "api-password-suggestion-no-symbols-needed",
        S::AddAnotherWordOrTwo => "api-password-suggestion-another-word",
        S::CapitalizationDoesntHelpVeryMuch => "api-password-suggestion-capitalization",
        S::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => {
            "api-password-suggestion-all-uppercase"
        }
        S::ReversedWordsArentMuchHarderToGuess => "api-password-suggestion-reversed-words",
        S::PredictableSubstitutionsDontHelpVeryMuch => "api-password-suggestion-substitutions",
        S::UseALongerKeyboardPatternWithMoreTurns => {
            "api-password-suggestion-longer-keyboard-pattern"
        }
        S::AvoidRepeatedWordsAndCharacters => "api-password-suggestion-repeated",
        S::AvoidSequences => "api-password-suggestion-sequences",
        S::AvoidRecentYears => "api-password-suggestion-recent-years",
        S::AvoidYearsThatAreAssociatedWithYou => "api-password-suggestion-years-associated",
        S::AvoidDatesAndYearsThatAreAssociatedWithYou => "api-password-suggestion-dates-associated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_personal_passwords_are_refused_with_a_reason() {
        let ana = ["ana.silva", "ana.silva@uni.example.edu", "Ana Silva"];
        for weak in [
            "password",
            "12345678",
            "ana.silva",
            "qwertyuiop",
            "ana.silva2026",
        ] {
            let why = check_chosen(weak, &ana)
                .err()
                .unwrap_or_else(|| panic!("{weak} passes"))
                .to_string();
            assert!(why.starts_with("is too easy to guess"), "{weak}: {why}");
        }
        let qx = ["qxvoralpine", "qxvoralpine@uni.example.edu", "Qx Voralpine"];
        let said =
            |p: &str, context: &[&str]| check_chosen(p, context).err().map(|w| w.to_string());
        assert_eq!(
            said("qxvoralpine", &qx).as_deref(),
            Some("is too easy to guess: It contains the account's username, name or email address. Add another word or two. Uncommon words are better."),
        );
        assert_eq!(check_chosen("qxvoralpine", &ana), Ok(()));
        assert!(said("password", &ana).is_some_and(|w| w.contains("common")));
        assert_eq!(
            said("short", &ana).as_deref(),
            Some("must be at least 8 characters")
        );
        for strong in [
            "correct horse battery",
            "student-password",
            generate().as_str(),
        ] {
            assert_eq!(check_chosen(strong, &ana), Ok(()), "{strong}");
        }
    }

    /// The English advice is zxcvbn's own, word for word, and every piece of it is said in
    /// French and Arabic too.
    #[test]
    fn zxcvbn_advice_is_said_in_every_language() {
        use classtrack_i18n::Locale;
        use zxcvbn::feedback::{Suggestion as S, Warning as W};
        let warnings = [
            W::StraightRowsOfKeysAreEasyToGuess,
            W::ShortKeyboardPatternsAreEasyToGuess,
            W::RepeatsLikeAaaAreEasyToGuess,
            W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
            W::ThisIsATop10Password,
            W::ThisIsATop100Password,
            W::ThisIsACommonPassword,
            W::ThisIsSimilarToACommonlyUsedPassword,
            W::SequencesLikeAbcAreEasyToGuess,
            W::RecentYearsAreEasyToGuess,
            W::AWordByItselfIsEasyToGuess,
            W::DatesAreOftenEasyToGuess,
            W::NamesAndSurnamesByThemselvesAreEasyToGuess,
            W::CommonNamesAndSurnamesAreEasyToGuess,
        ]
        .map(|w| (warning_key(w), w.to_string()));
        let suggestions = [
            S::UseAFewWordsAvoidCommonPhrases,
            S::NoNeedForSymbolsDigitsOrUppercaseLetters,
            S::AddAnotherWordOrTwo,
            S::CapitalizationDoesntHelpVeryMuch,
            S::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase,
            S::ReversedWordsArentMuchHarderToGuess,
            S::PredictableSubstitutionsDontHelpVeryMuch,
            S::UseALongerKeyboardPatternWithMoreTurns,
            S::AvoidRepeatedWordsAndCharacters,
            S::AvoidSequences,
            S::AvoidRecentYears,
            S::AvoidYearsThatAreAssociatedWithYou,
            S::AvoidDatesAndYearsThatAreAssociatedWithYou,
        ]
        .map(|s| (suggestion_key(s), s.to_string()));
        for (key, english) in warnings.iter().chain(&suggestions) {
            assert_eq!(Problem::new(key).to_string(), *english, "{key}");
            for locale in [Locale::Fr, Locale::Ar] {
                assert_ne!(
                    Problem::new(key).text_in(locale),
                    *english,
                    "{key} in {locale}"
                );
            }
        }
        let qx = ["qxvoralpine", "qxvoralpine@uni.example.edu", "Qx Voralpine"];
        let why = check_chosen("qxvoralpine", &qx).expect_err("refused");
        assert_eq!(
            why.text_in(Locale::Fr),
            "est trop facile à deviner : Il contient le nom d’utilisateur, le nom ou l’adresse e-mail du compte. Ajoutez un ou deux mots. Les mots peu courants sont meilleurs."
        );
    }
}
