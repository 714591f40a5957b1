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
