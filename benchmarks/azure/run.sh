#!/usr/bin/env bash
# Azure benchmark (make bench): the vm module (VM from nothing, unchanged) vs azure.azcollection's
# azure_rm_virtualmachine with the network tasks it needs (the anchors' venv, benchmarks/venv.sh),
# plus resource_group, on a private emulator with realistic latency.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
bash "$ROOT/benchmarks/venv.sh"
exec "$PYTHON" "$ROOT/benchmarks/azure/bench.py" --bench-python "$ROOT/benchmarks/.venv/bin/python" "$@"
