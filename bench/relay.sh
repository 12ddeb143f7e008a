#!/usr/bin/env bash
# Relay benchmark for lesson09 (issue 19): mails per second through two MTAs.
# N small mails are submitted over one SMTP connection (Python's smtplib) to
# 163.test's lesson09-mta, which queues each (fsync before 250) and passes it to
# sina.test's lesson09-mta (fsync before 250 again), into its maildir. Printed:
# the submission rate, and the end-to-end rate until the last mail is in sina's
# maildir; then, for comparison, one MTA storing the same mails itself.
# Maildirs on the real disk ($TMPDIR or /var/tmp). Linux and macOS.
#   bash bench/relay.sh            # N=500
#   N=2000 bash bench/relay.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}
cargo build -q --release -p lesson09-email --bin lesson09-mta
work=$(mktemp -d "${TMPDIR:-/var/tmp}/lesson09-relay.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

start() { # name, then lesson09-mta's extra arguments; sets $port
  local name=$1; shift
  target/release/lesson09-mta --bind 127.0.0.1:0 --pop3-bind 127.0.0.1:0 --imap-bind 127.0.0.1:0 \
    --maildir "$work/$name" "$@" > "$work/$name.log" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do grep -q Listening "$work/$name.log" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/^Listening on 127.0.0.1://p' "$work/$name.log")
}

submit_and_wait() { # label, port, recipient, folder where the mails must end up
  python3 - "$1" "$2" "$3" "$4" "$N" <<'PY'
import os, smtplib, sys, time
label, port, rcpt, folder, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
msg = "Subject: bench\r\n\r\n" + ("x" * 98 + "\r\n") * 10
start = time.perf_counter()
with smtplib.SMTP("127.0.0.1", port) as s:
    for _ in range(n):
        s.sendmail("me@163.test", [rcpt], msg)
submitted = time.perf_counter() - start
deadline = time.monotonic() + 600
while True:
    count = len(os.listdir(folder)) if os.path.isdir(folder) else 0
    if count >= n:
        break
    if time.monotonic() > deadline:
        sys.exit(f"only {count} of {n} mails arrived")
    time.sleep(0.01)
took = time.perf_counter() - start
print(f"{label:<34} submitted {n / submitted:7.0f} mails/s   in the maildir {n / took:7.0f} mails/s ({took / n * 1000:.2f} ms/mail)")
PY
}

echo "lesson09-mta, $N mails of ~1 KB submitted over one connection, every hop synced before 250"
start sina --domain sina.test
sina=$port
start 163 --domain 163.test --relay-from 127.0.0.1 --route "sina.test=127.0.0.1:$sina" --retry 1s
submit_and_wait "two MTAs (163.test -> sina.test)" "$port" friend@sina.test "$work/sina/friend/new"
start single --domain sina.test
submit_and_wait "one MTA (sina.test alone)" "$port" friend@sina.test "$work/single/friend/new"
