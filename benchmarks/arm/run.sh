#!/usr/bin/env bash
# ARM deployment benchmark (make bench): dockyard.azure.arm_deployment (project .venv) vs azure.azcollection's
# azure_rm_deployment (the anchors' venv, benchmarks/venv.sh) on one emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
bash "$ROOT/benchmarks/venv.sh"
exec "$PYTHON" "$ROOT/benchmarks/arm/bench.py" --bench-python "$ROOT/benchmarks/.venv/bin/python" "$@"
