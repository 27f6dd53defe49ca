#!/usr/bin/env bash
# Long runs of the fuzz harness (tests/integration/fuzz.rs), release build:
# mutated requests decoded, validated and (unless SOLVE=0) solved; prints how
# many inputs reached each stage and fails on the first panic.
#
#   bash bench/fuzz.sh INPUTS [SEED] [SOLVE=1] [GROUPS_PER_MILLE=100]
#   bash bench/fuzz.sh 10000000 1 0        # decoding and validation only
#   bash bench/fuzz.sh 1300000 2 1 10      # whole solves, 1 % with groups
set -euo pipefail
cd "$(dirname "$0")/.."
MENTORMATCH_FUZZ_INPUTS=${1:-100000} MENTORMATCH_FUZZ_SEED=${2:-1} \
MENTORMATCH_FUZZ_SOLVE=${3:-1} MENTORMATCH_FUZZ_GROUPS_PER_MILLE=${4:-100} \
  cargo test --release --test integration fuzz -- --nocapture 2>&1 | grep -E "fuzz: Counts|test result|panicked"
