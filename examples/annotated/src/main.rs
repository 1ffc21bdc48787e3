//! Runs the app: `APP_JWT_SECRET` (32+ random bytes), `DATABASE_URL` (default
//! `sqlite://annotated.db`), `BIND_ADDR` (default `127.0.0.1:8080`).

use std::process::ExitCode;

use securegen::Environment;
use securegen::runtime::db::Db;
use securegen::runtime::serve::serve;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("annotated: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let env = Environment::process();
    let db = Db::connect(&env.get("DATABASE_URL").unwrap_or_else(|| "sqlite://annotated.db".to_owned())).await?;
    let service = annotated::app().build(&env, db)?;
    service.migrate().await?;
    let addr = env.get("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    serve(listener, service.router(), service.serve_options().clone(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
