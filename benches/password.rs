//! What storing a password costs on this machine: argon2id with the OWASP parameters (m = 19
//! MiB, t = 2, p = 1) through `securegen::runtime::password`, one at a time and as a flood of
//! concurrent writes (which the runtime bounds to one hash per core). Prints hashes per second
//! and the bound; asserts nothing (numbers are for people).
//!
//!   cargo bench --bench password
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use securegen::runtime::password;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = 40;
    let start = Instant::now();
    for i in 0..n {
        password::hash(format!("correct horse battery {i}")).await.unwrap();
    }
    let one = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let flood: Vec<_> = (0..n).map(|i| tokio::spawn(password::hash(format!("correct horse battery {i}")))).collect();
    for h in flood {
        h.await.unwrap().unwrap();
    }
    let many = start.elapsed().as_secs_f64();
    println!("argon2id m=19456 KiB t=2 p=1, {n} hashes");
    println!("  one at a time: {:.1} hashes/s ({:.1} ms each)", f64::from(n) / one, one * 1000.0 / f64::from(n));
    println!(
        "  {n} at once:    {:.1} hashes/s (at most {} concurrently, {} MiB of hash memory at most)",
        f64::from(n) / many,
        password::max_concurrent(),
        password::max_concurrent() * 19
    );
}
