#!/usr/bin/env bash
# sha256 of the CLI's outputs on the bundled example and on two 10k x 1k
# programmes: run it before and after a refactor that must not change
# behaviour, and compare.
#
#   bash bench/fingerprint.sh [BINARY]      # default target/release/mentormatch
set -u
cd "$(dirname "$0")/.."
b=${1:-target/release/mentormatch}
[ -x "$b" ] || cargo build --release --quiet
o=bench/out/fingerprint; mkdir -p "$o"
e=examples/cmr-2021
g1=bench/out/synth-10000x1000.json
g2=bench/out/synth-10000x1000-s2-cap12.json
[ -f $g1 ] || "$b" generate --mentees 10000 --mentors 1000 --seed 1 -o $g1
[ -f $g2 ] || "$b" generate --mentees 10000 --mentors 1000 --seed 2 --max-capacity 12 -o $g2
"$b" solve $e/request.json > $o/solve.json
"$b" solve $e/request.json --format table > $o/solve.table
"$b" whatif $e/whatif.json > $o/whatif.json
"$b" whatif $e/whatif.json --format table > $o/whatif.table
"$b" alternatives $e/request.json --mentee e-tn-marble --limit 3 > $o/alt.json
"$b" check $e/request.json > $o/check.json
"$b" solve $g1 > $o/solve10k.json
"$b" solve $g2 > $o/solve10k2.json
"$b" check $g2 > $o/check10k2.json
(cd $o && sha256sum *)
