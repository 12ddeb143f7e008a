#!/usr/bin/env bash
# Mail benchmark for lesson09: how much does "on disk before 250" cost?
# Sends N small mails through lesson09-mta over one SMTP connection (Python's smtplib)
# with the maildir on the real disk, then on a RAM disk (/dev/shm), where fsync is
# nearly free, and prints mails per second for each. Linux only (/dev/shm).
#   bash bench/mail.sh            # N=500
#   N=2000 bash bench/mail.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}
cargo build -q --release -p lesson09-email --bin lesson09-mta
disk=$(mktemp -d "${TMPDIR:-/var/tmp}/lesson09-bench.XXXXXX")
ram=$(mktemp -d /dev/shm/lesson09-bench.XXXXXX)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$disk" "$ram"' EXIT

run() { # name, maildir
  target/release/lesson09-mta --bind 127.0.0.1:0 --pop3-bind 127.0.0.1:0 --imap-bind 127.0.0.1:0 --maildir "$2/maildir" \
    > "$2/log" 2>/dev/null &
  server=$!
  for _ in $(seq 50); do grep -q Listening "$2/log" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/^Listening on 127.0.0.1://p' "$2/log")
  python3 - "$1" "$port" "$N" <<'PY'
import smtplib, sys, time
name, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
msg = "Subject: bench\r\n\r\n" + ("x" * 98 + "\r\n") * 10
with smtplib.SMTP("127.0.0.1", port) as s:
    start = time.perf_counter()
    for _ in range(n):
        s.sendmail("ann@example.com", ["alice@localhost"], msg)
    took = time.perf_counter() - start
print(f"{name:<10} {n:>6} mails {took:8.2f} s {n / took:9.0f} mails/s {took / n * 1000:8.2f} ms/mail")
PY
  kill "$server"; wait "$server" 2>/dev/null || true
  stored=$(ls "$2/maildir/alice/new" | wc -l)
  [ "$stored" = "$N" ] || { echo "only $stored of $N mails stored" >&2; exit 1; }
}
echo "lesson09-mta, $N mails of ~1 KB over one connection, each synced before 250"
run disk "$disk"
run ram "$ram"
