use super::*;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn groups_give_the_highest_role() {
    let admin = strings(&["ClassTrack-Admins"]);
    let staff = strings(&["/staff"]);
    let of = |g: &[&str]| role_of(&strings(g), &admin, &staff);
    assert_eq!(of(&[]), Role::Student);
    assert_eq!(of(&["/Staff"]), Role::Professor);
    assert_eq!(of(&["/staff", "classtrack-admins"]), Role::Admin);
    assert_eq!(of(&["staff"]), Role::Student);
}

#[test]
fn claims_are_read_as_text_or_lists() {
    let claims = serde_json::json!({
        "groups": ["a", "b", 3],
        "role": "teacher",
        "number": 12345,
        "empty": " ",
    });
    assert_eq!(claim_list(&claims, "groups"), strings(&["a", "b"]));
    assert_eq!(claim_list(&claims, "role"), strings(&["teacher"]));
    assert_eq!(claim_list(&claims, "missing"), Vec::<String>::new());
    assert_eq!(claim_text(&claims, "number").as_deref(), Some("12345"));
    assert_eq!(claim_text(&claims, "empty"), None);
    assert_eq!(claim_text(&claims, "groups"), None);
}

#[test]
fn settings_are_checked() {
    let base = OidcSettings {
        name: "entra".into(),
        label: "Example University".into(),
        issuer: "https://login.example.edu/tenant/v2.0".into(),
        client_id: "abc".into(),
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    assert!(OidcProvider::new(base.clone()).is_ok());
    let err = OidcProvider::new(OidcSettings {
        name: "Entra ID".into(),
        ..base.clone()
    })
    .expect_err("a name with a space");
    assert!(err.contains("name"), "{err}");
    let err = OidcProvider::new(OidcSettings {
        issuer: "http://login.example.edu".into(),
        ..base.clone()
    })
    .expect_err("plain http elsewhere");
    assert!(err.contains("https"), "{err}");
    assert!(OidcProvider::new(OidcSettings {
        issuer: "http://127.0.0.1:9999".into(),
        ..base.clone()
    })
    .is_ok());
    let err = OidcProvider::new(OidcSettings {
        client_id: " ".into(),
        ..base
    })
    .expect_err("no client id");
    assert!(err.contains("client_id"), "{err}");
}
