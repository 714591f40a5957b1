//! Courses: the list (with creation), one course's sessions, and its settings.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_proto::v1::{
    AbsenceRules, CheckInSettings, Course, CreateCourseRequest, Geofence, GetCourseRequest,
    ListCoursesRequest, ListSessionsRequest, ListUsersRequest, Role, SetCourseProfessorsRequest,
    UpdateCourseRequest,
};
use serde::Deserialize;

use super::forms::Query;

use super::fields::Fields;
use super::student::SessionLine;
use super::{name, Staff, Viewer};
use crate::error::{in_place, FormErrors, PageResult};
use crate::view::{id_of, render, render_with_status, to_utc, zone, Layout};
use crate::AppState;

pub struct CourseLine {
    pub id: String,
    pub code: String,
    pub title: String,
    pub term: String,
    pub enrolled: i32,
}

impl From<&Course> for CourseLine {
    fn from(c: &Course) -> Self {
        Self {
            id: id_of(&c.name).to_string(),
            code: c.code.clone(),
            title: c.title.clone(),
            term: c.term.clone(),
            enrolled: c.enrolled_count,
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct CourseForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub term: String,
    #[serde(default)]
    pub time_zone: String,
    /// Resource names of the chosen professors (admin; checkboxes).
    #[serde(skip)]
    pub professors: Vec<String>,
}

#[derive(Template)]
#[template(path = "courses.html")]
struct CoursesPage {
    l: Layout,
    courses: Vec<CourseLine>,
    query: String,
    problem: Option<String>,
    can_create: bool,
    is_admin: bool,
    form: CourseForm,
    errors: FormErrors,
    professors: Vec<Choice>,
}

/// A checkbox among several: value, label, whether ticked.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let form = CourseForm {
        time_zone: viewer.tz.name().to_string(),
        ..Default::default()
    };
    show_list(&state, &viewer, query.q, form, FormErrors::default()).await
}

async fn show_list(
    state: &AppState,
    viewer: &Viewer,
    query: String,
    form: CourseForm,
    errors: FormErrors,
) -> PageResult<Response> {
    let listed = state
        .api
        .courses()
        .list_courses(viewer.req(ListCoursesRequest {
            page_size: 200,
            query: query.trim().to_string(),
            ..Default::default()
        }))
        .await;
    let (courses, problem) = match listed {
        Ok(r) => (
            r.into_inner()
                .courses
                .iter()
                .map(CourseLine::from)
                .collect(),
            None,
        ),
        Err(status) => (Vec::new(), Some(in_place(&status)?)),
    };
    let professors = if viewer.is_admin() {
        professors(state, viewer, &form.professors).await
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_with_status(
        status,
        &CoursesPage {
            l: viewer.layout("Courses"),
            courses,
            query,
            problem,
            can_create: viewer.is_admin(),
            is_admin: viewer.is_admin(),
            form,
            errors,
            professors,
        },
    ))
}

/// Every professor as a checkbox, ticked when in `chosen`.
async fn professors(state: &AppState, viewer: &Viewer, chosen: &[String]) -> Vec<Choice> {
    let listed = state
        .api
        .users()
        .list_users(viewer.req(ListUsersRequest {
            page_size: 500,
            role: Role::Professor as i32,
            ..Default::default()
        }))
        .await;
    listed
        .map(|r| {
            r.into_inner()
                .users
                .into_iter()
                .map(|u| Choice {
                    checked: chosen.contains(&u.name),
                    label: format!("{} ({})", u.display_name, u.username),
                    value: u.name,
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    fields: Fields,
) -> PageResult<Response> {
    let mut form: CourseForm = fields.form()?;
    form.professors = fields.all("professors");
    let professors = if viewer.is_admin() {
        form.professors.clone()
    } else {
        vec![viewer.user.name.clone()]
    };
    let created = state
        .api
        .courses()
        .create_course(viewer.req(CreateCourseRequest {
            course: Some(Course {
                code: form.code.trim().to_string(),
                title: form.title.trim().to_string(),
                term: form.term.trim().to_string(),
                time_zone: form.time_zone.trim().to_string(),
                ..Default::default()
            }),
            professors,
        }))
        .await;
    match created {
        Ok(r) => {
            let course = r.into_inner().course.unwrap_or_default();
            Ok(viewer.redirect(
                &format!("/courses/{}", id_of(&course.name)),
                &format!("Course {} created.", course.code),
            ))
        }
        Err(status) => {
            let errors = FormErrors::from_status(&status)?;
            show_list(&state, &viewer, String::new(), form, errors).await
        }
    }
}

/// The create-session and create-series forms, re-shown with their errors.
#[derive(Deserialize, Default, Clone)]
pub struct SessionForm {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start_time: String,
    #[serde(default)]
    pub end_time: String,
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct SeriesForm {
    /// 1 = Monday … 7 = Sunday (checkboxes).
    #[serde(skip)]
    pub weekdays: Vec<i32>,
    #[serde(default)]
    pub start_local_time: String,
    #[serde(default)]
    pub duration_minutes: String,
    #[serde(default)]
    pub first_date: String,
    #[serde(default)]
    pub last_date: String,
    #[serde(default)]
    pub skip_dates: String,
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Default)]
pub struct CourseForms {
    pub session: SessionForm,
    pub session_errors: FormErrors,
    pub series: SeriesForm,
    pub series_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "course.html")]
struct CoursePage {
    l: Layout,
    c: CourseLine,
    time_zone: String,
    today: Vec<SessionLine>,
    upcoming: Vec<SessionLine>,
    past: Vec<SessionLine>,
    problem: Option<String>,
    f: CourseForms,
    weekdays: Vec<(i32, &'static str, bool)>,
}

pub async fn show(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let (date, _) = crate::view::input_date_time(
        Some(&crate::view::to_timestamp(chrono::Utc::now())),
        viewer.tz,
    );
    let forms = CourseForms {
        session: SessionForm {
            date: date.clone(),
            start_time: "09:00".into(),
            end_time: "10:30".into(),
            ..Default::default()
        },
        series: SeriesForm {
            start_local_time: "09:00".into(),
            duration_minutes: "90".into(),
            first_date: date,
            ..Default::default()
        },
        ..Default::default()
    };
    show_course(&state, &viewer, &id, forms).await
}

/// The course a page is about; a missing one (or not the viewer's) is 404.
pub async fn get_course(state: &AppState, viewer: &Viewer, id: &str) -> PageResult<Course> {
    Ok(state
        .api
        .courses()
        .get_course(viewer.req(GetCourseRequest {
            name: viewer.name("courses", id)?,
        }))
        .await
        .map_err(|status| viewer.lookup(status))?
        .into_inner()
        .course
        .unwrap_or_default())
}

pub async fn show_course(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    f: CourseForms,
) -> PageResult<Response> {
    let course = get_course(state, viewer, id).await?;
    let tz = zone(&course.time_zone, viewer.tz);
    let listed = state
        .api
        .sessions()
        .list_sessions(viewer.req(ListSessionsRequest {
            parent: course.name.clone(),
            page_size: 500,
            include_cancelled: true,
            ..Default::default()
        }))
        .await;
    let (mut sessions, problem) = match listed {
        Ok(r) => (r.into_inner().sessions, None),
        Err(status) => (Vec::new(), Some(in_place(&status)?)),
    };
    sessions.sort_by_key(|s| s.start_time.as_ref().map(|t| (t.seconds, t.nanos)));
    let (day_start, day_end) = super::student::today(tz);
    let (mut today, mut upcoming, mut past) = (Vec::new(), Vec::new(), Vec::new());
    for s in &sessions {
        let start = to_utc(s.start_time.as_ref()).unwrap_or(day_start);
        let line = SessionLine::new(s, tz);
        if start >= day_end {
            upcoming.push(line);
        } else if start >= day_start {
            today.push(line);
        } else {
            past.push(line);
        }
    }
    past.reverse();
    let has_errors = !(f.session_errors.is_empty() && f.series_errors.is_empty());
    let weekdays = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let v = i32::try_from(i + 1).unwrap_or(0);
            (v, d, f.series.weekdays.contains(&v))
        })
        .collect();
    let page = CoursePage {
        l: viewer.layout(&course.code),
        c: CourseLine::from(&course),
        time_zone: tz.name().to_string(),
        today,
        upcoming,
        past,
        problem,
        f,
        weekdays,
    };
    let status = if has_errors {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with_status(status, &page))
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[derive(Deserialize, Default, Clone)]
pub struct SettingsForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    qr_rotation_seconds: String,
    #[serde(default)]
    qr_grace_seconds: String,
    #[serde(default)]
    late_after_minutes: String,
    #[serde(default)]
    opens_before_minutes: String,
    #[serde(default)]
    max_absence_percent: String,
    #[serde(default)]
    max_unexcused_absences: String,
    #[serde(default)]
    max_consecutive_absences: String,
    /// The geofence: all three, or none.
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    radius_meters: String,
}

const FENCE_LATITUDE: &str = "course.settings.geofence.latitude";
const FENCE_LONGITUDE: &str = "course.settings.geofence.longitude";
const FENCE_RADIUS: &str = "course.settings.geofence.radius_meters";

/// The geofence fields of the settings form: `None` when all are empty, the
/// field errors when some are missing or not numbers (ranges are the API's).
fn geofence_from(
    latitude: &str,
    longitude: &str,
    radius: &str,
) -> Result<Option<Geofence>, Vec<(String, String)>> {
    let fields = [
        (FENCE_LATITUDE, latitude.trim()),
        (FENCE_LONGITUDE, longitude.trim()),
        (FENCE_RADIUS, radius.trim()),
    ];
    if fields.iter().all(|(_, v)| v.is_empty()) {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut values = [0.0; 3];
    for (i, (key, text)) in fields.iter().enumerate() {
        // A decimal comma, as typed in much of the world, is read as a point.
        match text.replace(',', ".").parse::<f64>() {
            Ok(v) if v.is_finite() => values[i] = v,
            _ if text.is_empty() => errors.push((
                key.to_string(),
                "Fill in latitude, longitude and radius together, or leave all three empty."
                    .to_string(),
            )),
            _ => errors.push((
                key.to_string(),
                "Enter a number, e.g. 38.7369 (decimal degrees) or 80 (metres).".to_string(),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(Geofence {
        latitude: values[0],
        longitude: values[1],
        radius_meters: values[2],
    }))
}

#[derive(Template)]
#[template(path = "course_edit.html")]
struct EditPage {
    l: Layout,
    id: String,
    f: SettingsForm,
    errors: FormErrors,
    is_admin: bool,
    professors: Vec<Choice>,
}

pub async fn edit_page(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let c = get_course(&state, &viewer, &id).await?;
    let s = c.settings.clone().unwrap_or_default();
    let r = c.absence_rules.unwrap_or_default();
    let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    let fence = |s: &CheckInSettings, part: fn(&Geofence) -> f64| {
        s.geofence
            .as_ref()
            .map(|g| part(g).to_string())
            .unwrap_or_default()
    };
    let professors = if viewer.is_admin() {
        professors(&state, &viewer, &c.professors).await
    } else {
        Vec::new()
    };
    let f = SettingsForm {
        code: c.code.clone(),
        title: c.title.clone(),
        term: c.term.clone(),
        time_zone: c.time_zone.clone(),
        qr_rotation_seconds: opt(s.qr_rotation_seconds),
        qr_grace_seconds: opt(s.qr_grace_seconds),
        late_after_minutes: opt(s.late_after_minutes),
        opens_before_minutes: opt(s.opens_before_minutes),
        max_absence_percent: r.max_absence_percent.to_string(),
        max_unexcused_absences: r.max_unexcused_absences.to_string(),
        max_consecutive_absences: r.max_consecutive_absences.to_string(),
        latitude: fence(&s, |g| g.latitude),
        longitude: fence(&s, |g| g.longitude),
        radius_meters: fence(&s, |g| g.radius_meters),
    };
    Ok(render(&EditPage {
        l: viewer
            .layout(&format!("{} settings", c.code))
            .shape("narrow"),
        id,
        f,
        errors: FormErrors::default(),
        is_admin: viewer.is_admin(),
        professors,
    }))
}

pub async fn edit(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
    fields: Fields,
) -> PageResult<Response> {
    let f: SettingsForm = fields.form()?;
    let chosen = fields.all("professors");
    let course_name = name("courses", &id)?;
    let choices = if viewer.is_admin() {
        professors(&state, &viewer, &chosen).await
    } else {
        Vec::new()
    };
    let current = get_course(&state, &viewer, &id)
        .await?
        .settings
        .unwrap_or_default();
    let mut errors = FormErrors::default();
    let int = |field: &str, text: &str, errors: &mut FormErrors| -> Option<i32> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match text.parse::<i32>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors
                    .fields
                    .push((field.to_string(), "Enter a whole number.".to_string()));
                None
            }
        }
    };
    let settings = CheckInSettings {
        qr_rotation_seconds: int(
            "course.settings.qr_rotation_seconds",
            &f.qr_rotation_seconds,
            &mut errors,
        ),
        qr_grace_seconds: int(
            "course.settings.qr_grace_seconds",
            &f.qr_grace_seconds,
            &mut errors,
        ),
        late_after_minutes: int(
            "course.settings.late_after_minutes",
            &f.late_after_minutes,
            &mut errors,
        ),
        opens_before_minutes: int(
            "course.settings.opens_before_minutes",
            &f.opens_before_minutes,
            &mut errors,
        ),
        geofence: match geofence_from(&f.latitude, &f.longitude, &f.radius_meters) {
            Ok(fence) => fence,
            Err(mut fence_errors) => {
                errors.fields.append(&mut fence_errors);
                None
            }
        },
        // Not on this form: kept as they are (the mask replaces all settings).
        device_binding: current.device_binding,
        device_reuse: current.device_reuse,
        network_allowlist: current.network_allowlist.clone(),
        ..Default::default()
    };
    let rules = AbsenceRules {
        max_absence_percent: int(
            "course.absence_rules.max_absence_percent",
            &f.max_absence_percent,
            &mut errors,
        )
        .unwrap_or(0),
        max_unexcused_absences: int(
            "course.absence_rules.max_unexcused_absences",
            &f.max_unexcused_absences,
            &mut errors,
        )
        .unwrap_or(0),
        max_consecutive_absences: int(
            "course.absence_rules.max_consecutive_absences",
            &f.max_consecutive_absences,
            &mut errors,
        )
        .unwrap_or(0),
        late_counts_as_attended: None,
    };
    let show = |errors: FormErrors, f: SettingsForm| {
        render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EditPage {
                l: viewer.layout("Course settings").shape("narrow"),
                id: id.clone(),
                f,
                errors,
                is_admin: viewer.is_admin(),
                professors: choices,
            },
        )
    };
    if !errors.fields.is_empty() {
        errors.general = Some("Please correct the marked fields.".into());
        return Ok(show(errors, f));
    }
    let mut paths = vec!["title", "term", "time_zone", "settings", "absence_rules"];
    if viewer.is_admin() {
        paths.push("code");
    }
    let updated = state
        .api
        .courses()
        .update_course(viewer.req(UpdateCourseRequest {
            course: Some(Course {
                name: course_name.clone(),
                code: f.code.trim().to_string(),
                title: f.title.trim().to_string(),
                term: f.term.trim().to_string(),
                time_zone: f.time_zone.trim().to_string(),
                settings: Some(settings),
                absence_rules: Some(rules),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: paths.into_iter().map(String::from).collect(),
            }),
        }))
        .await;
    if let Err(status) = updated {
        return Ok(show(FormErrors::from_status(&status)?, f));
    }
    if viewer.is_admin() {
        let set = state
            .api
            .courses()
            .set_course_professors(viewer.req(SetCourseProfessorsRequest {
                course: course_name,
                professors: chosen,
            }))
            .await;
        if let Err(status) = set {
            let mut errors = FormErrors::from_status(&status)?;
            if errors.fields.is_empty() {
                errors.fields.push((
                    "professors".into(),
                    errors.general.clone().unwrap_or_default(),
                ));
            }
            return Ok(show(errors, f));
        }
    }
    Ok(viewer.redirect(&format!("/courses/{id}"), "Course settings saved."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_geofence_is_none_and_a_full_one_is_read() {
        assert_eq!(geofence_from("", " ", ""), Ok(None));
        let fence = geofence_from("38.7369", "-9,1427", " 80 ")
            .unwrap()
            .unwrap();
        assert_eq!(fence.latitude, 38.7369);
        assert_eq!(fence.longitude, -9.1427);
        assert_eq!(fence.radius_meters, 80.0);
    }

    #[test]
    fn a_partial_or_wordy_geofence_names_its_fields() {
        let errors = geofence_from("38.7", "", "80").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, FENCE_LONGITUDE);
        let errors = geofence_from("north", "-9.1", "NaN").unwrap_err();
        let keys: Vec<_> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, [FENCE_LATITUDE, FENCE_RADIUS]);
    }
}
