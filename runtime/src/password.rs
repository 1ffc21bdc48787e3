//! Password storage (OWASP API2): a `password` field is stored only as an argon2id hash with
//! the OWASP parameters (m = 19 MiB, t = 2, p = 1), a fresh random salt, as a PHC string. It
//! is never returned (the field is not readable) and never logged.
//!
//! Hashing costs about 19 MiB and tens of milliseconds of one core, so it never runs on the
//! async threads: each hash runs on the blocking pool, at most [`max_concurrent`] at once in
//! the process. A flood of writes (or, later, logins) queues for a permit — bounded in time by
//! the request timeout and in number by the rate limits — instead of exhausting memory or
//! starving the threads that serve everything else.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Memory cost in KiB (19 MiB).
pub const M_COST: u32 = 19 * 1024;
/// Iterations.
pub const T_COST: u32 = 2;
/// Lanes.
pub const P_COST: u32 = 1;

/// The hasher with the OWASP parameters.
fn argon2() -> Result<Argon2<'static>, ApiError> {
    let params = Params::new(M_COST, T_COST, P_COST, None).map_err(|e| {
        tracing::error!(error = %e, "argon2 parameters refused");
        ApiError::Internal
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// How many hashes may run at once: one per core the process may use (each holds 19 MiB).
pub fn max_concurrent() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The process-wide permits: every hash in the process shares them.
fn permits() -> Arc<Semaphore> {
    static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    Arc::clone(PERMITS.get_or_init(|| Arc::new(Semaphore::new(max_concurrent()))))
}

/// Runs `f` on the blocking pool once a permit is free.
async fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let permit = permits().acquire_owned().await.map_err(|_| ApiError::Internal)?;
    tokio::task::spawn_blocking(move || {
        let out = f();
        drop(permit);
        out
    })
    .await
    .map_err(|_| ApiError::Internal)
}

/// The PHC string of `plain`: argon2id, the OWASP parameters, a fresh random salt.
pub async fn hash(plain: String) -> Result<String, ApiError> {
    bounded(move || {
        let hasher = argon2()?;
        hasher.hash_password(plain.as_bytes()).map(|h| h.to_string()).map_err(|e| {
            tracing::error!(error = %e, "hashing a password failed");
            ApiError::Internal
        })
    })
    .await?
}

/// Whether `plain` matches the PHC string `stored` (with the parameters the string names).
/// A malformed string matches nothing.
pub async fn verify(plain: String, stored: String) -> Result<bool, ApiError> {
    bounded(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else { return Ok(false) };
        Ok(argon2()?.verify_password(plain.as_bytes(), &parsed).is_ok())
    })
    .await?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_owasp_parameters_and_a_fresh_salt() {
        let a = super::hash("correct horse battery".to_owned()).await.unwrap();
        let b = super::hash("correct horse battery".to_owned()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(super::verify("correct horse battery".to_owned(), a.clone()).await.unwrap());
        assert!(!super::verify("correct horse batterY".to_owned(), a).await.unwrap());
        assert!(!super::verify("x".to_owned(), "not a phc string".to_owned()).await.unwrap());
    }
}
