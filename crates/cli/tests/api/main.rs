//! The integration suite: the real server on an ephemeral port, called
//! through the generated gRPC clients, on SQLite and (when it answers) MariaDB.

mod helpers;

mod auth;
mod authorization;
mod checkin;
mod courses;
mod filters;
mod live;
mod platform;
mod proxy;
mod reports;
mod sessions;
mod tls;
mod users;
mod web;
