#!/usr/bin/env bash
# IMAP benchmark for lesson09 (issue 18): one folder of N mails (default 10,000),
# `UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)` twice in one session ("cold": the
# first after the server starts; "warm": the same again), the time of each and the
# peak memory (VmHWM) of the process serving the session. Then the same against
# Dovecot on a copy of the same maildir. Run twice, with small and with 10x larger
# mails: memory must not grow with the mailbox's total size.
#   bash bench/imap.sh            # N=10000
#   N=2000 bash bench/imap.sh
# Linux only (/proc); needs python3, and Dovecot (apt-get install dovecot-imapd).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
cargo build -q --release -p lesson09-email --bin lesson09-mta
work=$(mktemp -d "${TMPDIR:-/var/tmp}/lesson09-imap-bench.XXXXXX")
chmod 755 "$work"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$work"' EXIT

make_maildir() { # dir, body lines per mail
  python3 - "$1" "$N" "$2" <<'PY'
import os, sys
root, n, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(root, "alice", sub), exist_ok=True)
body = "".join(f"line {i} of the body, some text to make it a realistic size....\n" for i in range(lines))
for i in range(n):
    text = (f"Return-Path: <sender{i % 50}@example.com>\n"
            f"From: \"Sender {i % 50}\" <sender{i % 50}@example.com>\n"
            f"To: alice@localhost, \"Bob\" <bob@example.org>\n"
            f"Subject: Message number {i} about the quarterly report\n"
            f"Date: Tue, 01 Dec 2026 10:{i // 60 % 60:02}:{i % 60:02} +0000\n"
            f"Message-ID: <{i}.bench@example.com>\n"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}")
    name = f"{1796000000 + i}.M{i:06}P1Q{i}.bench"
    with open(os.path.join(root, "alice", "cur", name + ":2,S" if i % 3 else name), "w") as f:
        f.write(text)
PY
}

measure() { # label, port, pid whose VmHWM to read (a number, or "children:MASTER")
  python3 - "$1" "$2" "$3" <<'PY'
import imaplib, os, sys, time
label, port, who = sys.argv[1], int(sys.argv[2]), sys.argv[3]
m = imaplib.IMAP4("127.0.0.1", port, timeout=600)
m.login("alice", "secret")
m.select("INBOX")
def server_pid():
    if not who.startswith("children:"):
        return int(who)
    master = who.split(":")[1]
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[0]
        except OSError:
            continue
        if cmd.endswith(b"dovecot/imap") or cmd.endswith(b"/imap"):
            return int(pid)
    raise SystemExit("no dovecot imap process found")
def hwm(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024
pid = server_pid()
for run in ("cold", "warm"):
    start = time.perf_counter()
    typ, data = m.uid("FETCH", "1:*", "(FLAGS RFC822.SIZE ENVELOPE)")
    took = time.perf_counter() - start
    count = sum(1 for d in data if isinstance(d, bytes) and b"ENVELOPE" in d)
    print(f"{label:<28} {run}: {count:>6} messages {took:7.3f} s   peak RSS {hwm(pid):>4} MiB", flush=True)
m.logout()
PY
}

start_lesson09() { # maildir; sets PORT and PID
  target/release/lesson09-mta --bind 127.0.0.1:0 --pop3-bind 127.0.0.1:0 --imap-bind 127.0.0.1:0 \
    --maildir "$1" --user alice:secret > "$1.log" 2>/dev/null &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 100); do grep -q "IMAP listening" "$1.log" 2>/dev/null && break; sleep 0.1; done
  PORT=$(sed -n 's/^IMAP listening on 127.0.0.1://p' "$1.log")
}

start_dovecot() { # maildir root, port; sets PID (the master)
  local dir=$1.dovecot uid gid login internal
  mkdir -p "$dir/run"
  echo "alice:{PLAIN}secret::::::" > "$dir/passwd"
  if [ "$(id -u)" = 0 ]; then
    chown -R 65534:65534 "$1"; uid=65534; gid=65534; login=dovenull; internal=dovecot
  else
    uid=$(id -u); gid=$(id -g); login=$(id -un); internal=$(id -un)
  fi
  cat > "$dir/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/run
log_path = $dir/log
ssl = no
disable_plaintext_auth = no
default_internal_user = $internal
default_internal_group = $internal
default_login_user = $login
first_valid_uid = 0
mail_location = maildir:$1/%u
passdb {
  driver = passwd-file
  args = $dir/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$1/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $2
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
EOF
  /usr/sbin/dovecot -F -c "$dir/dovecot.conf" &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$2") 2>/dev/null && break; sleep 0.1; done
}

echo "IMAP: $N mails in one folder, UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)"
for lines in 10 100; do
  ours="$work/ours-$lines"; theirs="$work/dovecot-$lines"
  make_maildir "$ours" "$lines"
  cp -a "$ours" "$theirs"
  size=$(du -sm "$ours" | cut -f1)
  start_lesson09 "$ours"
  measure "lesson09-mta (${size} MB)" "$PORT" "$PID"
  kill "$PID"
  if [ -x /usr/sbin/dovecot ]; then
    dport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    start_dovecot "$theirs" "$dport"
    measure "dovecot (${size} MB)" "$dport" "children:$PID"
    kill "$PID"; sleep 0.5
  else
    echo "dovecot not installed: apt-get install dovecot-imapd"
  fi
done
