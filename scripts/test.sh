#!/usr/bin/env bash
# Every test of the repository: the Rust workspace (unit, HTTP, attack, snapshot, compile-fail
# and property tests), a typed TypeScript client compiled against the shop's OpenAPI document,
# and schemathesis fuzzing a running shop. Tools it needs are installed under target/ from the
# package registries; a part whose tool is missing on this machine (node, python3) or whose
# server is not configured (SECUREGEN_TEST_POSTGRES) is skipped and named at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
skipped=()
step() { printf '\n== %s\n' "$*"; }

step "cargo test --workspace"
[ -n "${SECUREGEN_TEST_POSTGRES:-}" ] || skipped+=("PostgreSQL tests (set SECUREGEN_TEST_POSTGRES=postgres://user@host/db)")
cargo test --workspace --locked

step "a typed TypeScript client of the shop (openapi-typescript + tsc --noEmit)"
if command -v npm >/dev/null; then
  (cd tests/typescript && npm ci --no-audit --no-fund --loglevel=error && npm run -s check)
else
  skipped+=("TypeScript client check (needs node and npm)")
fi

step "schemathesis against a running shop"
if command -v python3 >/dev/null && python3 -m venv --help >/dev/null 2>&1; then
  venv=target/ci-venv
  [ -x "$venv/bin/st" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/schemathesis.requirements.txt
  scripts/schemathesis.sh "$venv" "${SCHEMATHESIS_SECONDS:-90}"
else
  skipped+=("schemathesis (needs python3 with venv)")
fi

if [ ${#skipped[@]} -gt 0 ]; then
  printf '\nskipped:\n'
  printf '  - %s\n' "${skipped[@]}"
fi
echo "all tests passed"
