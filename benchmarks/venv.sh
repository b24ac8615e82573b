#!/usr/bin/env bash
# The anchors' virtual environment (benchmarks/.venv): the `ansible` community package, which
# ships azure.azcollection and community.docker, plus the Python packages those two collections
# need. Used by `make bench` and by the interoperability tests that run azure.azcollection
# against the emulator. Created once; re-created only when this file changes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH_VENV="$ROOT/benchmarks/.venv"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
STAMP="$BENCH_VENV/.dockyard-venv-recipe"
recipe=$(sha256sum "$0" | cut -d' ' -f1)
if [ -x "$BENCH_VENV/bin/ansible-playbook" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$recipe" ]; then
    exit 0
fi
rm -rf "$BENCH_VENV"
"$PYTHON" -c 'import sys, venv; venv.create(sys.argv[1], with_pip=True)' "$BENCH_VENV"
pip() { "$BENCH_VENV/bin/pip" --disable-pip-version-check -q "$@" 2>&1 | grep -v "^WARNING: Location" || true; }
pip install "ansible>=11,<14" "docker>=7,<8" "PyYAML>=6,<7" "python-dotenv>=1,<2" "jsonschema>=4.18,<5"
# azure.azcollection lists its SDK pins in its own requirements file inside the package.
AZC_REQS=$("$BENCH_VENV/bin/python" -c 'import ansible_collections.azure.azcollection as c, os; print(os.path.join(list(c.__path__)[0], "requirements.txt"))')
pip install -r "$AZC_REQS"
"$BENCH_VENV/bin/python" -c 'import azure.mgmt.compute, azure.identity, ansible_collections.azure.azcollection' \
    || { echo "benchmarks/venv.sh: azure.azcollection's requirements did not install" >&2; exit 1; }
echo "$recipe" > "$STAMP"
