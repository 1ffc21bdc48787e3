//! Running a whole service: configuration from the environment (and `.env`), JSON logs, the
//! database with its migrations, then serving until SIGINT or SIGTERM. A generated
//! `main.rs` is one call to [`run`].

use tokio::net::TcpListener;

use super::{Command, Environment, ServiceBuilder, StartError, maintain};
use crate::db::Db;
use crate::serve::serve;

/// Runs `service` until SIGINT or SIGTERM: `DATABASE_URL` (default `sqlite://{name}.db`),
/// `BIND_ADDR` (default `127.0.0.1:8080`), `TRUSTED_PROXIES`, `CURSOR_SECRET`,
/// `MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_IP`, `REQUEST_TIMEOUT_SECS`, `MIGRATIONS`, the
/// spec's key variable, `RUST_LOG`. Returns an error naming the variable that stopped the
/// start. With the arguments `migrate [--dry-run | --check]` it runs that command instead
/// (see [`super::maintain`]).
pub async fn run(service: ServiceBuilder) -> Result<(), StartError> {
    let env = Environment::process();
    init_logs(&env);
    let name = service.settings().service.name.clone();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = Command::parse(&args).ok_or_else(|| {
        StartError::Usage(format!("usage: {name} [migrate [--dry-run | --check | new [--allow-destructive]]]"))
    })?;
    if let Command::New { allow_destructive } = command {
        let root = std::env::var("CARGO_MANIFEST_DIR").map_or_else(|_| std::path::PathBuf::from("."), Into::into);
        let written = super::maintain::write_next_migration(&service.policies(), &root, allow_destructive)?;
        report_new(written.as_ref());
        return Ok(());
    }
    let url = env.get("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{name}.db"));
    let addr = env.bind_addr()?;
    let db = Db::connect(&url).await?;
    let service = service.build(&env, db)?;
    match command {
        Command::Serve => service.migrate().await?,
        Command::Migrate => {
            maintain(&service, command).await?;
            return service.check_schema().await;
        }
        Command::DryRun => return maintain(&service, command).await,
        Command::Check => {
            service.check_schema().await?;
            return maintain(&service, command).await;
        }
        Command::New { .. } => {}
    }
    let listener =
        TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr: addr.to_string(), source })?;
    tracing::info!(%addr, service = %name, "listening");
    let result = serve(listener, service.router(), service.serve_options().clone(), shutdown()).await;
    tracing::info!("stopped");
    result.map_err(|source| StartError::Bind { addr: addr.to_string(), source })
}

/// What `migrate new` did, on standard output.
fn report_new(written: Option<&securegen_model::migrate::Next>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = match written {
        Some(m) => {
            let _ = writeln!(out, "wrote migrations/sqlite/{0}.sql and migrations/postgres/{0}.sql", m.stem);
            m.caveats.iter().try_for_each(|c| writeln!(out, "hint: {c}"))
        }
        None => writeln!(out, "the database layout has not changed since the last migration"),
    };
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
