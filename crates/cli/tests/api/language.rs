//! Errors speak the caller's language: each carries a
//! `google.rpc.LocalizedMessage` in the language of the call's
//! `accept-language` metadata (AIP-193), beside the English message and the
//! ErrorInfo reason that clients act on.

use classtrack_proto::v1;
use tonic::{Code, Request};
use tonic_types::StatusExt;

use crate::helpers::*;

per_backend!(errors_carry_a_localized_message_in_the_callers_language);

fn in_language<T>(language: Option<&str>, mut r: Request<T>) -> Request<T> {
    if let Some(language) = language {
        r.metadata_mut()
            .insert("accept-language", language.parse().expect("ascii"));
    }
    r
}

async fn errors_carry_a_localized_message_in_the_callers_language(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (_, token) = app.user_with_token(v1::Role::Student, "ana").await;
    let cases = [
        (None, "en", "Wrong username or password."),
        (
            Some("fr-FR,fr;q=0.9,en;q=0.8"),
            "fr",
            "Nom d’utilisateur ou mot de passe incorrect.",
        ),
        (Some("ar"), "ar", "اسم المستخدم أو كلمة المرور غير صحيحة."),
        (Some("de-DE"), "en", "Wrong username or password."),
    ];
    for (asked, locale, text) in cases {
        let wrong = app
            .auth()
            .login(in_language(
                asked,
                Request::new(v1::LoginRequest {
                    login: "ana".into(),
                    password: "nope-nope".into(),
                }),
            ))
            .await
            .expect_err("a wrong password is refused");
        assert_eq!(wrong.code(), Code::Unauthenticated, "{l}");
        assert_eq!(
            wrong.message(),
            "wrong username or password",
            "{l}: the message stays English"
        );
        let m = wrong
            .get_details_localized_message()
            .unwrap_or_else(|| panic!("{l}: a LocalizedMessage for {asked:?}"));
        assert_eq!(m.locale, locale, "{l}: {asked:?}");
        assert_eq!(m.message, text, "{l}: {asked:?}");
    }

    // A refused check-in: the student's words in French, the reason as before.
    let refused = app
        .attendance()
        .check_in(in_language(
            Some("fr"),
            req(
                &token,
                v1::CheckInRequest {
                    credential: Some(v1::check_in_request::Credential::Token(
                        "not-a-token".into(),
                    )),
                    device_id: "dev-ana".into(),
                    ..Default::default()
                },
            ),
        ))
        .await
        .expect_err("a malformed token is refused");
    let info = refused.get_details_error_info().expect("an ErrorInfo");
    assert_eq!(info.reason, "TOKEN_MALFORMED", "{l}");
    let m = refused
        .get_details_localized_message()
        .expect("a LocalizedMessage");
    assert_eq!(
        (m.locale.as_str(), m.message.as_str()),
        ("fr", "Ce n’est pas un code de présence ClassTrack valide."),
        "{l}"
    );

    // A wrong field: its name in the sentence, the BadRequest as before.
    let invalid = app
        .auth()
        .login(in_language(
            Some("ar"),
            Request::new(v1::LoginRequest {
                login: String::new(),
                password: String::new(),
            }),
        ))
        .await
        .expect_err("empty fields are refused");
    assert_eq!(invalid.code(), Code::InvalidArgument, "{l}");
    let m = invalid
        .get_details_localized_message()
        .expect("a LocalizedMessage");
    assert_eq!(m.locale, "ar", "{l}");
    assert!(
        m.message.contains("login") && m.message.contains("password"),
        "{l}: the fields are named: {}",
        m.message
    );
    assert!(invalid.get_details_bad_request().is_some(), "{l}");

    // Each field's own sentence in the caller's language too, beside the English description.
    for (language, login_text) in [("fr", "ne doit pas être vide"), ("ar", "يجب ألا يكون فارغًا")]
    {
        let invalid = app
            .auth()
            .login(in_language(
                Some(language),
                Request::new(v1::LoginRequest {
                    login: String::new(),
                    password: String::new(),
                }),
            ))
            .await
            .expect_err("empty fields are refused");
        let violations = invalid
            .get_details_bad_request()
            .expect("a BadRequest")
            .field_violations;
        let login = violations
            .iter()
            .find(|v| v.field == "login")
            .unwrap_or_else(|| panic!("{l}: a violation of login: {violations:?}"));
        assert_eq!(login.description, "must not be empty", "{l}: English stays");
        let localized = login.localized_message.as_ref().expect("localized");
        assert_eq!(
            (localized.locale.as_str(), localized.message.as_str()),
            (language, login_text),
            "{l}"
        );
    }
    app.stop().await;
}
