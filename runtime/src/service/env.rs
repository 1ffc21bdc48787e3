//! Where a service reads its configuration: the process environment, then `.env` in the
//! working directory (read with dotenvy, never exported into the process). A bad value stops
//! the start with a message that names the variable.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::auth::ConfigError;
use crate::page::Cursors;
use crate::proxies::TrustedProxies;

/// Looks up one variable.
type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// A source of configuration values.
#[derive(Clone)]
pub struct Environment(Arc<Lookup>);

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values are secrets: never printed.
        f.write_str("Environment(..)")
    }
}

impl Environment {
    /// The process environment, then `.env` in the working directory.
    pub fn process() -> Self {
        let file: HashMap<String, String> =
            dotenvy::from_path_iter(".env").map(|iter| iter.filter_map(Result::ok).collect()).unwrap_or_default();
        Self(Arc::new(move |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty()).or_else(|| file.get(name).cloned())
        }))
    }

    /// Values from a function (tests; embedding in another configuration system).
    pub fn from_fn(f: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Values from pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let map: HashMap<String, String> = pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Self::from_fn(move |k| map.get(k).cloned())
    }

    /// The value of `name`, when set and not empty.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.is_empty())
    }

    /// `name` parsed by `parse`, or `default`; an unparsable value names the variable.
    pub(crate) fn parsed<T>(
        &self,
        name: &str,
        default: T,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => parse(&v)
                .ok_or_else(|| ConfigError::Invalid { name: name.to_owned(), reason: format!("`{v}` is not {what}") }),
        }
    }

    /// `MIGRATIONS`: `auto` (the default: pending migrations run at start) or `manual`
    /// (they run with the `migrate` subcommand, and a pending one stops the start).
    pub(crate) fn manual_migrations(&self) -> Result<bool, ConfigError> {
        match self.get("MIGRATIONS").as_deref() {
            None | Some("auto") => Ok(false),
            Some("manual") => Ok(true),
            Some(other) => Err(ConfigError::Invalid {
                name: "MIGRATIONS".to_owned(),
                reason: format!("`{other}` is neither `auto` nor `manual`"),
            }),
        }
    }

    /// `TRUSTED_PROXIES`.
    pub(crate) fn trusted_proxies(&self) -> Result<TrustedProxies, ConfigError> {
        match self.get("TRUSTED_PROXIES") {
            None => Ok(TrustedProxies::none()),
            Some(v) => TrustedProxies::parse(&v)
                .map_err(|e| ConfigError::Invalid { name: "TRUSTED_PROXIES".to_owned(), reason: e.to_string() }),
        }
    }

    /// `CURSOR_SECRET` (at least 32 bytes), or a per-process key (cursors then die with the
    /// process; instances behind one load balancer must share one).
    pub(crate) fn cursors(&self) -> Result<Cursors, ConfigError> {
        use sha2::Digest as _;
        match self.get("CURSOR_SECRET") {
            None => Ok(Cursors::random()),
            Some(s) if s.len() >= 32 => Ok(Cursors::with_key(sha2::Sha256::digest(s.as_bytes()).into())),
            Some(s) => Err(ConfigError::ShortSecret {
                name: "CURSOR_SECRET".to_owned(),
                len: s.len(),
                alg: "HMAC-SHA256",
                min: 32,
            }),
        }
    }

    /// `BIND_ADDR`, default `127.0.0.1:8080`.
    pub(crate) fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.parsed("BIND_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)), "an address like 127.0.0.1:8080", |v| {
            v.parse().ok()
        })
    }
}
