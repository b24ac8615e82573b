#!/usr/bin/env bash
# Fleet benchmark (make bench): 1 vs 10 Docker hosts through the docker_host role on a private
# emulator with the container VM backend (project .venv only; there is no anchor to run beside it).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec "${PYTHON:-$ROOT/.venv/bin/python}" "$ROOT/benchmarks/fleet/bench.py" "$@"
