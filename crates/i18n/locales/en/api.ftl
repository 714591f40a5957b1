# The API's errors, in English: the LocalizedMessage every error carries
# (crates/api/src/error.rs). Keep in step with ../fr/api.ftl and ../ar/api.ftl.

api-error-invalid = Some values are not right: { $fields }.
api-error-login-refused = wrong username or password
api-error-login-ended = your login has expired or was ended; log in again
api-error-login-required = log in first: this call needs an `authorization: Bearer <token>` header
api-error-not-found = not found
api-error-already-exists = This { $field } is already taken.
api-error-password-change-required = Change your password first: it was set for you and must be changed before anything else.
api-error-throttled-seconds = Too many failed logins; try again in { $n ->
    [one] { $n } second
   *[other] { $n } seconds
}.
api-error-throttled-minutes = Too many failed logins; try again in { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}.
api-error-unavailable = The service is unavailable for a moment; try again shortly.
api-error-directory-unavailable = The directory that checks passwords is unavailable for a moment; try again shortly.
api-error-sso-state-unknown = This login through your organisation's identity provider is unknown, already used or expired. Please start again.
api-error-sso-token-invalid = The identity provider's answer could not be verified. Please start again.
api-error-sso-account-unusable = Your account at the identity provider lacks what ClassTrack needs (such as a verified email). An administrator can see why in the log.
api-error-provider-unavailable = The identity provider is unavailable for a moment; try again shortly.
api-error-internal = Something went wrong on the server; it has been logged.

## Why a request is refused (the status's English message is the en text, so these
## keep its lower case; the web makes a sentence of it)

api-error-not-found-named = { $name } was not found
api-error-hidden = you may not see { $name }
api-error-admin-only = only an administrator may do this
api-error-staff-only = students may not do this
api-error-course-staff-only = only this course's professors or an administrator may do this
api-error-not-enrolled = you are not enrolled in this course
api-error-student-not-enrolled = { $student } is not enrolled in { $course }
api-error-own-account-only = you may see only your own account and your students'
api-error-own-attendance-only = you may see only your own attendance
api-error-last-admin = the last administrator cannot lose the admin role
api-error-deactivate-self = you cannot deactivate your own account
api-error-password-at-provider = your password is kept by your organisation's identity provider: change it there
api-error-admin-password-weak = the administrator's password (CLASSTRACK_ADMIN_PASSWORD) { $why }; choose another
api-error-not-with-api-token = an API token cannot do this: log in as yourself
api-error-professor-own-courses = a professor may only create courses they teach themselves
api-error-course-code-admin-only = only an administrator may change a course's code
api-error-session-cancelled = this session was cancelled
api-error-session-closed = this session is closed
api-error-session-cancelled-no-change = this session was cancelled and can no longer change
api-error-session-closed-times = a closed session's times cannot change
api-error-session-closed-no-cancel = a closed session cannot be cancelled
api-error-session-cancelled-no-close = a cancelled session cannot be closed
api-error-session-cancelled-counts-for-nobody = this session was cancelled; it counts for nobody
api-error-students-justify = only students submit justifications
api-error-justify-absence-only = only an absence or a late mark can be justified
api-error-justification-decided = this justification was already decided
api-error-no-attachment = this justification has no attachment
api-error-no-such-provider = no identity provider is named "{ $name }"
api-error-sso-no-account = you have no ClassTrack account yet; ask an administrator to create one
api-error-sso-account-conflict = your account at the identity provider matches a different ClassTrack account; an administrator has to resolve it (the conflict is logged)

## Refused check-ins, by their ErrorInfo reason

api-error-checkin-not-student = Only students can check in.
api-error-checkin-token-malformed = This is not a valid ClassTrack check-in code.
api-error-checkin-session-not-found = This class session does not exist.
api-error-checkin-token-expired = This code has expired. Scan the code on the screen again.
api-error-checkin-wrong-session = This code belongs to a different class session.
api-error-checkin-code-invalid = That code is not right. Check the code on the screen.
api-error-checkin-session-cancelled = This class session was cancelled.
api-error-checkin-session-not-open-yet = Check-in for this session has not opened yet.
api-error-checkin-session-closed = Check-in for this session is closed.
api-error-checkin-not-enrolled = You are not enrolled in this course.
api-error-checkin-device-in-use = This device was already used to check in another student in this session.
api-error-checkin-location-required = This session needs your location to check in.
api-error-checkin-outside-geofence = You are not in the classroom area.
api-error-checkin-address-not-allowed = Check in from the campus network.
api-error-checkin-too-many-attempts = Too many wrong codes for this session. Scan the QR code instead.
api-error-checkin-scan-proof-invalid = This scan could not be confirmed. Scan the code on the screen again.

## Exports (course report as CSV and XLSX). English keeps the column names
## and values that scripts read.

api-export-student-number = student_number
api-export-username = username
api-export-display-name = display_name
api-export-present = present
api-export-late = late
api-export-excused = excused
api-export-absent = absent
api-export-rate-percent = rate_percent
api-export-warning = warning
api-export-status-present = present
api-export-status-late = late
api-export-status-excused = excused
api-export-status-absent = absent
api-export-near-limit = near limit
api-export-over-limit = over limit
api-export-session-title = title
api-export-session-start = start
api-export-session-end = end
api-export-session-zone = time_zone

## Signing a device in (classtrack login --sso), by ErrorInfo reason

api-error-device-authorization-pending = Waiting for the sign-in to be approved.
api-error-device-slow-down = Polling too fast; wait { $seconds } s between polls.
api-error-device-access-denied = The sign-in was denied.
api-error-device-expired-token = The sign-in code expired; start again.
api-error-device-invalid-device-code = Unknown device code, or its login was already issued; start again.

## Why a student is near or over an absence limit (reports and the student's history)

api-warning-missed-share = missed { $share }% of the term's sessions (limit { $limit }%)
api-warning-near-share = one more absence reaches { $limit }% of the term's sessions
api-warning-unexcused = { $count } unexcused absences (limit { $limit })
api-warning-near-unexcused = { $count } unexcused absences; the limit is { $limit }
api-warning-in-a-row = { $count } absences in a row (limit { $limit })
api-warning-near-in-a-row = one more absence makes { $limit } in a row

## What is wrong with a field (BadRequest field violations; lower case, they follow the field's name)

api-field-empty = must not be empty
api-field-too-short = must be at least { $min } characters
api-field-too-long = must be at most { $max } characters (got { $got })
api-field-control = must not contain control characters
api-field-username-chars = may contain only lowercase letters, digits, '.', '_' and '-', starting with a letter or digit
api-field-not-email = "{ $value }" is not an email address
api-field-student-number-chars = may contain only letters, digits and '-'
api-field-course-code-chars = may contain only letters, digits, '.', '_' and '-'
api-field-time-zone = "{ $value }" is not an IANA time zone such as Europe/Lisbon
api-field-range = must be between { $lo } and { $hi }
api-field-range-seconds = must be between { $lo } and { $hi } seconds, got { $got }
api-field-range-minutes = must be between { $lo } and { $hi } minutes, got { $got }
api-field-range-metres = must be between { $lo } and { $hi } metres
api-field-not-network = "{ $value }" is not a network in CIDR form such as 10.0.0.0/8
api-field-too-many-networks = at most { $max } networks
api-field-no-weekday = choose at least one weekday
api-field-not-time = must be a time such as { $example }
api-field-not-date = must be a date such as { $example }
api-field-course-zone = the course's time zone is not valid
api-field-before-first-date = must not be before first_date
api-field-series-too-long = a series may span at most one year
api-field-students-only = only students have a student number
api-field-choose-role = choose admin, professor or student
api-field-required = is required
api-field-after-start = must be after start_time
api-field-session-too-long = a session may last at most 12 hours
api-field-at-most = must be at most { $max } characters
api-field-same-password = must differ from the current password
api-field-in-future = must be in the future
api-field-within-year = must be at most a year (366 days) away
api-field-say-why-absent = say why you were absent or late
api-field-file-too-large = the file is larger than { $mib } MiB
api-field-file-kind = only PDF, PNG and JPEG files are accepted
api-field-say-why-rejected = say why the justification is rejected

## A chosen password that is too easy to guess (a field violation), with zxcvbn's advice:
## its warnings and suggestions, in English word for word as zxcvbn says them

api-password-too-easy = is too easy to guess
api-password-too-easy-because = is too easy to guess: { $advice }
api-password-personal = It contains the account's username, name or email address.
api-password-warning-straight-rows = Straight rows of keys are easy to guess.
api-password-warning-short-keyboard-patterns = Short keyboard patterns are easy to guess.
api-password-warning-repeats-like-aaa = Repeats like "aaa" are easy to guess.
api-password-warning-repeats-like-abcabc = Repeats like "abcabcabc" are only slightly harder to guess than "abc".
api-password-warning-top-10 = This is a top-10 common password.
api-password-warning-top-100 = This is a top-100 common password.
api-password-warning-common = This is a very common password.
api-password-warning-similar-to-common = This is similar to a commonly used password.
api-password-warning-sequences = Sequences like abc or 6543 are easy to guess.
api-password-warning-recent-years = Recent years are easy to guess.
api-password-warning-word-by-itself = A word by itself is easy to guess.
api-password-warning-dates = Dates are often easy to guess.
api-password-warning-names-by-themselves = Names and surnames by themselves are easy to guess.
api-password-warning-common-names = Common names and surnames are easy to guess.
api-password-suggestion-few-words = Use a few words, avoid common phrases.
api-password-suggestion-no-symbols-needed = No need for symbols, digits, or uppercase letters.
api-password-suggestion-another-word = Add another word or two. Uncommon words are better.
api-password-suggestion-capitalization = Capitalization doesn't help very much.
api-password-suggestion-all-uppercase = All-uppercase is almost as easy to guess as all-lowercase.
api-password-suggestion-reversed-words = Reversed words aren't much harder to guess.
api-password-suggestion-substitutions = Predictable substitutions like '@' instead of 'a' don't help very much.
api-password-suggestion-longer-keyboard-pattern = Use a longer keyboard pattern with more turns.
api-password-suggestion-repeated = Avoid repeated words and characters.
api-password-suggestion-sequences = Avoid sequences.
api-password-suggestion-recent-years = Avoid recent years.
api-password-suggestion-years-associated = Avoid years that are associated with you.
api-password-suggestion-dates-associated = Avoid dates and years that are associated with you.
