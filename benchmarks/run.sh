#!/usr/bin/env bash
# `make bench`: every benchmark suite, one after another, then the table of ratios against the goals
# (benchmarks/report.py over benchmarks/results/*.json). Benchmarks measure and print; they do not
# pass or fail on speed (the tests do not time anything either). BENCH_SUITES="azure imports" runs
# a subset; the report then shows the other suites' last results with their dates.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
for suite in ${BENCH_SUITES:-azure imports compose loader fleet arm inventory registry swarm}; do
    echo "=== benchmark: $suite"
    BENCH_COLLECTIONS="${ANSIBLE_COLLECTIONS_PATH:-}" bash "$HERE/$suite/run.sh"
done
echo "=== goals (benchmarks/report.py)"
"${PYTHON:-$ROOT/.venv/bin/python}" "$HERE/report.py"
