#!/usr/bin/env bash
# Idle cost: N connections that say nothing after the greeting. For each server, how
# often its threads wake up (context switches per second, all threads) and how much
# CPU it burns (ms per second) while nothing happens. Linux only (reads /proc).
#   bash bench/idle.sh                       # N=10000 connections, measured over 10 s
#   N=1000 SECS=5 bash bench/idle.sh
#   READINESS=/tmp/old-readiness bash bench/idle.sh   # another build of the readiness loop
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
SECS=${SECS:-10}
cargo build -q --release -p lesson03-threaded-server -p lesson07-event-loop
ulimit -n "$(ulimit -Hn)"
READINESS=${READINESS:-target/release/lesson07-readiness}
python3 - "$N" "$SECS" \
  "lesson07 readiness|$READINESS" \
  "lesson07 tokio|target/release/lesson07-event-loop" \
  "lesson03 threads|target/release/lesson03-threaded-server --max-connections 20000 --idle-timeout 3600" <<'PY'
import glob, os, resource, socket, subprocess, sys, threading, time

n, secs = int(sys.argv[1]), float(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
tick = os.sysconf("SC_CLK_TCK")

def sample(pid):
    switches = 0
    for status in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            for line in open(status):
                if "ctxt_switches" in line:  # voluntary and not
                    switches += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that just ended
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu_ms = (int(fields[11]) + int(fields[12])) * 1000 / tick
    return switches, cpu_ms

print(f"| server | idle connections | wake-ups per second | CPU ms per second |")
print(f"|---|---|---|---|")
for entry in sys.argv[3:]:
    name, command = entry.split("|")
    server = subprocess.Popen(command.split() + ["--bind", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    host, port = server.stdout.readline().split()[-1].rsplit(":", 1)
    # Keep reading its log, or a full pipe would stop the server mid-line.
    threading.Thread(target=server.stdout.read, daemon=True).start()
    clients = []
    for _ in range(n):
        c = socket.create_connection((host, int(port)))
        c.settimeout(30)
        assert c.recv(9) == b"Welcome!\n"
        clients.append(c)
    time.sleep(1)  # let the last greetings settle
    s0, c0 = sample(server.pid)
    time.sleep(secs)
    s1, c1 = sample(server.pid)
    print(f"| {name} | {n} | {(s1 - s0) / secs:,.0f} | {(c1 - c0) / secs:.1f} |", flush=True)
    for c in clients:
        c.close()
    server.terminate()
    server.wait()
PY
