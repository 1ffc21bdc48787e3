//! Running a whole service: configuration from the environment (and `.env`), JSON logs, the
//! database with its migrations, then serving until SIGINT or SIGTERM. A generated
//! `main.rs` is one call to [`run`].

use tokio::net::TcpListener;

use super::{Environment, ServiceBuilder, StartError};
use crate::db::Db;
use crate::serve::serve;

/// The migration scripts of a service, one per dialect.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    /// For SQLite.
    pub sqlite: &'static str,
    /// For PostgreSQL.
    pub postgres: &'static str,
}

/// Runs `service` until SIGINT or SIGTERM: `DATABASE_URL` (default `sqlite://{name}.db`),
/// `BIND_ADDR` (default `127.0.0.1:8080`), `TRUSTED_PROXIES`, `CURSOR_SECRET`,
/// `MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_IP`, `REQUEST_TIMEOUT_SECS`, the spec's key
/// variable, `RUST_LOG`. Returns an error naming the variable that stopped the start.
pub async fn run(service: ServiceBuilder) -> Result<(), StartError> {
    let env = Environment::process();
    init_logs(&env);
    let name = service.settings().service.name.clone();
    let url = env.get("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{name}.db"));
    let addr = env.bind_addr()?;
    let db = Db::connect(&url).await?;
    let service = service.build(&env, db)?;
    service.migrate().await?;
    let listener =
        TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr: addr.to_string(), source })?;
    tracing::info!(%addr, service = %name, "listening");
    let result = serve(listener, service.router(), service.serve_options().clone(), shutdown()).await;
    tracing::info!("stopped");
    result.map_err(|source| StartError::Bind { addr: addr.to_string(), source })
}

fn init_logs(env: &Environment) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(env.get("RUST_LOG").unwrap_or_else(|| "info".to_owned()))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().json().with_env_filter(filter).with_current_span(false).try_init();
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
