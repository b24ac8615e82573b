#!/usr/bin/env bash
# Registry benchmark (make bench): the demo app to 5 emulator VMs through a container registry vs
# with image_copy; wall time and bytes from the controller. Needs root, Docker and debootstrap
# (container VMs), like `make demo`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec "$ROOT/.venv/bin/python" "$ROOT/benchmarks/registry/bench.py" "$@"
