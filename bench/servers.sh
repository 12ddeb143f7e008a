#!/usr/bin/env bash
# Server benchmark: tools/loadgen against lessons 2, 3, 6 and both lesson 7 servers,
# at C = 1, 10, 100, 1000 connections, M exchanges each. Writes the table the book
# shows (book/src/benchmarks/servers.md) and its plot (book/src/images/servers.svg).
#   bash bench/servers.sh            # M=100
#   M=50 bash bench/servers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
M=${M:-100}
cargo build -q --release -p loadgen -p lesson02-blocking-server -p lesson03-threaded-server \
  -p lesson06-socketserver -p lesson07-event-loop
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

# name | protocol | command (the script adds --bind 127.0.0.1:0)
servers=(
  "lesson02 blocking|echo|target/release/lesson02-blocking-server"
  "lesson03 threads|greeting|target/release/lesson03-threaded-server --max-connections 2000"
  "lesson06 pool (64)|greeting|target/release/lesson06-socketserver --strategy pool --threads 64"
  "lesson06 fork (64)|greeting|target/release/lesson06-socketserver --strategy fork --workers 64"
  "lesson07 readiness|greeting|target/release/lesson07-readiness"
  "lesson07 tokio|greeting|target/release/lesson07-event-loop"
)
echo "server,connections,throughput,p50_us,p99_us,errors" > "$out/results.csv"
for entry in "${servers[@]}"; do
  IFS='|' read -r name protocol command <<<"$entry"
  for c in 1 10 100 1000; do
    if [ "$protocol" = echo ] && [ "$c" -gt 100 ]; then
      continue # one client at a time: beyond the listen backlog (128) clients cannot even connect
    fi
    $command --bind 127.0.0.1:0 > "$out/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q Listening "$out/log" 2>/dev/null && break; sleep 0.05; done
    addr=$(sed -n 's/^Listening on //p' "$out/log" | head -1)
    line=$(target/release/loadgen --connect "$addr" --protocol "$protocol" -c "$c" -m "$M" --timeout 60 2>&1 | grep '^connections=' || true)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    get() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    echo "$name,$c,$(get throughput),$(get p50_us),$(get p99_us),$(get errors)" | tee -a "$out/results.csv"
  done
done
mkdir -p book/src/benchmarks
cp "$out/results.csv" book/src/benchmarks/servers.csv
python3 bench/plot.py book/src/benchmarks/servers.csv "$M" book/src/benchmarks/servers.md book/src/images/servers.svg
echo "wrote book/src/benchmarks/servers.md and book/src/images/servers.svg"
