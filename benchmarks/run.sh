#!/usr/bin/env bash
# `make bench`: every benchmark suite, one after another. Benchmarks measure and print; they
# do not pass or fail on speed (the tests do not time anything either).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
for suite in azure compose arm swarm; do
    echo "=== benchmark: $suite"
    BENCH_COLLECTIONS="${ANSIBLE_COLLECTIONS_PATH:-}" bash "$HERE/$suite/run.sh"
done
