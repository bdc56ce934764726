#!/usr/bin/env bash
# Measures the webhook handler: `hallmark serve` (queue only, no workers) on loopback,
# 10,000 signed issue_comment deliveries from a second process, and the server's
# resident memory at rest and right after the load. Debug build (the build the tests
# use); a release build answers faster.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hallmark-target}"
count="${1:-10000}"
concurrency="${2:-4}"
cargo build -q --workspace --bins
bin="$CARGO_TARGET_DIR/debug"
data="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
key="$data/app.pem"
cp tests/fixtures/github-app/test-app.private-key.pem "$key"
HALLMARK_GITHUB_WEBHOOK_SECRET=load-secret HALLMARK_GITHUB_PRIVATE_KEY_FILE="$key" \
  "$bin/hallmark" serve --listen 127.0.0.1:39391 --app-id 1 --workers 0 --data-dir "$data/bot" &
pid=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:39391/healthz >/dev/null 2>&1 && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "memory at rest: $(rss)"
"$bin/webhook-load" 127.0.0.1:39391 load-secret "$count" "$concurrency" &
load=$!
peak=0
while kill -0 "$load" 2>/dev/null; do
  now=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.2
done
wait "$load"
echo "memory under load (peak of samples every 0.2 s): $peak kB; after: $(rss)"
curl -fs http://127.0.0.1:39391/metrics | grep -E 'outcome="queued"|state="queued"'
