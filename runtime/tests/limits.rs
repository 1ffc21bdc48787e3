//! Resource limits over real HTTP: rate limits per principal and per client address (with
//! X-Forwarded-For trusted only through configured proxies), a concurrent burst, and
//! connection-level limits against slow and oversized requests.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

mod common;

use std::time::{Duration, Instant};

use common::*;
use securegen_runtime::serve::ServeOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn anonymous_callers_are_limited_per_address_and_cannot_spoof_it() {
    let app = start().await;
    for i in 0..5 {
        let r = request(app.addr, "GET", "/api/v1/bulletins", &[format!("X-Forwarded-For: 203.0.113.{i}")], None).await;
        assert_eq!(r.status, 200, "request {i}: {}", r.body);
        assert_eq!(r.header("ratelimit-remaining"), Some((4 - i).to_string().as_str()));
    }
    let r = request(app.addr, "GET", "/api/v1/bulletins", &["X-Forwarded-For: 198.51.100.7".to_owned()], None).await;
    r.problem(429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&retry), "one token of 5/minute refills in 12 s: {retry}");
    assert_eq!(r.header("ratelimit-limit"), Some("5"));
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    assert_eq!(r.header("ratelimit-policy"), Some("5;w=60"));
    let authed = send(app.addr, "GET", "/api/v1/bulletins", Some(&token("alice", &["user"])), None).await;
    assert_eq!(authed.status, 200, "principals have their own budget");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_key() {
    let lookup = |n: &str| match n {
        "TRUSTED_PROXIES" => Some("1".to_owned()),
        other => common::lookup(other),
    };
    let app = start_with(&SPEC_MODEL, lookup, ServeOptions::default()).await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        for _ in 0..5 {
            let h = [format!("X-Forwarded-For: 10.9.9.9, {client}")];
            assert_eq!(request(app.addr, "GET", "/api/v1/bulletins", &h, None).await.status, 200, "{client}");
        }
        let h = [format!("X-Forwarded-For: 10.9.9.{}, {client}", 1)];
        request(app.addr, "GET", "/api/v1/bulletins", &h, None).await.problem(429);
    }
}

#[tokio::test]
async fn a_concurrent_burst_on_one_key_admits_at_most_the_burst() {
    let app = start().await;
    let tok = token("hammer", &["user"]);
    let started = Instant::now();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let tok = tok.clone();
            let addr = app.addr;
            tokio::spawn(async move { send(addr, "GET", "/api/v1/bursts", Some(&tok), None).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs();
    let ok = statuses.iter().filter(|s| **s == 200).count() as u64;
    let limited = statuses.iter().filter(|s| **s == 429).count() as u64;
    assert_eq!(ok + limited, 200, "only 200 and 429: {statuses:?}");
    // Burst 10, refilling one per 6 s while the test runs.
    assert!(ok >= 10 && ok <= 10 + elapsed / 6 + 1, "{ok} succeeded in {elapsed} s");
}

#[tokio::test]
async fn slow_headers_are_cut_off_and_huge_headers_refused() {
    let options = ServeOptions { header_read_timeout: Duration::from_secs(1), ..ServeOptions::default() };
    let app = start_with(&SPEC_MODEL, lookup, options).await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /api/v1/bulletins HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the slow connection");
    assert!(started.elapsed() < Duration::from_secs(4));
    let text = String::from_utf8_lossy(&buf);
    assert!(buf.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");

    let big = format!("X-Filler: {}", "a".repeat(256 * 1024));
    let r = request(app.addr, "GET", "/api/v1/bulletins", &[big], None).await;
    assert_eq!(r.status, 431, "{}", r.body);
}

#[tokio::test]
async fn a_body_that_trickles_in_times_out_with_408() {
    let tune = |s: &mut securegen_runtime::Security| s.request_timeout = Duration::from_secs(1);
    let app = start_tuned(&SPEC_MODEL, lookup, ServeOptions::default(), tune).await;
    let mut conn = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/notes HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\"",
        token("slowpoke", &["user"])
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut buf)).await.expect("answered in time").unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
}
