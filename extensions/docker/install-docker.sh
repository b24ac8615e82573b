#!/usr/bin/env bash
# Install and configure Docker Engine on a Debian or Ubuntu VM (dockyard.azure.docker_extension).
#
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Delivered by the Custom Script extension (base64 in protectedSettings.script) or by cloud-init.
# Its input is a base64 JSON document in DOCKYARD_CONFIG_B64: the module replaces the assignment
# below with the value; run by hand, the environment variable of that name is used.
#
# Idempotent: every file is compared before it is written, the daemon is restarted only when its
# configuration changed, and a second run with the same input changes nothing. The last line of
# stdout is a machine-readable summary the module parses:
#   DOCKYARD_RESULT {"changed": false, "docker_version": "26.1.5", "init": "systemd", "compose": ""}
#
# Needs: root, bash, python3 (the Azure Linux agent and cloud-init are Python programs, so every
# VM that runs extensions or cloud-init has it), apt. Network access to the package mirrors only
# when Docker (or the Compose plugin) is not installed yet.

if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi
set -euo pipefail
umask 022
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
export HOME="${HOME:-/root}"

DOCKYARD_CONFIG_B64="${DOCKYARD_CONFIG_B64:-}"
export DOCKYARD_CONFIG_B64

STATE_DIR=/var/lib/dockyard
TLS_DIR=/etc/docker/tls
DAEMON_JSON=/etc/docker/daemon.json
DROPIN=/etc/systemd/system/docker.service.d/dockyard.conf
START_HELPER=/usr/local/sbin/dockyard-start-dockerd
DOCKERD_LOG=/var/log/dockerd.log
PIDFILE=/var/run/docker.pid

CHANGED=false
RESTART_NEEDED=false
COMPOSE_CMD=""

log() {
    printf 'dockyard: %s\n' "$*"
}

fail() {
    printf 'dockyard: ERROR: %s\n' "$*" >&2
    exit 1
}

mark_changed() {
    CHANGED=true
    log "changed: $*"
}

# install_file SOURCE DEST MODE: copy when content or mode differ; returns 0 when it wrote.
install_file() {
    local src=$1 dest=$2 mode=$3
    if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c %a "$dest")" = "$mode" ]; then
        return 1
    fi
    mkdir -p "$(dirname "$dest")" || fail "could not create the directory of $dest"
    install -m "$mode" -o root -g root "$src" "$dest" || fail "could not write $dest"
    mark_changed "$dest"
    return 0
}

# remove_file DEST: returns 0 when it removed something.
remove_file() {
    if [ -e "$1" ]; then
        rm -f "$1" || fail "could not remove $1"
        mark_changed "removed $1"
        return 0
    fi
    return 1
}

apt_updated=false
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if [ "$apt_updated" = false ]; then
        local attempt
        for attempt in 1 2 3; do
            if apt-get update -q; then
                break
            fi
            [ "$attempt" -lt 3 ] || fail "apt-get update failed"
            sleep 5
        done
        apt_updated=true
    fi
    apt-get install -y -q --no-install-recommends "$@" || fail "apt-get install $* failed"
}

apt_has_package() {
    apt-cache show "$1" >/dev/null 2>&1
}

detect_os() {
    [ -r /etc/os-release ] || fail "/etc/os-release is missing: only Debian and Ubuntu are supported"
    # shellcheck source=/dev/null
    . /etc/os-release
    OS_ID=${ID:-unknown}
    OS_CODENAME=${VERSION_CODENAME:-}
    case " ${ID:-} ${ID_LIKE:-} " in
        *" debian "* | *" ubuntu "*) ;;
        *) fail "unsupported distribution '${ID:-unknown}': only Debian and Ubuntu are supported" ;;
    esac
}

# systemd manages services only when it is PID 1 (sd_booted); container VMs run without it.
detect_init() {
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        INIT=systemd
    else
        INIT=none
    fi
}

# Keep package scripts from starting services when there is no service manager; we start dockerd.
with_policy_rc_d() {
    local created=false status=0
    if [ "$INIT" = none ] && [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        created=true
    fi
    "$@" || status=$?
    if [ "$created" = true ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
    return "$status"
}

setup_docker_ce_repository() {
    [ -n "$OS_CODENAME" ] || fail "VERSION_CODENAME is not set in /etc/os-release; cannot pick the Docker CE repository"
    apt_install ca-certificates curl
    install -m 0755 -d /etc/apt/keyrings
    curl -fsSL "https://download.docker.com/linux/${OS_ID}/gpg" -o /etc/apt/keyrings/docker.asc \
        || fail "could not download the Docker CE repository key"
    chmod a+r /etc/apt/keyrings/docker.asc
    printf 'deb [arch=%s signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/%s %s stable\n' \
        "$(dpkg --print-architecture)" "$OS_ID" "$OS_CODENAME" >/etc/apt/sources.list.d/docker.list
    apt_updated=false
}

install_docker() {
    if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
        return 0
    fi
    case "$INSTALL_SOURCE" in
        distro)
            with_policy_rc_d apt_install docker.io
            ;;
        docker-ce)
            setup_docker_ce_repository
            with_policy_rc_d apt_install docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
            ;;
        *)
            fail "unknown install source '$INSTALL_SOURCE'"
            ;;
    esac
    command -v dockerd >/dev/null 2>&1 || fail "dockerd is not installed after installing the packages"
    mark_changed "installed Docker Engine from the $INSTALL_SOURCE packages"
}

ensure_docker_group() {
    if ! getent group docker >/dev/null 2>&1; then
        groupadd --system docker
        mark_changed "created group docker"
    fi
}

# The ExecStart of the packaged unit, so the drop-in keeps its flags (minus -H fd://, now in daemon.json).
packaged_execstart() {
    local fragment
    fragment=$(systemctl show -p FragmentPath --value docker.service 2>/dev/null || true)
    if [ -n "$fragment" ] && [ -r "$fragment" ]; then
        sed -n 's/^ExecStart=\(..*\)$/\1/p' "$fragment" | tail -n 1
    fi
}

# Decode the configuration into files under $STAGE (see the Python below for the layout).
render_config() {
    local dockerd_path execstart
    dockerd_path=$(command -v dockerd)
    execstart=""
    if [ "$INIT" = systemd ]; then
        execstart=$(packaged_execstart)
    fi
    python3 - "$STAGE" "$INIT" "$dockerd_path" "$execstart" <<'PYTHON'
import base64
import json
import os
import shlex
import sys

stage, init, dockerd, execstart = sys.argv[1:5]
raw = os.environ.get('DOCKYARD_CONFIG_B64', '')
if not raw:
    sys.exit('dockyard: ERROR: no configuration (DOCKYARD_CONFIG_B64 is empty)')
try:
    config = json.loads(base64.b64decode(raw).decode('utf-8'))
except ValueError as exc:
    sys.exit('dockyard: ERROR: the configuration is not base64 JSON: %s' % exc)
if config.get('version') != 1:
    sys.exit('dockyard: ERROR: unsupported configuration version %r' % config.get('version'))


def write(name, text, mode=0o600):
    path = os.path.join(stage, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)


daemon = dict(config.get('daemon') or {})
tls = config.get('tls')
variables = {
    'INSTALL_SOURCE': config.get('install_source', 'distro'),
    'TLS_ENABLED': 'true' if tls else 'false',
    'TLS_PORT': str(tls['port']) if tls else '',
    'REGISTRIES': 'true' if config.get('registries') else 'false',
    'COMPOSE_PROJECT': (config.get('compose') or {}).get('project', ''),
}
if tls:
    write('tls/ca.pem', tls['ca'].strip() + '\n', 0o644)
    write('tls/server-cert.pem', tls['cert'].strip() + '\n', 0o644)
    write('tls/server-key.pem', tls['key'].strip() + '\n', 0o600)
    daemon.update({
        'tls': True,
        'tlsverify': True,
        'tlscacert': '/etc/docker/tls/ca.pem',
        'tlscert': '/etc/docker/tls/server-cert.pem',
        'tlskey': '/etc/docker/tls/server-key.pem',
        'hosts': ['fd://' if init == 'systemd' else 'unix:///var/run/docker.sock',
                  'tcp://%s:%d' % (tls.get('bind_address') or '0.0.0.0', tls['port'])],
    })
    if init == 'systemd':
        tokens = shlex.split(execstart) if execstart else [dockerd]
        kept, skip = [], False
        for token in tokens:
            if skip:
                skip = False
                continue
            if token in ('-H', '--host'):
                skip = True
                continue
            if token.startswith('-H') or token.startswith('--host='):
                continue
            kept.append(token)
        # $DOCKER_OPTS style references stay unquoted so systemd expands them.
        line = ' '.join(token if token.startswith('$') else shlex.quote(token) for token in kept)
        write('dropin.conf', '# Managed by dockyard.azure.docker_extension: the listeners are in daemon.json.\n'
              '[Service]\nExecStart=\nExecStart=%s\n' % line, 0o644)
if daemon:
    write('daemon.json', json.dumps(daemon, indent=2, sort_keys=True) + '\n', 0o644)

write('users', ''.join(user + '\n' for user in config.get('users') or []), 0o644)

registries = config.get('registries') or []
if registries:
    path = '/root/.docker/config.json'
    current = {}
    if os.path.exists(path):
        try:
            with open(path, encoding='utf-8') as handle:
                current = json.load(handle)
        except ValueError:
            current = {}
    auths = current.setdefault('auths', {})
    for registry in registries:
        token = base64.b64encode(('%s:%s' % (registry['username'], registry['password'])).encode('utf-8')).decode()
        auths[registry['server']] = {'auth': token}
    write('docker-config.json', json.dumps(current, indent=2, sort_keys=True) + '\n', 0o600)

compose = config.get('compose')
if compose:
    write('compose/compose.yaml', compose['file'], 0o600)
    # Shell assignments, exported to compose's environment (which beats any .env file).
    env = compose.get('environment') or {}
    write('compose/env', ''.join('%s=%s\n' % (key, shlex.quote(str(env[key]))) for key in sorted(env)), 0o600)

write('variables', ''.join('%s=%s\n' % (key, shlex.quote(value)) for key, value in sorted(variables.items())), 0o600)
PYTHON
}

write_start_helper() {
    local helper="$STAGE/start-helper"
    cat >"$helper" <<EOF
#!/bin/sh
# Managed by dockyard.azure.docker_extension: starts dockerd on a VM without systemd
# (run it from the VM's init at boot). Does nothing when dockerd already runs.
if [ -f $PIDFILE ] && kill -0 "\$(cat $PIDFILE)" 2>/dev/null; then
    exit 0
fi
# Another starter (the distribution's init script) may have a dockerd coming up already.
if command -v pgrep >/dev/null && pgrep -x dockerd >/dev/null; then
    exit 0
fi
rm -f $PIDFILE
nohup setsid $(command -v dockerd) >>$DOCKERD_LOG 2>&1 </dev/null &
EOF
    install_file "$helper" "$START_HELPER" 755 || true
}

dockerd_running() {
    [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

stop_dockerd() {
    local pid waited=0
    pid=$(cat "$PIDFILE" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    # Remove the pid file first: an init that restarts a dockerd whose pid file points at a dead
    # process (the emulator's VMs do) must not start a second daemon while this one restarts it.
    rm -f "$PIDFILE"
    kill "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        waited=$((waited + 1))
        [ "$waited" -le 60 ] || fail "dockerd (pid $pid) did not stop within 60 seconds"
        sleep 1
    done
}

daemon_failure() {
    if [ "$INIT" = systemd ]; then
        journalctl -u docker.service -n 30 --no-pager >&2 2>/dev/null || systemctl status docker.service --no-pager >&2 || true
    elif [ -r "$DOCKERD_LOG" ]; then
        tail -n 30 "$DOCKERD_LOG" >&2
    fi
    fail "$1"
}

converge_daemon() {
    if [ "$INIT" = systemd ]; then
        if [ "$DROPIN_CHANGED" = true ]; then
            systemctl daemon-reload
        fi
        if ! systemctl is-enabled --quiet docker.service 2>/dev/null; then
            systemctl enable docker.service >/dev/null 2>&1 || fail "could not enable docker.service"
            mark_changed "enabled docker.service"
        fi
        if systemctl is-active --quiet docker.service; then
            if [ "$RESTART_NEEDED" = true ]; then
                systemctl restart docker.service || daemon_failure "docker.service did not restart with the new configuration"
                log "restarted docker.service"
            fi
        else
            systemctl start docker.service || daemon_failure "docker.service did not start"
            mark_changed "started docker.service"
        fi
    else
        if dockerd_running; then
            if [ "$RESTART_NEEDED" = true ]; then
                stop_dockerd
                "$START_HELPER"
                log "restarted dockerd"
            fi
        else
            "$START_HELPER"
            mark_changed "started dockerd"
        fi
    fi
    local waited=0
    until docker version --format '{{.Server.Version}}' >/dev/null 2>&1; do
        waited=$((waited + 1))
        [ "$waited" -le 90 ] || daemon_failure "the Docker daemon did not answer within 90 seconds"
        sleep 1
    done
}

ensure_compose_command() {
    if docker compose version >/dev/null 2>&1; then
        COMPOSE_CMD="docker compose"
        return 0
    fi
    if ! command -v docker-compose >/dev/null 2>&1; then
        if [ "$INSTALL_SOURCE" = docker-ce ]; then
            apt_install docker-compose-plugin
        else
            apt-get update -q >/dev/null 2>&1 && apt_updated=true
            if apt_has_package docker-compose-v2; then
                apt_install docker-compose-v2
            elif apt_has_package docker-compose; then
                apt_install docker-compose
            fi
        fi
        if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; then
            mark_changed "installed Docker Compose"
        fi
    fi
    if docker compose version >/dev/null 2>&1; then
        COMPOSE_CMD="docker compose"
    elif command -v docker-compose >/dev/null 2>&1; then
        COMPOSE_CMD="docker-compose"
    else
        fail "a Compose file was given but neither the 'docker compose' plugin nor docker-compose is available on this distribution; use install_source=docker-ce or deploy with dockyard.azure.compose"
    fi
}

compose_state() {
    docker ps -a --filter "label=com.docker.compose.project=$COMPOSE_PROJECT" \
        --format '{{.ID}} {{.State}} {{.Image}}' | sort
}

converge_compose() {
    [ -n "$COMPOSE_PROJECT" ] || return 0
    local dir="$STATE_DIR/compose/$COMPOSE_PROJECT" before after
    install_file "$STAGE/compose/compose.yaml" "$dir/compose.yaml" 600 || true
    install_file "$STAGE/compose/env" "$dir/environment" 600 || true
    ensure_compose_command
    before=$(compose_state)
    # shellcheck disable=SC2086 # COMPOSE_CMD is one or two words on purpose
    (
        set -a
        # shellcheck source=/dev/null
        . "$dir/environment"
        set +a
        $COMPOSE_CMD --project-name "$COMPOSE_PROJECT" --project-directory "$dir" --file "$dir/compose.yaml" \
            up --detach --remove-orphans </dev/null
    ) || fail "'$COMPOSE_CMD up' failed for project $COMPOSE_PROJECT"
    after=$(compose_state)
    if [ "$before" != "$after" ]; then
        mark_changed "Compose project $COMPOSE_PROJECT"
    fi
}

main() {
    [ "$(id -u)" -eq 0 ] || fail "must run as root"
    command -v python3 >/dev/null 2>&1 || fail "python3 is required"
    detect_os
    detect_init

    STAGE=$(mktemp -d)
    trap 'rm -rf "$STAGE"' EXIT

    # First pass only for the install source (dockerd may not be installed yet).
    INSTALL_SOURCE=$(python3 -c 'import base64, json, os; print(json.loads(base64.b64decode(os.environ["DOCKYARD_CONFIG_B64"])).get("install_source", "distro"))') \
        || fail "the configuration is not base64 JSON"
    install_docker
    ensure_docker_group

    render_config
    # shellcheck source=/dev/null
    . "$STAGE/variables"

    install -d -m 0700 "$STATE_DIR"
    if [ "$TLS_ENABLED" = true ]; then
        install_file "$STAGE/tls/ca.pem" "$TLS_DIR/ca.pem" 644 && RESTART_NEEDED=true
        install_file "$STAGE/tls/server-cert.pem" "$TLS_DIR/server-cert.pem" 644 && RESTART_NEEDED=true
        install_file "$STAGE/tls/server-key.pem" "$TLS_DIR/server-key.pem" 600 && RESTART_NEEDED=true
    else
        for name in ca.pem server-cert.pem server-key.pem; do
            remove_file "$TLS_DIR/$name" && RESTART_NEEDED=true
        done
    fi
    if [ -f "$STAGE/daemon.json" ]; then
        install_file "$STAGE/daemon.json" "$DAEMON_JSON" 644 && RESTART_NEEDED=true
    else
        remove_file "$DAEMON_JSON" && RESTART_NEEDED=true
    fi
    DROPIN_CHANGED=false
    if [ "$INIT" = systemd ]; then
        if [ -f "$STAGE/dropin.conf" ]; then
            install_file "$STAGE/dropin.conf" "$DROPIN" 644 && DROPIN_CHANGED=true
        else
            remove_file "$DROPIN" && DROPIN_CHANGED=true
        fi
        if [ "$DROPIN_CHANGED" = true ]; then
            RESTART_NEEDED=true
        fi
    else
        write_start_helper
    fi

    converge_daemon

    if [ "$REGISTRIES" = true ]; then
        install_file "$STAGE/docker-config.json" /root/.docker/config.json 600 || true
    fi

    while IFS= read -r user; do
        [ -n "$user" ] || continue
        id -u "$user" >/dev/null 2>&1 || fail "user '$user' (option users) does not exist on this VM"
        if ! id -nG "$user" | tr ' ' '\n' | grep -qx docker; then
            usermod -aG docker "$user"
            mark_changed "added $user to group docker"
        fi
    done <"$STAGE/users"

    converge_compose

    local version
    version=$(docker version --format '{{.Server.Version}}')
    printf 'DOCKYARD_RESULT {"changed": %s, "docker_version": "%s", "init": "%s", "compose": "%s"}\n' \
        "$CHANGED" "$version" "$INIT" "$COMPOSE_CMD"
}

main "$@"
