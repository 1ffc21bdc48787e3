//! Verifying bearer JWTs (OWASP API2, RFC 8725): an algorithm allowlist of one key family and
//! one key; `exp` and `sub` required; `iss` a single string equal to the configured issuer;
//! `aud` required when configured and refused when not (a token that names an audience was
//! minted for someone); `nbf` checked; claims typed strictly; `crit` headers refused. Keys
//! come from the environment, and a missing, short, well-known or shared one stops the
//! service at start.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, Validation};
use securegen_model::{Algorithm, COMMON_VARIABLES, Jwt, KeySource, Keyword};
use serde_json::{Map, Value};

use super::Principal;
use crate::error::ApiError;

/// The longest `Authorization` header accepted.
pub const MAX_AUTHORIZATION_BYTES: usize = 8 * 1024;

/// Secrets that have been published (in examples, in an earlier release's generated tests):
/// a service refuses to start with one of them.
const PUBLISHED_SECRETS: &[&str] =
    &["generated-attack-tests-secret-0123456789", "annotated-service-secret-32-bytes-at-least"];

/// Fewest distinct bytes an HMAC secret must have: `aaaa…` is long, not random.
const MIN_DISTINCT_BYTES: usize = 8;

/// Why the service cannot start: the message names the variable to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{name} is not set; it must hold {what}")]
    Missing {
        /// The variable.
        name: String,
        /// What it must hold.
        what: &'static str,
    },
    /// The HMAC secret is too short to resist brute force (RFC 7518 §3.2).
    #[error("{name} holds {len} bytes; {alg} needs a secret of at least {min} random bytes")]
    ShortSecret {
        /// The variable.
        name: String,
        /// Its length.
        len: usize,
        /// The strongest algorithm of the allowlist.
        alg: &'static str,
        /// The least length.
        min: usize,
    },
    /// The secret is not secret: published, or too uniform to be random.
    #[error("{name}: {reason}; generate one with `openssl rand -hex 32`")]
    WeakSecret {
        /// The variable.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// The public key does not parse for the configured algorithm.
    #[error("{name} does not hold a PEM public key usable with {alg}: {reason}")]
    BadKey {
        /// The variable.
        name: String,
        /// The algorithm.
        alg: &'static str,
        /// The parser's reason.
        reason: String,
    },
    /// Some other variable holds an unusable value.
    #[error("{name}: {reason}")]
    Invalid {
        /// The variable.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// Verifies bearer tokens for one service.
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
    /// The one issuer accepted.
    issuer: Option<String>,
    /// Whether an audience is configured (jsonwebtoken checks its value).
    audience: bool,
    roles_claim: String,
    tenant_claims: Vec<String>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Verifier").field("algorithms", &self.validation.algorithms).finish_non_exhaustive()
    }
}

fn jwt_alg(a: Algorithm) -> jsonwebtoken::Algorithm {
    match a {
        Algorithm::Hs256 => jsonwebtoken::Algorithm::HS256,
        Algorithm::Hs384 => jsonwebtoken::Algorithm::HS384,
        Algorithm::Hs512 => jsonwebtoken::Algorithm::HS512,
        Algorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        Algorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
    }
}

impl Verifier {
    /// Builds the verifier of `jwt`, reading its key through `lookup` (the process
    /// environment in a service: `|name| std::env::var(name).ok()`). `tenant_claims` are the
    /// claims that resources use to confine rows; they are copied into each [`Principal`].
    pub fn from_lookup(
        jwt: &Jwt,
        tenant_claims: &[&str],
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let name = jwt.key.env().to_owned();
        if COMMON_VARIABLES.contains(&name.as_str()) {
            return Err(ConfigError::Invalid {
                name,
                reason:
                    "every process has this variable, so it holds no secret; name a variable of your own in the spec"
                        .to_owned(),
            });
        }
        let value = lookup(&name).filter(|v| !v.is_empty());
        let key = match (&jwt.key, value) {
            (KeySource::Secret(_), None) => {
                return Err(ConfigError::Missing { name, what: "the HMAC secret (at least 32 random bytes)" });
            }
            (KeySource::PublicKey(_), None) => {
                return Err(ConfigError::Missing { name, what: "the PEM public key that verifies tokens" });
            }
            (KeySource::Secret(_), Some(secret)) => {
                check_secret(&name, &secret, &jwt.algorithms)?;
                DecodingKey::from_secret(secret.as_bytes())
            }
            (KeySource::PublicKey(_), Some(pem)) => {
                let alg = jwt.algorithms.first().copied().unwrap_or(Algorithm::Rs256);
                let parsed = match alg {
                    Algorithm::Rs256 => DecodingKey::from_rsa_pem(pem.as_bytes()),
                    Algorithm::Es256 => DecodingKey::from_ec_pem(pem.as_bytes()),
                    _ => DecodingKey::from_ed_pem(pem.as_bytes()),
                };
                parsed.map_err(|e| ConfigError::BadKey { name, alg: Keyword::as_str(alg), reason: e.to_string() })?
            }
        };
        let mut validation = Validation::new(jwt_alg(jwt.algorithms.first().copied().unwrap_or(Algorithm::Hs256)));
        validation.algorithms = jwt.algorithms.iter().map(|a| jwt_alg(*a)).collect();
        validation.leeway = u64::from(jwt.leeway);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if jwt.issuer.is_some() {
            // Checked by `verify` itself: jsonwebtoken accepts a list of issuers when one of
            // them matches, and RFC 8725 wants exactly the one we trust.
            required.push("iss");
        }
        match &jwt.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Ok(Self {
            key,
            validation,
            issuer: jwt.issuer.clone(),
            audience: jwt.audience.is_some(),
            roles_claim: jwt.roles_claim.clone(),
            tenant_claims: tenant_claims.iter().map(|c| (*c).to_owned()).collect(),
        })
    }

    /// Verifies a compact JWS and returns its principal.
    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let invalid = |detail| ApiError::Unauthorized { detail, token_presented: true };
        refuse_critical_headers(token).map_err(invalid)?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            invalid(match e.kind() {
                K::ExpiredSignature => "the token has expired",
                K::ImmatureSignature => "the token is not valid yet",
                K::InvalidAlgorithm => "the token's algorithm is not accepted",
                K::InvalidSignature => "the token's signature is invalid",
                K::InvalidIssuer => "the token's issuer is not accepted",
                K::InvalidAudience => "the token's audience is not accepted",
                K::MissingRequiredClaim(_) => "the token lacks a required claim",
                K::InvalidClaimFormat(_) => "a token claim has the wrong type",
                _ => "the token is malformed",
            })
        })?;
        let claims = data.claims;
        if let Some(iss) = &self.issuer
            && claims.get("iss").and_then(Value::as_str) != Some(iss.as_str())
        {
            return Err(invalid("the token's issuer is not accepted"));
        }
        if !self.audience && claims.contains_key("aud") {
            return Err(invalid("the token was minted for an audience this service does not configure"));
        }
        let subject = match claims.get("sub") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(invalid("the token's subject is missing or not a string")),
        };
        let roles = match claims.get(&self.roles_claim) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut roles = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(r) => roles.push(r.clone()),
                        _ => return Err(invalid("the roles claim must be a list of strings")),
                    }
                }
                roles
            }
            Some(_) => return Err(invalid("the roles claim must be a list of strings")),
        };
        let mut tenants = BTreeMap::new();
        for claim in &self.tenant_claims {
            match claims.get(claim) {
                None => {}
                Some(Value::String(t)) if !t.is_empty() => {
                    tenants.insert(claim.clone(), t.clone());
                }
                Some(_) => return Err(invalid("the tenant claim must be a non-empty string")),
            }
        }
        Ok(Principal::new(subject, roles, tenants))
    }

    /// Reads the bearer token of a request: `Ok(None)` when there is no `Authorization`
    /// header; an error when there is one that is not a usable bearer token.
    pub fn from_headers(&self, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        let invalid = |detail| ApiError::Unauthorized { detail, token_presented: true };
        if values.next().is_some() {
            return Err(invalid("send exactly one Authorization header"));
        }
        if value.len() > MAX_AUTHORIZATION_BYTES {
            return Err(invalid("the Authorization header is too large"));
        }
        let text = value.to_str().map_err(|_| invalid("the Authorization header is not ASCII"))?;
        let token = match text.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(ApiError::Unauthorized { detail: "use the Bearer scheme", token_presented: false }),
        };
        self.verify(token).map(Some)
    }
}

/// Refuses tokens whose header is not a JSON object or carries `crit`: we implement no
/// extension, and RFC 7515 §4.1.11 requires refusing what we do not understand.
fn refuse_critical_headers(token: &str) -> Result<(), &'static str> {
    let header = token.split('.').next().ok_or("the token is malformed")?;
    let bytes = URL_SAFE_NO_PAD.decode(header).map_err(|_| "the token is malformed")?;
    // Fast path: a header that neither names `crit` nor uses escapes (which could spell it)
    // has no `crit` member; jsonwebtoken parses it fully next.
    let mentions = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if !mentions(b"crit") && !mentions(b"\\") {
        return Ok(());
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| "the token is malformed")?;
    match value {
        Value::Object(map) if map.contains_key("crit") => Err("the token has critical header extensions"),
        Value::Object(_) => Ok(()),
        _ => Err("the token is malformed"),
    }
}

/// Refuses an HMAC secret shorter than the strongest listed algorithm needs, a published
/// one, and one too uniform to be random.
fn check_secret(name: &str, secret: &str, algorithms: &[Algorithm]) -> Result<(), ConfigError> {
    let strongest = algorithms.iter().copied().filter(|a| a.is_hmac()).max_by_key(|a| a.min_secret_bytes());
    let alg = strongest.unwrap_or(Algorithm::Hs256);
    if secret.len() < alg.min_secret_bytes() {
        return Err(ConfigError::ShortSecret {
            name: name.to_owned(),
            len: secret.len(),
            alg: alg.as_str(),
            min: alg.min_secret_bytes(),
        });
    }
    if PUBLISHED_SECRETS.contains(&secret) {
        return Err(ConfigError::WeakSecret { name: name.to_owned(), reason: "this secret is published" });
    }
    let mut seen = [false; 256];
    secret.bytes().for_each(|b| seen[usize::from(b)] = true);
    if seen.iter().filter(|s| **s).count() < MIN_DISTINCT_BYTES {
        return Err(ConfigError::WeakSecret {
            name: name.to_owned(),
            reason: "this secret repeats too few characters to be random",
        });
    }
    Ok(())
}
