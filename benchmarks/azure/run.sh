#!/usr/bin/env bash
# Azure-side benchmark: resource_group playbooks against the emulator with realistic latency.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec "$ROOT/.venv/bin/python" "$ROOT/benchmarks/azure/bench.py" "$@"
