//! `auth.jwt`: which tokens are accepted, verified with which key, and which claims they
//! must carry.

use crate::diag::{Code, KeyPath};
use crate::model::{COMMON_VARIABLES, Jwt, KeySource};
use crate::raw::RawJwt;
use crate::suggest;
use crate::vocab::{Algorithm, Keyword as _};

use super::Validator;

/// Longest leeway accepted, in seconds.
const MAX_LEEWAY: u32 = 300;

/// Whether `env` is an environment variable name: `^[A-Z][A-Z0-9_]*$`.
fn is_env_name(env: &str) -> bool {
    env.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && env.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

impl Validator<'_> {
    pub(super) fn jwt(&mut self, j: &RawJwt, at: &KeyPath) -> Option<Jwt> {
        let algorithms = self.algorithms(j.algorithms.as_deref(), &at.key("algorithms"));
        for (key, env) in [("secret_env", &j.secret_env), ("public_key_env", &j.public_key_env)] {
            if let Some(env) = env {
                self.key_variable(env, &at.key(key));
            }
        }
        let key = self.key_source(j, &algorithms, at);
        for (key, value) in [("issuer", &j.issuer), ("audience", &j.audience), ("roles_claim", &j.roles_claim)] {
            if let Some(v) = value {
                self.claim_text(key, v, &at.key(key));
            }
        }
        let leeway = j.leeway.unwrap_or(30);
        self.leeway(leeway, &at.key("leeway"));
        self.pinned_claims(j, at);
        Some(Jwt {
            algorithms,
            key: key?,
            issuer: j.issuer.clone(),
            audience: j.audience.clone(),
            roles_claim: j.roles_claim.clone().unwrap_or_else(|| "roles".to_owned()),
            leeway,
        })
    }

    /// The allowlist: known algorithms, never `none`, each once, all of one key family.
    fn algorithms(&mut self, names: Option<&[String]>, at: &KeyPath) -> Vec<Algorithm> {
        let mut algorithms: Vec<Algorithm> = Vec::new();
        for (i, name) in names.unwrap_or_default().iter().enumerate() {
            let p = at.index(i);
            if name.eq_ignore_ascii_case("none") {
                self.sink
                    .error(Code::AlgorithmNone, &p, "`none` accepts unsigned tokens, so anyone could forge one")
                    .hint(format!("use a signing algorithm: {}", suggest::list(&Algorithm::spellings())));
            } else if let Some(a) = Algorithm::parse(name) {
                if algorithms.contains(&a) {
                    self.sink
                        .error(Code::Duplicate, &p, format!("`{a}` is listed twice"))
                        .hint("remove the second one");
                } else {
                    algorithms.push(a);
                }
            } else {
                self.sink
                    .error(Code::UnknownValue, &p, format!("`{name}` is not a supported JWT algorithm"))
                    .hint(suggest::hint(name, &Algorithm::spellings()));
            }
        }
        if names.is_some_and(<[String]>::is_empty) {
            self.sink
                .error(Code::Range, at, "the algorithm allowlist is empty, so no token could ever be accepted")
                .hint("list at least one, e.g. `[HS256]`");
        }
        self.one_family(&algorithms, at);
        algorithms
    }

    /// One key verifies one family: HMAC next to a public-key algorithm opens key confusion
    /// (a public key used as an HMAC secret), and RSA next to EC or EdDSA would pass this
    /// check and then refuse every token of the family the key is not for.
    fn one_family(&mut self, algorithms: &[Algorithm], at: &KeyPath) {
        let Some(first) = algorithms.first() else { return };
        let Some(other) = algorithms.iter().find(|a| a.family() != first.family()) else { return };
        if first.is_hmac() != other.is_hmac() {
            self.sink.error(Code::MixedAlgorithms, at, "HMAC and public-key algorithms are mixed, which opens key-confusion attacks (a public key used as an HMAC secret)").hint("keep only `HS*` with `secret_env`, or only public-key algorithms with `public_key_env`");
        } else {
            self.sink
                .error(
                    Code::MixedAlgorithms,
                    at,
                    format!(
                        "`{first}` ({}) and `{other}` ({}) need different keys, but `public_key_env` holds one",
                        first.family(),
                        other.family()
                    ),
                )
                .hint(format!("keep the algorithms of one family, e.g. only `{first}`"));
        }
    }

    /// The variable holding the key: an environment variable name, and not one every
    /// process has (its value would be no secret).
    fn key_variable(&mut self, env: &str, at: &KeyPath) {
        if !is_env_name(env) {
            self.sink
                .error(Code::BadFormat, at, format!("`{env}` is not an environment variable name"))
                .hint(format!("write it in upper case, e.g. `{}`", heck::ToShoutySnakeCase::to_shouty_snake_case(env)));
        } else if COMMON_VARIABLES.contains(&env) {
            self.sink
                .warn(
                    Code::CommonVariable,
                    at,
                    format!("`{env}` is set in most environments and holds no secret; the service refuses it at start"),
                )
                .hint("name a variable of your own, e.g. `MY_SERVICE_JWT_SECRET`");
        }
    }

    /// `secret_env` for HMAC, `public_key_env` for public keys, never both.
    fn key_source(&mut self, j: &RawJwt, algorithms: &[Algorithm], at: &KeyPath) -> Option<KeySource> {
        let hmac = algorithms.iter().any(|a| a.is_hmac());
        let public = algorithms.iter().any(|a| !a.is_hmac());
        if self.poisoned(&at.key("secret_env")) || self.poisoned(&at.key("public_key_env")) {
            return None;
        }
        match (hmac && !public, public && !hmac, &j.secret_env, &j.public_key_env) {
            (true, _, Some(s), None) => Some(KeySource::Secret(s.clone())),
            (_, true, None, Some(p)) => Some(KeySource::PublicKey(p.clone())),
            (true, _, None, _) => {
                self.sink
                    .error_at_key(
                        Code::KeySource,
                        at,
                        "HMAC algorithms need `secret_env`: the variable that holds the shared secret",
                    )
                    .hint("add `secret_env: MY_SERVICE_JWT_SECRET` (at least 32 bytes, checked at start)");
                None
            }
            (true, _, Some(_), Some(_)) => {
                self.sink
                    .error_at_key(
                        Code::KeySource,
                        &at.key("public_key_env"),
                        "`public_key_env` is set but every algorithm is HMAC",
                    )
                    .hint("remove `public_key_env`");
                None
            }
            (_, true, _, None) => {
                self.sink
                    .error_at_key(
                        Code::KeySource,
                        at,
                        "public-key algorithms need `public_key_env`: the variable that holds the PEM public key",
                    )
                    .hint("add `public_key_env: MY_SERVICE_JWT_PUBLIC_KEY`");
                None
            }
            (_, true, Some(_), Some(_)) => {
                self.sink.error_at_key(Code::KeySource, &at.key("secret_env"), "`secret_env` is set but no algorithm is HMAC; a shared secret next to a public key invites key confusion").hint("remove `secret_env`");
                None
            }
            _ => None,
        }
    }

    /// `issuer`, `audience` and `roles_claim` are compared with token claims: any text may
    /// be one (quotes and `#` included), but an empty one or one with control characters
    /// can match no token a provider would mint.
    fn claim_text(&mut self, key: &str, value: &str, at: &KeyPath) {
        if value.trim().is_empty() {
            self.sink
                .error(Code::BadFormat, at, format!("`{key}` is empty"))
                .hint(format!("give a value or remove `{key}`"));
        } else if value.chars().any(char::is_control) {
            self.sink
                .error(Code::BadFormat, at, format!("`{key}` contains control characters, which no token claim holds"))
                .hint("write it on one line, without tabs or escapes");
        }
    }

    /// Clock skew: a long leeway keeps expired tokens alive.
    fn leeway(&mut self, leeway: u32, at: &KeyPath) {
        if leeway > MAX_LEEWAY {
            self.sink
                .error(Code::Range, at, format!("a leeway of {leeway} seconds keeps expired tokens alive too long"))
                .hint(format!("use at most {MAX_LEEWAY} seconds; 30 is plenty for clock skew"));
        } else if leeway > 60 {
            self.sink
                .warn(
                    Code::LongLeeway,
                    at,
                    format!("a leeway of {leeway} seconds accepts tokens that long after they expire"),
                )
                .hint("30 seconds covers ordinary clock skew");
        }
    }

    /// Unpinned `iss`/`aud` accept tokens minted by, or for, someone else.
    fn pinned_claims(&mut self, j: &RawJwt, at: &KeyPath) {
        if j.issuer.is_none() {
            self.sink
                .warn(Code::NoIssuer, &at.key("algorithms"), "tokens from any issuer are accepted")
                .hint("set `issuer:` so that only your identity provider's tokens pass");
        }
        if j.audience.is_none() {
            self.sink
                .warn(Code::NoAudience, &at.key("algorithms"), "tokens minted for any audience are accepted")
                .hint("set `audience:` so that tokens for other services are refused");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Code;

    #[test]
    fn a_key_in_a_common_variable_is_a_warning() {
        let spec = "service: { name: shop }\nauth: { jwt: { algorithms: [HS256], secret_env: HOME, issuer: a, audience: b } }\nroles: [user]\nresources:\n  note: { fields: { id: { type: uuid } }, access: { read: [user] } }\n";
        let report = crate::check(spec);
        assert!(report.spec.is_some(), "{:?}", report.diagnostics);
        let d = report.diagnostics.iter().find(|d| d.code == Code::CommonVariable).expect("warned");
        assert_eq!(d.location.map(|l| l.line), Some(2));
    }
}
