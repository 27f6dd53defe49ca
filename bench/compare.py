#!/usr/bin/env python3
"""Two mentormatch binaries side by side on the same requests, in one run.

    python3 bench/compare.py OLD_BINARY NEW_BINARY [RUNS]

Runs every case with both binaries, alternating (old, new, old, new, ...)
so that machine noise hits both alike, and prints the median wall time and
the peak RSS of each, the ratio new/old, and whether the outputs are
byte-identical. Requests are generated with the NEW binary's `generate`
into bench/out/ (seeded: the same files every time).
"""
import hashlib
import os
import statistics
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
old, new = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
out = "bench/out"
os.makedirs(out, exist_ok=True)


def generate(name, *args):
    path = f"{out}/{name}.json"
    if not os.path.exists(path):
        subprocess.run([new, "generate", *args, "-o", path], check=True)
    return path


g10k = generate("synth-10000x1000", "--mentees", "10000", "--mentors", "1000", "--seed", "1")
g10k_short = generate(
    "synth-10000x1000-s2-cap12",
    "--mentees", "10000", "--mentors", "1000", "--seed", "2", "--max-capacity", "12",
)
ex = "examples/cmr-2021"
cases = [
    ("example solve (pairs + groups)", ["solve", f"{ex}/request.json"]),
    ("example what-if (3 scenarios)", ["whatif", f"{ex}/whatif.json"]),
    ("example alternatives", ["alternatives", f"{ex}/request.json", "--mentee", "e-tn-marble", "--limit", "3"]),
    ("example check", ["check", f"{ex}/request.json"]),
    ("10k x 1k solve", ["solve", g10k]),
    ("10k x 1k solve, places short", ["solve", g10k_short]),
    ("10k x 1k check, places short", ["check", g10k_short]),
]


def run(binary, args):
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    data = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_maxrss / 1024.0, hashlib.sha256(data).hexdigest(), status


print(f"machine: {os.cpu_count()} cores; {runs} runs each, alternating; medians")
print(f"{'case':34} {'old s':>8} {'new s':>8} {'new/old':>8} {'old MiB':>8} {'new MiB':>8}  output")
for name, args in cases:
    res = {old: [], new: []}
    for _ in range(runs):
        for b in (old, new):
            res[b].append(run(b, args))
    med = {b: statistics.median(r[0] for r in res[b]) for b in res}
    rss = {b: max(r[1] for r in res[b]) for b in res}
    same = len({r[2] for b in res for r in res[b]}) == 1
    print(
        f"{name:34} {med[old]:8.3f} {med[new]:8.3f} {med[new] / med[old]:8.2f} "
        f"{rss[old]:8.1f} {rss[new]:8.1f}  {'identical' if same else 'DIFFERENT'}"
    )
