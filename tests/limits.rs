//! Resource limits over real HTTP: rate limits per principal and per client address (with
//! X-Forwarded-For believed only from configured proxies), a concurrent burst, failed
//! authentications limited per address, and connection-level limits against slow, oversized
//! and too many requests.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

mod common;

use std::time::{Duration, Instant};

use common::*;
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
    // The test client connects from 127.0.0.1: that is the proxy.
    let app = start_with(service(), env(&[("TRUSTED_PROXIES", "127.0.0.1/32")])).await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        for _ in 0..5 {
            let h = [format!("X-Forwarded-For: 10.9.9.9, {client}")];
            assert_eq!(request(app.addr, "GET", "/api/v1/bulletins", &h, None).await.status, 200, "{client}");
        }
        let h = [format!("X-Forwarded-For: 10.9.9.1, {client}")];
        request(app.addr, "GET", "/api/v1/bulletins", &h, None).await.problem(429);
    }
}

#[tokio::test]
async fn a_forwarded_header_from_a_peer_that_is_not_a_proxy_is_ignored() {
    // A proxy is configured, but the test client is not it: its header is a lie.
    let app = start_with(service(), env(&[("TRUSTED_PROXIES", "10.0.0.0/8")])).await;
    for i in 0..5 {
        let h = [format!("X-Forwarded-For: 203.0.113.{i}")];
        assert_eq!(request(app.addr, "GET", "/api/v1/bulletins", &h, None).await.status, 200);
    }
    let h = ["X-Forwarded-For: 198.51.100.9".to_owned()];
    request(app.addr, "GET", "/api/v1/bulletins", &h, None).await.problem(429);
}

#[tokio::test]
async fn a_hop_count_is_refused_at_start() {
    let db = securegen::runtime::testing::attack::fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    let e = service().build(&env(&[("TRUSTED_PROXIES", "1")]), db).unwrap_err();
    assert!(e.to_string().contains("TRUSTED_PROXIES") && e.to_string().contains("hop count"), "{e}");
}

#[tokio::test]
async fn a_flood_of_bad_tokens_is_limited_per_address_and_valid_tokens_pass() {
    let app = start().await;
    let mut statuses = Vec::new();
    for i in 0..(securegen::runtime::auth::AUTH_FAILURES.count + 5) {
        let r = send(app.addr, "GET", "/api/v1/notes", Some(&format!("forged.{i}.token")), None).await;
        statuses.push(r.status);
    }
    let allowed = securegen::runtime::auth::AUTH_FAILURES.count as usize;
    assert!(statuses[..allowed].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[allowed..].iter().all(|s| *s == 429), "{statuses:?}");
    // A valid token from the same address is never counted or refused.
    let r = send(app.addr, "GET", "/api/v1/notes", Some(&token("alice", &["user"])), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_concurrent_burst_on_one_key_admits_at_most_the_burst() {
    // 200 connections at once from one address: above the default share of one address.
    let app = start_with(service(), env(&[("MAX_CONNECTIONS_PER_IP", "256")])).await;
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
    let app = start_with(service(), env(&[("HEADER_TIMEOUT_SECS", "1")])).await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /api/v1/bulletins HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the slow connection");
    assert!(started.elapsed() < Duration::from_secs(12), "within the 10 s header deadline");
    let text = String::from_utf8_lossy(&buf);
    assert!(buf.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");

    let big = format!("X-Filler: {}", "a".repeat(256 * 1024));
    let r = request(app.addr, "GET", "/api/v1/bulletins", &[big], None).await;
    assert_eq!(r.status, 431, "{}", r.body);
}

#[tokio::test]
async fn a_body_that_trickles_in_times_out_with_408() {
    let app = start_with(service(), env(&[("REQUEST_TIMEOUT_SECS", "1")])).await;
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

/// A connection from `ip` (any address of 127.0.0.0/8 is this host) that sends half a request.
async fn slow_from(ip: [u8; 4], addr: std::net::SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((std::net::Ipv4Addr::from(ip), 0).into()).unwrap();
    let mut conn = socket.connect(addr).await.unwrap();
    conn.write_all(b"GET /api/v1/bulletins HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    conn
}

#[tokio::test]
async fn a_slow_header_flood_from_one_address_leaves_room_for_others() {
    let app = start_with(service(), env(&[("MAX_CONNECTIONS_PER_IP", "4"), ("HEADER_TIMEOUT_SECS", "30")])).await;
    let mut flood = Vec::new();
    for _ in 0..12 {
        flood.push(slow_from([127, 0, 0, 2], app.addr).await);
    }
    // Past its share, the flooder's connections are closed at once: their descriptors are freed.
    let mut closed = 0;
    for conn in &mut flood {
        let mut byte = [0u8; 1];
        // Closed with unread bytes, the connection may be reset rather than ended.
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(300), conn.read(&mut byte)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 8, "4 of 12 slow connections are kept, the rest closed");
    // Another address is served while the flood holds its four.
    let r = request(app.addr, "GET", "/api/v1/bulletins", &[], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}
