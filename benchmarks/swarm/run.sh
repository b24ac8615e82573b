#!/usr/bin/env bash
# Swarm benchmark (make bench): the anchors' venv (benchmarks/venv.sh: ansible with community.docker)
# and bench.py run with the project's .venv (docker SDK, the emulator for the manager VM).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH_VENV="$ROOT/benchmarks/.venv"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
bash "$ROOT/benchmarks/venv.sh"
# community.docker's docker_stack needs jsondiff, which benchmarks/venv.sh does not install.
"$BENCH_VENV/bin/python" -c 'import jsondiff' 2>/dev/null \
    || "$BENCH_VENV/bin/pip" --disable-pip-version-check -q install "jsondiff>=2,<3" 2>&1 | grep -v "^WARNING: Location" || true
exec "$PYTHON" "$ROOT/benchmarks/swarm/bench.py" --bench-python "$BENCH_VENV/bin/python" "$@"
