"""What the emulator writes into a container VM when it creates it: the first-boot provisioning
script (admin user, SSH keys, passwordless sudo), the boot service that starts dockerd where the
collection's install script left a helper, and the tar archive that carries files into the container.
Checks of the VM's settings live here too, so a broken VM is refused before anything is created.
"""
from __future__ import annotations

import base64
import io
import re
import shlex
import tarfile
import time
from typing import TypedDict

from ...errors import MachineSpecError

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


# The emulator's CA, added to the VM's system trust store at first boot (update-ca-certificates).
EMULATOR_CA_PATH = "/usr/local/share/ca-certificates/dockyard-emulator-ca.crt"


class MachineSpec(TypedDict, total=False):
    """What a VM is made from (the container backend reads it from the VM's ARM record)."""

    computer_name: str | None
    admin_username: str | None
    ssh_public_keys: list[str]
    custom_data: str | None          # base64, as ARM's osProfile.customData
    os_disk_name: str | None
    address: str | None              # the address its public IP resource holds, when it has one
    avoid_addresses: list[str]       # addresses other public IP resources hold


def output_tail(data: bytes | str | None, limit: int) -> str:
    """The last ``limit`` characters of a command's output (all of it when ``limit`` is 0), as text."""
    if data is None:
        return ""
    if isinstance(data, bytes):
        data = data[-limit:] if limit else data
        return data.decode("utf-8", "replace")
    return data[-limit:] if limit else data


def tar_archive(files: dict[str, tuple[bytes, int]]) -> bytes:
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


def provision_script(admin_username: str, ssh_public_keys: list[str]) -> str:
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
if [ -f {EMULATOR_CA_PATH} ] && command -v update-ca-certificates >/dev/null; then
    update-ca-certificates >/dev/null 2>&1 || true
fi
"""


def validate_spec(spec: MachineSpec) -> tuple[str, str]:
    """Reject what would make a broken VM, with messages that name the field; (host name, admin user)."""
    name = spec.get("computer_name") or ""
    if not HOSTNAME_RE.match(name):
        raise MachineSpecError(f"computer_name {name!r} is not a valid Linux host name (letters, digits and "
                                   "hyphens, at most 64 characters, not starting with a hyphen)")
    user = spec.get("admin_username") or ""
    if not USERNAME_RE.match(user) or user in ("root",):
        raise MachineSpecError(f"admin_username {user!r} is not a valid Linux user name for the VM ("
                                   "letters, digits, '_', '.' and '-', at most 32 characters; not root)")
    keys = spec.get("ssh_public_keys") or []
    if not keys:
        raise MachineSpecError("the VM needs at least one SSH public key (password login is disabled)")
    for k in keys:
        if not isinstance(k, str) or "\n" in k.strip() or not k.strip().startswith(("ssh-", "ecdsa-", "sk-")):
            raise MachineSpecError("every SSH public key must be one line in OpenSSH format (ssh-rsa AAAA..., "
                                       "ssh-ed25519 AAAA..., ecdsa-sha2-...)")
    return name, user
