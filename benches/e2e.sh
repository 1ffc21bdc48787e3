#!/usr/bin/env bash
# End-to-end benchmark: the shop generated from the bench spec against the hand-written axum
# baseline of the same contract, on loopback with the shared harness (wrk, 32 connections),
# alternated run by run, then the table of medians and ratios.
#
#   benches/e2e.sh [RUNS]            SQLite: securegen vs hand-written, RUNS each (default 3)
#   benches/e2e.sh --postgres [RUNS] the shop generated with --database postgres, on the
#                                    server at SECUREGEN_BENCH_POSTGRES (default
#                                    postgres://postgres@127.0.0.1:5432/test); no baseline
#
# BENCH_DIR is the harness (default ../shared/bench, next to this checkout). Builds are
# release builds in target/e2e; results go to target/e2e/results.jsonl. Needs wrk, python3,
# curl, ss (and psql for --postgres). Never run by the tests: numbers are for people.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bench=${BENCH_DIR:-$repo/../shared/bench}
[ -x "$bench/bench-shop.sh" ] || { echo "no harness at $bench (set BENCH_DIR)" >&2; exit 2; }
postgres=0
if [ "${1:-}" = "--postgres" ]; then postgres=1; shift; fi
runs=${1:-3}
work=$repo/target/e2e
mkdir -p "$work"
export RESULTS=$work/results.jsonl
export CARGO_TARGET_DIR=$work/target

log() { printf '\n== %s\n' "$*" >&2; }

log "the generator"
cargo build --quiet --release --locked -p securegen-cli
generator=$CARGO_TARGET_DIR/release/securegen

service() { # DIR DATABASE: scaffold the bench spec into DIR and build it in release
  rm -rf "$1"
  "$generator" new "$1" --spec "$bench/shop-bench.yaml" --database "$2" --securegen-path "$repo" >/dev/null
  cp "$repo/Cargo.lock" "$1/"   # the versions the framework is tested with
  (cd "$1" && cargo build --quiet --release)
}

if [ "$postgres" = 1 ]; then
  url=${SECUREGEN_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
  log "the shop on PostgreSQL ($url)"
  service "$work/shop-pg" postgres
  # A fresh database per run: the tables are dropped before the service starts (it migrates).
  start="psql -q '$url' -c 'DROP TABLE IF EXISTS orders, products' >/dev/null && DATABASE_URL='$url' exec $CARGO_TARGET_DIR/release/shop"
  for i in $(seq "$runs"); do
    log "run $i/$runs"
    "$bench/bench-shop.sh" securegen-postgres "$start" 1
  done
  REPORT_LAST=$runs "$bench/bench-shop.sh" --report securegen-postgres
  exit 0
fi

log "the hand-written baseline"
cargo build --quiet --release --locked --manifest-path "$bench/axum-shop/Cargo.toml"
log "the shop generated from the bench spec"
service "$work/shop" sqlite

for i in $(seq "$runs"); do
  log "run $i/$runs"
  "$bench/bench-shop.sh" securegen "exec $CARGO_TARGET_DIR/release/shop" 1
  "$bench/bench-shop.sh" hand-written "exec $CARGO_TARGET_DIR/release/axum-shop" 1
done
REPORT_LAST=$runs "$bench/bench-shop.sh" --report securegen hand-written
