"""Turns bench/servers.sh's CSV into the book's table (Markdown) and plot (SVG).
Runs with errors are shown as failures in the table and left out of the plot."""
import csv
import math
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
ok = [r for r in rows if r["throughput"] and not int(float(r["errors"] or 0))]
m, table_path, svg_path = sys.argv[2], sys.argv[3], sys.argv[4]
servers = list(dict.fromkeys(r["server"] for r in rows))
counts = [1, 10, 100, 1000]
cell = {(r["server"], int(r["connections"])): r for r in rows}

lines = [
    f"Requests per second (median / 99th percentile latency), {m} exchanges per connection:",
    "",
    "| server | " + " | ".join(f"C = {c}" for c in counts) + " |",
    "|---|" + "---|" * len(counts),
]
for s in servers:
    out = []
    for c in counts:
        r = cell.get((s, c))
        if not r or not r["throughput"]:
            out.append("n/a")
        elif int(float(r["errors"] or 0)):
            out.append(f"fails: {int(float(r['errors']))} of {c} connections not served")
        else:
            out.append(f"{float(r['throughput']):,.0f} ({int(float(r['p50_us']))} / {int(float(r['p99_us']))} µs)")
    lines.append(f"| {s} | " + " | ".join(out) + " |")
open(table_path, "w").write("\n".join(lines) + "\n")

# A log-log line plot of throughput against connections.
W, H, L, B, T, R = 660, 360, 90, 50, 20, 170
top = max(float(r["throughput"]) for r in ok) * 1.2
low = 10 ** math.floor(math.log10(min(float(r["throughput"]) for r in ok)))
def x(c): return L + (W - L - R) * math.log10(c) / 3
def y(v): return H - B - (H - B - T) * math.log10(max(v, low) / low) / math.log10(top / low)
colors = ["#c5221f", "#e37400", "#137333", "#3367d6", "#9334e6"]
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
       '<title>Throughput against concurrent connections, per server</title>',
       f'<rect width="{W}" height="{H}" fill="#fff"/>']
for c in counts:
    svg.append(f'<line x1="{x(c)}" y1="{T}" x2="{x(c)}" y2="{H-B}" stroke="#eee"/><text x="{x(c)}" y="{H-B+16}" text-anchor="middle">{c}</text>')
v = low
while v <= top:
    svg.append(f'<line x1="{L}" y1="{y(v)}" x2="{W-R}" y2="{y(v)}" stroke="#eee"/><text x="{L-6}" y="{y(v)+4}" text-anchor="end">{int(v):,}</text>')
    v *= 2 if str(v).startswith("1") else 2.5
svg.append(f'<text x="{(L + W - R) / 2}" y="{H-12}" text-anchor="middle">concurrent connections (C)</text>')
svg.append(f'<text x="14" y="{(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 {(T + H - B) / 2})">requests per second</text>')
for i, s in enumerate(servers):
    pts = [(x(c), y(float(cell[(s, c)]["throughput"]))) for c in counts if cell.get((s, c)) in ok]
    color = colors[i % len(colors)]
    svg.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}"/>')
    svg += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"/>' for a, b in pts]
    svg.append(f'<rect x="{W-R+12}" y="{T + 18*i}" width="12" height="12" fill="{color}"/><text x="{W-R+30}" y="{T + 18*i + 10}">{s}</text>')
svg.append("</svg>")
open(svg_path, "w").write("\n".join(svg) + "\n")
