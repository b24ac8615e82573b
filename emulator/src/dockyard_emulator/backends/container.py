"""The ``container`` VM backend: every VM is a system container on a Docker network the emulator owns.

A VM is a container from the Debian image of :mod:`dockyard_emulator.vm_image`:

- PID 1 is docker-init (tini), running ``/usr/local/sbin/dockyard-init``: a small bash init that
  provisions the VM at first boot (admin user, SSH keys, passwordless sudo, host keys), starts the
  sysv-rc services of runlevel 2 (sshd; dockerd once ``docker.io`` is installed), runs the custom
  data once, keeps sshd up (and dockerd if it crashes), and stops the services on SIGTERM.
  systemd is not used: on these hosts (cgroup v1, no ``--privileged``) a shell init is what
  starts in a second and behaves the same everywhere.
- hostname = computerName; a static address on the emulator's bridge network (kept across
  stop/start); that address is the VM's private and public IP, reachable from the host.
- Docker-in-Docker capable: capabilities granted one by one (no ``--privileged``), seccomp and
  apparmor unconfined, ``--cgroupns host`` with /sys/fs/cgroup bind-mounted read-write, and a
  volume for /var/lib/docker.
- The OS disk is the container's own filesystem (its writable layer, kept while the container
  exists, so stop/start/deallocate keep everything written anywhere in the VM) plus the
  /var/lib/docker volume. Delete removes both; deleting with the disk kept commits the writable
  layer to an image and keeps the volume, both labelled with the disk's name, until
  :meth:`ContainerVmBackend.delete_os_disk`.
- Everything carries the label ``dockyard.emulator=<emulator id>``, so a restarted emulator
  finds its VMs again (:meth:`find_existing`) and a cleanup finds all of it.
"""
from __future__ import annotations

import base64
import hashlib
import io
import ipaddress
import logging
import os
import re
import secrets
import shlex
import socket
import tarfile
import threading
import time
import uuid

import docker
import docker.errors
from docker.types import IPAMConfig, IPAMPool

from .. import vm_image
from . import cloud_init

log = logging.getLogger("dockyard_emulator.backends.container")

LABEL_EMULATOR = "dockyard.emulator"
LABEL_ROLE = "dockyard.emulator.role"          # vm | network | docker-data | os-disk
LABEL_VM = "dockyard.emulator.vm"              # the VM key (lower-cased ARM id)
LABEL_OS_DISK = "dockyard.emulator.os-disk"
LABEL_COMPUTER = "dockyard.emulator.computer-name"
LABEL_ADMIN = "dockyard.emulator.admin-username"
LABEL_ADDRESS = "dockyard.emulator.address"

# Docker's default set plus what a VM running its own Docker engine needs. SYS_RESOURCE is not
# available on these hosts, which is why --privileged is refused and capabilities are listed.
CAPABILITIES = (
    "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_NICE", "IPC_LOCK", "IPC_OWNER", "DAC_READ_SEARCH",
    "LINUX_IMMUTABLE", "NET_BROADCAST", "SYSLOG", "AUDIT_CONTROL", "AUDIT_READ", "LEASE", "SYS_PACCT",
    "SYS_RAWIO",
    # Docker's defaults, listed so the set stands on its own
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP",
    "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
)
STOP_TIMEOUT = 30          # seconds the init gets to stop sshd/dockerd and the VM's containers
READY_TIMEOUT = 90         # seconds from start until sshd answers
SUBNET_BASE = ipaddress.ip_network("10.199.0.0/16")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$")
HOSTNAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})$")


# Started by the VM's init with the other runlevel-2 services (after the packaged docker script, if
# any): Docker installed where systemd is not PID 1 (the collection's install script) leaves a helper
# that starts dockerd; run it at every boot. A no-op without the helper or when dockerd already runs.
START_DOCKERD_LINK = "/etc/rc2.d/S99dockyard-start-dockerd"
START_DOCKERD_SERVICE = """#!/bin/sh
# dockyard emulator VM: start dockerd at boot through /usr/local/sbin/dockyard-start-dockerd when present
case "$1" in
  start) [ -x /usr/local/sbin/dockyard-start-dockerd ] && /usr/local/sbin/dockyard-start-dockerd; exit 0 ;;
  *) exit 0 ;;
esac
"""


class BackendError(RuntimeError):
    """A VM operation failed; the message says why and what to do."""


class VmNotFound(BackendError):
    pass


class VmNotRunning(BackendError):
    pass


def _tail(data, limit):
    if data is None:
        return ""
    if isinstance(data, bytes):
        data = data[-limit:] if limit else data
        return data.decode("utf-8", "replace")
    return data[-limit:] if limit else data


def _tar(files):
    """{path: (bytes, mode)} -> tar archive (bytes) to extract at /."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        dirs = set()
        for path in files:
            parts = path.strip("/").split("/")[:-1]
            for i in range(1, len(parts) + 1):
                dirs.add("/".join(parts[:i]))
        for d in sorted(dirs):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = int(time.time())
            tar.addfile(info)
        for path, (data, mode) in files.items():
            info = tarfile.TarInfo(path.strip("/"))
            info.size = len(data)
            info.mode = mode
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def provision_script(admin_username, ssh_public_keys):
    """First-boot script: the admin user with its keys and passwordless sudo (as Azure's agents do)."""
    keys = "".join(k.strip() + "\n" for k in ssh_public_keys)
    user = shlex.quote(admin_username)
    return f"""#!/bin/bash
set -eu
if ! id {user} >/dev/null 2>&1; then
    useradd -m -s /bin/bash -c '' {user}
fi
for g in adm sudo; do getent group "$g" >/dev/null && usermod -aG "$g" {user}; done
passwd -l {user} >/dev/null
echo {shlex.quote(f'{admin_username} ALL=(ALL) NOPASSWD:ALL')} > /etc/sudoers.d/90-cloud-init-users
chmod 0440 /etc/sudoers.d/90-cloud-init-users
home=$(getent passwd {user} | cut -d: -f6)
install -d -m 700 -o {user} -g "$(id -gn {user})" "$home/.ssh"
echo {shlex.quote(base64.b64encode(keys.encode()).decode())} | base64 -d > "$home/.ssh/authorized_keys"
chown {user}: "$home/.ssh/authorized_keys"
chmod 600 "$home/.ssh/authorized_keys"
ssh-keygen -A >/dev/null
"""


def validate_spec(spec):
    """Reject what would make a broken VM, with messages that name the field."""
    name = spec.get("computer_name") or ""
    if not HOSTNAME_RE.match(name):
        raise BackendError(f"computer_name {name!r} is not a valid Linux host name (letters, digits and "
                           "hyphens, at most 64 characters, not starting with a hyphen)")
    user = spec.get("admin_username") or ""
    if not USERNAME_RE.match(user) or user in ("root",):
        raise BackendError(f"admin_username {user!r} is not a valid Linux user name for the VM ("
                           "letters, digits, '_', '.' and '-', at most 32 characters; not root)")
    keys = spec.get("ssh_public_keys") or []
    if not keys:
        raise BackendError("the VM needs at least one SSH public key (password login is disabled)")
    for k in keys:
        if not isinstance(k, str) or "\n" in k.strip() or not k.strip().startswith(("ssh-", "ecdsa-", "sk-")):
            raise BackendError("every SSH public key must be one line in OpenSSH format (ssh-rsa AAAA..., "
                               "ssh-ed25519 AAAA..., ecdsa-sha2-...)")


class ContainerVmBackend:
    """VMs as system containers. Thread-safe; one instance per emulator process."""

    def __init__(self, state_dir, emulator_id=None, *, client=None, log_fn=None):
        self.state_dir = str(state_dir)
        os.makedirs(self.state_dir, exist_ok=True)
        if emulator_id and not re.match(r"^[a-z0-9][a-z0-9-]{0,30}$", emulator_id):
            raise BackendError("emulator_id must be lower-case letters, digits and '-', at most 31 characters")
        self.emulator_id = self._stable_id(emulator_id)
        self.client = client or docker.from_env(timeout=120)
        # long docker exec calls need a client whose read timeout outlasts the command
        self._exec_client = (lambda t: docker.from_env(timeout=t)) if client is None else (lambda t: client)
        self.network_name = f"dockyard-emu-{self.emulator_id}"
        self._lock = threading.RLock()
        self._image = None
        self._log = log_fn or log.info

    # ----------------------------------------------------------------------------- identity
    def _stable_id(self, given=None):
        """The id kept in the state dir (a given id is stored there), so a restart finds the VMs."""
        path = os.path.join(self.state_dir, "container-backend.id")
        if given:
            with open(path, "w", encoding="utf-8") as f:
                f.write(given + "\n")
            return given
        try:
            with open(path, encoding="utf-8") as f:
                value = f.read().strip()
            if value:
                return value
        except FileNotFoundError:
            pass
        value = secrets.token_hex(4)
        with open(path, "w", encoding="utf-8") as f:
            f.write(value + "\n")
        return value

    def container_name(self, vm_key):
        return f"dockyard-vm-{self.emulator_id}-{hashlib.sha256(vm_key.encode()).hexdigest()[:12]}"

    def _labels(self, role, **extra):
        labels = {LABEL_EMULATOR: self.emulator_id, LABEL_ROLE: role}
        labels.update({k: v for k, v in extra.items() if v is not None})
        return labels

    # ----------------------------------------------------------------------------- image, network
    def ensure_image(self):
        with self._lock:
            if self._image is None:
                self._image = vm_image.ensure_image(self.client, log=self._log)
            return self._image

    def _used_subnets(self):
        used = []
        for net in self.client.api.networks():
            for cfg in (net.get("IPAM") or {}).get("Config") or []:
                try:
                    used.append(ipaddress.ip_network(cfg["Subnet"], strict=False))
                except (KeyError, ValueError):
                    pass
        try:
            with open("/proc/net/route", encoding="ascii") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    dest = ipaddress.IPv4Address(int(fields[1], 16).to_bytes(4, "little"))
                    mask = ipaddress.IPv4Address(int(fields[7], 16).to_bytes(4, "little"))
                    if int(mask):
                        used.append(ipaddress.ip_network(f"{dest}/{mask}", strict=False))
        except OSError:
            pass
        return used

    def ensure_network(self):
        """The emulator's bridge network (found by label, created on a free /24 when missing)."""
        with self._lock:
            nets = self.client.networks.list(filters={"label": [f"{LABEL_EMULATOR}={self.emulator_id}",
                                                                f"{LABEL_ROLE}=network"]})
            if nets:
                return nets[0]
            used = self._used_subnets()
            subnets = list(SUBNET_BASE.subnets(new_prefix=24))
            start = int(hashlib.sha256(self.emulator_id.encode()).hexdigest(), 16) % len(subnets)
            for i in range(len(subnets)):
                candidate = subnets[(start + i) % len(subnets)]
                if not any(candidate.overlaps(u) for u in used):
                    break
            else:
                raise BackendError(f"no free /24 left in {SUBNET_BASE} for the emulator's VM network")
            gateway = str(next(candidate.hosts()))
            self._log(f"creating VM network {self.network_name} ({candidate})")
            return self.client.networks.create(
                self.network_name, driver="bridge", check_duplicate=True,
                ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=str(candidate), gateway=gateway)]),
                labels=self._labels("network"))

    def free_address(self, avoid=()):
        """A free address on the emulator's network that no VM and nothing in ``avoid`` uses (a public IP
        resource takes one when it is created, so its address is fixed before its VM exists, as on Azure)."""
        with self._lock:
            return self._allocate_address(self.ensure_network(), avoid=avoid)

    def _allocate_address(self, network, wanted=None, avoid=()):
        network.reload()
        cfg = network.attrs["IPAM"]["Config"][0]
        subnet = ipaddress.ip_network(cfg["Subnet"])
        used = {cfg.get("Gateway")}
        for info in (network.attrs.get("Containers") or {}).values():
            used.add(info.get("IPv4Address", "").split("/")[0])
        for c in self.client.containers.list(all=True, filters={"label": f"{LABEL_EMULATOR}={self.emulator_id}"}):
            used.add(c.labels.get(LABEL_ADDRESS))
        if wanted:
            try:
                if ipaddress.ip_address(wanted) in subnet and wanted not in used:
                    return wanted
            except ValueError:
                pass
        used |= set(avoid)
        for host in subnet.hosts():
            if int(host) - int(subnet.network_address) < 10:
                continue  # leave the first few to the gateway and friends
            if str(host) not in used:
                return str(host)
        raise BackendError(f"the emulator's VM network {subnet} has no free address left")

    # ----------------------------------------------------------------------------- lookup
    def _get(self, vm_key):
        try:
            return self.client.containers.get(self.container_name(vm_key))
        except docker.errors.NotFound:
            raise VmNotFound(f"no container VM for {vm_key}") from None

    def exists(self, vm_key):
        try:
            self._get(vm_key)
            return True
        except VmNotFound:
            return False

    def address(self, vm_key):
        try:
            return self._get(vm_key).labels.get(LABEL_ADDRESS)
        except VmNotFound:
            return None

    def power_state(self, vm_key):
        """'running', 'stopped' or None (no such VM)."""
        try:
            c = self._get(vm_key)
        except VmNotFound:
            return None
        return "running" if c.status in ("running", "restarting") else "stopped"

    def find_existing(self):
        """The VMs of this emulator found by label (e.g. after an emulator restart)."""
        out = []
        for c in self.client.containers.list(all=True, filters={"label": [f"{LABEL_EMULATOR}={self.emulator_id}",
                                                                          f"{LABEL_ROLE}=vm"]}):
            out.append({
                "vm_key": c.labels.get(LABEL_VM), "container": c.name, "address": c.labels.get(LABEL_ADDRESS),
                "computer_name": c.labels.get(LABEL_COMPUTER), "admin_username": c.labels.get(LABEL_ADMIN),
                "os_disk_name": c.labels.get(LABEL_OS_DISK),
                "power_state": "running" if c.status in ("running", "restarting") else "stopped",
            })
        return out

    # ----------------------------------------------------------------------------- lifecycle
    def create(self, vm_key, spec):
        """Create and boot the VM; returns {"address": ip} once sshd answers.

        spec: computer_name, admin_username, ssh_public_keys, custom_data (base64 or None),
        os_disk_name. Creating a VM that exists already starts it if needed and returns its address.
        A failed create leaves nothing behind.
        """
        validate_spec(spec)
        try:
            user_script = cloud_init.first_boot_script(spec.get("custom_data"), spec["admin_username"])
        except cloud_init.CustomDataError as exc:
            raise BackendError(f"custom_data: {exc}") from exc
        if self.exists(vm_key):
            self.start(vm_key)
            return {"address": self.address(vm_key)}
        image = self.ensure_image()
        name = self.container_name(vm_key)
        os_disk = spec.get("os_disk_name") or f"{spec['computer_name']}_OsDisk"
        with self._lock:
            network = self.ensure_network()
            address = self._allocate_address(network, spec.get("address"), spec.get("avoid_addresses") or ())
            common = dict(vm=vm_key, os_disk=os_disk)
            labels = self._labels("vm", **{LABEL_VM: vm_key, LABEL_OS_DISK: os_disk,
                                           LABEL_COMPUTER: spec["computer_name"],
                                           LABEL_ADMIN: spec["admin_username"], LABEL_ADDRESS: address})
            volume = None
            container = None
            try:
                volume = self.client.volumes.create(
                    f"{name}-docker", labels=self._labels("docker-data", **{LABEL_VM: common["vm"],
                                                                            LABEL_OS_DISK: os_disk}))
                host_config = self.client.api.create_host_config(
                    init=True,
                    cap_add=list(CAPABILITIES),
                    security_opt=["seccomp=unconfined", "apparmor=unconfined"],
                    cgroupns="host",
                    binds={"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"},
                           volume.name: {"bind": "/var/lib/docker", "mode": "rw"}},
                    tmpfs={"/run": "rw,exec,nosuid,nodev,mode=755,size=256m"},
                    sysctls={"net.ipv4.ip_forward": "1"},
                    restart_policy={"Name": "unless-stopped"},
                )
                networking = self.client.api.create_networking_config({
                    self.network_name: self.client.api.create_endpoint_config(ipv4_address=address)})
                created = self.client.api.create_container(
                    image, name=name, hostname=spec["computer_name"], labels=labels, host_config=host_config,
                    networking_config=networking, stop_timeout=STOP_TIMEOUT, detach=True)
                container = self.client.containers.get(created["Id"])
                files = {"/var/lib/dockyard/provision.sh":
                         (provision_script(spec["admin_username"], spec["ssh_public_keys"]).encode(), 0o700)}
                if spec.get("custom_data"):
                    files["/var/lib/cloud/instance/user-data.txt"] = (
                        cloud_init.decode_custom_data(spec["custom_data"]), 0o600)
                if user_script:
                    files["/var/lib/cloud/instance/scripts/part-001"] = (user_script.encode(), 0o700)
                files[START_DOCKERD_LINK] = (START_DOCKERD_SERVICE.encode(), 0o755)
                container.put_archive("/", _tar(files))
                container.start()
                self._log(f"VM {spec['computer_name']} ({vm_key}) started as {name} at {address}")
            except Exception:
                self._remove(container, volume and [volume])
                raise
        try:
            self.wait_ready(vm_key)
        except Exception:
            with self._lock:
                self._remove(container, [volume])
            raise
        return {"address": address}

    def _remove(self, container, volumes):
        if container is not None:
            try:
                container.remove(force=True, v=True)
            except docker.errors.NotFound:
                pass
        for v in volumes or []:
            if v is None:
                continue
            try:
                v.remove(force=True)
            except docker.errors.NotFound:
                pass

    def wait_ready(self, vm_key, timeout=READY_TIMEOUT):
        """Wait until the VM's sshd answers with its banner (provisioning runs before sshd starts)."""
        container = self._get(vm_key)
        address = container.labels[LABEL_ADDRESS]
        deadline = time.monotonic() + timeout
        while True:
            container.reload()
            if container.status in ("exited", "dead"):
                logs = container.logs(tail=30).decode("utf-8", "replace")
                raise BackendError(f"the VM container {container.name} stopped while booting:\n{logs}")
            try:
                with socket.create_connection((address, 22), timeout=1) as s:
                    s.settimeout(2)
                    if s.recv(64).startswith(b"SSH-"):
                        return address
            except OSError:
                pass
            if time.monotonic() > deadline:
                logs = container.logs(tail=30).decode("utf-8", "replace")
                raise BackendError(f"sshd of the VM {container.name} did not answer on {address}:22 "
                                   f"within {timeout}s:\n{logs}")
            time.sleep(0.3)

    def start(self, vm_key):
        c = self._get(vm_key)
        if c.status != "running":
            c.start()
        self.wait_ready(vm_key)

    def stop(self, vm_key):
        c = self._get(vm_key)
        if c.status in ("running", "restarting", "paused"):
            c.stop(timeout=STOP_TIMEOUT)

    def deallocate(self, vm_key):
        """Same as stop: the container (the VM's disk) is kept, its address too."""
        self.stop(vm_key)

    def restart(self, vm_key):
        c = self._get(vm_key)
        c.restart(timeout=STOP_TIMEOUT)
        self.wait_ready(vm_key)

    def delete(self, vm_key, keep_os_disk=False):
        """Remove the VM. keep_os_disk: commit its filesystem to an image and keep its volumes."""
        try:
            c = self._get(vm_key)
        except VmNotFound:
            if not keep_os_disk:
                self._remove(None, self._volumes(vm=vm_key))
            return
        os_disk = c.labels.get(LABEL_OS_DISK)
        with self._lock:
            if keep_os_disk:
                if c.status == "running":
                    c.stop(timeout=STOP_TIMEOUT)
                c.commit(repository=self.disk_image_repository(os_disk), tag="latest",
                         conf={"Labels": self._labels("os-disk", **{LABEL_OS_DISK: os_disk, LABEL_VM: vm_key})})
                c.remove(force=True, v=False)
            else:
                self._remove(c, self._volumes(vm=vm_key))

    def disk_image_repository(self, os_disk_name):
        digest = hashlib.sha256(os_disk_name.lower().encode()).hexdigest()[:12]
        return f"dockyard-emulator/os-disk-{self.emulator_id}-{digest}"

    def _volumes(self, vm=None, os_disk=None):
        filters = [f"{LABEL_EMULATOR}={self.emulator_id}"]
        if vm:
            filters.append(f"{LABEL_VM}={vm}")
        if os_disk:
            filters.append(f"{LABEL_OS_DISK}={os_disk}")
        return self.client.volumes.list(filters={"label": filters})

    def kept_os_disks(self):
        return sorted({img.labels.get(LABEL_OS_DISK) for img in self.client.images.list(
            filters={"label": [f"{LABEL_EMULATOR}={self.emulator_id}", f"{LABEL_ROLE}=os-disk"]})} - {None})

    def delete_os_disk(self, os_disk_name):
        """Drop a disk kept by delete(keep_os_disk=True): its committed image and its volumes."""
        with self._lock:
            for img in self.client.images.list(filters={"label": [f"{LABEL_EMULATOR}={self.emulator_id}",
                                                                  f"{LABEL_OS_DISK}={os_disk_name}"]}):
                try:
                    self.client.images.remove(img.id, force=True)
                except docker.errors.NotFound:
                    pass
            in_use = {m.get("Name") for c in self.client.containers.list(
                all=True, filters={"label": f"{LABEL_EMULATOR}={self.emulator_id}"}) for m in c.attrs.get("Mounts", [])}
            self._remove(None, [v for v in self._volumes(os_disk=os_disk_name) if v.name not in in_use])

    def cleanup(self):
        """Remove every container, volume, image and network of this emulator id (tests, reset)."""
        flt = {"label": f"{LABEL_EMULATOR}={self.emulator_id}"}
        with self._lock:
            for c in self.client.containers.list(all=True, filters=flt):
                self._remove(c, None)
            for v in self.client.volumes.list(filters=flt):
                self._remove(None, [v])
            for img in self.client.images.list(filters=flt):
                try:
                    self.client.images.remove(img.id, force=True)
                except docker.errors.NotFound:
                    pass
            for n in self.client.networks.list(filters=flt):
                try:
                    n.remove()
                except docker.errors.NotFound:
                    pass

    # ----------------------------------------------------------------------------- in the VM
    def run_command(self, vm_key, script, env=None, timeout=600.0, tail=4096):
        """Run ``script`` in the VM as root; returns (exit_code, stdout_tail, stderr_tail).

        A script with a ``#!`` line runs with that interpreter, any other with /bin/bash. After
        ``timeout`` seconds it is killed and the exit code is 124 (as coreutils' timeout reports).
        """
        c = self._get(vm_key)
        if c.status != "running":
            raise VmNotRunning(f"the VM {vm_key} is not running (power state: stopped)")
        run_id = uuid.uuid4().hex
        path = f"/var/lib/dockyard/run/{run_id}/script"
        data = script.encode() if isinstance(script, str) else script
        c.put_archive("/", _tar({path: (data, 0o700)}))
        argv = [path] if data.startswith(b"#!") else ["/bin/bash", path]
        secs = max(1, int(timeout + 0.999))
        cmd = ["timeout", "--kill-after=10", f"{secs}s"] + argv
        client = self._exec_client(secs + 60).api
        try:
            exec_id = client.exec_create(c.id, cmd, environment={k: str(v) for k, v in (env or {}).items()},
                                         user="root", workdir=f"/var/lib/dockyard/run/{run_id}")
            stdout, stderr = client.exec_start(exec_id, demux=True)
            code = client.exec_inspect(exec_id)["ExitCode"]
        finally:
            if client is not self.client.api:
                client.close()
            try:
                c.exec_run(["rm", "-rf", f"/var/lib/dockyard/run/{run_id}"], user="root")
            except docker.errors.APIError:
                pass
        return code, _tail(stdout, tail), _tail(stderr, tail)

    def custom_data_status(self, vm_key):
        """('running' | 'done' | 'error <rc>', tail of /var/log/cloud-init-output.log)."""
        code, out, _ = self.run_command(
            vm_key, "cat /var/lib/dockyard/custom-data.status 2>/dev/null || echo running\n"
                    "echo ---\ntail -c 4000 /var/log/cloud-init-output.log 2>/dev/null || true\n", timeout=30)
        status, _, output = out.partition("---\n")
        return status.strip(), output

    def wait_custom_data(self, vm_key, timeout=600.0, interval=1.0):
        deadline = time.monotonic() + timeout
        while True:
            status, output = self.custom_data_status(vm_key)
            if status != "running" or time.monotonic() > deadline:
                return status, output
            time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# The emulator's VM backend seam (vm_backends.VmBackend): ARM records in, container operations out.

from ..vm_backends import VmBackend  # noqa: E402
from ..web import ArmError  # noqa: E402


class ContainerBackend(VmBackend):
    """``--vm-backend container``: :class:`ContainerVmBackend` behind the Compute provider's hooks.

    The VM key is the lower-cased ARM id. The backend's id (labels, network name) is kept in the
    state dir, so a restarted emulator finds its containers again.
    """

    name = "container"
    asynchronous = True  # booting a VM or running a script takes seconds to minutes: not in a transaction

    def __init__(self, app=None):
        self._app = app
        self._impl = None
        self._lock = threading.Lock()

    def impl(self, ctx=None):
        with self._lock:
            if self._impl is None:
                app = self._app or ctx.app
                try:
                    self._impl = ContainerVmBackend(app.state_dir)
                except docker.errors.DockerException as exc:
                    raise ArmError(500, "VMBackendNotAvailable", f"The container VM backend cannot reach the Docker "
                                   f"engine: {exc}. Start Docker or restart the emulator with --vm-backend none.") from exc
            return self._impl

    @staticmethod
    def key(vm):
        return vm["id"].lower()

    @staticmethod
    def spec(vm):
        props = vm["body"]["properties"]
        profile = props.get("osProfile") or {}
        linux = profile.get("linuxConfiguration") or {}
        keys = [k.get("keyData", "") for k in (linux.get("ssh") or {}).get("publicKeys") or []]
        return {"computer_name": profile.get("computerName") or vm["body"]["name"],
                "admin_username": profile.get("adminUsername"), "ssh_public_keys": keys,
                "custom_data": (vm.get("internal") or {}).get("customData"),
                "os_disk_name": ((props.get("storageProfile") or {}).get("osDisk") or {}).get("name")}

    @staticmethod
    def _fail(exc):
        if isinstance(exc, VmNotFound):
            return ArmError(409, "VMNotFoundInBackend", f"The VM's container is gone: {exc}. Delete and recreate the VM.")
        code = "InvalidParameter" if "is not a valid" in str(exc) or "custom_data" in str(exc) or "SSH public key" in str(exc) \
            else "OSProvisioningInternalError"
        return ArmError(400 if code == "InvalidParameter" else 500, code, f"Container VM: {exc}")

    @staticmethod
    def planned_addresses(ctx, vm):
        """(the address of the VM's public IP resource or None, the addresses other public IPs hold)."""
        if getattr(ctx, "store", None) is None:
            return None, []
        pips = ctx.store.resources(f"/subscriptions/{ctx.subscription}/", ["Microsoft.Network/publicIPAddresses"])
        avoid = {p["body"]["properties"].get("ipAddress") for p in pips} - {None}
        references = vm["body"]["properties"].get("networkProfile", {}).get("networkInterfaces", [])
        primary = next((r for r in references if (r.get("properties") or {}).get("primary")), None) or \
            (references[0] if references else None)
        nic = ctx.store.resource(primary["id"]) if primary else None
        wanted = None
        for config in (nic or {}).get("body", {}).get("properties", {}).get("ipConfigurations", []):
            pip_id = (config["properties"].get("publicIPAddress") or {}).get("id")
            if config["properties"].get("primary") and pip_id:
                pip = ctx.store.resource(pip_id)
                wanted = pip and pip["body"]["properties"].get("ipAddress")
        avoid.discard(wanted)
        return wanted, sorted(avoid)

    def public_address(self, ctx, taken):
        """Public IP resources get their (static) address on the VM network when they are created."""
        try:
            return self.impl(ctx).free_address(taken)
        except (BackendError, docker.errors.DockerException) as exc:
            log.warning("no address on the VM network for a public IP: %s", exc)
            return None

    def provision(self, ctx, vm):
        impl, key = self.impl(ctx), self.key(vm)
        internal = vm.setdefault("internal", {})
        power = internal.get("power", "running")
        try:
            if not impl.exists(key):
                wanted, avoid = self.planned_addresses(ctx, vm)
                impl.create(key, dict(self.spec(vm), address=wanted, avoid_addresses=avoid))
                if power in ("stopped", "deallocated"):
                    impl.stop(key)
            elif power == "running" and impl.power_state(key) != "running":
                impl.start(key)
            internal["backend"] = {"kind": self.name, "container": impl.container_name(key),
                                   "address": impl.address(key)}
        except BackendError as exc:
            raise self._fail(exc) from exc

    def power(self, ctx, vm, action):
        impl, key = self.impl(ctx), self.key(vm)
        try:
            {"start": impl.start, "powerOff": impl.stop, "deallocate": impl.deallocate,
             "restart": impl.restart}[action](key)
        except BackendError as exc:
            raise self._fail(exc) from exc

    def delete(self, ctx, vm, keep_os_disk=None):
        """The OS disk's data is kept (committed) unless its deleteOption is Delete; see delete_disk."""
        os_disk = ((vm["body"]["properties"].get("storageProfile") or {}).get("osDisk") or {})
        if keep_os_disk is None:
            keep_os_disk = os_disk.get("deleteOption") != "Delete"
        self.impl(ctx).delete(self.key(vm), keep_os_disk=keep_os_disk)

    def reconcile(self, ctx, vms):
        """Emulator start: find the containers by label and give them the power state ARM records."""
        impl = self.impl(ctx)
        found = {v["vm_key"]: v for v in impl.find_existing()}
        for vm in vms:
            data = (vm.get("internal") or {}).get("backend") or {}
            if data.get("kind") != self.name or data.get("deleted") or ctx.store.operations_for(vm["id"].lower()):
                continue
            key, want = self.key(vm), vm["internal"].get("power", "running")
            have = found.get(key)
            if have is None:
                log.warning("the container of VM %s is gone; delete and recreate the VM", vm["id"])
                continue
            try:
                if want == "running" and have["power_state"] != "running":
                    log.info("starting the container of VM %s (ARM: running)", vm["id"])
                    impl.start(key)
                elif want in ("stopped", "deallocated") and have["power_state"] == "running":
                    log.info("stopping the container of VM %s (ARM: %s)", vm["id"], want)
                    impl.stop(key)
            except BackendError as exc:
                log.warning("could not reconcile VM %s: %s", vm["id"], exc)

    def delete_disk(self, ctx, disk):
        """A Microsoft.Compute/disks resource is deleted: drop the data a VM delete kept for it."""
        self.impl(ctx).delete_os_disk(disk["body"]["name"])

    def instance_view(self, ctx, vm):
        impl, key = self.impl(ctx), self.key(vm)
        if impl.power_state(key) != "running":
            return {}
        return {"computerName": self.spec(vm)["computer_name"], "osName": "debian", "osVersion": "12"}

    def addresses(self, ctx, vm):
        address = self.impl(ctx).address(self.key(vm))
        return (address, 22) if address else None

    def run_command(self, ctx, vm, script, env=None, timeout=5400.0):
        """For the Custom Script extension: (exit code, stdout tail, stderr tail)."""
        try:
            return self.impl(ctx).run_command(self.key(vm), script, env or {}, timeout)
        except BackendError as exc:
            raise self._fail(exc) from exc
