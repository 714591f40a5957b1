//! The integration suite: the real server on an ephemeral port, called
//! through the generated gRPC clients, on SQLite and (when it answers) MariaDB.

mod helpers;

mod auth;
mod authorization;
mod checkin;
mod courses;
mod live;
mod platform;
mod reports;
mod sessions;
mod users;
mod web;
