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

Under the fair objective (matched mentees, then the lowest pair score, then
the total) the exported network is the coverage-then-score one over every
pair, and the certificate's `fair` part proves the first two steps on
networks derived from it: `coverage` by the same slackness conditions with
every pair costing 0 and an unmatched mentee 1; `above` by a dual bound over
the pairs scoring above `fair.lowestScore`, which must exceed the answer's
cost there (weak duality: no flow of only those pairs costs less, so none
places as many). The certificate's own potentials then prove the total on
the pairs scoring at least the lowest.

    python3 bench/verify_certificate.py REQUEST --response RESPONSE --network NETWORK
    python3 bench/verify_certificate.py REQUEST --bin target/release/mentormatch
    python3 bench/verify_certificate.py REQUEST --bin BIN --objective OBJECTIVE_FAIR

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
    pair_cost = {(a, b): c for a, b, _, c in arcs if a < n_e and b < U}
    for key in flow:
        if key[1] != U and key not in pair_cost:
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

    def potentials(c, name):
        pe = [int(x) for x in c.get("menteePotentials", [])]
        pm = [int(x) for x in c.get("mentorPotentials", [])]
        if len(pe) != len(mentees) or len(pm) != n_m:
            return None, f"the {name}'s potentials do not match the request's people"
        pi = [0] * nodes
        index = {e: k for k, e in enumerate(mentees)}
        for e in free:
            pi[node_of_mentee[e]] = pe[index[e]]
        for j in range(n_m):
            pi[n_e + j] = pm[j]
        pi[U] = int(c.get("unmatchedPotential", 0))
        pi[T] = int(c.get("sinkPotential", 0))
        return pi, None

    def costed(c, keep, pair_cost_of):
        """The exported arcs under certificate c's costs, pairs kept by keep(cost)."""
        cost_u, h = int(c.get("costUnmatched", 0)), int(c.get("minimumWeight", 0))
        for k, (a, b, cap, cost) in enumerate(arcs):
            if a < n_e and b < U:
                if keep(cost):
                    yield k, a, b, cap, pair_cost_of(cost)
            elif b == U:
                yield k, a, b, cap, cost_u
            elif b == T and cost < 0:
                yield k, a, b, cap, -h
            else:
                yield k, a, b, cap, cost

    def flow_on(k, a, b):
        return arc_flow[k] if b == T else flow.get((a, b), 0)

    def slackness(c, name, keep, pair_cost_of):
        pi, why = potentials(c, name)
        if why:
            return why, 0
        checked = 0
        for k, a, b, cap, cost in costed(c, keep, pair_cost_of):
            f, rc = flow_on(k, a, b), cost + pi[a] - pi[b]
            if f < cap and rc < 0:
                return f"the {name} fails: arc {a} -> {b} has room and reduced cost {rc} < 0", 0
            if f > 0 and rc > 0:
                return f"the {name} fails: arc {a} -> {b} carries flow and has reduced cost {rc} > 0", 0
            checked += 1
        return None, checked

    objective = resp.get("stats", {}).get("objective", "OBJECTIVE_COVERAGE_THEN_SCORE")
    fair = cert.get("fair")
    everything = lambda cost: True
    if objective == "OBJECTIVE_FAIR" and flow.keys() - {(e, U) for e in range(n_e)}:
        if not fair:
            return "the fair answer's certificate has no fair proof"
        top, lowest = int(cert.get("top", 0)), int(fair.get("lowestScore", 0))
        scores = [top - pair_cost[key] for key in flow if key[1] != U]
        if min(scores) != lowest:
            return f"the answer's lowest score is {min(scores)} milli-points, not {lowest}"
        coverage, above = fair.get("coverage"), fair.get("above")
        if not coverage or not above:
            return "the fair proof lacks a part"
        for c, name in ((coverage, "fair coverage proof"), (above, "fair lowest-score proof")):
            model = [int(c.get(k, 0)) for k in ("top", "scale", "costUnmatched")]
            if model != [0, 0, 1]:
                return f"the {name}'s costs are {model}, not the coverage costs [0, 0, 1]"
        why, n1 = slackness(coverage, "fair coverage proof", everything, lambda cost: 0)
        if why:
            return why
        # The dual bound over the pairs scoring above the lowest.
        pi, why = potentials(above, "fair lowest-score proof")
        if why:
            return why
        bound = sum(-pi[a] * s for a, s in supplies.items() if s > 0) + n_e * pi[T]
        for k, a, b, cap, cost in costed(above, lambda cost: top - cost > lowest, lambda cost: 0):
            bound += cap * min(0, cost + pi[a] - pi[b])
        h = int(above.get("minimumWeight", 0))
        answer = sum(f for (a, b), f in flow.items() if b == U) - h * sum(
            arc_flow[k] for c, k in into_t if c < 0)
        if bound <= answer:
            return f"the fair lowest-score bound {bound} is not above the answer's coverage cost {answer}"
        why, n3 = slackness(cert, "certificate", lambda cost: top - cost >= lowest, lambda cost: cost)
        if why:
            return why
        print(f"certificate holds: {n1 + n3} arcs checked in two networks and a dual bound over "
              f"the higher pairs; the {len(resp.get('pairs', []))} pairs place the most mentees, "
              f"with the highest lowest score ({lowest / 1000}), then the highest total")
        return None

    why, checked = slackness(cert, "certificate", everything, lambda cost: cost)
    if why:
        return why
    worst_pair = max(pair_cost.values(), default=0)
    cost_u = int(cert["costUnmatched"])
    if objective == "OBJECTIVE_COVERAGE_THEN_SCORE" and cost_u <= n_e * worst_pair:
        return f"leaving a mentee unmatched costs {cost_u}, not more than {n_e} x {worst_pair}"
    print(f"certificate holds: {checked} arcs checked; the {len(resp.get('pairs', []))} pairs are a "
          f"minimum-cost flow, coverage first")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("request")
    ap.add_argument("--response")
    ap.add_argument("--network")
    ap.add_argument("--bin", help="solve and export with this mentormatch binary first")
    ap.add_argument("--objective", help="with --bin: solve under this objective (e.g. OBJECTIVE_FAIR)")
    ap.add_argument("--no-tamper", action="store_true")
    a = ap.parse_args()
    with open(a.request) as f:
        req = json.load(f)
    if a.objective:
        req.setdefault("policy", {})["objective"] = a.objective
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
