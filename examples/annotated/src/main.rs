//! Runs the app: `APP_JWT_SECRET` (32+ random bytes), `DATABASE_URL` (default
//! `sqlite://annotated.db`), `BIND_ADDR` (default `127.0.0.1:8080`). `annotated migrate new`
//! writes the next migration after a change to the annotated structs.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match securegen::runtime::service::run(annotated::app()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("annotated: {e}");
            ExitCode::FAILURE
        }
    }
}
