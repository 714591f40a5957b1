//! Reports, exports, justifications and supervision.

use classtrack_proto::v1;
use tonic::Code;

use crate::helpers::*;

const P: v1::AttendanceStatus = v1::AttendanceStatus::Present;
const L: v1::AttendanceStatus = v1::AttendanceStatus::Late;
const A: v1::AttendanceStatus = v1::AttendanceStatus::Absent;
const E: v1::AttendanceStatus = v1::AttendanceStatus::Excused;

struct Course {
    app: TestApp,
    course: v1::Course,
    prof: String,
    students: Vec<(v1::User, String)>,
    sessions: Vec<v1::Session>,
}

/// A course with rules 20 % / 3 unexcused / 2 in a row, and past sessions
/// whose statuses per student are given row by row.
async fn course_with_history(
    db: &classtrack_store::testing::TestDb,
    plan: &[&[v1::AttendanceStatus]],
) -> Course {
    let app = spawn_app(db).await;
    let (prof_user, prof) = app.user_with_token(v1::Role::Professor, "prof").await;
    let mut course = app.create_course("CS101", &[&prof_user], None).await;
    course = app
        .courses()
        .update_course(req(
            &prof,
            v1::UpdateCourseRequest {
                course: Some(v1::Course {
                    name: course.name.clone(),
                    absence_rules: Some(v1::AbsenceRules {
                        max_absence_percent: 20,
                        max_unexcused_absences: 3,
                        max_consecutive_absences: 2,
                        late_counts_as_attended: Some(true),
                    }),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["absence_rules".into()],
                }),
            },
        ))
        .await
        .expect("rules")
        .into_inner()
        .course
        .expect("course");
    let mut students = Vec::new();
    for i in 0..plan.len() {
        let s = app
            .user_with_token(v1::Role::Student, &format!("stu{i}"))
            .await;
        app.enroll(&course, &s.0).await;
        students.push(s);
    }
    let mut sessions = Vec::new();
    let columns = plan.first().map_or(0, |r| r.len());
    for col in 0..columns {
        let s = app.create_session(&course, 0, 30, None).await;
        for (row, (student, _)) in plan.iter().zip(&students) {
            if row[col] == v1::AttendanceStatus::Unspecified {
                continue;
            }
            app.attendance()
                .mark_attendance(req(
                    &prof,
                    v1::MarkAttendanceRequest {
                        session: s.name.clone(),
                        student: student.name.clone(),
                        status: row[col] as i32,
                        note: String::new(),
                    },
                ))
                .await
                .expect("mark");
        }
        app.sessions()
            .close_session(req(
                &prof,
                v1::CloseSessionRequest {
                    name: s.name.clone(),
                },
            ))
            .await
            .expect("close");
        app.advance(3600);
        sessions.push(s);
    }
    Course {
        app,
        course,
        prof,
        students,
        sessions,
    }
}

fn level(w: &Option<v1::AbsenceWarning>) -> v1::WarningLevel {
    v1::WarningLevel::try_from(w.as_ref().expect("warning").level).expect("level")
}

async fn course_report_rates_and_warnings_at_their_edges(db: TestDb) {
    let c = course_with_history(
        &db,
        &[
            &[A, P, P, P, P],
            &[P, P, P, P, P],
            &[L, E, P, P, A],
            &[P, P, P, A, A],
        ],
    )
    .await;
    let l = c.app.label;
    let report = c.app.report(&c.prof, &c.course).await;
    assert_eq!(report.sessions.len(), 5, "{l}");
    let row = |i: usize| &report.rows[i];
    // 1 of 5 missed = 20 %: at the limit
    assert_eq!(
        level(&row(0).warning),
        v1::WarningLevel::Over,
        "{l}: {:?}",
        row(0).warning
    );
    assert!(
        (row(0).counts.as_ref().expect("c").attendance_rate - 0.8).abs() < 1e-9,
        "{l}"
    );
    assert_eq!(level(&row(1).warning), v1::WarningLevel::None, "{l}");
    // late is attended, excused leaves the denominator: 1 missed of 4 = 25 %
    let c2 = row(2).counts.as_ref().expect("counts");
    assert_eq!(
        (c2.present, c2.late, c2.excused, c2.absent),
        (2, 1, 1, 1),
        "{l}"
    );
    assert!((c2.attendance_rate - 0.75).abs() < 1e-9, "{l}");
    // two in a row at the end
    assert_eq!(
        row(3).counts.as_ref().expect("c").consecutive_absences,
        2,
        "{l}"
    );
    assert!(
        row(3)
            .warning
            .as_ref()
            .expect("w")
            .reasons
            .iter()
            .any(|r| r.contains("in a row")),
        "{l}: {:?}",
        row(3).warning
    );
    // The reasons speak the caller's language.
    for (language, words) in [("fr", "absences d'affilée"), ("ar", "غيابات متتالية")]
    {
        let mut r = req(
            &c.prof,
            v1::GetCourseReportRequest {
                course: c.course.name.clone(),
                ..Default::default()
            },
        );
        r.metadata_mut()
            .insert("accept-language", language.parse().expect("ascii"));
        let localized = c
            .app
            .reports()
            .get_course_report(r)
            .await
            .expect("report")
            .into_inner();
        let reasons = &localized.rows[3].warning.as_ref().expect("w").reasons;
        assert!(
            reasons.iter().any(|r| r.contains(words)),
            "{l} {language}: {reasons:?}"
        );
    }
    let per_session = &report.session_counts;
    assert_eq!(
        (per_session[4].present, per_session[4].absent),
        (2, 2),
        "{l}"
    );

    // the student sees the same figures on their history; not someone else's
    let (student, token) = &c.students[0];
    let h = c
        .app
        .reports()
        .get_student_history(req(token, v1::GetStudentHistoryRequest::default()))
        .await
        .expect("history")
        .into_inner();
    assert_eq!(h.student.expect("s").name, student.name, "{l}");
    assert_eq!(level(&h.courses[0].warning), v1::WarningLevel::Over, "{l}");
    assert_eq!(h.courses[0].sessions.len(), 5, "{l}");
    let other = c
        .app
        .reports()
        .get_student_history(req(
            token,
            v1::GetStudentHistoryRequest {
                student: c.students[1].0.name.clone(),
            },
        ))
        .await;
    assert_code(l, other, Code::PermissionDenied);
    let (_, stranger) = c.app.user_with_token(v1::Role::Professor, "stranger").await;
    assert_code(
        l,
        c.app
            .reports()
            .get_course_report(req(
                &stranger,
                v1::GetCourseReportRequest {
                    course: c.course.name.clone(),
                    ..Default::default()
                },
            ))
            .await,
        Code::PermissionDenied,
    );

    // a student enrolled now has no past sessions counted against them
    let (newbie, newbie_token) = c.app.user_with_token(v1::Role::Student, "newbie").await;
    c.app.enroll(&c.course, &newbie).await;
    let h = c
        .app
        .reports()
        .get_student_history(req(&newbie_token, v1::GetStudentHistoryRequest::default()))
        .await
        .expect("history")
        .into_inner();
    let counts = h.courses[0].counts.as_ref().expect("counts");
    assert_eq!((counts.sessions, counts.attendance_rate), (0, 1.0), "{l}");
    c.app.stop().await;
}
per_backend!(course_report_rates_and_warnings_at_their_edges);

async fn exports_agree_with_the_report(db: TestDb) {
    let c = course_with_history(&db, &[&[A, P, L], &[P, E, P]]).await;
    let l = c.app.label;
    let report = c.app.report(&c.prof, &c.course).await;
    let csv = c
        .app
        .export(&c.prof, &c.course, v1::ExportFormat::Csv)
        .await;
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(headers.len(), 3 + 3 + 6, "{l}");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), report.rows.len(), "{l}");
    for (parsed, row) in rows.iter().zip(&report.rows) {
        assert_eq!(&parsed[1], row.student.as_ref().expect("s").username, "{l}");
        for (i, status) in row.statuses.iter().enumerate() {
            let word = v1::AttendanceStatus::try_from(*status)
                .expect("status")
                .as_str_name()
                .trim_start_matches("ATTENDANCE_STATUS_")
                .to_lowercase();
            assert_eq!(parsed[3 + i], word, "{l}");
        }
        let counts = row.counts.as_ref().expect("counts");
        assert_eq!(parsed[6].parse::<i32>().expect("n"), counts.present, "{l}");
        assert_eq!(
            parsed[10].parse::<f64>().expect("rate"),
            (counts.attendance_rate * 1000.0).round() / 10.0,
            "{l}"
        );
    }
    // As French Excel reads it: a BOM, ';' between values, ',' in decimals;
    // the same figures.
    let french = c
        .app
        .export(&c.prof, &c.course, v1::ExportFormat::CsvSemicolon)
        .await;
    let text = french
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or_else(|| panic!("{l}: the semicolon CSV starts with a BOM"));
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text);
    assert_eq!(reader.headers().expect("headers").len(), 3 + 3 + 6, "{l}");
    let french_rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    for (french, comma) in french_rows.iter().zip(&rows) {
        assert_eq!(&french[1], &comma[1], "{l}");
        assert_eq!(
            french[10].replace(',', "."),
            comma[10],
            "{l}: the same rate"
        );
    }
    let xlsx = c
        .app
        .export(&c.prof, &c.course, v1::ExportFormat::Xlsx)
        .await;
    assert!(
        xlsx.starts_with(b"PK") && xlsx.len() > 1000,
        "{l}: an xlsx (zip) file"
    );
    // Read back with a spreadsheet reader: the rate is a number, the CSV's
    // figure as a fraction (formatted as a percentage).
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("an xlsx");
    let sheet = book.worksheet_range("Attendance").expect("the sheet");
    for (i, comma) in rows.iter().enumerate() {
        let cell = sheet
            .get_value((u32::try_from(i + 1).expect("row"), 10))
            .expect("a rate cell");
        let rate = match cell {
            calamine::Data::Float(f) => *f,
            other => panic!("{l}: the rate is a number, not {other:?}"),
        };
        let csv_rate: f64 = comma[10].parse().expect("rate");
        assert!(
            (rate * 100.0 - csv_rate).abs() < 1e-9,
            "{l}: {rate} vs {csv_rate}"
        );
    }
    let denied = c
        .app
        .reports()
        .export_course_report(req(
            &c.students[0].1,
            v1::ExportCourseReportRequest {
                course: c.course.name.clone(),
                format: 1,
                ..Default::default()
            },
        ))
        .await;
    assert_code(l, denied.map(|_| ()), Code::PermissionDenied);
    c.app.stop().await;
}
per_backend!(exports_agree_with_the_report);

/// An export asked for in French has French column names and words; every
/// session's column names its start in the course's zone and the zone; the
/// XLSX lists the sessions with their times as real dates in that zone.
async fn exports_speak_the_callers_language_and_name_the_zone(db: TestDb) {
    let c = course_with_history(&db, &[&[A, P, L]]).await;
    let l = c.app.label;
    let report = c.app.report(&c.prof, &c.course).await;
    let zone: chrono_tz::Tz = c.course.time_zone.parse().expect("a zone");
    let starts: Vec<chrono::NaiveDateTime> = report
        .sessions
        .iter()
        .map(|s| {
            let t = s.start_time.as_ref().expect("a start");
            chrono::DateTime::from_timestamp(t.seconds, 0)
                .expect("a time")
                .with_timezone(&zone)
                .naive_local()
        })
        .collect();

    let english = c
        .app
        .export(&c.prof, &c.course, v1::ExportFormat::Csv)
        .await;
    let mut reader = csv::Reader::from_reader(english.as_slice());
    let head = reader.headers().expect("headers").clone();
    assert_eq!(
        &head[0], "student_number",
        "{l}: English keeps the names scripts read"
    );
    let first = starts[0].format("%Y-%m-%d %H:%M").to_string();
    assert!(
        head[3].starts_with(&format!("{first} ({})", zone.name())),
        "{l}: the session's column names its zone: {}",
        &head[3]
    );

    let french = c
        .app
        .export_in(
            &c.prof,
            &c.course,
            v1::ExportFormat::CsvSemicolon,
            Some("fr-FR,fr;q=0.9"),
        )
        .await;
    let text = french.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text);
    let head = reader.headers().expect("headers").clone();
    assert_eq!(&head[0], "Numéro d’étudiant", "{l}");
    assert_eq!(&head[6], "Présent", "{l}");
    assert_eq!(&head[10], "Taux de présence (%)", "{l}");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let words: Vec<&str> = (3..6).map(|i| &rows[0][i]).collect();
    assert_eq!(words, ["absent", "présent", "en retard"], "{l}");

    let xlsx = c
        .app
        .export_in(&c.prof, &c.course, v1::ExportFormat::Xlsx, Some("fr"))
        .await;
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("an xlsx");
    let sheet = book.worksheet_range("Attendance").expect("the sheet");
    assert_eq!(
        sheet.get_value((0, 0)),
        Some(&calamine::Data::String("Numéro d’étudiant".into())),
        "{l}"
    );
    let sessions = book.worksheet_range("Sessions").expect("a Sessions sheet");
    assert_eq!(
        sessions.get_value((0, 1)),
        Some(&calamine::Data::String("Début".into())),
        "{l}"
    );
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .expect("a date")
        .and_hms_opt(0, 0, 0)
        .expect("a time");
    for (i, start) in starts.iter().enumerate() {
        let row = u32::try_from(i + 1).expect("row");
        let serial = match sessions.get_value((row, 1)) {
            Some(calamine::Data::DateTime(d)) => d.as_f64(),
            other => panic!("{l}: the start is a date, not {other:?}"),
        };
        let expected = (*start - epoch).num_seconds() as f64 / 86_400.0;
        assert!(
            (serial - expected).abs() < 1.0 / 86_400.0,
            "{l}: session {i} starts {serial} in the sheet, {expected} ({start}) in {zone}"
        );
        assert_eq!(
            sessions.get_value((row, 3)),
            Some(&calamine::Data::String(zone.name().into())),
            "{l}"
        );
    }
    c.app.stop().await;
}
per_backend!(exports_speak_the_callers_language_and_name_the_zone);

/// A display name or a session title that a spreadsheet would run as a
/// formula is exported as text (OWASP CSV injection), in CSV as a cell
/// starting with `'`.
async fn an_exported_cell_is_never_a_formula(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let prof = app.create_user(v1::Role::Professor, "prof").await;
    let course = app.create_course("INJ101", &[&prof], None).await;
    let evil = app
        .users()
        .create_user(req(
            &app.admin,
            v1::CreateUserRequest {
                user: Some(v1::User {
                    username: "mallory".into(),
                    email: "mallory@uni.example.edu".into(),
                    display_name: "=HYPERLINK(\"http://evil.example\",\"Mallory\")".into(),
                    role: v1::Role::Student as i32,
                    student_number: "-2-3".into(),
                    ..Default::default()
                }),
                password: PASSWORD.into(),
            },
        ))
        .await
        .expect("a student")
        .into_inner()
        .user
        .expect("user");
    app.enroll(&course, &evil).await;
    let mut session = app.create_session(&course, -90, 60, None).await;
    session.title = "@SUM(A1:A9)".into();
    app.sessions()
        .update_session(req(
            &app.admin,
            v1::UpdateSessionRequest {
                session: Some(session.clone()),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["title".into()],
                }),
            },
        ))
        .await
        .expect("retitled");
    let csv = app.export(&app.admin, &course, v1::ExportFormat::Csv).await;
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let headers = reader.headers().expect("headers").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let cells = headers.iter().chain(rows.iter().flat_map(|r| r.iter()));
    for cell in cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{l}: a cell a spreadsheet would run: {cell:?}"
        );
    }
    assert_eq!(&rows[0][0], "'-2-3", "{l}");
    assert_eq!(
        &rows[0][2], "'=HYPERLINK(\"http://evil.example\",\"Mallory\")",
        "{l}"
    );
    assert!(
        headers[3].ends_with("@SUM(A1:A9)"),
        "{l}: {:?}",
        &headers[3]
    );
    app.stop().await;
}
per_backend!(an_exported_cell_is_never_a_formula);

async fn justification_workflow_end_to_end(db: TestDb) {
    let c = course_with_history(&db, &[&[A, L, P]]).await;
    let l = c.app.label;
    let (_, token) = &c.students[0];
    let submit = |session: &str, reason: &str, attachment: Vec<u8>| {
        let r = req(
            token,
            v1::SubmitJustificationRequest {
                session: session.into(),
                reason: reason.into(),
                attachment,
                attachment_filename: "../../etc/note.pdf".into(),
            },
        );
        let mut client = c.app.reports();
        async move { client.submit_justification(r).await.map(|r| r.into_inner()) }
    };
    let too_big = submit(
        &c.sessions[0].name,
        "Sick",
        [b"%PDF-".as_slice(), &vec![0u8; 2 * 1024 * 1024]].concat(),
    )
    .await;
    assert_eq!(
        fields(&assert_code(l, too_big, Code::InvalidArgument)),
        ["attachment"],
        "{l}"
    );
    let wrong_type = submit(
        &c.sessions[0].name,
        "Sick",
        b"MZ\x90\x00 an executable".to_vec(),
    )
    .await;
    assert_eq!(
        fields(&assert_code(l, wrong_type, Code::InvalidArgument)),
        ["attachment"],
        "{l}"
    );
    let present = submit(&c.sessions[2].name, "Was there", vec![]).await;
    assert_code(l, present, Code::FailedPrecondition);

    let j = submit(
        &c.sessions[0].name,
        "Flu, doctor's note attached",
        b"%PDF-1.4 a note".to_vec(),
    )
    .await
    .expect("submitted")
    .justification
    .expect("j");
    assert_eq!(
        (
            j.state,
            j.attachment_filename.as_str(),
            j.attachment_content_type.as_str()
        ),
        (
            v1::JustificationState::Pending as i32,
            "note.pdf",
            "application/pdf"
        ),
        "{l}"
    );
    let again = submit(&c.sessions[0].name, "Again", vec![]).await;
    assert_code(l, again, Code::AlreadyExists);
    // a double tap sends it several times at once: one is kept
    let taps =
        futures::future::join_all((0..4).map(|_| submit(&c.sessions[1].name, "Bus", vec![]))).await;
    let mut kept = Vec::new();
    for tap in taps {
        match tap {
            Ok(r) => kept.push(r.justification.expect("j")),
            Err(s) => assert_eq!(s.code(), Code::AlreadyExists, "{l}: {s:?}"),
        }
    }
    assert_eq!(kept.len(), 1, "{l}: one pending justification per session");
    let late = kept.remove(0);

    // the professor sees both, opens the file, approves one and rejects the other
    let pending = c
        .app
        .reports()
        .list_justifications(req(
            &c.prof,
            v1::ListJustificationsRequest {
                state: v1::JustificationState::Pending as i32,
                ..Default::default()
            },
        ))
        .await
        .expect("list")
        .into_inner();
    assert_eq!(pending.justifications.len(), 2, "{l}");
    let file = c
        .app
        .reports()
        .get_justification_attachment(req(
            &c.prof,
            v1::GetJustificationAttachmentRequest {
                name: j.name.clone(),
            },
        ))
        .await
        .expect("file")
        .into_inner();
    assert_eq!(file.content, b"%PDF-1.4 a note", "{l}");
    let no_comment = c
        .app
        .reports()
        .decide_justification(req(
            &c.prof,
            v1::DecideJustificationRequest {
                name: late.name.clone(),
                approve: false,
                comment: String::new(),
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, no_comment, Code::InvalidArgument)),
        ["comment"],
        "{l}"
    );
    c.app
        .reports()
        .decide_justification(req(
            &c.prof,
            v1::DecideJustificationRequest {
                name: late.name.clone(),
                approve: false,
                comment: "Leave earlier".into(),
            },
        ))
        .await
        .expect("reject");
    let approved = c
        .app
        .reports()
        .decide_justification(req(
            &c.prof,
            v1::DecideJustificationRequest {
                name: j.name.clone(),
                approve: true,
                comment: String::new(),
            },
        ))
        .await
        .expect("approve")
        .into_inner()
        .justification
        .expect("j");
    assert_eq!(
        approved.state,
        v1::JustificationState::Approved as i32,
        "{l}"
    );
    let twice = c
        .app
        .reports()
        .decide_justification(req(
            &c.prof,
            v1::DecideJustificationRequest {
                name: j.name.clone(),
                approve: false,
                comment: "no".into(),
            },
        ))
        .await;
    assert_code(l, twice, Code::FailedPrecondition);

    // the absence is now excused, by justification, and both sides see the states
    let h = c
        .app
        .reports()
        .get_student_history(req(token, v1::GetStudentHistoryRequest::default()))
        .await
        .expect("history")
        .into_inner();
    let first = h.courses[0]
        .sessions
        .iter()
        .find(|s| s.session.as_ref().map(|x| x.name.as_str()) == Some(c.sessions[0].name.as_str()))
        .expect("session");
    let rec = first.record.as_ref().expect("record");
    assert_eq!(
        (rec.status, rec.source),
        (E as i32, v1::RecordSource::Justification as i32),
        "{l}"
    );
    let mine = c
        .app
        .reports()
        .list_justifications(req(token, v1::ListJustificationsRequest::default()))
        .await
        .expect("mine")
        .into_inner();
    let states: Vec<i32> = mine.justifications.iter().map(|j| j.state).collect();
    assert_eq!(
        states,
        [
            v1::JustificationState::Rejected as i32,
            v1::JustificationState::Approved as i32
        ],
        "{l}"
    );
    assert_eq!(
        mine.justifications[0].decision_comment, "Leave earlier",
        "{l}"
    );
    let audit = c
        .app
        .reports()
        .list_audit_events(req(
            &c.app.admin,
            v1::ListAuditEventsRequest {
                action: "justification.".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("audit")
        .into_inner();
    assert_eq!(audit.events.len(), 4, "{l}: two submissions, two decisions");
    c.app.stop().await;
}
per_backend!(justification_workflow_end_to_end);

async fn supervision_sees_today_and_rejections(db: TestDb) {
    let c = course_with_history(&db, &[&[P], &[A]]).await;
    let l = c.app.label;
    let open = c.app.create_session(&c.course, 0, 60, None).await;
    let qr = c.app.qr(&open).await;
    c.app
        .check_in(&c.students[0].1, &qr.token, "d1")
        .await
        .expect("in");
    let r = c.app.check_in(&c.students[1].1, &qr.token, "d1").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::PermissionDenied)),
        "DEVICE_IN_USE",
        "{l}"
    );
    let o = c
        .app
        .reports()
        .get_supervision_overview(req(&c.app.admin, v1::GetSupervisionOverviewRequest {}))
        .await
        .expect("overview")
        .into_inner();
    assert_eq!(o.sessions.len(), 2, "{l}");
    assert_eq!(
        o.sessions[0].session.as_ref().expect("s").state,
        v1::SessionState::Open as i32,
        "{l}: live first"
    );
    assert_eq!(o.sessions[0].counts.as_ref().expect("c").present, 1, "{l}");
    let counts = o.counts.expect("counts");
    assert_eq!(
        (
            counts.students,
            counts.professors,
            counts.check_ins_today,
            counts.rejections_today
        ),
        (2, 1, 1, 1),
        "{l}"
    );
    assert_eq!(o.rejections_by_reason.get("DEVICE_IN_USE"), Some(&1), "{l}");
    let rejected = c
        .app
        .reports()
        .list_rejected_check_ins(req(
            &c.prof,
            v1::ListRejectedCheckInsRequest {
                course: c.course.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .expect("list")
        .into_inner();
    assert_eq!(rejected.rejections.len(), 1, "{l}");
    assert_eq!(
        (
            rejected.rejections[0].device_id.as_str(),
            rejected.rejections[0].reason
        ),
        ("d1", v1::CheckInRejection::DeviceInUse as i32),
        "{l}"
    );
    assert_code(
        l,
        c.app
            .reports()
            .get_supervision_overview(req(&c.prof, v1::GetSupervisionOverviewRequest {}))
            .await,
        Code::PermissionDenied,
    );
    c.app.stop().await;
}
per_backend!(supervision_sees_today_and_rejections);

/// A refusal, and an audit entry about a course or a session, carry that course's zone (not the
/// site's); an entry about anything else carries none, to be shown in the site's zone.
async fn refusals_and_audit_entries_carry_their_courses_zone(db: TestDb) {
    let app = spawn_in_zone(&db, "Europe/Paris", classtrack::server::Tier::ApiOnly).await;
    let l = app.label;
    let (course, session) = app.refusal_in("NY1", "America/New_York").await;
    let rejected = app
        .reports()
        .list_rejected_check_ins(req(&app.admin, v1::ListRejectedCheckInsRequest::default()))
        .await
        .unwrap_or_else(|e| panic!("{l}: rejections: {e:?}"))
        .into_inner()
        .rejections;
    let zones: Vec<(&str, &str)> = rejected
        .iter()
        .map(|r| (r.session.as_str(), r.time_zone.as_str()))
        .collect();
    assert_eq!(
        zones,
        [(session.name.as_str(), "America/New_York")],
        "{l}: the refusal in its course's zone"
    );
    let events = app
        .reports()
        .list_audit_events(req(&app.admin, v1::ListAuditEventsRequest::default()))
        .await
        .unwrap_or_else(|e| panic!("{l}: audit: {e:?}"))
        .into_inner()
        .events;
    let zone_of = |action: &str, target: &str| {
        let found: Vec<&str> = events
            .iter()
            .filter(|e| e.action == action && e.target == target)
            .map(|e| e.time_zone.as_str())
            .collect();
        assert_eq!(found.len(), 1, "{l}: one {action} on {target}: {events:?}");
        found[0]
    };
    assert_eq!(
        zone_of("session.create", &session.name),
        "America/New_York",
        "{l}: an entry about the session"
    );
    assert_eq!(
        zone_of("course.create", &course.name),
        "America/New_York",
        "{l}: an entry about the course"
    );
    let student = events
        .iter()
        .find(|e| e.action == "user.create")
        .unwrap_or_else(|| panic!("{l}: a user.create entry: {events:?}"));
    assert_eq!(
        student.time_zone, "",
        "{l}: an entry about a user has no course's zone"
    );
    app.stop().await;
}
per_backend!(refusals_and_audit_entries_carry_their_courses_zone);

async fn a_professor_sees_a_students_history_only_in_their_own_courses(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (one, one_token) = app.user_with_token(v1::Role::Professor, "prof-one").await;
    let two = app.create_user(v1::Role::Professor, "prof-two").await;
    let student = app.create_user(v1::Role::Student, "both").await;
    let first = app.create_course("ONE", &[&one], None).await;
    let second = app.create_course("TWO", &[&two], None).await;
    app.enroll(&first, &student).await;
    app.enroll(&second, &student).await;
    let codes = |token: String| {
        let r = req(
            &token,
            v1::GetStudentHistoryRequest {
                student: student.name.clone(),
            },
        );
        let mut client = app.reports();
        async move {
            let h = client
                .get_student_history(r)
                .await
                .expect("history")
                .into_inner();
            h.courses
                .into_iter()
                .map(|c| c.course_code)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        codes(one_token).await,
        ["ONE"],
        "{l}: not the other professor's course"
    );
    assert_eq!(codes(app.admin.clone()).await, ["ONE", "TWO"], "{l}");
    app.stop().await;
}
per_backend!(a_professor_sees_a_students_history_only_in_their_own_courses);

/// The report, its exports and a session's roll list people as people sort
/// names ("Élodie" with the Es, "adam" first), on both engines.
async fn people_are_listed_as_people_sort_names(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let prof = app.create_user(v1::Role::Professor, "prof").await;
    let course = app.create_course("ORD101", &[&prof], None).await;
    for (username, name) in [
        ("zoe", "Zoé Petit"),
        ("noemie", "Noémie Durand"),
        ("elodie", "Élodie Martin"),
        ("adam", "adam Smith"),
        ("eric", "Eric Blanc"),
        ("nora", "Nora Ahmed"),
    ] {
        let user = app
            .users()
            .create_user(req(
                &app.admin,
                v1::CreateUserRequest {
                    user: Some(v1::User {
                        username: username.into(),
                        email: format!("{username}@uni.example.edu"),
                        display_name: name.into(),
                        role: v1::Role::Student as i32,
                        ..Default::default()
                    }),
                    password: PASSWORD.into(),
                },
            ))
            .await
            .expect("student")
            .into_inner()
            .user
            .expect("user");
        app.enroll(&course, &user).await;
    }
    let expected = [
        "adam Smith",
        "Élodie Martin",
        "Eric Blanc",
        "Noémie Durand",
        "Nora Ahmed",
        "Zoé Petit",
    ];
    let report = app.report(&app.admin, &course).await;
    let names: Vec<&str> = report
        .rows
        .iter()
        .map(|r| r.student.as_ref().expect("student").display_name.as_str())
        .collect();
    assert_eq!(names, expected, "{l}: the report");
    let csv = app.export(&app.admin, &course, v1::ExportFormat::Csv).await;
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[2].to_string())
        .collect();
    assert_eq!(names, expected, "{l}: the CSV");
    let session = app.create_session(&course, -5, 60, None).await;
    let roll = app
        .attendance()
        .list_session_attendance(req(
            &app.admin,
            v1::ListSessionAttendanceRequest {
                session: session.name.clone(),
            },
        ))
        .await
        .expect("roll")
        .into_inner();
    let names: Vec<&str> = roll
        .entries
        .iter()
        .map(|e| e.student.as_ref().expect("student").display_name.as_str())
        .collect();
    assert_eq!(names, expected, "{l}: the roll");
    app.stop().await;
}
per_backend!(people_are_listed_as_people_sort_names);
