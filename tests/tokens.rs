//! Forged, expired and malformed tokens, sent over real HTTP: every one is a 401 with
//! `WWW-Authenticate: Bearer error="invalid_token"`, and configuration fails closed.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm as JwtAlg, EncodingKey, Header};
use securegen::model::{Algorithm, KeySource};
use securegen::runtime::ConfigError;
use securegen::{Environment, Settings};
use serde_json::{Value, json};
use sha2::Sha256;

const RSA_PRIVATE: &str = include_str!("keys/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("keys/rsa_public.pem");
const EC_PRIVATE: &str = include_str!("keys/ec_private_pk8.pem");
const EC_PUBLIC: &str = include_str!("keys/ec_public.pem");
const ED_PRIVATE: &str = include_str!("keys/ed_private.pem");
const ED_PUBLIC: &str = include_str!("keys/ed_public.pem");

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// A compact JWS with any header, signed with HMAC-SHA256 over `secret`.
fn hs256_raw(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let signing_input = format!("{}.{}", b64(header), b64(claims));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

async fn assert_refused(app: &App, token: &str, why: &str) {
    let r = send(app.addr, "GET", "/api/v1/notes", Some(token), None).await;
    assert_eq!(r.status, 401, "{why}: {}", r.body);
    r.problem(401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer error=\"invalid_token\""), "{why}");
}

#[tokio::test]
async fn forged_and_malformed_hs256_tokens_are_refused() {
    let app = start().await;
    let good = token("alice", &["user"]);
    assert_eq!(send(app.addr, "GET", "/api/v1/notes", Some(&good), None).await.status, 200, "the control token works");

    let claims = claims("alice", &["user"]);
    let none = format!("{}.{}.", b64(&json!({ "alg": "none", "typ": "JWT" })), b64(&claims));
    assert_refused(&app, &none, "alg none").await;
    let (head_payload, _sig) = good.rsplit_once('.').unwrap();
    assert_refused(&app, &format!("{head_payload}."), "stripped signature").await;
    let (head, rest) = good.split_once('.').unwrap();
    let sig = rest.rsplit_once('.').unwrap().1;
    let escalated = format!("{head}.{}.{sig}", b64(&claims_with(&claims, "roles", json!(["admin"]))));
    assert_refused(&app, &escalated, "edited payload").await;
    let other_key = jsonwebtoken::encode(
        &Header::new(JwtAlg::HS256),
        &claims,
        &EncodingKey::from_secret(b"another-secret-another-secret-xx"),
    )
    .unwrap();
    assert_refused(&app, &other_key, "another key").await;
    let hs512 =
        jsonwebtoken::encode(&Header::new(JwtAlg::HS512), &claims, &EncodingKey::from_secret(secret().as_bytes()))
            .unwrap();
    assert_refused(&app, &hs512, "an algorithm outside the allowlist").await;

    let now = now();
    let cases = [
        ("exp as a string", claims_with(&claims, "exp", json!((now + 3600).to_string()))),
        ("expired", claims_with(&claims, "exp", json!(now - 120))),
        ("no exp", without(&claims, "exp")),
        ("not yet valid", claims_with(&claims, "nbf", json!(now + 3600))),
        ("no sub", without(&claims, "sub")),
        ("numeric sub", claims_with(&claims, "sub", json!(42))),
        ("no iss", without(&claims, "iss")),
        ("wrong iss", claims_with(&claims, "iss", json!("evil"))),
        ("no aud", without(&claims, "aud")),
        ("wrong aud", claims_with(&claims, "aud", json!("other-api"))),
        ("roles not a list", claims_with(&claims, "roles", json!("admin"))),
        ("roles with a non-string", claims_with(&claims, "roles", json!(["user", 1]))),
    ];
    for (why, c) in cases {
        assert_refused(&app, &sign(&c), why).await;
    }
    let within_leeway = sign(&claims_with(&claims, "exp", json!(now - 5)));
    assert_eq!(
        send(app.addr, "GET", "/api/v1/notes", Some(&within_leeway), None).await.status,
        200,
        "leeway covers clock skew"
    );

    let crit = hs256_raw(&json!({ "alg": "HS256", "typ": "JWT", "crit": ["exp"] }), &claims, secret().as_bytes());
    assert_refused(&app, &crit, "crit header").await;
    let valid_raw = hs256_raw(&json!({ "alg": "HS256", "typ": "JWT" }), &claims, secret().as_bytes());
    assert_eq!(
        send(app.addr, "GET", "/api/v1/notes", Some(&valid_raw), None).await.status,
        200,
        "the raw signer is right"
    );
}

fn claims_with(base: &Value, key: &str, value: Value) -> Value {
    let mut c = base.clone();
    c[key] = value;
    c
}

fn without(base: &Value, key: &str) -> Value {
    let mut c = base.clone();
    c.as_object_mut().unwrap().remove(key);
    c
}

#[tokio::test]
async fn tokens_come_only_from_one_bounded_authorization_header() {
    let app = start().await;
    let good = token("alice", &["user"]);
    let r = send(app.addr, "GET", &format!("/api/v1/notes?access_token={good}"), None, None).await;
    r.problem(401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"), "no token was presented");
    let huge = format!("Authorization: Bearer {}", "a".repeat(9 * 1024));
    request(app.addr, "GET", "/api/v1/notes", &[huge], None).await.problem(401);
    let basic =
        request(app.addr, "GET", "/api/v1/notes", &["Authorization: Basic YWxpY2U6cHc=".to_owned()], None).await;
    basic.problem(401);
    let twice = vec![format!("Authorization: Bearer {good}"), format!("Authorization: Bearer {good}")];
    request(app.addr, "GET", "/api/v1/notes", &twice, None).await.problem(401);
    let lower = request(app.addr, "GET", "/api/v1/notes", &[format!("authorization: bearer {good}")], None).await;
    assert_eq!(lower.status, 200, "the scheme is case-insensitive (RFC 7235)");
}

fn settings_with(alg: Algorithm) -> Settings {
    let mut s = settings();
    s.auth.jwt.algorithms = vec![alg];
    s.auth.jwt.key = KeySource::PublicKey("NOTES_JWT_PUBLIC_KEY".to_owned());
    s
}

#[tokio::test]
async fn public_key_algorithms_verify_and_refuse_key_confusion() {
    for (alg, jwt_alg, private, public) in [
        (Algorithm::Rs256, JwtAlg::RS256, EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap(), RSA_PUBLIC),
        (Algorithm::Es256, JwtAlg::ES256, EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap(), EC_PUBLIC),
        (Algorithm::EdDsa, JwtAlg::EdDSA, EncodingKey::from_ed_pem(ED_PRIVATE.as_bytes()).unwrap(), ED_PUBLIC),
    ] {
        let env = Environment::from_fn(move |n| (n == "NOTES_JWT_PUBLIC_KEY").then(|| public.to_owned()));
        let app = start_with(service_with(settings_with(alg)), env).await;
        let claims = claims("alice", &["user"]);
        let good = jsonwebtoken::encode(&Header::new(jwt_alg), &claims, &private).unwrap();
        let r = send(app.addr, "GET", "/api/v1/notes", Some(&good), None).await;
        assert_eq!(r.status, 200, "{alg:?}: {}", r.body);
        // The classic confusion: HS256 keyed with the (public) verification key.
        let confused = hs256_raw(&json!({ "alg": "HS256", "typ": "JWT" }), &claims, public.as_bytes());
        assert_refused(&app, &confused, "HS256 signed with the public key").await;
        assert_refused(&app, &sign(&claims), "HS256 with the old shared secret").await;
    }
}

#[tokio::test]
async fn a_token_for_an_audience_is_refused_where_none_is_configured() {
    // The service pins no audience: a token that names one was minted for someone else.
    let mut open = settings();
    open.auth.jwt.audience = None;
    let app = start_with(service_with(open), env(&[])).await;
    let with_aud = sign(&claims("alice", &["user"]));
    assert_refused(&app, &with_aud, "aud present, none configured").await;
    let without_aud = sign(&without(&claims("alice", &["user"]), "aud"));
    assert_eq!(send(app.addr, "GET", "/api/v1/notes", Some(&without_aud), None).await.status, 200);
}

#[tokio::test]
async fn the_issuer_is_one_string_equal_to_the_configured_one() {
    let app = start().await;
    let claims = claims("alice", &["user"]);
    for (why, iss) in [
        ("a list holding it", json!(["notes", "evil"])),
        ("a list of it alone", json!(["notes"])),
        ("a number", json!(7)),
    ] {
        assert_refused(&app, &sign(&claims_with(&claims, "iss", iss)), why).await;
    }
}

async fn built(settings: Settings, env: Environment) -> Result<(), securegen::StartError> {
    let db = securegen::runtime::testing::attack::fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    service_with(settings).build(&env, db).map(|_| ())
}

#[tokio::test]
async fn configuration_fails_closed_naming_the_variable() {
    let jwt = &settings().auth.jwt;
    let err = securegen::runtime::Verifier::from_lookup(jwt, &[], |_| None).unwrap_err();
    assert!(matches!(&err, ConfigError::Missing { name, .. } if name == "NOTES_JWT_SECRET"), "{err}");
    assert!(err.to_string().starts_with("NOTES_JWT_SECRET is not set"), "{err}");
    let err = securegen::runtime::Verifier::from_lookup(jwt, &[], |_| Some("short".to_owned())).unwrap_err();
    assert!(
        matches!(&err, ConfigError::ShortSecret { name, len: 5, min: 32, .. } if name == "NOTES_JWT_SECRET"),
        "{err}"
    );
    let rs = settings_with(Algorithm::Rs256);
    let err =
        securegen::runtime::Verifier::from_lookup(&rs.auth.jwt, &[], |_| Some("not a pem".to_owned())).unwrap_err();
    assert!(matches!(&err, ConfigError::BadKey { name, .. } if name == "NOTES_JWT_PUBLIC_KEY"), "{err}");
    for (var, value) in [
        ("TRUSTED_PROXIES", "two"),
        ("CURSOR_SECRET", "tiny"),
        ("MAX_CONNECTIONS", "0"),
        ("REQUEST_TIMEOUT_SECS", "soon"),
    ] {
        let err = built(settings(), env(&[(var, value)])).await.unwrap_err();
        assert!(err.to_string().starts_with(var), "{var}: {err}");
    }
    assert!(built(settings(), env(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")])).await.is_ok());
    let mut shared_limits = settings();
    shared_limits.limits.backend = securegen::model::Backend::Redis;
    let err = built(shared_limits, env(&[])).await.unwrap_err();
    assert!(err.to_string().contains("defaults.limits.backend"), "{err}");
}

#[tokio::test]
async fn secrets_that_are_not_secret_stop_the_start() {
    let key = |v: String| Environment::from_fn(move |n| (n == "NOTES_JWT_SECRET").then(|| v.clone()));
    // RFC 7518 §3.2: the key is at least as long as the hash output.
    for (alg, min) in [(Algorithm::Hs384, 48), (Algorithm::Hs512, 64)] {
        let mut s = settings();
        s.auth.jwt.algorithms = vec![alg];
        let short = secret()[..min - 1].to_owned();
        let err = built(s.clone(), key(short)).await.unwrap_err();
        assert!(err.to_string().contains(&format!("at least {min}")), "{alg:?}: {err}");
        assert!(built(s, key(secret()[..min].to_owned())).await.is_ok());
    }
    for (why, value) in
        [("published", "generated-attack-tests-secret-0123456789".to_owned()), ("uniform", "ab".repeat(32))]
    {
        let err = built(settings(), key(value)).await.unwrap_err();
        assert!(err.to_string().contains("NOTES_JWT_SECRET"), "{why}: {err}");
    }
    // A variable every process has is no place for a key.
    let mut s = settings();
    s.auth.jwt.key = KeySource::Secret("HOME".to_owned());
    let home = Environment::from_fn(|n| {
        (n == "HOME").then(|| "/root-with-a-long-enough-path-to-pass-a-length-check".to_owned())
    });
    let err = built(s, home).await.unwrap_err();
    assert!(err.to_string().starts_with("HOME") && err.to_string().contains("every process"), "{err}");
}
