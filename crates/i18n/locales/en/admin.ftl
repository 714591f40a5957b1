# The administrator's pages (users, imports, supervision, API tokens), a course's settings and
# students, the password and device pages, in English. Every key starts with admin-; keep in step
# with ../fr/admin.ftl and ../ar/admin.ftl.

## Words shared by these pages

admin-save = Save
admin-show = Show
admin-search = Search
admin-next-page = Next page
admin-back = Back
admin-cancel = Cancel
admin-done = Done
admin-continue = Continue
admin-none = None.
admin-or-paste = …or paste it
admin-check-file = Check the file
admin-file = File
admin-correct-fields = Please correct the marked fields.
admin-whole-number = Enter a whole number.

## Column headings and form labels

admin-col-name = Name
admin-col-username = Username
admin-col-email = Email
admin-col-number = Number
admin-col-role = Role
admin-col-state = State
admin-col-when = When
admin-col-course = Course
admin-col-student = Student
admin-col-reason = Reason
admin-col-detail = Detail
admin-col-address = Address
admin-col-device = Device
admin-col-time = Time
admin-col-room = Room
admin-col-here = Here
admin-col-count = Count
admin-col-who = Who
admin-col-from = From
admin-col-action = Action
admin-col-on = On
admin-col-line = Line
admin-col-column = Column
admin-col-problem = Problem
admin-col-one-time-password = One-time password
admin-col-made-by = Made by
admin-col-made = Made
admin-col-expires = Expires
admin-col-enrolled = Enrolled
admin-field-username = Username
admin-field-full-name = Full name
admin-field-email = Email
admin-field-student-number = Student number

## Roles, in the forms and filters

admin-role-student = Student
admin-role-professor = Professor
admin-role-admin = Administrator
admin-roles-everyone = Everyone
admin-roles-students = Students
admin-roles-professors = Professors
admin-roles-admins = Administrators

## The overview

admin-overview-title = Overview
admin-count-check-ins-today = Check-ins today
admin-count-refused-today = Refused today
admin-count-sessions = Sessions
admin-count-courses = Courses
admin-count-students = Students
admin-count-professors = Professors
admin-count-admins = Administrators
admin-overview-today = Today's sessions
admin-overview-no-sessions = No sessions today.
# Students here (present or late) of those enrolled, in a session of today.
admin-overview-here-of = { $here } / { $enrolled }
admin-overview-refused-today = Refused check-ins today
admin-overview-all-refused = All refused check-ins

## Refused check-ins

admin-rejections-title = Refused check-ins
admin-rejections-any = Any
admin-rejections-none = No refused check-ins.

## The audit log

admin-audit-title = Audit log
admin-audit-action-starts = Action starts with
admin-audit-nothing = Nothing recorded.
# Who did it, when no person did (a background task).
admin-audit-system = system

## Users

admin-users-title = Users
admin-users-new = New user
admin-users-import-csv = Import CSV
admin-users-search-placeholder = Name, username, email or number
admin-users-include-inactive = Include deactivated
admin-users-none = No users match.
admin-users-active = Active
admin-users-deactivated = Deactivated

## One user's page

admin-user-new = New user
admin-user-deactivated-notice = This account is deactivated: it cannot log in.
admin-user-username-is = Username:
admin-user-student-number = Student number (students)
admin-user-password = Password (leave empty to generate one)
admin-user-create = Create user
admin-user-account = Account
admin-user-reset-confirm = Set a new random password and log this user out everywhere?
admin-user-reset = Reset password
admin-user-deactivate-confirm = Deactivate this account? They will not be able to log in.
admin-user-deactivate = Deactivate
admin-user-reactivate = Reactivate
# An account just made: "Ana Lima (ana), student". $role is admin, professor or student.
admin-user-who = { $name } ({ $username }), { $role ->
    [admin] administrator
    [professor] professor
   *[student] student
}
admin-user-created-flash = Created { $who }.
admin-user-created = User created
admin-user-saved = Saved { $username }.
admin-user-reactivated = Reactivated: they can log in again.
admin-user-deactivated = Deactivated: they can no longer log in. Their attendance stays.
admin-user-reset-title = Password reset
admin-user-reset-heading = New password
admin-user-logged-out = { $name } ({ $username }) is logged out everywhere.

## Importing users

admin-users-import-title = Import users
admin-users-import-help = Upload a spreadsheet with a header row: an Excel (.xlsx) or OpenDocument (.ods) file, or CSV as any spreadsheet saves it (separated by commas, semicolons or tabs; UTF-8, UTF-16 or Windows-1252). Columns: <code>username</code>, <code>email</code>, <code>display_name</code>, <code>role</code> (admin, professor or student) are required; <code>student_number</code> and <code>password</code> are optional (a password is generated when empty). Moodle's user-upload file (<code>username</code>, <code>firstname</code>, <code>lastname</code>, <code>email</code>, <code>idnumber</code>) is understood; its people are students.
admin-users-import-first = You first see every problem, or what would be created; nothing is written until you confirm.
admin-users-import-valid = The file is valid: { $count ->
    [one] { $count } user would be created
   *[other] { $count } users would be created
}. Nothing is written until you confirm.
admin-users-import-done = { $count ->
    [one] { $count } user created
   *[other] { $count } users created
}. Hand out the one-time passwords below; they are not shown again.

## The preview and result of an import (users or a course's students)

admin-import-check = Check before importing
admin-import-done = Import done
admin-import-read-as = Read as: { $how }.
admin-import-problems = { $count ->
    [one] { $count } problem found
   *[other] { $count } problems found
}
admin-import-would-create = New accounts that would be created
admin-import-new-accounts = New accounts
admin-import-now = Import now
admin-import-nothing-written = Nothing was written. Fix these lines and upload the file again.

## A one-time password, shown once

admin-secret-one-time = One-time password (shown only now; they should change it after logging in):

## API tokens

admin-tokens-title = API tokens
admin-tokens-hint = Tokens for scripts: each acts with its own role until it expires or is revoked. Deactivating the administrator who made one revokes it too.
admin-tokens-made = Made:
admin-tokens-secret = Its secret, shown only now (send it as <code>authorization: Bearer …</code>):
admin-tokens-none = No API tokens.
admin-tokens-revoke = Revoke
admin-tokens-new = New token
admin-tokens-days = Days it lasts (at most 366)
admin-tokens-make = Make token
admin-tokens-days-missing = Give the number of days it lasts (1 to 366).
admin-tokens-revoked = Revoked: the token no longer works.

## A course's settings

admin-course-settings-title = { $code } settings
admin-course-settings = Course settings
admin-course-back = Back to the course
admin-course-legend-course = Course
admin-course-code = Code
admin-course-course-title = Title
admin-course-term = Term
admin-course-time-zone = Time zone (e.g. Europe/Lisbon)
admin-course-legend-check-in = Check-in (empty = default)
admin-course-qr-rotation = Seconds between QR codes (5–300, default 10)
admin-course-qr-grace = Grace after a change, seconds (0–30, default 3)
admin-course-late-after = Late after, minutes (default 10)
admin-course-opens-before = Opens before start, minutes (default 10)
admin-course-legend-geofence = Room area (geofence; empty = anywhere)
admin-course-geofence-hint = When set, students must share their phone's location and be within the radius to check in. Decimal degrees, e.g. 38.7369 and -9.1427.
admin-course-latitude = Latitude
admin-course-longitude = Longitude
admin-course-radius = Radius, metres (10–10000)
admin-course-legend-absence = Absence warnings (0 = off)
admin-course-absence-percent = Share of sessions missed, %
admin-course-unexcused = Unexcused absences
admin-course-in-a-row = Absences in a row
admin-course-legend-professors = Professors
admin-course-fence-together = Fill in latitude, longitude and radius together, or leave all three empty.
admin-course-fence-number = Enter a number, e.g. 38.7369 (decimal degrees) or 80 (metres).
admin-course-saved = Course settings saved.

## A course's students

admin-enrol-title = { $code } students
admin-enrol-students = Students
admin-enrol-add = Add a student
admin-enrol-enroll = Enroll
admin-enrol-import = Import from CSV
admin-enrol-import-help = Columns: <code>username</code> (required), <code>email</code>, <code>display_name</code>, <code>student_number</code>. New students need email and name. You see every problem before anything is written.
admin-enrol-csv-file = CSV file
admin-enrol-create = Create a new student account
admin-enrol-create-enroll = Create and enroll
admin-enrol-none = No students yet.
admin-enrol-remove = Remove
admin-enrol-remove-confirm = Remove { $name } from this course?
admin-enrol-enrolled = { $who } is enrolled.
admin-enrol-created = Student created
admin-enrol-created-heading = Student created and enrolled
admin-enrol-removed = Student removed from the course. Their past attendance stays.
admin-enrol-no-such-course = No such course.
admin-enrol-import-title = Import students
admin-enrol-import-valid = The file is valid: { $count ->
    [one] { $count } student would be enrolled
   *[other] { $count } students would be enrolled
}, { $created ->
    [one] { $created } of them a new account
   *[other] { $created } of them new accounts
}, { $already } already enrolled. Nothing is written until you confirm.
admin-enrol-import-done = { $count ->
    [one] { $count } student enrolled
   *[other] { $count } students enrolled
}, { $created ->
    [one] { $created } new account created
   *[other] { $created } new accounts created
}, { $already ->
    [one] { $already } was already enrolled
   *[other] { $already } were already enrolled
}. Hand out the one-time passwords below; they are not shown again.

## Changing one's password

admin-password-title = Change password
admin-password-current = Current password
admin-password-new = New password
admin-password-again = New password again
admin-password-submit = Change password
admin-password-hint-strong = Choose one that is hard to guess: a few uncommon words work well; your name, username or a common password are refused.
admin-password-hint-elsewhere = Changing your password logs you out everywhere else.
admin-password-not-same = The two new passwords are not the same.
admin-password-wrong-current = This is not your current password.
admin-password-changed = Your password is changed.
admin-password-set-for-you = Your password was set for you: choose your own before you go on.

## Signing in a device (classtrack login --sso)

admin-device-title = Sign in a device
admin-device-asks = A device asks to be signed in as you with this code:
admin-device-what = What
admin-device-from = From
admin-device-hint = Approve only if you started this yourself and the code is the one it shows you.
admin-device-approve = Approve
admin-device-deny = Deny
admin-device-enter = Enter the code your device (for example <code>classtrack login --sso</code>) shows.
admin-device-code = Code
admin-device-approved = Approved: the device is signed in as you. You can go back to it now.
admin-device-denied = Denied: the device was not signed in.

## Uploads

admin-upload-broken = The upload did not arrive whole. Try again.
admin-upload-expired-title = This form has expired
admin-upload-expired = Go back, reload the page and try again.
