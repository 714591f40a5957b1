//! A course's settings page: code, title, term, time zone, the check-in
//! settings (QR rotation, lateness, opening, the geofence), the absence
//! rules and, for an administrator, its professors.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_proto::v1::{
    AbsenceRules, CheckInSettings, Course, Geofence, SetCourseProfessorsRequest,
    UpdateCourseRequest,
};
use serde::Deserialize;

use super::{get_course, professors, Choice};
use crate::error::{FormErrors, PageResult};
use crate::lang::{t, t_args};
use crate::pages::fields::Fields;
use crate::pages::{name, Staff};
use crate::view::{render, render_with_status, Layout};
use crate::AppState;

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
            _ if text.is_empty() => {
                errors.push((key.to_string(), t("admin-course-fence-together")))
            }
            _ => errors.push((key.to_string(), t("admin-course-fence-number"))),
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
            .layout(&t_args(
                "admin-course-settings-title",
                &[("code", (&c.code).into())],
            ))
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
                    .push((field.to_string(), t("admin-whole-number")));
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
                l: viewer.layout(&t("admin-course-settings")).shape("narrow"),
                id: id.clone(),
                f,
                errors,
                is_admin: viewer.is_admin(),
                professors: choices,
            },
        )
    };
    if !errors.fields.is_empty() {
        errors.general = Some(t("admin-correct-fields"));
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
    Ok(viewer.redirect(&format!("/courses/{id}"), &t("admin-course-saved")))
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
