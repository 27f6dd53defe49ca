#!/usr/bin/env bash
# Cross-check mentormatch's optimum against Google OR-Tools' SimpleMinCostFlow.
#
#   bash bench/ortools.sh [--mentees 10000] [--mentors 1000] [--seed 1] [--max-mentors N] [--bin PATH] [--keep DIR]
#
# Creates bench/.venv once (python3 -m venv) with the pinned packages of
# bench/requirements.txt, then runs bench/ortools_compare.py with the arguments.
# Needs Python 3 (3.9+) with venv, network access to PyPI the first time, and a
# built binary (target/release/mentormatch, or pass --bin).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.installed"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
# (Re)install when the venv is new or requirements.txt changed since the last install.
if [[ ! -f "$stamp" ]] || ! cmp -s "$req" "$stamp"; then
    "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req"
    cp "$req" "$stamp"
fi

exec "$venv/bin/python" "$here/ortools_compare.py" "$@"
