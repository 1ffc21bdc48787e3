//! Checking a 500-resource spec (parse + validate + normalize + lint), against the baseline
//! of parsing the same text into a bare YAML tree, in the same run. The goal: under
//! 100 ms in release.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

/// A spec of `n` resources shaped like the reference `order` (owner, every kind of field rule).
fn big_spec(n: usize) -> String {
    let mut s = String::from(
        "service: { name: big, api_version: v1 }\n\
         auth:\n  jwt: { algorithms: [HS256], secret_env: BIG_JWT_SECRET, issuer: big, audience: big-api }\n\
         roles: [user, admin]\n\
         defaults:\n  limits: { rate: 100/minute, body: 16KiB, page_default: 20, page_max: 100, max_len: 1024 }\n\
         resources:\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "  order_{i}:\n    owner: owner_id\n    fields:\n\
             \x20     id: {{ type: uuid }}\n\
             \x20     owner_id: {{ type: string, server: subject }}\n\
             \x20     item: {{ type: string, min_len: 1, max_len: 100, write: [create, update] }}\n\
             \x20     quantity: {{ type: int, min: 1, max: 1000, write: [create, update] }}\n\
             \x20     status: {{ type: enum, values: [pending, shipped], default: pending, write: [update], write_roles: [admin] }}\n\
             \x20     internal_note: {{ type: string, redact: true, optional: true, write: [update], write_roles: [admin] }}\n\
             \x20     card_last4: {{ type: string, pattern: \"^[0-9]{{4}}$\", optional: true, write: [create], read_roles: [owner, admin] }}\n\
             \x20     created_at: {{ type: timestamp, server: now }}\n\
             \x20   access: {{ create: [user], read: [owner, admin], list: [owner, admin], update: [owner, admin], delete: [admin] }}\n\
             \x20   limits: {{ rate: 20/minute, page_max: 50 }}\n"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let src = big_spec(500);
    let report = securegen_model::check(&src);
    assert_eq!(report.errors(), 0, "{:?}", report.diagnostics.first());
    let mut g = c.benchmark_group("500 resources");
    g.sample_size(20);
    g.bench_function("baseline: yaml tree only", |b| {
        b.iter(|| serde_yaml::from_str::<serde_yaml::Value>(black_box(&src)).map(|v| v.is_mapping()))
    });
    g.bench_function("securegen check", |b| b.iter(|| securegen_model::check(black_box(&src)).errors()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
