//! Minting development tokens (`securegen token`, the generated attack tests): HMAC tokens
//! signed with the service's own secret, carrying the issuer and audience it requires. No I/O:
//! the caller finds the secret.

use std::time::Duration;

use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Map, Value};

use crate::model::{Jwt, KeySource};
use crate::vocab::Algorithm;

/// Claims a caller may not set with `extra`: the token's own validity and identity are this
/// module's to write, so a `--claim exp=…` cannot mint an eternal token by accident.
pub const RESERVED_CLAIMS: &[&str] = &["exp", "iat", "nbf", "sub", "iss", "aud", "jti"];

/// The longest lifetime of a minted token: one day.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// Why no token was minted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    /// The service verifies public-key tokens, which only its identity provider can mint.
    #[error("{env}: development tokens can only be minted for HMAC (HS*) services; ask your identity provider")]
    NotHmac {
        /// The key variable of the service.
        env: String,
    },
    /// The secret is shorter than its algorithm needs (RFC 7518 §3.2).
    #[error("{env} holds {len} bytes; {alg} needs a secret of at least {min} bytes")]
    ShortSecret {
        /// The key variable.
        env: String,
        /// Its length.
        len: usize,
        /// The algorithm.
        alg: Algorithm,
        /// The least length.
        min: usize,
    },
    /// `extra` names a claim this module writes itself.
    #[error("the claim `{0}` is set by the token itself and cannot be overridden")]
    Reserved(String),
    /// The lifetime is zero or longer than [`MAX_TTL`].
    #[error("a token lifetime must be between 1 second and {} seconds", MAX_TTL.as_secs())]
    Ttl,
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
}

/// A request for a token.
#[derive(Debug, Clone, Copy)]
pub struct Claims<'a> {
    /// `sub`.
    pub subject: &'a str,
    /// The roles claim.
    pub roles: &'a [String],
    /// Other claims (a tenant, say), as strings; reserved names are refused.
    pub extra: &'a [(String, String)],
}

/// A token for `claims`, valid for `ttl` (at most [`MAX_TTL`]), for a service configured by
/// `jwt` with the secret `secret`.
pub fn mint(jwt: &Jwt, secret: &str, claims: Claims<'_>, ttl: Duration) -> Result<String, MintError> {
    if ttl.is_zero() || ttl > MAX_TTL {
        return Err(MintError::Ttl);
    }
    mint_until(jwt, secret, claims, jsonwebtoken::get_current_timestamp() + ttl.as_secs())
}

/// Like [`mint`], expiring at `exp` (seconds since the epoch; a past one makes an expired
/// token, for tests).
pub fn mint_until(jwt: &Jwt, secret: &str, claims: Claims<'_>, exp: u64) -> Result<String, MintError> {
    let KeySource::Secret(env) = &jwt.key else {
        return Err(MintError::NotHmac { env: jwt.key.env().to_owned() });
    };
    let alg = jwt.algorithms.iter().copied().find(|a| a.is_hmac()).unwrap_or(Algorithm::Hs256);
    let min = alg.min_secret_bytes();
    if secret.len() < min {
        return Err(MintError::ShortSecret { env: env.clone(), len: secret.len(), alg, min });
    }
    let header = Header::new(match alg {
        Algorithm::Hs384 => jsonwebtoken::Algorithm::HS384,
        Algorithm::Hs512 => jsonwebtoken::Algorithm::HS512,
        _ => jsonwebtoken::Algorithm::HS256,
    });
    let now = jsonwebtoken::get_current_timestamp();
    let mut body = Map::new();
    for (k, v) in claims.extra {
        if RESERVED_CLAIMS.contains(&k.as_str()) || *k == jwt.roles_claim {
            return Err(MintError::Reserved(k.clone()));
        }
        body.insert(k.clone(), Value::String(v.clone()));
    }
    body.insert("sub".into(), Value::from(claims.subject));
    body.insert("iat".into(), Value::from(now.min(exp)));
    body.insert("exp".into(), Value::from(exp));
    body.insert(jwt.roles_claim.clone(), Value::from(claims.roles.to_vec()));
    if let Some(iss) = &jwt.issuer {
        body.insert("iss".into(), Value::from(iss.as_str()));
    }
    if let Some(aud) = &jwt.audience {
        body.insert("aud".into(), Value::from(aud.as_str()));
    }
    jsonwebtoken::encode(&header, &body, &EncodingKey::from_secret(secret.as_bytes()))
        .map_err(|e| MintError::Sign(e.to_string()))
}
