//! Test support for services: a raw HTTP/1.1 client (raw, so that attack tests can send what
//! well-behaved clients never do) whose helpers assert, and panic with the response when an
//! expectation fails — that is their job. Used by the runtime's tests, the facade's and the
//! tests `securegen new` generates.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, missing_docs)]

pub mod attack;
pub mod contract;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as the client saw it.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: BTreeMap<String, Vec<String>>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).and_then(|v| v.first()).map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Asserts the RFC 9457 shape of an error response and returns its body.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{self:?}");
        let v = self.json();
        assert_eq!(v["status"], status);
        assert!(v["title"].is_string() && v["type"].is_string(), "{v}");
        v
    }
}

/// Sends raw bytes and reads the whole response (the request must say `Connection: close`).
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf))
        .await
        .expect("response in time")
        .unwrap();
    parse(&buf)
}

fn parse(buf: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(buf);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status line");
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.entry(k.trim().to_ascii_lowercase()).or_default().push(v.trim().to_owned());
        }
    }
    let body = if headers.get("transfer-encoding").is_some_and(|v| v.iter().any(|x| x == "chunked")) {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Resp { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// A well-formed request with optional bearer token and JSON body.
pub async fn send(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
    let mut extra = Vec::new();
    if let Some(t) = token {
        extra.push(format!("Authorization: Bearer {t}"));
    }
    request(addr, method, path, &extra, body.map(|b| b.to_string()).as_deref()).await
}

/// A request with extra header lines and a raw JSON body.
pub async fn request(addr: SocketAddr, method: &str, path: &str, headers: &[String], body: Option<&str>) -> Resp {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    if let Some(b) = body {
        if !headers.iter().any(|h| h.to_ascii_lowercase().starts_with("content-type")) {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    raw(addr, req.as_bytes()).await
}

/// The same claims with `{"alg": "none"}` and no signature: what a forger sends.
pub fn unsigned(token: &str) -> String {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap_or_default();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    format!("{header}.{payload}.")
}

/// The token with its payload edited (the subject and roles changed) and the signature kept.
pub fn tampered(token: &str, sub: &str, roles: &[&str]) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let (header, payload, signature) =
        (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let mut claims: Value =
        engine.decode(payload).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    claims["sub"] = Value::from(sub);
    claims["roles"] = Value::from(roles.to_vec());
    format!("{header}.{}.{signature}", engine.encode(claims.to_string()))
}
