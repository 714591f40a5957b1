//! Imports of files as people really save them (kept in tests/data/imports):
//! French Excel's CSV (`;`, BOM, CRLF), the same in Windows-1252, Excel's
//! "Unicode text" (UTF-16, tabs), an .xlsx and an .ods workbook, and
//! Moodle's user-upload file. Each reads the same three people, and the
//! answer says how the file was read.

use classtrack_proto::v1;

use crate::helpers::*;

per_backend!(
    spreadsheets_as_saved_import_the_same_people,
    a_moodle_upload_file_is_understood,
    a_file_that_cannot_be_read_says_what_to_do,
);

fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/imports")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn import(app: &TestApp, file: &[u8], dry_run: bool) -> v1::ImportUsersResponse {
    app.users()
        .import_users(req(
            &app.admin,
            v1::ImportUsersRequest {
                csv: file.to_vec(),
                dry_run,
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{}: import: {e:?}", app.label))
        .into_inner()
}

fn people(r: &v1::ImportUsersResponse) -> Vec<(String, String, String, i32)> {
    r.users
        .iter()
        .map(|u| {
            let u = u.user.as_ref().expect("user");
            (
                u.username.clone(),
                u.display_name.clone(),
                u.student_number.clone(),
                u.role,
            )
        })
        .collect()
}

async fn spreadsheets_as_saved_import_the_same_people(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let expected = vec![
        (
            "elodie".to_string(),
            "Élodie Martin".to_string(),
            "20260001".to_string(),
            v1::Role::Student as i32,
        ),
        (
            "noemie".into(),
            "Noémie Durand".into(),
            "20260002".into(),
            v1::Role::Student as i32,
        ),
        (
            "francois".into(),
            "François Leclerc".into(),
            String::new(),
            v1::Role::Professor as i32,
        ),
    ];
    for (file, read_as) in [
        ("french-excel-utf8.csv", "CSV separated by ';', UTF-8"),
        (
            "french-excel-windows-1252.csv",
            "CSV separated by ';', windows-1252",
        ),
        ("excel-unicode-text.txt", "CSV separated by tabs, UTF-16LE"),
        ("students.xlsx", "Excel workbook, sheet \"Étudiants\""),
        (
            "students.ods",
            "OpenDocument spreadsheet, sheet \"Étudiants\"",
        ),
    ] {
        let preview = import(&app, &data(file), true).await;
        assert!(
            preview.errors.is_empty(),
            "{l}: {file}: {:?}",
            preview.errors
        );
        assert_eq!(preview.read_as, read_as, "{l}: {file}");
        assert_eq!(people(&preview), expected, "{l}: {file}");
    }
    // And for real, from the file French Excel writes by default.
    let done = import(&app, &data("french-excel-windows-1252.csv"), false).await;
    assert!(done.errors.is_empty(), "{l}: {:?}", done.errors);
    assert_eq!(people(&done), expected, "{l}");
    app.stop().await;
}

async fn a_moodle_upload_file_is_understood(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let done = import(&app, &data("moodle-upload-users.csv"), false).await;
    assert!(done.errors.is_empty(), "{l}: {:?}", done.errors);
    assert_eq!(
        people(&done),
        vec![
            (
                "elodie".to_string(),
                "Élodie Martin".to_string(),
                "20260001".to_string(),
                v1::Role::Student as i32
            ),
            (
                "noemie".into(),
                "Noémie Durand".into(),
                "20260002".into(),
                v1::Role::Student as i32
            ),
        ],
        "{l}: firstname + lastname, idnumber, every one a student"
    );
    app.stop().await;
}

async fn a_file_that_cannot_be_read_says_what_to_do(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    // UTF-16 without its byte-order mark: not readable as text.
    let mut no_bom = data("excel-unicode-text.txt");
    no_bom.drain(..2);
    let r = import(&app, &no_bom, true).await;
    let message = &r.errors.first().expect("an error").message;
    assert!(
        message.contains("save it from the spreadsheet as \"CSV UTF-8\""),
        "{l}: {message}"
    );
    // A zip that is no workbook.
    let r = import(&app, b"PK\x03\x04 not really a workbook", true).await;
    let message = &r.errors.first().expect("an error").message;
    assert!(
        message.contains("cannot be read") && message.contains(".xlsx"),
        "{l}: {message}"
    );
    app.stop().await;
}
