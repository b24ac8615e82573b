#!/usr/bin/env bash
# Swarm benchmark (make bench): the anchors' venv (benchmarks/venv.sh: ansible with community.docker)
# and bench.py run with the project's .venv (docker SDK, the emulator for the manager VM).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH_VENV="$ROOT/benchmarks/.venv"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
bash "$ROOT/benchmarks/venv.sh"
exec "$PYTHON" "$ROOT/benchmarks/swarm/bench.py" --bench-python "$BENCH_VENV/bin/python" "$@"
