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
nav-check-in = Check in
nav-history = My attendance

## The login page

login-title = Log in
login-heading = Log in
login-username = Username or email
login-password = Password
login-submit = Log in

## Error pages

error-not-allowed = Not allowed

## Used by the library's own tests (plural rules)

test-students = { $count ->
    [one] { $count } student
   *[other] { $count } students
}
