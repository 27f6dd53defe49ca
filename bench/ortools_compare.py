#!/usr/bin/env python3
"""Cross-check mentormatch's min-cost flow optimum against Google OR-Tools.

Generates a synthetic request with the mentormatch binary, exports the exact
min-cost flow network our engine solves (with our optimum in its first line),
solves the same network with OR-Tools' SimpleMinCostFlow, and prints a
side-by-side table. Exits non-zero if the optimal costs differ.

Usage:
    ortools_compare.py [--mentees 10000] [--mentors 1000] [--seed 1]
                       [--max-capacity 20] [--max-mentors N] [--repeat 3]
                       [--bin PATH] [--keep DIR]

With --max-mentors every mentee asks for N mentors: the network is the
demand network (mentees supply N units, places left empty priced convexly).

Times are medians of --repeat runs: ours is the flow solve of
`export-network` (its `c` line, one thread, arcs sorted included), OR-Tools'
each of its two calls on a model built afresh (`solve()` and
`solve_max_flow_with_min_cost()`); the better call is "OR-Tools best".

Normally run through bench/ortools.sh, which sets up the Python environment.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from ortools.graph.python import min_cost_flow

REPO = Path(__file__).resolve().parent.parent


def default_bin() -> str:
    exe = REPO / "target" / "release" / "mentormatch"
    if exe.exists():
        return str(exe)
    found = shutil.which("mentormatch")
    return found or str(exe)


def run(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(f"command failed ({proc.returncode}): {' '.join(cmd)}\n")
        sys.stderr.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        sys.exit(2)
    return elapsed, proc


def rss_now_mib() -> float:
    """Current resident set size of this process, in MiB (Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark (Linux >= 4.0), so that VmHWM
    afterwards is the peak of what follows alone."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def hwm_rss_mib() -> float:
    """VmHWM: peak RSS since start or since reset_peak_rss(), in MiB (Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS).
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


class Network:
    def __init__(self) -> None:
        self.our_cost: int | None = None
        self.our_solve_ms: float | None = None
        self.nodes = 0
        self.supply_nodes = np.zeros(0, dtype=np.int64)
        self.supplies = np.zeros(0, dtype=np.int64)
        self.tails = np.zeros(0, dtype=np.int64)
        self.heads = np.zeros(0, dtype=np.int64)
        self.caps = np.zeros(0, dtype=np.int64)
        self.costs = np.zeros(0, dtype=np.int64)


def parse_our_line(path: Path) -> tuple[int | None, float]:
    """Our optimal cost and flow solve ms, from the network file's `c` line."""
    with open(path) as f:
        m = re.match(r"c mentormatch cost (\S+) solve_ms (\S+)", f.readline())
    if not m:
        raise ValueError(f"{path}: no `c mentormatch` line first")
    return (None if m.group(1) == "none" else int(m.group(1))), float(m.group(2))


def _parse_other_line(net: Network, line: str, sup_nodes: list, sups: list,
                      arcs: list) -> None:
    """Slow path: one line of any kind."""
    tok = line.split()
    if not tok:
        return
    kind = tok[0]
    if kind == "c":
        m = re.match(r"c mentormatch cost (\S+) solve_ms (\S+)", line)
        if m:
            net.our_cost = None if m.group(1) == "none" else int(m.group(1))
            net.our_solve_ms = float(m.group(2))
    elif kind == "n":
        net.nodes = int(tok[1])
    elif kind == "s":
        sup_nodes.append(int(tok[1]))
        sups.append(int(tok[2]))
    elif kind == "a":
        arcs.append([int(t) for t in tok[1:5]])
    else:
        raise ValueError(f"unknown line in network file: {line!r}")


def _parse_piece(buf: bytes, net: Network, sup_nodes: list, sups: list,
                 arc_chunks: list) -> None:
    """Parse whole lines: leading non-arc lines one by one, then the arc lines.

    A run of nothing but `a` lines (all of the file after the header, as
    mentormatch writes it) goes through numpy's C text parser in one call:
    ~1.5 s for 7 M arcs where str.split + np.array takes ~9 s. Anything else
    falls back to a line-by-line parse of this piece.
    """
    pos = 0
    while pos < len(buf) and not buf.startswith(b"a ", pos):
        nl = buf.find(b"\n", pos)
        end = len(buf) if nl < 0 else nl + 1
        _parse_other_line(net, buf[pos:end].decode(), sup_nodes, sups, [])
        pos = end
    rest = buf[pos:]
    if not rest:
        return
    n_lines = rest.count(b"\n") + (0 if rest.endswith(b"\n") else 1)
    n_arc_lines = rest.count(b"\na ") + 1  # rest starts with "a "
    if n_lines == n_arc_lines:
        arr = np.fromstring(rest.replace(b"a ", b""), dtype=np.int64, sep=" ")
        # fromstring stops quietly at a bad token, hence the size check.
        if arr.size != 4 * n_arc_lines:
            raise ValueError(
                f"arc lines parsed to {arr.size} integers, expected {4 * n_arc_lines}")
        arc_chunks.append(arr.reshape(-1, 4))
    else:
        arcs: list[list[int]] = []
        for line in rest.decode().splitlines():
            _parse_other_line(net, line, sup_nodes, sups, arcs)
        if arcs:
            arc_chunks.append(np.array(arcs, dtype=np.int64).reshape(-1, 4))


def parse_network(path: Path, chunk_bytes: int = 32 << 20) -> Network:
    """Parse the export-network text format into int64 numpy arrays.

    Reads the file in pieces of whole lines so that the parse itself does not
    set this process's peak RSS (which is reported for OR-Tools).
    """
    net = Network()
    sup_nodes: list[int] = []
    sups: list[int] = []
    arc_chunks: list[np.ndarray] = []
    carry = b""
    with open(path, "rb") as f:
        while True:
            data = f.read(chunk_bytes)
            if not data:
                break
            data = carry + data
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            if cut:
                _parse_piece(data[:cut], net, sup_nodes, sups, arc_chunks)
            del data
    if carry:
        _parse_piece(carry, net, sup_nodes, sups, arc_chunks)

    # Own contiguous 1-D columns (what the OR-Tools binding takes), filled
    # chunk by chunk while the chunks are dropped.
    total = sum(c.shape[0] for c in arc_chunks)
    cols = [np.empty(total, dtype=np.int64) for _ in range(4)]
    at = 0
    while arc_chunks:
        c = arc_chunks.pop(0)
        k = c.shape[0]
        for j in range(4):
            cols[j][at:at + k] = c[:, j]
        at += k
        del c
    net.tails, net.heads, net.caps, net.costs = cols
    net.supply_nodes = np.array(sup_nodes, dtype=np.int64)
    net.supplies = np.array(sups, dtype=np.int64)

    if net.nodes <= 0:
        raise ValueError("network file has no `n` line")
    if net.tails.size and (min(net.tails.min(), net.heads.min()) < 0
                           or max(net.tails.max(), net.heads.max()) >= net.nodes):
        raise ValueError("arc endpoint outside 0..n-1")
    if net.caps.size and net.caps.min() < 0:
        raise ValueError("negative arc capacity")
    if int(net.supplies.sum()) != 0:
        raise ValueError(f"supplies sum to {int(net.supplies.sum())}, not 0")
    return net


TIMINGS_RE = re.compile(
    r"read ([\d.]+) ms, solve ([\d.]+) ms, write ([\d.]+) ms, total ([\d.]+) ms,"
    r" peak RSS ([\d.]+) MiB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mentees", type=int, default=10000)
    ap.add_argument("--mentors", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-capacity", type=int, default=20,
                    help="mentor capacities drawn from 1..=this (generate --max-capacity)")
    ap.add_argument("--max-mentors", type=int, default=None,
                    help="every mentee asks for this many mentors (generate --max-mentors): "
                         "the demand network")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    ap.add_argument("--bin", default=default_bin(), help="mentormatch binary")
    ap.add_argument("--keep", metavar="DIR",
                    help="write the request and network here and keep them")
    args = ap.parse_args()

    exe = args.bin
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        sys.stderr.write(f"mentormatch binary not found or not executable: {exe}\n"
                         "build it with `cargo build --release` or pass --bin\n")
        return 2

    tmp = None
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="mentormatch-ortools-")
        work = Path(tmp.name)

    try:
        instance = f"{args.mentees}x{args.mentors} seed {args.seed} cap {args.max_capacity}"
        stem = f"m{args.mentees}_n{args.mentors}_s{args.seed}_c{args.max_capacity}"
        demand = []
        if args.max_mentors is not None:
            instance += f" max_mentors {args.max_mentors}"
            stem += f"_d{args.max_mentors}"
            demand = ["--max-mentors", str(args.max_mentors)]
        req = work / f"{stem}.json"
        netf = work / f"{stem}.net.txt"

        _, ver = run([exe, "--version"])
        built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(exe)))
        print(f"# binary {exe} ({ver.stdout.strip()}, modified {built})")
        print(f"# instance {instance}  (work dir {work})", flush=True)
        t_gen, _ = run([exe, "generate", "--mentees", str(args.mentees),
                        "--mentors", str(args.mentors), "--seed", str(args.seed),
                        "--max-capacity", str(args.max_capacity), *demand, "-o", str(req)])
        print(f"# generate      {t_gen * 1e3:10.1f} ms", flush=True)
        t_exp, _ = run([exe, "export-network", str(req), "-o", str(netf)])
        print(f"# export-network{t_exp * 1e3:10.1f} ms  "
              f"({netf.stat().st_size / 2**20:.1f} MiB)", flush=True)
        ours_ms = [parse_our_line(netf)[1]]
        for _ in range(args.repeat - 1):
            run([exe, "export-network", str(req), "-o", str(netf)])
            ours_ms.append(parse_our_line(netf)[1])
        print(f"# ours, flow solve ms: {ours_ms}", flush=True)

        # Our end-to-end solve, as a user runs it.
        t_solve_wall, proc = run([exe, "solve", str(req), "--timings", "-o", os.devnull])
        timings_line = next((l for l in proc.stderr.splitlines() if TIMINGS_RE.search(l)),
                            proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "")
        tm = TIMINGS_RE.search(timings_line)
        print(f"# mentormatch solve --timings: {timings_line.strip()}", flush=True)

        t0 = time.perf_counter()
        net = parse_network(netf)
        t_parse = time.perf_counter() - t0
        rss_after_parse = rss_now_mib()
        peak_after_parse = peak_rss_mib()
        print(f"# parse         {t_parse * 1e3:10.1f} ms  "
              f"({net.nodes} nodes, {net.tails.size} arcs)", flush=True)

        n_arcs = int(net.tails.size)
        max_abs_cost = int(np.abs(net.costs).max()) if n_arcs else 0

        # Build the OR-Tools model.
        t0 = time.perf_counter()
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps, net.costs)
        smcf.set_nodes_supplies(net.supply_nodes, net.supplies)
        t_build = time.perf_counter() - t0
        rss_before_solve = rss_now_mib()
        peak_after_build = peak_rss_mib()

        # Solve: the only thing timed as "OR-Tools solve".
        was_reset = reset_peak_rss()  # also lowers ru_maxrss: hence the max() below
        t0 = time.perf_counter()
        status = smcf.solve()
        t_ort = time.perf_counter() - t0
        peak_rss = max(peak_after_build, peak_rss_mib())
        peak_in_solve = hwm_rss_mib() if was_reset else float("nan")
        rss_after_solve = rss_now_mib()

        if status == smcf.INFEASIBLE and net.our_cost is None:
            print(f"both found no feasible flow (nodes {net.nodes}, arcs {n_arcs}); "
                  f"OR-Tools solve {t_ort * 1e3:.1f} ms")
            return 0
        if status != smcf.OPTIMAL:
            names = {getattr(smcf, s): s for s in (
                "NOT_SOLVED", "OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNBALANCED",
                "BAD_RESULT", "BAD_COST_RANGE", "BAD_CAPACITY_RANGE")}
            print(f"OR-Tools status: {names.get(status, status)} "
                  f"(nodes {net.nodes}, arcs {n_arcs}, max |cost| {max_abs_cost}); "
                  f"our cost: {net.our_cost}", file=sys.stderr)
            return 1
        ort_cost = int(smcf.optimal_cost())
        equal = net.our_cost is not None and ort_cost == net.our_cost
        n_nodes, n_arcs_ort = smcf.num_nodes(), smcf.num_arcs()
        del smcf
        calls = {"solve": [t_ort], "solve_max_flow_with_min_cost": []}
        for name in calls:
            while len(calls[name]) < args.repeat:
                m = min_cost_flow.SimpleMinCostFlow()
                m.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps, net.costs)
                m.set_nodes_supplies(net.supply_nodes, net.supplies)
                t0 = time.perf_counter()
                st = getattr(m, name)()
                calls[name].append(time.perf_counter() - t0)
                if st != m.OPTIMAL or int(m.optimal_cost()) != ort_cost:
                    print(f"OR-Tools {name}: status {st}, cost {m.optimal_cost()}", file=sys.stderr)
                    return 1
                del m
        med = lambda xs: sorted(xs)[len(xs) // 2]
        ours_med = med(ours_ms)
        best_name = min(calls, key=lambda k: med(calls[k]))
        best = med(calls[best_name]) * 1e3

        def fmt(x, spec=",.1f"):
            return "n/a" if x is None else format(x, spec)

        rows = [
            ("instance (mentees x mentors, seed)", instance, instance),
            ("nodes", f"{net.nodes:,}", f"{n_nodes:,}"),
            ("arcs", f"{n_arcs:,}", f"{n_arcs_ort:,}"),
            ("max abs arc cost", f"{max_abs_cost:,}", f"{max_abs_cost:,}"),
            ("optimal cost", fmt(net.our_cost, ","), f"{ort_cost:,}"),
            ("min-cost flow solve ms, median (ours: export-network `c` line)",
             fmt(ours_med), f"solve() {med(calls['solve']) * 1e3:,.1f}"),
            ("OR-Tools solve_max_flow_with_min_cost() ms, median", "-",
             f"{med(calls['solve_max_flow_with_min_cost']) * 1e3:,.1f}"),
            ("ratio: ours / OR-Tools best call", f"{ours_med / best:.2f}", best_name),
            ("model build ms (OR-Tools: add arcs + supplies)", "-", f"{t_build * 1e3:,.1f}"),
            ("network file parse ms (Python, not ours)", "-", f"{t_parse * 1e3:,.1f}"),
            ("end-to-end `solve` wall ms (process)", f"{t_solve_wall * 1e3:,.1f}", "-"),
            ("`solve --timings` read/solve/write ms",
             f"{tm.group(1)} / {tm.group(2)} / {tm.group(3)}" if tm else "n/a", "-"),
            ("`solve --timings` total ms", tm.group(4) if tm else "n/a", "-"),
            ("peak RSS MiB (ours: `solve`; OR-Tools: Python ru_maxrss)",
             tm.group(5) if tm else "n/a", f"{peak_rss:,.1f}"),
            ("RSS MiB: after parse / model built / after solve", "-",
             f"{rss_after_parse:,.0f} / {rss_before_solve:,.0f} / {rss_after_solve:,.0f}"),
            ("peak RSS MiB so far: after parse / after build", "-",
             f"{peak_after_parse:,.0f} / {peak_after_build:,.0f}"),
            ("peak RSS MiB during solve() (VmHWM reset)", "-", f"{peak_in_solve:,.0f}"),
        ]
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows + [("", "mentormatch", "")])
        w2 = max(len(r[2]) for r in rows + [("", "", "OR-Tools")])
        print()
        print(f"| {'':<{w0}} | {'mentormatch':>{w1}} | {'OR-Tools':>{w2}} |")
        print(f"|{'-' * (w0 + 2)}|{'-' * (w1 + 1)}:|{'-' * (w2 + 1)}:|")
        for a, b, c in rows:
            print(f"| {a:<{w0}} | {b:>{w1}} | {c:>{w2}} |")
        print()
        import ortools  # noqa: E402  (version only)
        print(f"# OR-Tools {ortools.__version__}, numpy {np.__version__}, "
              f"Python {sys.version.split()[0]}")
        print(f"# mentormatch flow solve ms comes from the `c` line written by "
              f"export-network; OR-Tools solve ms times smcf.solve() alone.")
        if equal:
            print(f"costs EQUAL: {ort_cost}")
            return 0
        print(f"costs DIFFER: mentormatch {net.our_cost} vs OR-Tools {ort_cost}")
        return 1
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
