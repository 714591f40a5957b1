//! One way to make each service's client, used by the web tier, the CLI,
//! the benchmark and the tests.

use tonic::transport::Channel;

use crate::v1::{
    attendance_service_client::AttendanceServiceClient, auth_service_client::AuthServiceClient,
    course_service_client::CourseServiceClient, report_service_client::ReportServiceClient,
    session_service_client::SessionServiceClient, user_service_client::UserServiceClient,
};

/// The largest message a client sends or accepts (a whole course's report,
/// an export, a benchmark's roster), above tonic's 4 MiB default.
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// Clients of every ClassTrack service over one channel (cheap to clone;
/// the channel is shared).
#[derive(Clone, Debug)]
pub struct Clients {
    channel: Channel,
}

macro_rules! client {
    ($(#[$doc:meta])* $name:ident, $client:ident) => {
        $(#[$doc])*
        pub fn $name(&self) -> $client<Channel> {
            $client::new(self.channel.clone())
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES)
        }
    };
}

impl Clients {
    /// Clients over `channel` (see [`crate::endpoint`] for making one).
    pub fn new(channel: Channel) -> Self {
        Self { channel }
    }

    /// The channel the clients share.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    client!(
        /// `AuthService`: log in and out, who am I, passwords.
        auth,
        AuthServiceClient
    );
    client!(
        /// `UserService`: accounts and imports.
        users,
        UserServiceClient
    );
    client!(
        /// `CourseService`: courses, enrollment, settings.
        courses,
        CourseServiceClient
    );
    client!(
        /// `SessionService`: sessions and series.
        sessions,
        SessionServiceClient
    );
    client!(
        /// `AttendanceService`: check-in, rolls, marks, live streams.
        attendance,
        AttendanceServiceClient
    );
    client!(
        /// `ReportService`: history, reports, exports, justifications, audit.
        reports,
        ReportServiceClient
    );
}
