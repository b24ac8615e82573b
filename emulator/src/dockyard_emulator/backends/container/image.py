"""The Debian system image behind container-backed VMs.

Built once, locally, from Debian packages: ``debootstrap`` (minbase) of bookworm with the
packages a cloud VM is expected to have, a few files of ours (the init supervisor, an sshd
drop-in, a ``cloud-init status`` shim), then ``docker import``. No container registry is
involved. The image is tagged with a content key of its recipe (suite, mirror, packages and
the exact text of every file we add), so it is rebuilt only when the recipe changes.

Needs root (debootstrap) and the ``tar`` of the host. The Debian mirror is the one configured
for apt on this machine (/etc/apt/sources.list and sources.list.d), overridable with
``DOCKYARD_VM_MIRROR`` / ``DOCKYARD_VM_SECURITY_MIRROR``.
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from ...errors import ImageBuildError

IMAGE_REPOSITORY = "dockyard-emulator/debian-vm"
LABEL_IMAGE_KEY = "dockyard.emulator.image-key"
SUITE = "bookworm"
RECIPE_VERSION = 1  # bump when the build procedure itself changes

# What every VM has. Keep it small: users install the rest with apt, as on a cloud image.
PACKAGES = (
    "openssh-server", "python3", "sudo", "ca-certificates", "iproute2", "procps",
    "netbase", "curl", "gzip", "less", "iputils-ping",
)

DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY_MIRROR = "http://deb.debian.org/debian-security"

# ---------------------------------------------------------------------------------------------
# Files we add to the root filesystem. Their text is part of the content key.

# One utmp record saying "runlevel 2" (what `runlevel` and invoke-rc.d read), written by the VM's init.
UTMP_RUNLEVEL = (
    "python3 -c 'import struct, time; open(\"/run/utmp\", \"wb\").write(struct.pack(\"@hi32s4s32s256shhiii4i20s\", 1, "
    "ord(\"2\") + 256 * ord(\"N\"), b\"~\", b\"~~\", b\"runlevel\", b\"\", 0, 0, 0, int(time.time()), 0, 0, 0, 0, 0, b\"\"))' "
    "|| true\n"
)

INIT_SCRIPT = r"""#!/bin/bash
# dockyard-init: the VM's init. Runs under docker-init (tini, PID 1), which reaps orphans and
# forwards SIGTERM here. First boot: provision (admin user, keys, host keys). Every boot: start
# the services enabled in runlevel 2 (sysv-rc links: ssh, and docker once installed), run the
# VM's custom data once, then watch sshd (and dockerd if it crashed) until asked to stop.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export container=docker
log() { echo "dockyard-init: $*"; }

STATE=/var/lib/dockyard
mkdir -p /run/sshd /run/lock "$STATE"
chmod 0755 /run/sshd
# runlevel 2 in utmp, so invoke-rc.d (apt-get install of a service) starts services as on a VM
""" + UTMP_RUNLEVEL + r"""
if [ ! -e "$STATE/provisioned" ] && [ -x "$STATE/provision.sh" ]; then
    log "first boot: provisioning"
    if "$STATE/provision.sh"; then touch "$STATE/provisioned"; else log "provisioning failed"; fi
fi
ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1 || ssh-keygen -A

SERVICES=()
for s in /etc/rc2.d/S*; do
    [ -x "$s" ] || continue
    SERVICES+=("$s")
    log "starting ${s##*/}"
    "$s" start </dev/null || log "${s##*/} failed to start"
done
touch /run/dockyard-ready
log "ready"

CD=/var/lib/cloud/instance
if [ -x "$CD/scripts/part-001" ] && [ ! -e "$CD/sem/config_scripts_user" ]; then
    mkdir -p "$CD/sem"
    (
        echo "running" > "$STATE/custom-data.status"
        cd /root
        HOME=/root "$CD/scripts/part-001" </dev/null >>/var/log/cloud-init-output.log 2>&1
        rc=$?
        date > "$CD/sem/config_scripts_user"
        if [ "$rc" = 0 ]; then echo "done" > "$STATE/custom-data.status"
        else echo "error $rc" > "$STATE/custom-data.status"; fi
        date > "$CD/boot-finished"
    ) &
else
    [ -e "$STATE/custom-data.status" ] || echo "done" > "$STATE/custom-data.status"
    date > "$CD/boot-finished" 2>/dev/null || true
fi

stopping=
shutdown() {
    stopping=1
    log "stopping services"
    for (( i=${#SERVICES[@]}-1; i>=0; i-- )); do "${SERVICES[$i]}" stop </dev/null || true; done
    [ -x /etc/init.d/docker ] && /etc/init.d/docker stop </dev/null >/dev/null 2>&1
    kill -TERM -1 2>/dev/null; sleep 1
    log "halted"
    exit 0
}
trap shutdown TERM INT

while [ -z "$stopping" ]; do
    sleep 5 & wait $!
    [ -n "$stopping" ] && break
    if ! /etc/init.d/ssh status >/dev/null 2>&1; then log "sshd is down: restarting"; /etc/init.d/ssh start </dev/null; fi
    if [ -x /etc/init.d/docker ] && [ -s /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
        log "dockerd died: restarting"; rm -f /var/run/docker.pid; /etc/init.d/docker start </dev/null
    fi
done
"""

CLOUD_INIT_SHIM = r"""#!/bin/bash
# Minimal stand-in for cloud-init's CLI in dockyard emulator VMs: `cloud-init status [--wait] [--long]`.
# The VM's custom data (#! script or the #cloud-config subset the emulator supports) is run once
# at first boot by dockyard-init; its output is in /var/log/cloud-init-output.log.
status_file=/var/lib/dockyard/custom-data.status
cmd=$1; shift || true
case "$cmd" in
  status)
    wait=; long=
    for a in "$@"; do case "$a" in -w|--wait) wait=1;; -l|--long) long=1;; esac; done
    while :; do
        s=$(cat "$status_file" 2>/dev/null || echo running)
        [ -n "$wait" ] && [ "$s" = running ] && { sleep 1; continue; }
        break
    done
    case "$s" in
      done) echo "status: done"; [ -n "$long" ] && echo "detail: DataSourceAzure (dockyard emulator)"; exit 0;;
      running) echo "status: running"; exit 0;;
      *) echo "status: error"; [ -n "$long" ] && echo "detail: custom data exited with ${s#error }, see /var/log/cloud-init-output.log"; exit 1;;
    esac;;
  --version|-v) echo "/usr/bin/cloud-init 0.0-dockyard-emulator"; exit 0;;
  *) echo "cloud-init: only 'status' is available in dockyard emulator VMs" >&2; exit 2;;
esac
"""

# No systemd in the VM: `runlevel` answers from utmp's record (written by dockyard-init); when a
# package brings systemd's own runlevel, that reads the same record.
RUNLEVEL_SHIM = """#!/bin/sh
# dockyard emulator VM: sysv-rc runlevel 2 (replaced by systemd's runlevel if systemd is installed)
echo "N 2"
"""

# Sourced by every init script through /lib/lsb/init-functions. The VM may not raise its resource
# limits (no CAP_SYS_RESOURCE on these hosts); init scripts such as docker's `ulimit -n 1048576`
# must not fail on that.
LSB_HOOK = """# dockyard emulator VM: raising a resource limit is not permitted in the container; ignore
ulimit() { command ulimit "$@" 2>/dev/null || true; }
"""

SSHD_DROPIN = """# dockyard emulator VM: SSH keys only, as on Azure Linux images
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
PermitRootLogin prohibit-password
UseDNS no
"""


def apt_sources(mirror, security_mirror, suite=SUITE):
    return (f"Types: deb\nURIs: {mirror}\nSuites: {suite} {suite}-updates\nComponents: main\n"
            f"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
            f"Types: deb\nURIs: {security_mirror}\nSuites: {suite}-security\nComponents: main\n"
            f"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")


# ---------------------------------------------------------------------------------------------
# Mirror discovery

def _source_entries(root="/"):
    """(uri, suite) pairs of the deb lines apt is configured with (one-line and deb822)."""
    entries = []
    etc = os.path.join(root, "etc/apt")
    for path in [os.path.join(etc, "sources.list")] + sorted(glob.glob(os.path.join(etc, "sources.list.d/*.list"))):
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    line = line.split("#", 1)[0].strip()
                    m = re.match(r"deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
                    if m:
                        entries.append((m.group(1), m.group(2)))
        except OSError:
            pass
    for path in sorted(glob.glob(os.path.join(etc, "sources.list.d/*.sources"))):
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            continue
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line or line[:1].isspace():
                    continue
                k, v = line.split(":", 1)
                fields[k.strip().lower()] = v.strip()
            if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes") == "no":
                continue
            for uri in fields.get("uris", "").split():
                for suite in fields.get("suites", "").split():
                    entries.append((uri, suite))
    return entries


def configured_mirrors(root="/", suite=SUITE):
    """The Debian mirror and security mirror this machine's apt uses for ``suite``."""
    mirror = os.environ.get("DOCKYARD_VM_MIRROR")
    security = os.environ.get("DOCKYARD_VM_SECURITY_MIRROR")
    for uri, s in _source_entries(root):
        if not uri.startswith(("http://", "https://", "file:/")):
            continue
        if s == suite and not mirror:
            mirror = uri
        elif s == f"{suite}-security" and not security:
            security = uri
    mirror = (mirror or DEFAULT_MIRROR).rstrip("/")
    security = (security or (mirror + "-security" if mirror.endswith("/debian") else DEFAULT_SECURITY_MIRROR)).rstrip("/")
    return mirror, security


# ---------------------------------------------------------------------------------------------
# Recipe

def recipe(mirror=None, security_mirror=None):
    if mirror is None or security_mirror is None:
        m, s = configured_mirrors()
        mirror, security_mirror = mirror or m, security_mirror or s
    files = {
        "usr/local/sbin/dockyard-init": (INIT_SCRIPT, 0o755),
        "usr/local/bin/cloud-init": (CLOUD_INIT_SHIM, 0o755),
        "etc/ssh/sshd_config.d/50-dockyard.conf": (SSHD_DROPIN, 0o644),
        "usr/sbin/runlevel": (RUNLEVEL_SHIM, 0o755),
        "lib/lsb/init-functions.d/05-dockyard-container": (LSB_HOOK, 0o644),
        "etc/apt/sources.list.d/debian.sources": (apt_sources(mirror, security_mirror), 0o644),
    }
    return {
        "version": RECIPE_VERSION,
        "suite": SUITE,
        "variant": "minbase",
        "mirror": mirror,
        "packages": sorted(PACKAGES),
        "files": {path: {"mode": oct(mode), "text": text} for path, (text, mode) in sorted(files.items())},
        "changes": image_changes(),
    }


def image_changes():
    return ['CMD ["/usr/local/sbin/dockyard-init"]', "ENV container=docker"]


def content_key(rec):
    return hashlib.sha256(json.dumps(rec, sort_keys=True).encode()).hexdigest()


def image_tag(rec):
    return f"{IMAGE_REPOSITORY}:{SUITE}-{content_key(rec)[:16]}"


# ---------------------------------------------------------------------------------------------
# Build

def _run(cmd, log):
    log(f"$ {' '.join(cmd)}")
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode:
        raise ImageBuildError(f"{cmd[0]} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}")
    return proc.stdout


def customize_rootfs(rootfs, rec):
    """Turn a fresh debootstrap tree into the VM image's root filesystem."""
    for rel, spec in rec["files"].items():
        path = os.path.join(rootfs, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(spec["text"])
        os.chmod(path, int(spec["mode"], 8))
    # the one-line sources.list that debootstrap wrote is replaced by the deb822 file above
    try:
        os.remove(os.path.join(rootfs, "etc/apt/sources.list"))
    except FileNotFoundError:
        pass
    # per-VM identity is made at first boot, never shared through the image
    for key in glob.glob(os.path.join(rootfs, "etc/ssh/ssh_host_*")):
        os.remove(key)
    for rel in ("etc/machine-id", "var/lib/dbus/machine-id"):
        p = os.path.join(rootfs, rel)
        if os.path.exists(p):
            open(p, "w").close()
    for rel in ("etc/hostname",):
        p = os.path.join(rootfs, rel)
        if os.path.exists(p):
            os.remove(p)
    # caches: apt fetches fresh lists, as on a cloud image
    for pattern in ("var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*",
                    "var/log/*.log", "var/log/apt/*"):
        for p in glob.glob(os.path.join(rootfs, pattern)):
            if os.path.isfile(p):
                os.remove(p)
    for rel in ("var/lib/dockyard", "var/lib/cloud/instance/scripts", "var/lib/cloud/instance/sem"):
        os.makedirs(os.path.join(rootfs, rel), exist_ok=True)


def image_exists(client, tag):
    import docker.errors
    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_image(client, *, build_dir=None, log=print, rec=None):
    """Return the tag of the VM image, building it first if no image of this recipe exists.

    Concurrent callers (threads or processes on this machine) build it once: an exclusive file
    lock guards the build.
    """
    rec = rec or recipe()
    tag = image_tag(rec)
    if image_exists(client, tag):
        return tag
    lock_path = os.path.join(tempfile.gettempdir(), "dockyard-emulator-vm-image.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if image_exists(client, tag):
                return tag
            build_image(client, rec, tag, build_dir=build_dir, log=log)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return tag


def _prune_older(client, tag, log):
    """Remove images of earlier recipes that no container uses any more."""
    import docker.errors
    for image in client.images.list(name=IMAGE_REPOSITORY):
        if tag in image.tags:
            continue
        try:
            client.images.remove(image.id)
            log(f"removed the VM image of an earlier recipe: {', '.join(image.tags) or image.id}")
        except docker.errors.APIError:
            pass  # still used by a VM container


def build_image(client, rec, tag, *, build_dir=None, log=print):
    if os.geteuid() != 0:
        raise ImageBuildError("building the container VM image runs debootstrap, which needs root")
    if not shutil.which("debootstrap"):
        raise ImageBuildError("debootstrap is not installed (apt-get install debootstrap)")
    started = time.monotonic()
    if build_dir:
        os.makedirs(build_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="dockyard-vm-image-", dir=build_dir)
    rootfs = os.path.join(work, "rootfs")
    tarball = os.path.join(work, "rootfs.tar")
    try:
        log(f"building VM image {tag} from {rec['mirror']} (debootstrap {rec['suite']})")
        _run(["debootstrap", f"--variant={rec['variant']}", "--include=" + ",".join(rec["packages"]),
              rec["suite"], rootfs, rec["mirror"]], log)
        customize_rootfs(rootfs, rec)
        _run(["tar", "--numeric-owner", "--xattrs", "-C", rootfs, "-cf", tarball, "."], log)
        shutil.rmtree(rootfs, ignore_errors=True)
        repository, _, version = tag.rpartition(":")
        changes = list(rec["changes"]) + [f"LABEL {LABEL_IMAGE_KEY}={content_key(rec)}"]
        client.api.import_image_from_file(tarball, repository=repository, tag=version, changes=changes)
        if not image_exists(client, tag):
            raise ImageBuildError(f"docker import did not produce {tag}")
        log(f"built {tag} in {time.monotonic() - started:.0f}s")
        _prune_older(client, tag, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tag
