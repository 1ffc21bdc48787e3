//! Running a whole service: configuration from the environment (and `.env`), failing closed
//! with a message that names the variable; JSON logs; the database with its migrations;
//! `/healthz` and the OpenAPI document; the hardening layers; serving until SIGINT/SIGTERM.
//! A generated `main.rs` is one call to [`run`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use securegen_model::Spec;
use tokio::net::TcpListener;

use crate::auth::ConfigError;
use crate::db::Db;
use crate::security::Security;
use crate::serve::{ServeOptions, serve};

/// What a service is made of.
pub struct Service {
    /// The service's normalized spec as JSON (`spec.json`, generated from `securegen.yaml`
    /// and embedded at compile time: the runtime does not parse YAML).
    pub spec_json: &'static str,
    /// The migration script of each backend.
    pub migrations: Migrations,
    /// The OpenAPI document, served at `{base_path}/openapi.json`.
    pub openapi: &'static str,
    /// The resources' routes (with their hooks), before state and layers.
    pub routes: Router<Db>,
}

/// The migration scripts of a service.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    /// For SQLite.
    pub sqlite: &'static str,
    /// For PostgreSQL.
    pub postgres: &'static str,
}

/// Why a service did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The embedded spec does not read (it was generated valid; this means it was edited).
    #[error("the embedded spec.json does not read: {0}; run `securegen generate`")]
    Spec(String),
    /// A variable holds an unusable value.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened or migrated.
    #[error("DATABASE_URL: {0}")]
    Database(String),
    /// The address could not be bound.
    #[error("BIND_ADDR: cannot listen on {addr}: {reason}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
}

/// Reads `.env` in the working directory: `KEY=VALUE` lines, `#` comments, optional quotes.
/// Variables already set in the environment win.
pub fn dotenv(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_owned(), v.to_owned()))
        })
        .collect()
}

/// The configuration lookup of a service: the environment, then `.env`.
pub fn environment() -> impl Fn(&str) -> Option<String> + Clone {
    let file = std::fs::read_to_string(".env").map(|t| dotenv(&t)).unwrap_or_default();
    let file = Arc::new(file);
    move |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty()).or_else(|| file.get(name).cloned())
}

/// Builds the application of `service` on `db`: migrations applied, `/healthz`, the OpenAPI
/// document and the resources, inside the hardening layers. Used by [`run`] and by tests.
pub async fn app(
    service: Service,
    db: Db,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(Router, Arc<Security>), StartError> {
    let spec = spec_of(service.spec_json)?;
    let security = Arc::new(Security::from_lookup(&spec, lookup)?);
    let script = match db.dialect() {
        crate::db::Dialect::Sqlite => service.migrations.sqlite,
        crate::db::Dialect::Postgres => service.migrations.postgres,
    };
    db.migrate(script).await.map_err(|e| StartError::Database(e.to_string()))?;
    let openapi = service.openapi;
    let router = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route(
            &format!("{}/openapi.json", spec.service.base_path),
            axum::routing::get(move || async move {
                let mut r = openapi.into_response();
                r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                r
            }),
        )
        .merge(service.routes)
        .with_state(db);
    Ok((security.apply(router), security))
}

fn spec_of(json: &str) -> Result<Spec, StartError> {
    serde_json::from_str(json).map_err(|e| StartError::Spec(e.to_string()))
}

/// Runs a service until SIGINT or SIGTERM: `DATABASE_URL` (default `sqlite://{name}.db`),
/// `BIND_ADDR` (default `127.0.0.1:8080`), `TRUSTED_PROXIES`, `CURSOR_SECRET`, the spec's key
/// variable, `RUST_LOG`. Returns an error naming the variable that stopped the start.
pub async fn run(service: Service) -> Result<(), StartError> {
    let lookup = environment();
    init_logs(&lookup);
    let spec = spec_of(service.spec_json)?;
    let url = lookup("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}.db", spec.service.name));
    let db = Db::connect(&url).await.map_err(|e| StartError::Database(e.to_string()))?;
    let addr_text = lookup("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let addr: SocketAddr = addr_text.parse().map_err(|_| StartError::Bind {
        addr: addr_text.clone(),
        reason: "not an address like 127.0.0.1:8080".to_owned(),
    })?;
    let (app, security) = app(service, db, lookup).await?;
    let listener =
        TcpListener::bind(addr).await.map_err(|e| StartError::Bind { addr: addr_text, reason: e.to_string() })?;
    tracing::info!(%addr, service = %spec.service.name, "listening");
    let evictor = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            security.evict_stale();
        }
    });
    let result = serve(listener, app, ServeOptions::default(), shutdown()).await;
    evictor.abort();
    tracing::info!("stopped");
    result.map_err(|e| StartError::Bind { addr: addr.to_string(), reason: e.to_string() })
}

fn init_logs(lookup: &impl Fn(&str) -> Option<String>) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(lookup("RUST_LOG").unwrap_or_else(|| "info".to_owned()))
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

#[cfg(test)]
mod tests {
    use super::dotenv;

    #[test]
    fn dotenv_lines() {
        let env = dotenv("# comment\nA=1\nexport B=\"two words\"\n C = 'x' \n\nbroken\n");
        assert_eq!(env.get("A").map(String::as_str), Some("1"));
        assert_eq!(env.get("B").map(String::as_str), Some("two words"));
        assert_eq!(env.get("C").map(String::as_str), Some("x"));
        assert_eq!(env.len(), 3);
    }
}
