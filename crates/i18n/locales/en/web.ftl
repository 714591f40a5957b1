# The web pages, in English (the reference language: every key here exists in fr and ar).

## The frame of every page

skip-to-content = Skip to content
nav-main = Main
account-change-password = Change password
log-out = Log out
language-switcher = Language
language-choose = Change

## The menu

nav-overview = Overview
nav-users = Users
nav-courses = Courses
nav-sessions = Sessions
nav-justifications = Justifications
nav-rejections = Rejections
nav-audit = Audit log
nav-api-tokens = API tokens
nav-check-in = Check in
nav-history = My attendance

## The login page

login-title = Log in
login-heading = Log in
login-username = Username or email
login-password = Password
login-submit = Log in
login-or = or
login-with = Log in with { $provider }
sso-logout-provider = You are logged out of ClassTrack. Also log out of { $provider }
sso-provider-refused = The identity provider did not log you in ({ $error }). Please try again.
sso-callback-incomplete = The identity provider's answer is incomplete. Please start the login again.
sso-other-browser = This login was started in another browser, or too long ago. Please start it again here.

## Error pages

error-not-allowed = Not allowed

## Used by the library's own tests (plural rules)

test-students = { $count ->
    [one] { $count } student
   *[other] { $count } students
}

## Error pages and the sentences for the API's statuses

error-title-page-not-found = Page not found
error-page-not-found = There is nothing at this address. Check the link or go back to your home page.
error-title-too-large = Too much data
error-too-large = What you sent is too large. Split the file and try again.
error-title-missing = Something is missing
error-title-not-found = Not found
error-title-not-allowed = Not allowed
error-title-too-many = Too many attempts
error-title-unavailable = ClassTrack is not answering
error-title-unimplemented = Not available yet
error-title-failed = That did not work
error-title-wrong = Something went wrong
error-done = Done.
error-log-in-again = Please log in again.
error-unavailable = The attendance service could not be reached. Try again in a minute.
error-unimplemented = This part of ClassTrack is not available on this server yet.
error-internal = The server could not finish this. Try again; if it keeps happening, tell your administrator.
error-too-many-wait = Too many attempts. Wait { $wait } and try again.
error-too-many = Too many attempts. Wait a little and try again.
error-denied = You are not allowed to do this.
error-not-found = It does not exist, or it was removed.
error-other = That did not work. Check what you entered and try again.

## Durations

duration-a-second = a second
duration-seconds = { $count } seconds
duration-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}

## Words used on many pages

word-status-present = Present
word-status-late = Late
word-status-excused = Excused
word-status-absent = Absent
word-status-none = Not yet
word-role-admin = Administrator
word-role-professor = Professor
word-role-student = Student
word-state-scheduled = Scheduled
word-state-open = Open
word-state-closed = Closed
word-state-cancelled = Cancelled
chart-roll-column = { $session }: { $present } present, { $late } late, { $excused } excused, { $absent } absent
page-could-not-be-shown = This page could not be shown. Try again.

## The student's check-in page

student-check-in = Check in
student-camera-help = Open your phone's camera app and point it at the code on the screen; it opens the check-in page. Or type the six-digit code below.
student-location-hint = A class open now checks that you are in the room: allow location when your phone asks.
location-needs-js = Sharing your location needs JavaScript. Turn JavaScript on for this site, or ask your professor to mark you present.
student-type-code = Type the code
student-none-open = No session is open for check-in right now.
student-session = Session
student-several-open = { $count } sessions are open: choose the one you are in. The code is checked against that session only.
student-code-label = Code on the screen
student-code-submit = Check in with code
student-today = Today
student-no-sessions-today = No sessions today.
scanner-point = Point the camera at the code on the screen.
scanner-stop = Stop camera
scanner-unsupported = This browser cannot read QR codes itself. Open your phone's camera app and point it at the code on the screen, or type the six-digit code below.
scanner-denied = The camera could not be opened. Allow camera access, or use your phone's camera app, or type the code below.
scanner-found = Code found. Checking you in…
location-blocked = Location is blocked for this site. Allow location for this site in your browser (often the icon next to the address, or the phone's settings), then try again. If you cannot, ask your professor to mark you present.
location-unavailable = Your phone could not find where it is. Turn on location (GPS) and try again, or ask your professor to mark you present.
location-timeout = Finding your location took too long. Turn on location (GPS), move near a window and try again, or ask your professor to mark you present.
location-unsupported = This browser cannot share its location. Use your phone's usual browser, or ask your professor to mark you present.
location-finding = Finding your location…
location-found = Location found. Checking you in…
projector-closed = Check-in is closed for this session.

## Why a check-in was refused, in a few words (headline, table cell, filter)

reason-unspecified = Not checked in
reason-not-student = Students only
reason-token-malformed = Not a ClassTrack code
reason-session-not-found = Unknown session
reason-token-expired = Code expired
reason-wrong-session = Wrong session
reason-session-not-open-yet = Not open yet
reason-session-closed = Session closed
reason-session-cancelled = Session cancelled
reason-not-enrolled = Not enrolled
reason-device-in-use = Device already used
reason-location-required = Location needed
reason-outside-geofence = Not in the room
reason-address-not-allowed = Wrong network
reason-code-invalid = Wrong code
reason-too-many-attempts = Too many wrong codes
reason-scan-proof-invalid = Scan not proven

## After a check-in

checkin-against = Checked against { $session }.
checkin-location-go-back = Go back, type the code that is on the screen now, and allow location when your phone asks.
checkin-location-press = Press the button and allow location when your phone asks. Your position is only used to check that you are in the room; it is not stored.
checkin-location-share = Share my location and check in
checkin-location-none-came = No location came with your check-in. Sharing your location needs JavaScript: turn it on for this site, or ask your professor to mark you present.
checkin-location-needs-js = Sharing your location needs JavaScript. Turn JavaScript on for this site and scan again, or ask your professor to mark you present.
checkin-back = Back to check-in
checkin-location-invalid = Location not understood
checkin-location-invalid-detail = Your browser sent a location that is not valid. Go back and try again.
checkin-already-recorded = You were already recorded at { $time }. Nothing changed.
checkin-recorded = Recorded at { $time }.
checkin-try-again = Try again
checkin-too-many-attempts = Too many attempts
checkin-location-required-detail = This class checks that you are in the room, so it needs your phone's location.
checkin-outside-geofence-detail = Your phone's location is outside the area of this class. If you are in the room, turn on precise location (GPS), move near a window and scan the current code again, or ask your professor to mark you.
checkin-scan-again = Scan again
checkin-scan-too-old = Your scan is too old now. Scan the code on the screen again.
checkin-choose-session = Choose the session you are in, then type its code.
login-ended = Your login has ended. Please log in again.
login-scan-kept = Your scan for { $course } at { $time } is saved. Log in within { $within } to be checked in.
login-wrong = Wrong username or password.
login-logged-out = You are logged out.

## The student's attendance history

history-rate-by-course = Attendance rate by course
history-rate-chart = Attendance rate per course
history-limit-reached = Absence limit reached
history-limit-near = Close to the absence limit
history-session = Session
history-status = Status
history-action = Action
history-justify = Justify
history-coming-up = Coming up
history-counts = { $count ->
    [one] { $count } session
   *[other] { $count } sessions
}: { $present } present, { $late } late, { $excused } excused, { $absent } absent

## Sessions: lists, the roll, the projector

field-date = Date
field-starts = Starts
field-ends = Ends
field-room = Room
field-title = Title
field-title-optional = Title (optional)
action-save = Save
action-edit = Edit
col-when = When
col-time = Time
col-course = Course
col-state = State
col-actions = Actions
col-student = Student
col-how = How
col-mark = Mark
link-roll = Roll
link-projector = Projector
sessions-span = Today and the next two weeks.
sessions-none = No sessions in the next two weeks. Create them from a course page.
session-back-to-roll = Back to the roll
session-edit = Edit session
session-need-start = Give a date and a start time.
session-need-end = Give an end time.
session-need-times = Give a date, a start and an end time.
session-need-minutes = Give the length in minutes.
session-ends-before-start = The session ends before it starts: check the end time.
session-created = Session created.
session-saved = Session saved.
session-cancelled-done = Session cancelled. It counts for nobody.
session-closed-done = { $count ->
    [0] Session closed.
    [one] Session closed; 1 student marked absent.
   *[other] Session closed; { $count } students marked absent.
}
roll-title = { $course } roll
roll-choose-status = Choose a status first.
roll-marked = Marked { $status }.
roll-open-projector = Open projector
roll-close-confirm = Close check-in now? Everyone without a record becomes absent.
roll-close-now = Close now
roll-cancel-session = Cancel session
roll-cancel-reason = Reason (optional)
roll-cancel-this = Cancel this session
count-enrolled = enrolled
count-present = present
count-late = late
count-excused = excused
count-absent = absent
count-not-yet = not yet
roll-shared-device = Shared device
roll-shared-device-hint = This device was used by another student
roll-status-for = Status for { $name }
roll-choose = Choose…
roll-note-for = Note for { $name }
roll-note = Note
roll-nobody = No students are enrolled yet.
roll-add-students = Add students
how-qr = QR
how-code = code
how-manual = by hand
how-close = at close
how-justification = justified
how-qr-at = QR at { $time }
how-code-at = code at { $time }
how-manual-at = by hand at { $time }
how-close-at = at close at { $time }
how-justification-at = justified at { $time }
projector-full-screen = Full screen
projector-opens-at = Check-in opens at
projector-appears = The code appears here by itself when it opens.
projector-no-code = No code to show.
projector-not-open = Not open for check-in yet
projector-scan = Scan with your phone's camera
projector-or-type = or type the code
projector-new-code-in = new code in
projector-seconds-unit = s
projector-checked-in = checked in

## Justifications

justify-title = Justify an absence
justify-reason = Reason
justify-document = Document (optional: PDF, PNG or JPEG, at most 2 MB)
justify-send = Send
justify-sent = Your justification is sent. You will see the decision here.
justifications-filter = Filter
justifications-nothing = Nothing here.
justifications-how-before = To justify an absence, open
justifications-how-after = and choose “Justify” next to it.
justifications-sent = sent { $when }
justifications-attachment = Attachment:
justifications-comment = Comment:
justifications-comment-optional = Comment (optional)
justifications-approve = Approve
justifications-reject = Reject
justifications-state-pending = Waiting for a decision
justifications-state-approved = Approved
justifications-state-rejected = Rejected
justifications-tab-pending = Waiting
justifications-tab-approved = Approved
justifications-tab-rejected = Rejected
justifications-tab-all = All
justifications-approved-done = Approved: the absence is now excused.
justifications-rejected-done = Rejected.

## Courses

field-code = Code
field-term = Term
field-time-zone = Time zone
courses-search-label = Search courses
courses-search-placeholder = Code or title
courses-search = Search
courses-none = No courses yet.
courses-students = Students
courses-links = Links
courses-report = Report
courses-new = New course
courses-code-example = Code (e.g. CS101-2026F)
courses-professors = Professors
courses-no-professors = No professors yet: create their accounts under Users first.
courses-create = Create course
courses-by-admin = New courses are created by an administrator, who also assigns their professors.
course-created = Course { $code } created.
course-students = { $count ->
    [one] { $count } student
   *[other] { $count } students
}
course-times-in = times in { $zone }
course-settings = Settings
course-none-today = No session today.
course-upcoming = Upcoming
course-nothing-scheduled = Nothing scheduled.
course-new-session = New session
course-create-session = Create session
course-series = Weekly series
course-days = Days
course-minutes = Minutes
course-from = From
course-until = Until
course-skip-dates = Skip dates (YYYY-MM-DD, comma separated)
course-create-series = Create series
course-past = Past
course-no-past = No past sessions.
weekday-monday = Monday
weekday-tuesday = Tuesday
weekday-wednesday = Wednesday
weekday-thursday = Thursday
weekday-friday = Friday
weekday-saturday = Saturday
weekday-sunday = Sunday

## The course report

report-title = Attendance report
report-title-of = { $course } report
report-download-csv = Download CSV
report-download-semicolon = Download for French Excel (CSV with ;)
report-download-semicolon-hint = Separated by semicolons, with decimal commas: what French and most European versions of Excel open directly
report-download-xlsx = Download Excel
report-overall = Overall attendance:
report-held = { $count ->
    [one] { $count } session held so far
   *[other] { $count } sessions held so far
}
report-per-session = Attendance per session
report-chart-title = Present, late, excused and absent students per session
report-matrix-label = Attendance matrix
report-number = Number
report-rate = Rate
report-warning = Warning
report-over-limit = Over limit
report-near-limit = Near limit
report-key = P present · L late · E excused · A absent · · no record yet
report-short-present = P
report-short-late = L
report-short-excused = E
report-short-absent = A

## Pages that are not for the viewer, and forms

page-not-found = Not found
page-not-yours = There is nothing here for you: it does not exist, it was removed, or it is not one of yours. Check the link or go back to your home page.
page-staff-only = This page is for professors and administrators.
page-admin-only = This page is for administrators.
page-went-wrong = Something went wrong
form-correct-fields = Please correct the marked fields.
