#!/usr/bin/env bash
# Threads, a thread pool and processes (lesson 6's strategies) compared: memory per
# connection (PSS of the server and all its processes, with N idle greeted clients
# minus at rest) and connections per second (clients that connect, are greeted, ask
# once and leave; CONNS of them from 8 client threads). Linux only (reads /proc).
#   bash bench/models.sh                 # N=50, CONNS=2000
#   N=20 CONNS=500 bash bench/models.sh
# The book's table: book/src/benchmarks/models.md (paste the output, with the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-50}
CONNS=${CONNS:-2000}
cargo build -q --release -p lesson06-socketserver
S=target/release/lesson06-socketserver
python3 - "$N" "$CONNS" \
  "threads|$S --strategy threads --threads 256" \
  "pool (64 threads)|$S --strategy pool --threads 64" \
  "fork (64 processes)|$S --strategy fork --workers 64" <<'PY'
import os, socket, subprocess, sys, threading, time

n, conns = int(sys.argv[1]), int(sys.argv[2])

def family(pid):
    """The server and its worker processes."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                pids.append(int(entry))
    return pids

def pss_kib(pid):
    """Proportional set size: shared pages split between the processes sharing them."""
    total = 0
    for p in family(pid):
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total

def greet(host, port):
    c = socket.create_connection((host, port), timeout=30)
    f = c.makefile("rb")
    assert f.readline() == b"Welcome!\n"
    return c, f

def visit(host, port):
    c, f = greet(host, port)
    c.sendall(b"x\n")
    assert f.readline() == b"Hello, x!\n"
    c.sendall(b"exit\n")
    f.readline()
    c.close()

print("| model | at rest (KiB) | with %d idle clients (KiB) | per connection (KiB) | connections per second |" % n)
print("|---|---|---|---|---|")
for entry in sys.argv[3:]:
    name, command = entry.split("|")
    server = subprocess.Popen(command.split() + ["--bind", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    host, port = server.stdout.readline().split()[-1].rsplit(":", 1)
    port = int(port)
    threading.Thread(target=server.stdout.read, daemon=True).start()
    visit(host, port)  # every worker started and warm enough to answer
    time.sleep(1)
    rest = pss_kib(server.pid)
    held = [greet(host, port) for _ in range(n)]
    time.sleep(1)
    busy = pss_kib(server.pid)
    for c, _ in held:
        c.close()
    time.sleep(1)
    left = [conns // 8] * 8
    start = time.monotonic()
    workers = [threading.Thread(target=lambda k=k: [visit(host, port) for _ in range(k)]) for k in left]
    for w in workers: w.start()
    for w in workers: w.join()
    rate = sum(left) / (time.monotonic() - start)
    print(f"| {name} | {rest:,} | {busy:,} | {int(round((busy - rest) / n)):,} | {rate:,.0f} |", flush=True)
    server.terminate()
    server.wait(timeout=10)
PY
