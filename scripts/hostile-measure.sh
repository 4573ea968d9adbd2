#!/usr/bin/env bash
# Issue 10's memory/disk target: five free users upload the issue's bombs at
# once (B1 disk bomb, B2 header bomb, then B3 ALT bomb) to a real `gas serve`;
# prints each job's outcome, the server's peak RSS and the blob store's size.
#   bash scripts/hostile-measure.sh
set -euo pipefail
cd "$(dirname "$0")/.."
d=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$d"' EXIT
go build -o "$d/gas" ./cmd/gas
mkdir -p "$d/data"
for i in 1 2 3 4 5; do "$d/gas" user add --data "$d/data" --email "m$i@example.org" --name "M$i" | awk '{print $NF}' >"$d/data/tok$i"; done
port=$((20000 + RANDOM % 20000))
"$d/gas" serve --data "$d/data" --addr "127.0.0.1:$port" >"$d/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
python3 scripts/hostile-measure.py "$d/data" "$pid" "http://127.0.0.1:$port"
