//! The integration suite: the real server on an ephemeral port, called
//! through the generated gRPC clients, on SQLite and (when it answers) MariaDB.
//! A test written once as `async fn name(db: TestDb)` and followed by
//! `per_backend!(name);` runs as two named tests, `name::sqlite` and
//! `name::mariadb`, so that one backend's failure cannot hide the other's.

#[macro_use]
mod helpers;

mod api_tokens;
mod api_tokens_page;
mod auth;
mod authorization;
mod checkin;
mod courses;
mod device;
mod device_cli;
mod filters;
mod health;
#[path = "../support/http.rs"]
mod http;
mod imports;
mod language;
mod ldap;
mod live;
mod metrics;
#[path = "../support/nginx.rs"]
mod nginx;
mod oidc;
#[path = "../support/pki.rs"]
mod pki;
mod platform;
mod proxy;
mod reports;
mod retries;
mod sessions;
#[path = "../support/slapd.rs"]
mod slapd;
mod tls;
mod users;
mod web;
