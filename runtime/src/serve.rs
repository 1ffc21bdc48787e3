//! Serving with bounds (OWASP API4): headers must arrive within a deadline, header blocks are
//! bounded, concurrent connections are capped in all and per client address — so that a
//! slow-header flood from one address cannot take the descriptors other clients need — and
//! in-flight requests are drained on shutdown.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use crate::proxies::TrustedProxies;

/// Connection-level limits.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Time allowed for a request's headers to arrive.
    pub header_read_timeout: Duration,
    /// Largest header block accepted: beyond it (give or take one read), 431.
    pub max_header_bytes: usize,
    /// Time allowed for in-flight requests at shutdown.
    pub drain_timeout: Duration,
    /// Connections open at once, in all (`MAX_CONNECTIONS`); more wait in the backlog.
    pub max_connections: usize,
    /// Connections open at once from one client address (`MAX_CONNECTIONS_PER_IP`); more
    /// are closed at once. Trusted proxies carry many clients and are not capped.
    pub max_connections_per_ip: usize,
    /// The proxies in front (exempt from the per-address cap).
    pub trusted_proxies: TrustedProxies,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 64 * 1024,
            drain_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_ip: 64,
            trusted_proxies: TrustedProxies::none(),
        }
    }
}

/// Open connections per address.
#[derive(Debug, Default)]
struct PerIp(Mutex<HashMap<IpAddr, usize>>);

impl PerIp {
    /// Counts a connection from `ip`, unless it already has `max`.
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<IpGuard> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(IpGuard { table: Arc::clone(self), ip })
    }
}

/// One open connection of an address; dropping it frees the slot.
struct IpGuard {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl Drop for IpGuard {
    fn drop(&mut self) {
        let mut map = self.table.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then drains connections.
/// Handlers see the peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .max_header_size(options.max_header_bytes)
        .max_buf_size(options.max_header_bytes.max(8192))
        .keep_alive(true);
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let per_ip = Arc::new(PerIp::default());
    tokio::pin!(shutdown);
    loop {
        // Wait for a free slot before accepting: past the cap, clients queue in the backlog.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let ip_guard = if options.trusted_proxies.trusts(peer.ip()) {
            None
        } else {
            let Some(guard) = per_ip.enter(peer.ip(), options.max_connections_per_ip) else {
                // This address has its share: close at once, keeping the descriptor for others.
                drop(stream);
                continue;
            };
            Some(guard)
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let app = app.clone();
            async move {
                Ok::<_, Infallible>(app.oneshot(req.map(axum::body::Body::new)).await.unwrap_or_else(|e| match e {}))
            }
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
            drop((slot, ip_guard));
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(options.drain_timeout, graceful.shutdown()).await;
    Ok(())
}
