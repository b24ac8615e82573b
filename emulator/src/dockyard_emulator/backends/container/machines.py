"""Container VMs: the lifecycle of system containers on a Docker network the emulator owns.

This module knows containers, not ARM (the ``container`` backend, :mod:`.backend`, maps ARM's VM
records onto it). A VM is a container from the Debian image of :mod:`.image`:

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
  :meth:`ContainerMachines.delete_os_disk`.
- Everything carries the label ``dockyard.emulator=<emulator id>``, so a restarted emulator
  finds its VMs again (:meth:`find_existing`) and a cleanup finds all of it.
"""
from __future__ import annotations

import hashlib
import io
import ipaddress
import logging
import os
import re
import secrets
import socket
import tarfile
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any, Callable

import docker
import docker.errors
from docker.types import IPAMConfig, IPAMPool

from ...errors import BackendError, CustomDataError, MachineSpecError, VmNotFound, VmNotRunning
from . import cloud_init, image
from .guest import (
    EMULATOR_CA_PATH,
    START_DOCKERD_LINK,
    START_DOCKERD_SERVICE,
    MachineSpec,
    output_tail,
    provision_script,
    tar_archive,
    validate_spec,
)

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


class ContainerMachines:
    """VMs as system containers. Thread-safe; one instance per emulator process."""

    def __init__(self, state_dir: str | os.PathLike[str], emulator_id: str | None = None, *,
                 client: docker.DockerClient | None = None, log_fn: Callable[[str], None] | None = None) -> None:
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
        self._image: str | None = None
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

    def container_name(self, vm_key: str) -> str:
        return f"dockyard-vm-{self.emulator_id}-{hashlib.sha256(vm_key.encode()).hexdigest()[:12]}"

    def _labels(self, role, **extra):
        labels = {LABEL_EMULATOR: self.emulator_id, LABEL_ROLE: role}
        labels.update({k: v for k, v in extra.items() if v is not None})
        return labels

    # ----------------------------------------------------------------------------- image, network
    def ensure_image(self) -> str:
        with self._lock:
            if self._image is None:
                self._image = image.ensure_image(self.client, log=self._log)
            tag: str = self._image
            return tag

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

    def gateway(self) -> str:
        """This machine's address on the emulator's network (its gateway): where the VMs reach the host."""
        network = self.ensure_network()
        gateway: str = network.attrs["IPAM"]["Config"][0]["Gateway"]
        return gateway

    def free_address(self, avoid: Iterable[str] = ()) -> str:
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

    def exists(self, vm_key: str) -> bool:
        try:
            self._get(vm_key)
            return True
        except VmNotFound:
            return False

    def address(self, vm_key: str) -> str | None:
        try:
            return self._get(vm_key).labels.get(LABEL_ADDRESS)
        except VmNotFound:
            return None

    def power_state(self, vm_key: str) -> str | None:
        """'running', 'stopped' or None (no such VM)."""
        try:
            c = self._get(vm_key)
        except VmNotFound:
            return None
        return "running" if c.status in ("running", "restarting") else "stopped"

    def find_existing(self) -> list[dict[str, Any]]:
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
    def create(self, vm_key: str, spec: MachineSpec) -> dict[str, str | None]:
        """Create and boot the VM; returns {"address": ip} once sshd answers.

        spec: computer_name, admin_username, ssh_public_keys, custom_data (base64 or None),
        os_disk_name. Creating a VM that exists already starts it if needed and returns its address.
        A failed create leaves nothing behind.
        """
        computer_name, admin_username = validate_spec(spec)
        try:
            user_script = cloud_init.first_boot_script(spec.get("custom_data"), admin_username)
        except CustomDataError as exc:
            raise MachineSpecError(f"custom_data: {exc}") from exc
        if self.exists(vm_key):
            self.start(vm_key)
            return {"address": self.address(vm_key)}
        image_tag = self.ensure_image()
        name = self.container_name(vm_key)
        os_disk = spec.get("os_disk_name") or f"{spec['computer_name']}_OsDisk"
        with self._lock:
            network = self.ensure_network()
            address = self._allocate_address(network, spec.get("address"), spec.get("avoid_addresses") or ())
            common = dict(vm=vm_key, os_disk=os_disk)
            labels = self._labels("vm", **{LABEL_VM: vm_key, LABEL_OS_DISK: os_disk,
                                           LABEL_COMPUTER: computer_name,
                                           LABEL_ADMIN: admin_username, LABEL_ADDRESS: address})
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
                    image_tag, name=name, hostname=computer_name, labels=labels, host_config=host_config,
                    networking_config=networking, stop_timeout=STOP_TIMEOUT, detach=True)
                container = self.client.containers.get(created["Id"])
                files = {"/var/lib/dockyard/provision.sh":
                         (provision_script(admin_username, spec["ssh_public_keys"]).encode(), 0o700)}
                # The VM trusts the emulator's CA as an Azure VM trusts the public CAs (its image has them):
                # the emulator's HTTPS services (e.g. container registries) verify like Azure's.
                ca = os.path.join(self.state_dir, "ca.pem")
                if os.path.exists(ca):
                    with open(ca, "rb") as handle:
                        files[EMULATOR_CA_PATH] = (handle.read(), 0o644)
                if spec.get("custom_data"):
                    files["/var/lib/cloud/instance/user-data.txt"] = (
                        cloud_init.decode_custom_data(spec["custom_data"]), 0o600)
                if user_script:
                    files["/var/lib/cloud/instance/scripts/part-001"] = (user_script.encode(), 0o700)
                files[START_DOCKERD_LINK] = (START_DOCKERD_SERVICE.encode(), 0o755)
                container.put_archive("/", tar_archive(files))
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

    def start(self, vm_key: str) -> None:
        c = self._get(vm_key)
        if c.status != "running":
            c.start()
        self.wait_ready(vm_key)

    def stop(self, vm_key: str) -> None:
        c = self._get(vm_key)
        if c.status in ("running", "restarting", "paused"):
            c.stop(timeout=STOP_TIMEOUT)

    def deallocate(self, vm_key: str) -> None:
        """Same as stop: the container (the VM's disk) is kept, its address too."""
        self.stop(vm_key)

    def restart(self, vm_key: str) -> None:
        c = self._get(vm_key)
        c.restart(timeout=STOP_TIMEOUT)
        self.wait_ready(vm_key)

    def delete(self, vm_key: str, keep_os_disk: bool = False) -> None:
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

    def kept_os_disks(self) -> list[str]:
        return sorted({img.labels.get(LABEL_OS_DISK) for img in self.client.images.list(
            filters={"label": [f"{LABEL_EMULATOR}={self.emulator_id}", f"{LABEL_ROLE}=os-disk"]})} - {None})

    def delete_os_disk(self, os_disk_name: str) -> None:
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

    def remove_unused_networks(self) -> tuple[list[str], list[str]]:
        """Remove this emulator's bridge networks that no container uses; (removed, kept) names.

        A stopped VM container counts as a user: it needs its network (and its address there) to
        start again. ``dockyard-emulator stop`` calls this once the emulator has exited."""
        removed, kept = [], []
        with self._lock:
            users = set()
            for c in self.client.containers.list(all=True, filters={"label": f"{LABEL_EMULATOR}={self.emulator_id}"}):
                for name, endpoint in ((c.attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
                    users |= {name, (endpoint or {}).get("NetworkID")}
            for n in self.client.networks.list(filters={"label": [f"{LABEL_EMULATOR}={self.emulator_id}",
                                                                  f"{LABEL_ROLE}=network"]}):
                n.reload()
                if n.name in users or n.id in users or n.attrs.get("Containers"):
                    kept.append(n.name)
                    continue
                try:
                    n.remove()
                    removed.append(n.name)
                except docker.errors.NotFound:
                    pass
                except docker.errors.APIError as exc:  # e.g. a container of someone else joined it
                    self._log(f"keeping the VM network {n.name}: {exc}")
                    kept.append(n.name)
        return removed, kept

    def cleanup(self) -> None:
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

    # ----------------------------------------------------------------------------- logs (web view)
    def logs(self, vm_key: str, lines: int = 40) -> dict[str, str]:
        """The container's state, the last ``lines`` of the VM's console (what its init printed while
        booting and since) and of its custom data output. Read through the engine, not by exec, so a
        stopped VM shows them too."""
        c = self._get(vm_key)
        console = c.logs(tail=lines).decode("utf-8", "replace")
        return {"status": c.status, "console": console,
                "custom_data": self._file_tail(c, "/var/log/cloud-init-output.log", lines)}

    @staticmethod
    def _file_tail(container, path: str, lines: int, limit: int = 8 * 1024 * 1024) -> str:
        try:
            stream, stat = container.get_archive(path)
        except docker.errors.NotFound:
            return ""
        if stat.get("size", 0) > limit:
            return f"({path} holds {stat['size']} bytes: read it in the VM)"
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            handle = tar.extractfile(member) if member is not None else None
            data = handle.read() if handle is not None else b""
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])

    # ----------------------------------------------------------------------------- in the VM
    def run_command(self, vm_key: str, script: str | bytes, env: dict[str, str] | None = None, timeout: float = 600.0,
                    tail: int = 4096) -> tuple[int, str, str]:
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
        c.put_archive("/", tar_archive({path: (data, 0o700)}))
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
        return code, output_tail(stdout, tail), output_tail(stderr, tail)

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
