#!/usr/bin/env bash
# Import budget benchmark (make bench): what each module run imports, ours (project .venv) vs
# azure.azcollection's azure_rm_common (the anchors' venv, benchmarks/venv.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
bash "$ROOT/benchmarks/venv.sh"
exec "$PYTHON" "$ROOT/benchmarks/imports/bench.py" --bench-python "$ROOT/benchmarks/.venv/bin/python" "$@"
