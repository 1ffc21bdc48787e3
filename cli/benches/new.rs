//! `securegen new` for a 200-resource spec, as a process, against the baseline of
//! `securegen check` on the same spec, in one run. The goal: under 1 s in release.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

fn spec(n: usize) -> String {
    let shop = include_str!("../../examples/shop/securegen.yaml");
    let (head, rest) = shop.split_at(shop.find("resources:").unwrap());
    let order = &rest[rest.find("  order:").unwrap()..rest.find("  product:").unwrap()];
    let mut out = format!("{head}resources:\n");
    for i in 0..n {
        out.push_str(&order.replacen("  order:", &format!("  order_{i}:"), 1));
    }
    out
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("securegen-bench-new-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.yaml");
    std::fs::write(&file, spec(200)).unwrap();
    let exe = env!("CARGO_BIN_EXE_securegen");
    let mut g = c.benchmark_group("200 resources");
    g.sample_size(10);
    g.bench_function("baseline: securegen check", |b| {
        b.iter(|| assert!(Command::new(exe).arg("check").arg(&file).output().unwrap().status.success()))
    });
    let mut n = 0;
    g.bench_function("securegen new", |b| {
        b.iter(|| {
            n += 1;
            let out = dir.join(format!("svc{n}"));
            let o = Command::new(exe)
                .args(["new", out.to_str().unwrap(), "--spec", file.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
