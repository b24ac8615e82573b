#!/usr/bin/env bash
# Inventory benchmark: dockyard.azure.vms against azure.azcollection's azure_rm over a fleet of VMs
# in the emulator (the anchors' virtual environment, benchmarks/.venv, is made first if missing).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
bash "$ROOT/benchmarks/venv.sh"
exec "$ROOT/.venv/bin/python" "$ROOT/benchmarks/inventory/bench.py" "$@"
