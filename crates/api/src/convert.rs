//! Proto ⇄ domain. Nothing here decides anything.

use classtrack_core::settings::{
    AbsenceRules, CheckInSettings, DeviceReuse, Geofence, SettingsOverrides,
};
use classtrack_core::{AttendanceStatus, RecordSource, Role};
use classtrack_proto::v1;
use classtrack_store::attendance::{Record, RollEntry, StoredRejection};
use classtrack_store::audit::AuditEvent;
use classtrack_store::courses::Course;
use classtrack_store::sessions::{Session, SessionState};
use classtrack_store::users::User;
use prost_types::Timestamp;

use crate::error::{ApiError, ApiResult};

/// A protobuf timestamp of Unix milliseconds (always `Some`, for message fields).
pub fn ts(ms: i64) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    })
}

/// [`ts`] of a time that may be absent.
pub fn opt_ts(ms: Option<i64>) -> Option<Timestamp> {
    ms.and_then(ts)
}

/// Milliseconds of a timestamp, refusing values outside years 1970–9999.
pub fn ms(t: &Timestamp, field: &str) -> ApiResult<i64> {
    const MAX_SECONDS: i64 = 253_402_300_799;
    if t.seconds < 0 || t.seconds > MAX_SECONDS || !(0..1_000_000_000).contains(&t.nanos) {
        return Err(ApiError::invalid(
            field,
            "must be a time between 1970 and 9999",
        ));
    }
    Ok(t.seconds * 1000 + i64::from(t.nanos / 1_000_000))
}

/// [`ms`] of a timestamp field that may be unset.
pub fn opt_ms(t: Option<&Timestamp>, field: &str) -> ApiResult<Option<i64>> {
    t.map(|t| ms(t, field)).transpose()
}

/// The proto role of a domain role.
pub fn role(r: Role) -> v1::Role {
    match r {
        Role::Admin => v1::Role::Admin,
        Role::Professor => v1::Role::Professor,
        Role::Student => v1::Role::Student,
    }
}

/// The domain role of a proto role; `None` for unspecified, INVALID_ARGUMENT on `field` for an
/// unknown number.
pub fn role_from(value: i32, field: &str) -> ApiResult<Option<Role>> {
    match v1::Role::try_from(value) {
        Ok(v1::Role::Unspecified) => Ok(None),
        Ok(v1::Role::Admin) => Ok(Some(Role::Admin)),
        Ok(v1::Role::Professor) => Ok(Some(Role::Professor)),
        Ok(v1::Role::Student) => Ok(Some(Role::Student)),
        Err(_) => Err(ApiError::invalid(
            field,
            format!("{value} is not a known role"),
        )),
    }
}

/// A user as the API shows it (never the password hash).
pub fn user(u: &User) -> v1::User {
    v1::User {
        name: u.id.name(),
        username: u.username.clone(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: role(u.role) as i32,
        student_number: u.student_number.clone().unwrap_or_default(),
        active: u.active,
        create_time: ts(u.created_at),
        update_time: ts(u.updated_at),
        locale: u.locale.clone().unwrap_or_default(),
    }
}

/// A course with its professors' names and the number of enrolled students.
pub fn course(c: &Course, professors: &[classtrack_core::UserId], enrolled: i64) -> v1::Course {
    v1::Course {
        name: c.id.name(),
        code: c.code.clone(),
        title: c.title.clone(),
        term: c.term.clone(),
        professors: professors.iter().map(|p| p.name()).collect(),
        settings: Some(settings(&c.settings)),
        absence_rules: Some(absence_rules(&c.absence_rules)),
        enrolled_count: i32::try_from(enrolled).unwrap_or(i32::MAX),
        create_time: ts(c.created_at),
        time_zone: c.time_zone.clone(),
    }
}

fn device_reuse(d: Option<DeviceReuse>) -> i32 {
    match d {
        None => v1::DeviceReusePolicy::Unspecified as i32,
        Some(DeviceReuse::Block) => v1::DeviceReusePolicy::Block as i32,
        Some(DeviceReuse::Flag) => v1::DeviceReusePolicy::Flag as i32,
    }
}

fn geofence(g: &Geofence) -> v1::Geofence {
    v1::Geofence {
        latitude: g.latitude,
        longitude: g.longitude,
        radius_meters: g.radius_meters,
    }
}

/// The overrides a course or session sets, with the `clear_*` flags saying which ones remove an
/// inherited value.
pub fn settings(s: &SettingsOverrides) -> v1::CheckInSettings {
    v1::CheckInSettings {
        qr_rotation_seconds: s.qr_rotation_seconds,
        qr_grace_seconds: s.qr_grace_seconds,
        late_after_minutes: s.late_after_minutes,
        opens_before_minutes: s.opens_before_minutes,
        device_binding: s.device_binding,
        device_reuse: device_reuse(s.device_reuse),
        geofence: s.geofence.flatten().as_ref().map(geofence),
        clear_geofence: s.geofence == Some(None),
        network_allowlist: s.network_allowlist.clone().unwrap_or_default(),
        clear_network_allowlist: s.network_allowlist.as_ref().is_some_and(|l| l.is_empty()),
        location_required: false,
    }
}

/// The settings that apply, every field set.
pub fn effective_settings(s: &CheckInSettings) -> v1::CheckInSettings {
    v1::CheckInSettings {
        qr_rotation_seconds: Some(s.qr_rotation_seconds),
        qr_grace_seconds: Some(s.qr_grace_seconds),
        late_after_minutes: Some(s.late_after_minutes),
        opens_before_minutes: Some(s.opens_before_minutes),
        device_binding: Some(s.device_binding),
        device_reuse: device_reuse(Some(s.device_reuse)),
        geofence: s.geofence.as_ref().map(geofence),
        clear_geofence: false,
        network_allowlist: s.network_allowlist.iter().map(|n| n.to_string()).collect(),
        clear_network_allowlist: false,
        location_required: s.geofence.is_some(),
    }
}

/// What a student may know of check-in settings: everything but where the
/// geofence is and which networks count (`location_required` says whether a
/// position is needed). Applied to every course and session sent to a
/// student, so the lecture hall's coordinates and the campus networks are
/// not handed to whoever wants to fake them.
pub fn hide_from_student(settings: &mut v1::CheckInSettings) {
    settings.geofence = None;
    settings.clear_geofence = false;
    settings.network_allowlist.clear();
    settings.clear_network_allowlist = false;
}

/// A course as a caller of `role` may see it.
pub fn course_for(role: Role, mut course: v1::Course) -> v1::Course {
    if role == Role::Student {
        if let Some(s) = course.settings.as_mut() {
            hide_from_student(s);
        }
    }
    course
}

/// A session as a caller of `role` may see it.
pub fn session_for(role: Role, mut session: v1::Session) -> v1::Session {
    if role == Role::Student {
        for s in [
            session.settings.as_mut(),
            session.effective_settings.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            hide_from_student(s);
        }
    }
    session
}

/// Overrides from the wire; unset fields inherit. Checked by the caller with
/// `SettingsOverrides::validate`.
pub fn settings_from(p: &v1::CheckInSettings, field: &str) -> ApiResult<SettingsOverrides> {
    let device_reuse = match v1::DeviceReusePolicy::try_from(p.device_reuse) {
        Ok(v1::DeviceReusePolicy::Unspecified) => None,
        Ok(v1::DeviceReusePolicy::Block) => Some(DeviceReuse::Block),
        Ok(v1::DeviceReusePolicy::Flag) => Some(DeviceReuse::Flag),
        Err(_) => {
            return Err(ApiError::invalid(
                format!("{field}.device_reuse"),
                "unknown device reuse policy",
            ))
        }
    };
    let geofence = match (&p.geofence, p.clear_geofence) {
        (_, true) => Some(None),
        (Some(g), false) => Some(Some(Geofence {
            latitude: g.latitude,
            longitude: g.longitude,
            radius_meters: g.radius_meters,
        })),
        (None, false) => None,
    };
    let network_allowlist = if p.clear_network_allowlist {
        Some(Vec::new())
    } else if p.network_allowlist.is_empty() {
        None
    } else {
        Some(
            p.network_allowlist
                .iter()
                .map(|s| s.trim().to_string())
                .collect(),
        )
    };
    Ok(SettingsOverrides {
        qr_rotation_seconds: p.qr_rotation_seconds,
        qr_grace_seconds: p.qr_grace_seconds,
        late_after_minutes: p.late_after_minutes,
        opens_before_minutes: p.opens_before_minutes,
        device_binding: p.device_binding,
        device_reuse,
        geofence,
        network_allowlist,
    })
}

/// A course's absence rules as the proto message.
pub fn absence_rules(r: &AbsenceRules) -> v1::AbsenceRules {
    v1::AbsenceRules {
        max_absence_percent: r.max_absence_percent,
        max_unexcused_absences: r.max_unexcused_absences,
        max_consecutive_absences: r.max_consecutive_absences,
        late_counts_as_attended: Some(r.late_counts_as_attended),
    }
}

/// Absence rules from the proto message; an unset `late_counts_as_attended` means true.
pub fn absence_rules_from(p: &v1::AbsenceRules) -> AbsenceRules {
    AbsenceRules {
        max_absence_percent: p.max_absence_percent,
        max_unexcused_absences: p.max_unexcused_absences,
        max_consecutive_absences: p.max_consecutive_absences,
        late_counts_as_attended: p.late_counts_as_attended.unwrap_or(true),
    }
}

/// The proto session state of a domain one.
pub fn session_state(s: SessionState) -> v1::SessionState {
    match s {
        SessionState::Scheduled => v1::SessionState::Scheduled,
        SessionState::Open => v1::SessionState::Open,
        SessionState::Closed => v1::SessionState::Closed,
        SessionState::Cancelled => v1::SessionState::Cancelled,
    }
}

/// A session, its state as of `now_ms` and the settings that apply to it.
pub fn session(s: &Session, now_ms: i64) -> v1::Session {
    v1::Session {
        name: s.id.name(),
        course: s.course.name(),
        course_code: s.course_code.clone(),
        course_title: s.course_title.clone(),
        title: s.title.clone(),
        room: s.room.clone(),
        start_time: ts(s.start_at),
        end_time: ts(s.end_at),
        state: session_state(s.state(now_ms)) as i32,
        settings: Some(settings(&s.settings)),
        effective_settings: Some(effective_settings(&s.effective_settings())),
        series_id: s.series_id.clone().unwrap_or_default(),
        closed_time: opt_ts(s.closed_at.or(s.finalized_at)),
        cancel_time: opt_ts(s.cancelled_at),
        time_zone: s.course_time_zone.clone(),
    }
}

/// The proto attendance status of a domain one.
pub fn status(s: AttendanceStatus) -> v1::AttendanceStatus {
    match s {
        AttendanceStatus::Present => v1::AttendanceStatus::Present,
        AttendanceStatus::Late => v1::AttendanceStatus::Late,
        AttendanceStatus::Excused => v1::AttendanceStatus::Excused,
        AttendanceStatus::Absent => v1::AttendanceStatus::Absent,
    }
}

/// The domain attendance status of a proto one; INVALID_ARGUMENT on `field` when it is
/// unspecified or unknown.
pub fn status_from(value: i32, field: &str) -> ApiResult<AttendanceStatus> {
    match v1::AttendanceStatus::try_from(value) {
        Ok(v1::AttendanceStatus::Present) => Ok(AttendanceStatus::Present),
        Ok(v1::AttendanceStatus::Late) => Ok(AttendanceStatus::Late),
        Ok(v1::AttendanceStatus::Excused) => Ok(AttendanceStatus::Excused),
        Ok(v1::AttendanceStatus::Absent) => Ok(AttendanceStatus::Absent),
        Ok(v1::AttendanceStatus::Unspecified) => Err(ApiError::invalid(field, "choose a status")),
        Err(_) => Err(ApiError::invalid(
            field,
            format!("{value} is not a known status"),
        )),
    }
}

/// The proto record source of a domain one.
pub fn source(s: RecordSource) -> v1::RecordSource {
    match s {
        RecordSource::Qr => v1::RecordSource::Qr,
        RecordSource::Code => v1::RecordSource::Code,
        RecordSource::Manual => v1::RecordSource::Manual,
        RecordSource::Close => v1::RecordSource::Close,
        RecordSource::Justification => v1::RecordSource::Justification,
    }
}

/// The proto rejection of a stored rejection code (`TOKEN_EXPIRED`, …); unspecified for a code
/// the proto does not know.
pub fn rejection(code: &str) -> v1::CheckInRejection {
    v1::CheckInRejection::from_str_name(&format!("CHECK_IN_REJECTION_{code}"))
        .unwrap_or(v1::CheckInRejection::Unspecified)
}

/// A refused check-in kept for supervision, with its course's zone.
pub fn rejected_check_in(x: &StoredRejection) -> v1::RejectedCheckIn {
    v1::RejectedCheckIn {
        session: x.session.map(|s| s.name()).unwrap_or_default(),
        course_code: x.course_code.clone().unwrap_or_default(),
        student: x.student.name(),
        student_display_name: x.student_display_name.clone(),
        reason: rejection(&x.reason) as i32,
        time: ts(x.at),
        client_address: x.client_address.clone().unwrap_or_default(),
        device_id: x.device_id.clone().unwrap_or_default(),
        detail: x.detail.clone(),
        time_zone: x.time_zone.clone().unwrap_or_default(),
    }
}

/// An attendance record as the proto message.
pub fn record(r: &Record) -> v1::AttendanceRecord {
    v1::AttendanceRecord {
        session: r.session.name(),
        student: r.student.name(),
        status: status(r.status) as i32,
        source: source(r.source) as i32,
        record_time: ts(r.recorded_at),
        note: r.note.clone(),
        flagged: r.flagged,
        marked_by: r.marked_by.map(|m| m.name()).unwrap_or_default(),
    }
}

/// One student of a session's roll and their record, if any.
pub fn roll_entry(e: &RollEntry) -> v1::RollEntry {
    v1::RollEntry {
        student: Some(user(&e.student)),
        record: e.record.as_ref().map(record),
    }
}

/// How many of a roll's students are enrolled, present, late, excused, absent and not yet
/// recorded.
pub fn roll_counts(entries: &[RollEntry]) -> v1::RollCounts {
    let mut c = v1::RollCounts {
        enrolled: entries.len() as i32,
        ..Default::default()
    };
    for e in entries {
        match e.record.as_ref().map(|r| r.status) {
            Some(AttendanceStatus::Present) => c.present += 1,
            Some(AttendanceStatus::Late) => c.late += 1,
            Some(AttendanceStatus::Excused) => c.excused += 1,
            Some(AttendanceStatus::Absent) => c.absent += 1,
            None => c.not_yet += 1,
        }
    }
    c
}

/// An entry of the audit log as the proto message; the system (no actor)
/// is an empty `actor`.
pub fn audit_event(e: AuditEvent) -> v1::AuditEvent {
    v1::AuditEvent {
        id: e.id,
        time: ts(e.at),
        actor: e.actor.map(|a| a.name()).unwrap_or_default(),
        actor_username: e.actor_username.unwrap_or_default(),
        client_address: e.client_address.unwrap_or_default(),
        action: e.action,
        target: e.target,
        detail: e.detail,
        time_zone: e.time_zone.unwrap_or_default(),
    }
}

/// An API token, without its secret (which is never stored).
pub fn api_token(t: &classtrack_store::api_tokens::ApiToken) -> v1::ApiToken {
    v1::ApiToken {
        name: crate::services::api_token_name(t.id),
        display_name: t.name.clone(),
        role: role(t.role) as i32,
        creator: t.created_by.name(),
        creator_username: t.created_by_username.clone(),
        create_time: ts(t.created_at),
        expire_time: ts(t.expires_at),
    }
}

#[cfg(test)]
mod tests {
    use classtrack_core::CheckInRejection;

    use super::*;

    #[test]
    fn every_refusal_of_the_domain_is_a_value_of_the_contract_and_back() {
        for r in CheckInRejection::ALL {
            let sent = rejection(r.code());
            assert_ne!(sent, v1::CheckInRejection::Unspecified, "{r:?}");
            let back = sent.as_str_name().trim_start_matches("CHECK_IN_REJECTION_");
            assert_eq!(CheckInRejection::from_code(back), Some(r));
        }
        // And nothing of the contract is missing from the domain.
        let contract = (1..)
            .map_while(|v| v1::CheckInRejection::try_from(v).ok())
            .count();
        assert_eq!(contract, CheckInRejection::ALL.len());
    }
}
