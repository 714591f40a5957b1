//! UserService: administrators manage accounts, one at a time (`account`)
//! or from a CSV file (`import_csv`).

mod account;
mod import_csv;

use classtrack_proto::v1::{self, user_service_server::UserService};
use tonic::{Request, Response, Status};

use super::reply;
use crate::state::State;
use account::{create_user, get_user, list_users, reset_password, set_active, update_user};
pub(crate) use account::{prefixed_conflict, Applicant};
pub(crate) use import_csv::check_unique;
use import_csv::import_users;

/// UserService: accounts, managed by administrators.
pub struct UserApi(pub State);

#[tonic::async_trait]
impl UserService for UserApi {
    async fn create_user(
        &self,
        req: Request<v1::CreateUserRequest>,
    ) -> Result<Response<v1::CreateUserResponse>, Status> {
        reply(create_user(&self.0, req).await)
    }
    async fn get_user(
        &self,
        req: Request<v1::GetUserRequest>,
    ) -> Result<Response<v1::GetUserResponse>, Status> {
        reply(get_user(&self.0, req).await)
    }
    async fn list_users(
        &self,
        req: Request<v1::ListUsersRequest>,
    ) -> Result<Response<v1::ListUsersResponse>, Status> {
        reply(list_users(&self.0, req).await)
    }
    async fn update_user(
        &self,
        req: Request<v1::UpdateUserRequest>,
    ) -> Result<Response<v1::UpdateUserResponse>, Status> {
        reply(update_user(&self.0, req).await)
    }
    async fn deactivate_user(
        &self,
        req: Request<v1::DeactivateUserRequest>,
    ) -> Result<Response<v1::DeactivateUserResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                let user = set_active(&self.0, &caller, &req.get_ref().name, false).await?;
                Ok(v1::DeactivateUserResponse { user: Some(user) })
            }
            .await,
        )
    }
    async fn reactivate_user(
        &self,
        req: Request<v1::ReactivateUserRequest>,
    ) -> Result<Response<v1::ReactivateUserResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                let user = set_active(&self.0, &caller, &req.get_ref().name, true).await?;
                Ok(v1::ReactivateUserResponse { user: Some(user) })
            }
            .await,
        )
    }
    async fn reset_password(
        &self,
        req: Request<v1::ResetPasswordRequest>,
    ) -> Result<Response<v1::ResetPasswordResponse>, Status> {
        reply(reset_password(&self.0, req).await)
    }
    async fn import_users(
        &self,
        req: Request<v1::ImportUsersRequest>,
    ) -> Result<Response<v1::ImportUsersResponse>, Status> {
        reply(import_users(&self.0, req).await)
    }
}
