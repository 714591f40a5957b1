use super::*;

/// Every refusal has its message in the API's Fluent files (a missing
/// key would come back as the key itself).
#[test]
fn every_refused_check_in_has_a_localized_message() {
    for r in CheckInRejection::ALL {
        let key = r.key();
        assert!(
            classtrack_i18n::has(key),
            "{key} is missing from en/api.ftl"
        );
    }
}

#[test]
fn every_refused_sso_login_has_a_localized_message() {
    use SsoRefusal as R;
    for r in [R::StateUnknown, R::TokenInvalid, R::AccountUnusable] {
        let key = r.key();
        assert!(
            classtrack_i18n::has(&key),
            "{key} is missing from en/api.ftl"
        );
    }
    assert!(classtrack_i18n::has("api-error-provider-unavailable"));
}

/// The refusals of a provider login and of a device sign-in have a sentence of their own in
/// French and Arabic (none is English left over, none another's), the account conflict too.
#[test]
fn sso_and_device_refusals_have_their_own_sentences() {
    use classtrack_i18n::{text, Locale};
    use SsoRefusal as R;
    let mut keys: Vec<String> = [R::StateUnknown, R::TokenInvalid, R::AccountUnusable]
        .into_iter()
        .map(|r| r.key())
        .collect();
    keys.extend(
        [
            "authorization-pending",
            "slow-down",
            "access-denied",
            "expired-token",
            "invalid-device-code",
        ]
        .map(|k| format!("api-error-device-{k}")),
    );
    keys.extend(
        [
            "sso-no-account",
            "sso-account-conflict",
            "provider-unavailable",
        ]
        .map(|k| format!("api-error-{k}")),
    );
    for locale in [Locale::Fr, Locale::Ar] {
        let said: Vec<String> = keys.iter().map(|k| text(locale, k, &[])).collect();
        for (key, sentence) in keys.iter().zip(&said) {
            assert_ne!(*sentence, text(Locale::En, key, &[]), "{key} in {locale}");
            assert_eq!(
                said.iter().filter(|s| *s == sentence).count(),
                1,
                "{key} in {locale} is another refusal's sentence"
            );
        }
    }
    let conflict = ApiError::denied("api-error-sso-account-conflict");
    assert_eq!(
        conflict.to_string(),
        "your account at the identity provider matches a different ClassTrack account; \
         an administrator has to resolve it (the conflict is logged)"
    );
    assert_eq!(
        text(Locale::Fr, "api-error-sso-account-conflict", &[]),
        "Votre compte chez le fournisseur d’identité correspond à un autre compte ClassTrack ; \
         un administrateur doit régler ce conflit (il est enregistré dans le journal)."
    );
}
