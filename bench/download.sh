#!/usr/bin/env bash
# Download benchmark for lesson04: our client versus curl, same local server, same body.
# Prints wall time (median of RUNS), throughput and peak memory (max RSS) for each.
#   bash bench/download.sh            # 200 MB, Content-Length
#   SIZE=500000000 CHUNKED=1 bash bench/download.sh
#   SIZE=500000000 TLS=1 bash bench/download.sh    # https: both clients get --cacert
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-200000000}
RUNS=${RUNS:-5}
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build -q --release -p lesson04-http-get-client --bin lesson04-http-get-client --example bench_server
out=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$out"' EXIT
flags=(--size "$SIZE"); [ -n "${CHUNKED:-}" ] && flags+=(--chunked)
scheme=http; tls=()
if [ -n "${TLS:-}" ]; then
  flags+=(--tls-ca "$out/ca.pem"); scheme=https; tls=(--cacert "$out/ca.pem")
fi
target/release/examples/bench_server "${flags[@]}" > "$out/server.log" &
server=$!
for _ in $(seq 50); do grep -q Listening "$out/server.log" 2>/dev/null && break; sleep 0.1; done
url="$scheme://$(sed -n 's/^Listening on //p' "$out/server.log")/"

measure() { # name, command...: prints "name seconds max_rss_kib" per run
  local name=$1; shift
  for _ in $(seq "$RUNS"); do
    if ! /usr/bin/time -f "$name %e %M" -o "$out/t" "$@" >/dev/null 2>"$out/err"; then
      echo "$name failed: $*" >&2; cat "$out/err" >&2; exit 1
    fi
    cat "$out/t"
  done
}
{
  measure ours target/release/lesson04-http-get-client "${tls[@]}" "$url" -o "$out/ours.bin"
  measure curl curl -s "${tls[@]}" -o "$out/curl.bin" "$url"
} > "$out/results"
cmp "$out/ours.bin" "$out/curl.bin"

echo "body: $SIZE bytes ${CHUNKED:+(chunked) }over $scheme, $RUNS runs each, median shown"
printf '%-6s %9s %12s %14s\n' client seconds "MB/s" "peak RSS MiB"
for name in ours curl; do
  grep "^$name " "$out/results" | sort -k2 -n | awk -v n="$RUNS" -v size="$SIZE" '
    { t[NR]=$2; m = ($3 > m ? $3 : m) }
    END { med = t[int((n+1)/2)]; printf "%-6s %9.3f %12.0f %14.1f\n", $1, med, size/1e6/med, m/1024 }'
done
