//! Minting development tokens (`securegen token`, generated tests): HS256/384/512 tokens
//! signed with the service's own secret, with the issuer and audience it requires.

use std::time::Duration;

use jsonwebtoken::{EncodingKey, Header};
use securegen_spec::{Algorithm, Jwt, KeySource};
use serde_json::{Value, json};

use crate::auth::{ConfigError, MIN_SECRET_BYTES};

/// A token for `sub` with `roles` (and any `extra` claims, e.g. a tenant), valid for `ttl`,
/// signed for a service configured by `jwt` with the secret `secret`.
pub fn mint(
    jwt: &Jwt,
    secret: &str,
    sub: &str,
    roles: &[String],
    extra: &[(String, String)],
    ttl: Duration,
) -> Result<String, ConfigError> {
    mint_until(jwt, secret, sub, roles, extra, jsonwebtoken::get_current_timestamp() + ttl.as_secs())
}

/// Like [`mint`], expiring at `exp` (seconds since the epoch; a past one makes an expired
/// token, for tests).
pub fn mint_until(
    jwt: &Jwt,
    secret: &str,
    sub: &str,
    roles: &[String],
    extra: &[(String, String)],
    exp: u64,
) -> Result<String, ConfigError> {
    let KeySource::Secret(env) = &jwt.key else {
        return Err(ConfigError::Invalid {
            name: jwt.key.env().to_owned(),
            reason: "development tokens can only be minted for HMAC (HS*) services; ask your identity provider"
                .to_owned(),
        });
    };
    if secret.len() < MIN_SECRET_BYTES {
        return Err(ConfigError::ShortSecret { name: env.clone(), len: secret.len() });
    }
    let alg = match jwt.algorithms.iter().find(|a| a.is_hmac()) {
        Some(Algorithm::Hs384) => jsonwebtoken::Algorithm::HS384,
        Some(Algorithm::Hs512) => jsonwebtoken::Algorithm::HS512,
        _ => jsonwebtoken::Algorithm::HS256,
    };
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = json!({ "sub": sub, "iat": now.min(exp), "exp": exp });
    claims[jwt.roles_claim.as_str()] = json!(roles);
    if let Some(iss) = &jwt.issuer {
        claims["iss"] = json!(iss);
    }
    if let Some(aud) = &jwt.audience {
        claims["aud"] = json!(aud);
    }
    for (k, v) in extra {
        claims[k.as_str()] = Value::String(v.clone());
    }
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .map_err(|e| ConfigError::Invalid { name: env.clone(), reason: e.to_string() })
}
