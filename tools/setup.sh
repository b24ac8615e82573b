#!/usr/bin/env bash
# `make setup`: prepare a fresh Debian/Ubuntu machine (or refresh a prepared one) for the
# collection's tests and demo. Safe and quick to run again: every step checks first.
#
#   1. pick the newest Python >= 3.11 and create .venv with it
#   2. install the Python dependencies (only when requirements changed)
#   3. install Debian packages the tests need, and start a Docker engine if none answers
#   4. keep a real copy of the collection at .ansible/collections/ansible_collections/dockyard/azure
#   5. give ansible-test a local pip bootstrap so `ansible-test --venv` works offline
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"
COLLECTION_ROOT="$ROOT/.ansible/collections"
COLLECTION="$COLLECTION_ROOT/ansible_collections/dockyard/azure"
APT_PACKAGES=(rsync busybox-static debootstrap openssh-client iproute2 ca-certificates shellcheck git openssl util-linux docker-registry)
# Debian's engine only where no engine is installed (docker-ce and docker.io conflict).
command -v dockerd >/dev/null || APT_PACKAGES+=(docker.io)
# Headless Chromium and its WebDriver for the docs site test (tests/release), unless already there.
{ command -v chromium && command -v chromedriver; } >/dev/null || APT_PACKAGES+=(chromium chromium-driver)

log() { printf '==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "setup: '$*' needs root (run as root or install sudo)" >&2; return 1
    fi
}

python_candidates() {
    # PATH first, then pyenv-style installs; duplicates are harmless.
    local v
    for v in 3.14 3.13 3.12 3.11; do command -v "python$v" || true; done
    command -v python3 || true
    ls -d /root/.pyenv/versions/3.*/bin/python3 "$HOME"/.pyenv/versions/3.*/bin/python3 2>/dev/null || true
}

pick_python() {
    local best="" best_ver=0 candidate ver
    while read -r candidate; do
        [ -x "$candidate" ] || continue
        ver=$("$candidate" -c 'import sys; print(sys.version_info[0] * 100 + sys.version_info[1])' 2>/dev/null) || continue
        "$candidate" -c 'import venv, ensurepip' 2>/dev/null || continue
        if [ "$ver" -ge 311 ] && [ "$ver" -gt "$best_ver" ]; then best=$candidate best_ver=$ver; fi
    done < <(python_candidates)
    [ -n "$best" ] || { echo "setup: no Python >= 3.11 with venv and ensurepip found" >&2; return 1; }
    echo "$best"
}

ensure_venv() {
    local python want have
    python=$(pick_python)
    want=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    have=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
    if [ "$have" != "$want" ]; then
        log "creating .venv with $python (Python $want)"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
}

ensure_python_packages() {
    # Re-install only when a requirements file (the collection's runtime requirements.txt, the dev
    # lists under requirements/) or the emulator's metadata changed.
    local stamp="$VENV/.requirements.sha256" sum
    sum=$({ cat "$ROOT"/requirements.txt "$ROOT"/requirements/*.txt; cat "$ROOT"/emulator/pyproject.toml 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then return 0; fi
    log "installing Python dependencies into .venv"
    "$VENV/bin/pip" install -q -r "$ROOT/requirements/dev.txt"
    if [ -f "$ROOT/emulator/pyproject.toml" ]; then
        "$VENV/bin/pip" install -q -e "$ROOT/emulator"
    fi
    echo "$sum" >"$stamp"
}

ensure_apt_packages() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || { echo "setup: need ${missing[*]} but apt-get is absent" >&2; return 1; }
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

ensure_docker_engine() {
    docker_answers && return 0
    # Machines without systemd (containers, CI sandboxes) get a plain background dockerd.
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        as_root systemctl start docker || true
    fi
    if ! docker_answers; then
        log "starting dockerd (log: /var/log/dockerd.log)"
        as_root sh -c 'nohup dockerd >>/var/log/dockerd.log 2>&1 &'
    fi
    for _ in $(seq 1 60); do docker_answers && return 0; sleep 1; done
    echo "setup: the Docker engine did not answer; last lines of /var/log/dockerd.log:" >&2
    tail -n 20 /var/log/dockerd.log >&2 || true
    return 1
}

sync_collection() {
    # A real directory (not a symlink): ansible-test refuses symlinked collection roots.
    mkdir -p "$COLLECTION"
    rsync -a --delete \
        --exclude /.git --exclude /.venv --exclude /.ansible --exclude /.demo --exclude /build \
        --exclude /emulator --exclude /benchmarks/.venv --exclude /benchmarks/results \
        --exclude tests/output --exclude __pycache__ --exclude .pytest_cache --exclude '*.egg-info' \
        "$ROOT/" "$COLLECTION/"
    # ansible-test lists content through the nearest .git; without one here it would find this
    # repository's (where .ansible/ is ignored) and see no files. Untracked files count.
    [ -d "$COLLECTION/.git" ] || git -C "$COLLECTION" init -q
}

ensure_ansible_test_pip_bootstrap() {
    # ansible-test --venv downloads a get-pip script from the internet; this stand-in does the
    # same job with ensurepip and pip from PyPI.
    local pip_version cache
    pip_version=$("$VENV/bin/python" - <<'PY'
import pathlib, re, ansible_test
source = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", source.read_text()).group(1))
PY
)
    cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    mkdir -p "$(dirname "$cache")"
    cmp -s "$ROOT/tools/ansible_test_get_pip.py" "$cache" || cp "$ROOT/tools/ansible_test_get_pip.py" "$cache"
}

if [ "${1:-}" = "--sync-only" ]; then
    # `make sync`: refresh the collection copy only (after editing, before units/mypy/sanity).
    sync_collection
    exit 0
fi

ensure_venv
ensure_python_packages
ensure_apt_packages
ensure_docker_engine
sync_collection
ensure_ansible_test_pip_bootstrap
log "setup done: $("$VENV/bin/python" --version), $("$VENV/bin/ansible" --version | sed -n 1p), Docker $(docker version --format '{{.Server.Version}}')"
