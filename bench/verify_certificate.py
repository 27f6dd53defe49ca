#!/usr/bin/env python3
"""Check mentormatch's optimality certificate without trusting mentormatch's
optimiser: standard library only, one pass over the network's arcs.

The network is the one `mentormatch export-network REQUEST -o NETWORK`
writes (`n NODES`, `s NODE SUPPLY`, `a FROM TO CAPACITY COST`): node ids are
the unpinned mentees in request order, then the mentors in request order,
then U (unmatched), then T (sink). The response's pairs give the flow; its
`certificate` gives a potential per node. The flow is a minimum-cost flow
(linear-programming duality; the network is integral) exactly when every
arc with room left has a reduced cost `cost + pi(from) - pi(to) >= 0` and
every arc carrying flow one `<= 0`. The script also checks that leaving a
mentee unmatched costs more than any change of score could gain (so the
minimum cost puts coverage first), and, unless --no-tamper, that the same
check rejects the certificate with one potential nudged.

    python3 bench/verify_certificate.py REQUEST --response RESPONSE --network NETWORK
    python3 bench/verify_certificate.py REQUEST --bin target/release/mentormatch

With --bin the script solves REQUEST itself (with includeCertificate) and
exports its network first. Exit code 0: the certificate holds; 1: it fails.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile


def load_network(path):
    nodes, supplies, arcs = 0, {}, []
    with open(path) as f:
        for line in f:
            part = line.split()
            if not part or part[0] == "c":
                continue
            if part[0] == "n":
                nodes = int(part[1])
            elif part[0] == "s":
                supplies[int(part[1])] = int(part[2])
            elif part[0] == "a":
                arcs.append(tuple(int(x) for x in part[1:5]))
    return nodes, supplies, arcs


def check(req, resp, network):
    """The first violation found, as a sentence, or None."""
    nodes, supplies, arcs = network
    mentors = [m["profile"]["id"] for m in req.get("mentors", [])]
    mentees = [e["profile"]["id"] for e in req.get("mentees", [])]
    pinned = {p["menteeId"] for p in req.get("policy", {}).get("pinnedPairs", [])}
    free = [e for e in mentees if e not in pinned]
    n_e, n_m = len(free), len(mentors)
    if nodes != n_e + n_m + 2 or sum(1 for v in supplies.values() if v == 1) != n_e:
        return f"the network has {nodes} nodes; the request needs {n_e + n_m + 2}"
    node_of_mentee = {e: k for k, e in enumerate(free)}
    node_of_mentor = {m: n_e + j for j, m in enumerate(mentors)}
    U, T = n_e + n_m, n_e + n_m + 1
    cert = resp.get("certificate")
    if not cert:
        return "the response has no certificate"
    pe = [int(x) for x in cert.get("menteePotentials", [])]
    pm = [int(x) for x in cert.get("mentorPotentials", [])]
    if len(pe) != len(mentees) or len(pm) != n_m:
        return "the certificate's potentials do not match the request's people"
    pi = [0] * nodes
    index = {e: k for k, e in enumerate(mentees)}
    for e in free:
        pi[node_of_mentee[e]] = pe[index[e]]
    for j in range(n_m):
        pi[n_e + j] = pm[j]
    pi[U] = int(cert.get("unmatchedPotential", 0))
    pi[T] = int(cert.get("sinkPotential", 0))

    # The flow the response describes.
    flow = {}
    load = [0] * nodes
    matched = set()
    for p in resp.get("pairs", []):
        if p["menteeId"] in pinned:
            continue
        e, j = node_of_mentee.get(p["menteeId"]), node_of_mentor.get(p["mentorId"])
        if e is None or j is None or e in matched:
            return f"the pair {p['mentorId']} - {p['menteeId']} is not one pair of the network"
        flow[(e, j)] = 1
        matched.add(e)
        load[j] += 1
    for e in range(n_e):
        if e not in matched:
            flow[(e, U)] = 1
            load[U] += 1
    pair_arcs = {(a, b) for a, b, _, _ in arcs if a < n_e and b < U}
    for key in flow:
        if key[1] != U and key not in pair_arcs:
            return f"a pair of the response breaks a hard rule: node {key[0]} -> {key[1]} is no arc"
    # Into T: the minimum arc (negative cost) fills first, then the rest.
    into_t = sorted((c, k) for k, (a, b, cap, c) in enumerate(arcs) if b == T)
    left = load[:]
    arc_flow = {}
    for c, k in into_t:
        a, _, cap, _ = arcs[k]
        arc_flow[k] = min(left[a], cap)
        left[a] -= arc_flow[k]
    if any(left[a] > 0 for a in range(n_e, U + 1)):
        return "a mentor has more mentees than places"

    worst_pair = 0
    for k, (a, b, cap, c) in enumerate(arcs):
        f = arc_flow[k] if b == T else flow.get((a, b), 0)
        rc = c + pi[a] - pi[b]
        if f < cap and rc < 0:
            return f"arc {a} -> {b} has room and reduced cost {rc} < 0"
        if f > 0 and rc > 0:
            return f"arc {a} -> {b} carries flow and has reduced cost {rc} > 0"
        if a < n_e and b < U:
            worst_pair = max(worst_pair, c)
    cost_u = int(cert["costUnmatched"])
    if resp.get("stats", {}).get("objective", "OBJECTIVE_COVERAGE_THEN_SCORE") == "OBJECTIVE_COVERAGE_THEN_SCORE" \
            and cost_u <= n_e * worst_pair:
        return f"leaving a mentee unmatched costs {cost_u}, not more than {n_e} x {worst_pair}"
    print(f"certificate holds: {len(arcs)} arcs checked; the {len(resp.get('pairs', []))} pairs are a "
          f"minimum-cost flow, coverage first")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("request")
    ap.add_argument("--response")
    ap.add_argument("--network")
    ap.add_argument("--bin", help="solve and export with this mentormatch binary first")
    ap.add_argument("--no-tamper", action="store_true")
    a = ap.parse_args()
    with open(a.request) as f:
        req = json.load(f)
    tmp = tempfile.mkdtemp(prefix="mentormatch-verify-")
    if a.bin:
        req["includeCertificate"] = True
        request = os.path.join(tmp, "request.json")
        with open(request, "w") as f:
            json.dump(req, f)
        a.response, a.network = os.path.join(tmp, "response.json"), os.path.join(tmp, "network.txt")
        subprocess.run([a.bin, "solve", request, "-o", a.response], check=True)
        subprocess.run([a.bin, "export-network", request, "-o", a.network], check=True)
    if not (a.response and a.network):
        sys.exit("give --response and --network, or --bin")
    with open(a.response) as f:
        resp = json.load(f)
    network = load_network(a.network)
    why = check(req, resp, network)
    if why:
        print(f"certificate REJECTED: {why}")
        sys.exit(1)
    if not a.no_tamper and resp.get("pairs"):
        cert = resp["certificate"]
        cert["sinkPotential"] = str(int(cert.get("sinkPotential", 0)) + 10**12)
        if check(req, resp, network) is None:
            print("the check accepted a tampered certificate: it proves nothing")
            sys.exit(1)
        print("and rejects it with the sink's potential nudged")


if __name__ == "__main__":
    main()
