//! Errors speak the caller's language: each carries a
//! `google.rpc.LocalizedMessage` in the language of the call's
//! `accept-language` metadata (AIP-193), beside the English message and the
//! ErrorInfo reason that clients act on.

use classtrack_proto::v1;
use tonic::{Code, Request};
use tonic_types::StatusExt;

use crate::helpers::*;

per_backend!(errors_carry_a_localized_message_in_the_callers_language);
per_backend!(each_user_saves_their_own_language);
per_backend!(each_refusal_says_its_own_sentence_in_the_callers_language);

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
        (None, "en", "wrong username or password"),
        (
            Some("fr-FR,fr;q=0.9,en;q=0.8"),
            "fr",
            "Nom d’utilisateur ou mot de passe incorrect.",
        ),
        (Some("ar"), "ar", "اسم المستخدم أو كلمة المرور غير صحيحة."),
        (Some("de-DE"), "en", "wrong username or password"),
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

async fn each_user_saves_their_own_language(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (ana, ana_token) = app.user_with_token(v1::Role::Student, "ana").await;
    let (_, bob_token) = app.user_with_token(v1::Role::Professor, "bob").await;
    assert_eq!(ana.locale, "", "{l}: no preference at first");
    let saved_of = |token: String| {
        let app = &app;
        async move {
            app.auth()
                .who_am_i(req(&token, v1::WhoAmIRequest {}))
                .await
                .expect("who am I")
                .into_inner()
                .user
                .expect("a user")
                .locale
        }
    };
    let set = |token: String, locale: &'static str| {
        let app = &app;
        async move {
            app.auth()
                .set_my_locale(req(
                    &token,
                    v1::SetMyLocaleRequest {
                        locale: locale.into(),
                    },
                ))
                .await
        }
    };

    let answer = set(ana_token.clone(), "FR").await.expect("French saved");
    let me = answer.into_inner().user.expect("the caller");
    assert_eq!(
        (me.name.as_str(), me.locale.as_str()),
        (ana.name.as_str(), "fr"),
        "{l}"
    );
    assert_eq!(
        saved_of(ana_token.clone()).await,
        "fr",
        "{l}: WhoAmI reads it back"
    );
    assert_eq!(
        saved_of(bob_token.clone()).await,
        "",
        "{l}: nobody else's changes: the call names no user"
    );
    let by_admin = app
        .users()
        .get_user(req(
            &app.admin,
            v1::GetUserRequest {
                name: ana.name.clone(),
            },
        ))
        .await
        .expect("get user")
        .into_inner()
        .user
        .expect("a user");
    assert_eq!(by_admin.locale, "fr", "{l}: the user resource carries it");

    set(bob_token.clone(), "ar").await.expect("Arabic saved");
    assert_eq!(saved_of(bob_token.clone()).await, "ar", "{l}");
    assert_eq!(saved_of(ana_token.clone()).await, "fr", "{l}: Ana's stays");

    let refused = set(ana_token.clone(), "klingon")
        .await
        .expect_err("a language we don't speak is refused");
    assert_eq!(refused.code(), Code::InvalidArgument, "{l}");
    let bad = refused.get_details_bad_request().expect("a BadRequest");
    assert_eq!(bad.field_violations.len(), 1, "{l}");
    assert_eq!(bad.field_violations[0].field, "locale", "{l}");
    assert!(
        bad.field_violations[0].description.contains("\"klingon\"")
            && bad.field_violations[0].description.contains("en, fr or ar"),
        "{l}: names the value and what is spoken: {refused:?}"
    );
    assert_eq!(
        saved_of(ana_token.clone()).await,
        "fr",
        "{l}: nothing changed"
    );

    set(ana_token.clone(), "").await.expect("no preference");
    assert_eq!(saved_of(ana_token.clone()).await, "", "{l}: cleared");

    let anonymous = app
        .auth()
        .set_my_locale(v1::SetMyLocaleRequest {
            locale: "fr".into(),
        })
        .await
        .expect_err("anonymous");
    assert_eq!(anonymous.code(), Code::Unauthenticated, "{l}");
    app.stop().await;
}

/// The LocalizedMessage of `status`, as (locale, text).
fn localized_of(status: &tonic::Status) -> (String, String) {
    let m = status
        .get_details_localized_message()
        .unwrap_or_else(|| panic!("a LocalizedMessage: {status:?}"));
    (m.locale, m.message)
}

/// A refusal's LocalizedMessage is its own sentence in the caller's language (not the
/// generic sentence of its status), and its message stays the same English.
async fn each_refusal_says_its_own_sentence_in_the_callers_language(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;

    // FAILED_PRECONDITION: closing a cancelled session.
    let course = app.create_course("CS101", &[], None).await;
    let session = app.create_session(&course, 0, 60, None).await;
    app.sessions()
        .cancel_session(req(
            &app.admin,
            v1::CancelSessionRequest {
                name: session.name.clone(),
                reason: String::new(),
            },
        ))
        .await
        .expect("cancel");
    for (asked, locale, text) in [
        (None, "en", "a cancelled session cannot be closed"),
        (
            Some("fr"),
            "fr",
            "Une séance annulée ne peut pas être close.",
        ),
        (Some("ar"), "ar", "لا يمكن إغلاق حصة ملغاة."),
    ] {
        let refused = app
            .sessions()
            .close_session(in_language(
                asked,
                req(
                    &app.admin,
                    v1::CloseSessionRequest {
                        name: session.name.clone(),
                    },
                ),
            ))
            .await
            .expect_err("a cancelled session is not closed");
        assert_eq!(refused.code(), Code::FailedPrecondition, "{l}");
        assert_eq!(
            refused.message(),
            "a cancelled session cannot be closed",
            "{l}: the message stays English"
        );
        assert_eq!(
            localized_of(&refused),
            (locale.to_string(), text.to_string()),
            "{l}: {asked:?}"
        );
    }

    // A weak password: zxcvbn's advice in French beside the English description.
    let (_, qx_token) = app.user_with_token(v1::Role::Student, "qxvoralpine").await;
    let weak = app
        .auth()
        .change_password(in_language(
            Some("fr"),
            req(
                &qx_token,
                v1::ChangePasswordRequest {
                    current_password: PASSWORD.into(),
                    new_password: "qxvoralpine".into(),
                },
            ),
        ))
        .await
        .expect_err("a password made of the username is refused");
    assert_eq!(weak.code(), Code::InvalidArgument, "{l}");
    let violations = weak
        .get_details_bad_request()
        .expect("a BadRequest")
        .field_violations;
    let new_password = violations
        .iter()
        .find(|v| v.field == "new_password")
        .unwrap_or_else(|| panic!("{l}: a violation of new_password: {violations:?}"));
    assert_eq!(
        new_password.description,
        "is too easy to guess: It contains the account's username, name or email address. \
         Add another word or two. Uncommon words are better.",
        "{l}: English stays"
    );
    let localized = new_password.localized_message.as_ref().expect("localized");
    assert_eq!(
        (localized.locale.as_str(), localized.message.as_str()),
        (
            "fr",
            "est trop facile à deviner : Il contient le nom d’utilisateur, le nom ou l’adresse \
             e-mail du compte. Ajoutez un ou deux mots. Les mots peu courants sont meilleurs."
        ),
        "{l}"
    );
    // UNAUTHENTICATED: a login that expired, and no login at all, each with its own sentence.
    let (_, token) = app.user_with_token(v1::Role::Student, "ana").await;
    app.advance(8 * 24 * 3600);
    let expired = app
        .auth()
        .who_am_i(in_language(Some("fr"), req(&token, v1::WhoAmIRequest {})))
        .await
        .expect_err("an expired login");
    assert_eq!(expired.code(), Code::Unauthenticated, "{l}");
    assert_eq!(
        expired.message(),
        "your login has expired or was ended; log in again",
        "{l}"
    );
    assert_eq!(
        localized_of(&expired),
        (
            "fr".to_string(),
            "Votre connexion a expiré ou a été fermée ; reconnectez-vous.".to_string()
        ),
        "{l}"
    );
    let anonymous = app
        .auth()
        .who_am_i(in_language(Some("ar"), Request::new(v1::WhoAmIRequest {})))
        .await
        .expect_err("no login");
    assert_eq!(
        localized_of(&anonymous).1,
        "سجّل الدخول أولًا: يحتاج هذا الطلب إلى ترويسة `authorization: Bearer <token>`.",
        "{l}"
    );

    app.stop().await;
}
