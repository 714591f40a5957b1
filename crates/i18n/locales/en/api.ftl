# The API's errors, in English: the LocalizedMessage every error carries
# (crates/api/src/error.rs). Keep in step with ../fr/api.ftl and ../ar/api.ftl.

error-invalid = Some values are not right: { $fields }.
error-login-refused = Wrong username or password.
error-login-ended = Your login has expired or was ended; log in again.
error-login-required = Log in first.
error-permission-denied = You are not allowed to do this.
error-not-found = This was not found.
error-already-exists = This { $field } is already taken.
error-failed-precondition = This cannot be done in its present state.
error-password-change-required = Change your password first: it was set for you and must be changed before anything else.
error-throttled-seconds = Too many failed logins; try again in { $n ->
    [one] { $n } second
   *[other] { $n } seconds
}.
error-throttled-minutes = Too many failed logins; try again in { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}.
error-unavailable = The service is unavailable for a moment; try again shortly.
error-directory-unavailable = The directory that checks passwords is unavailable for a moment; try again shortly.
error-internal = Something went wrong on the server; it has been logged.

## Refused check-ins, by their ErrorInfo reason

error-checkin-not-student = Only students can check in.
error-checkin-token-malformed = This is not a valid ClassTrack check-in code.
error-checkin-session-not-found = This class session does not exist.
error-checkin-token-expired = This code has expired. Scan the code on the screen again.
error-checkin-wrong-session = This code belongs to a different class session.
error-checkin-code-invalid = That code is not right. Check the code on the screen.
error-checkin-session-cancelled = This class session was cancelled.
error-checkin-session-not-open-yet = Check-in for this session has not opened yet.
error-checkin-session-closed = Check-in for this session is closed.
error-checkin-not-enrolled = You are not enrolled in this course.
error-checkin-device-in-use = This device was already used to check in another student in this session.
error-checkin-location-required = This session needs your location to check in.
error-checkin-outside-geofence = You are not in the classroom area.
error-checkin-address-not-allowed = Check in from the campus network.
error-checkin-too-many-attempts = Too many wrong codes for this session. Scan the QR code instead.
error-checkin-scan-proof-invalid = This scan could not be confirmed. Scan the code on the screen again.

## Exports (course report as CSV and XLSX). English keeps the column names
## and values that scripts read.

export-student-number = student_number
export-username = username
export-display-name = display_name
export-present = present
export-late = late
export-excused = excused
export-absent = absent
export-rate-percent = rate_percent
export-warning = warning
export-status-present = present
export-status-late = late
export-status-excused = excused
export-status-absent = absent
export-near-limit = near limit
export-over-limit = over limit
export-session-title = title
export-session-start = start
export-session-end = end
export-session-zone = time_zone

## Signing a device in (classtrack login --sso), by ErrorInfo reason

error-device-authorization-pending = Waiting for the sign-in to be approved.
error-device-slow-down = Polling too fast; wait { $seconds } s between polls.
error-device-access-denied = The sign-in was denied.
error-device-expired-token = The sign-in code expired; start again.
error-device-invalid-device-code = Unknown device code, or its login was already issued; start again.
