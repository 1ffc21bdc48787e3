#!/usr/bin/env bash
# Black-box fuzzing of the reference service with schemathesis: examples/shop on a fresh
# SQLite database, every check, every phase (stateful included), once as a user and once as
# an admin. Exit 0 only with zero failures.
#
#   scripts/schemathesis.sh VENV [SECONDS_PER_IDENTITY]
#
# VENV is a virtualenv with schemathesis installed (.ci/run makes one, pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:?usage: scripts/schemathesis.sh VENV [SECONDS]}
budget=${2:-100}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --quiet --locked -p shop -p securegen-cli
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SHOP_JWT_SECRET=$secret
(cd "$work" && DATABASE_URL="sqlite://$work/shop.db" BIND_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  MAX_CONNECTIONS_PER_IP=512 exec "$OLDPWD/target/debug/shop") >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
token() { SHOP_JWT_SECRET=$secret target/debug/securegen token --dir examples/shop --sub "$1" --role "$2" --ttl 3600 2>/dev/null; }
status=0
for who in user admin; do
  echo "== schemathesis as $who (budget ${budget}s)"
  timeout "$budget" "$venv/bin/st" --config-file scripts/schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --checks all --phases examples,coverage,fuzzing,stateful \
    --header "Authorization: Bearer $(token "fuzz-$who" "$who")" \
    --max-examples 60 --seed 7 --request-timeout 10 \
    --suppress-health-check all \
    || { code=$?; [ "$code" = 124 ] && echo "(time budget reached: what ran, passed)" || status=$code; }
done
if ! kill -0 "$pid" 2>/dev/null; then
  echo "the service died:" >&2; cat "$work/server.log" >&2; exit 1
fi
if grep -q '"level":"ERROR"' "$work/server.log"; then
  echo "the service logged errors:" >&2; grep '"level":"ERROR"' "$work/server.log" >&2; status=1
fi
exit "$status"
