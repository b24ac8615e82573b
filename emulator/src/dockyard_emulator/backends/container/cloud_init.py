"""Custom data for container VMs: what cloud-init would do with it, as one shell script.

Azure hands a VM's ``customData`` (base64) to cloud-init. Container VMs have no cloud-init;
instead the emulator turns the custom data into a single script that the VM's init runs once at
first boot (output in /var/log/cloud-init-output.log, status through the ``cloud-init status``
shim of the image). Supported:

- a shell script (``#!`` first line): run as is, as root;
- ``#cloud-config`` with ``write_files`` (content, encoding b64/gzip/gz+b64, permissions,
  owner, append, defer), ``users`` (``default``, name, gecos, groups, sudo, shell,
  ssh_authorized_keys, lock_passwd, homedir, system, primary_group, uid),
  ``ssh_authorized_keys`` (added to the admin user), ``package_update``,
  ``package_upgrade``, ``packages`` (apt-get install; ``[name, version]`` pairs too),
  ``bootcmd`` and ``runcmd`` (strings run by sh, lists run as argv), in cloud-init's order;
- gzip-compressed data and MIME multi-part archives of the above.

Anything else (other cloud-config modules, ``#include``, boothooks) is reported in the output
as ignored rather than silently dropped. Pure functions: no Docker here.
"""
from __future__ import annotations

import base64
import binascii
import email
import gzip
import shlex

import yaml

from ...errors import CustomDataError

SHEBANG = "#!/bin/bash\n"

SUPPORTED_KEYS = {
    "write_files", "users", "ssh_authorized_keys", "package_update", "package_upgrade",
    "package_reboot_if_required", "packages", "runcmd", "bootcmd", "apt_update", "apt_upgrade",
    "final_message", "groups",
}


def decode_custom_data(custom_data):
    """Azure's base64 customData -> bytes (gunzipped when compressed)."""
    if custom_data is None or custom_data == "":
        return b""
    try:
        raw = base64.b64decode(custom_data, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise CustomDataError(f"customData is not valid base64: {exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw


def parts(data):
    """Split user data into (kind, bytes) parts: kind is 'script', 'cloud-config' or 'unknown:...'."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    head = data.lstrip()[:200].lower()
    if head.startswith(b"content-type: multipart") or head.startswith(b"mime-version:"):
        msg = email.message_from_bytes(data)
        out = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            ctype = part.get_content_type()
            if ctype == "text/x-shellscript":
                out.append(("script", payload))
            elif ctype == "text/cloud-config":
                out.append(("cloud-config", payload))
            else:
                out.extend(parts(payload) if payload.startswith((b"#!", b"#cloud-config")) else [(f"unknown:{ctype}", payload)])
        return out
    if data.startswith(b"#!"):
        return [("script", data)]
    if data.startswith(b"#cloud-config"):
        return [("cloud-config", data)]
    if not data.strip():
        return []
    first = data.split(b"\n", 1)[0][:40].decode("utf-8", "replace")
    return [(f"unknown:{first}", data)]


def _q(value):
    return shlex.quote(str(value))


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [value]


def _cmd(entry):
    if isinstance(entry, (list, tuple)):
        return " ".join(_q(x) for x in entry)
    if isinstance(entry, str):
        return entry
    raise CustomDataError(f"runcmd/bootcmd entries are strings or lists, not {type(entry).__name__}")


def _write_file(f):
    if not isinstance(f, dict) or not f.get("path"):
        raise CustomDataError("every write_files entry needs a path")
    path = f["path"]
    content = f.get("content", "")
    if isinstance(content, str):
        content = content.encode()
    encoding = str(f.get("encoding", "text")).lower()
    if encoding in ("b64", "base64"):
        content = base64.b64decode(content)
    elif encoding in ("gz", "gzip"):
        content = gzip.decompress(content)
    elif encoding in ("gz+b64", "gzip+base64", "gz+base64", "gzip+b64"):
        content = gzip.decompress(base64.b64decode(content))
    elif encoding not in ("text", "text/plain"):
        raise CustomDataError(f"write_files {path}: unknown encoding {encoding!r}")
    perms = f.get("permissions", "0644")
    perms = oct(perms) if isinstance(perms, int) else str(perms)
    if perms.startswith("0o"):
        perms = "0" + perms[2:]
    owner = f.get("owner", "root:root")
    redirect = ">>" if f.get("append") else ">"
    b64 = base64.b64encode(content).decode()
    return (f"mkdir -p \"$(dirname {_q(path)})\" && echo {_q(b64)} | base64 -d {redirect} {_q(path)}"
            f" && chmod {_q(perms)} {_q(path)} && chown {_q(owner)} {_q(path)}")


def _user(u, admin_username):
    if u == "default":
        return []  # the VM's admin user, made by provisioning
    if isinstance(u, str):
        u = {"name": u}
    if not isinstance(u, dict) or not u.get("name"):
        raise CustomDataError("every users entry needs a name")
    name = u["name"]
    lines = []
    args = ["useradd"]
    if u.get("system"):
        args.append("--system")
    else:
        args.append("-m")
    if u.get("homedir"):
        args += ["-d", u["homedir"]]
    if u.get("gecos"):
        args += ["-c", u["gecos"]]
    if u.get("uid") is not None:
        args += ["-u", str(u["uid"])]
    if u.get("primary_group"):
        lines.append(f"getent group {_q(u['primary_group'])} >/dev/null || groupadd {_q(u['primary_group'])}")
        args += ["-g", u["primary_group"]]
    args += ["-s", u.get("shell") or "/bin/bash", name]
    lines.append(f"id {_q(name)} >/dev/null 2>&1 || {' '.join(_q(a) for a in args)}")
    groups = _as_list(u.get("groups"))
    for g in groups:
        lines.append(f"getent group {_q(g)} >/dev/null || groupadd {_q(g)}")
    if groups:
        lines.append(f"usermod -aG {_q(','.join(map(str, groups)))} {_q(name)}")
    sudo = u.get("sudo")
    if sudo not in (None, False, "False", "false"):
        rules = _as_list(sudo) if isinstance(sudo, list) else [sudo]
        text = "".join(f"{name} {r}\n" for r in rules)
        lines.append(f"echo {_q(base64.b64encode(text.encode()).decode())} | base64 -d >> /etc/sudoers.d/90-cloud-init-users"
                     " && chmod 0440 /etc/sudoers.d/90-cloud-init-users")
    if u.get("lock_passwd", True):
        lines.append(f"passwd -l {_q(name)} >/dev/null")
    keys = [k for k in _as_list(u.get("ssh_authorized_keys")) if k]
    if keys:
        lines.append(_authorized_keys(name, keys))
    return lines


def _authorized_keys(user, keys):
    text = "".join(k.strip() + "\n" for k in keys)
    return (f"home=$(getent passwd {_q(user)} | cut -d: -f6) && install -d -m 700 -o {_q(user)} -g "
            f"\"$(id -gn {_q(user)})\" \"$home/.ssh\" && echo {_q(base64.b64encode(text.encode()).decode())}"
            f" | base64 -d >> \"$home/.ssh/authorized_keys\" && chown {_q(user)}: \"$home/.ssh/authorized_keys\""
            f" && chmod 600 \"$home/.ssh/authorized_keys\"")


def _section(name, lines):
    """A cloud-init 'module': its commands run in a subshell with -e; a failure marks the run failed."""
    if not lines:
        return []
    body = "\n".join("  " + line for line in lines)
    return [f"echo \"dockyard-cloud-init: {name}\"",
            f"( set -e\n{body}\n) || {{ echo \"dockyard-cloud-init: {name} failed\"; failed=1; }}"]


def cloud_config_script(doc, admin_username):
    """A parsed #cloud-config document -> shell lines, in cloud-init's module order."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise CustomDataError("#cloud-config must be a YAML mapping")
    out = []
    ignored = sorted(k for k in doc if k not in SUPPORTED_KEYS)
    for key in ignored:
        out.append(f"echo {_q(f'dockyard-cloud-init: {key} is not supported by the emulator; ignored')}")
    files = doc.get("write_files") or []
    if not isinstance(files, list):
        raise CustomDataError("write_files must be a list")
    out += _section("bootcmd", [_cmd(c) for c in _as_list(doc.get("bootcmd"))])
    out += _section("write_files", [_write_file(f) for f in files if not (isinstance(f, dict) and f.get("defer"))])
    group_lines = []
    for g in _as_list(doc.get("groups")) if not isinstance(doc.get("groups"), dict) else list(doc["groups"]):
        name = list(g)[0] if isinstance(g, dict) else g
        group_lines.append(f"getent group {_q(name)} >/dev/null || groupadd {_q(name)}")
    out += _section("groups", group_lines)
    users = doc.get("users") or []
    if not isinstance(users, list):
        raise CustomDataError("users must be a list")
    user_lines = []
    for u in users:
        user_lines += _user(u, admin_username)
    out += _section("users", user_lines)
    top_keys = [k for k in _as_list(doc.get("ssh_authorized_keys")) if k]
    if top_keys and admin_username:
        out += _section("ssh_authorized_keys", [_authorized_keys(admin_username, top_keys)])
    packages = []
    for p in _as_list(doc.get("packages")) if not isinstance(doc.get("packages"), str) else [doc["packages"]]:
        if isinstance(p, (list, tuple)):
            packages.append(f"{p[0]}={p[1]}" if len(p) > 1 else str(p[0]))
        else:
            packages.append(str(p))
    pkg_lines = []
    update = doc.get("package_update", doc.get("apt_update", False)) or bool(packages)
    upgrade = doc.get("package_upgrade", doc.get("apt_upgrade", False))
    apt = "DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confold -y"
    if update or upgrade:
        pkg_lines.append("apt-get update")
    if upgrade:
        pkg_lines.append(f"{apt} upgrade")
    if packages:
        pkg_lines.append(f"{apt} install " + " ".join(_q(p) for p in packages))
    out += _section("packages", pkg_lines)
    out += _section("write_files_deferred", [_write_file(f) for f in files if isinstance(f, dict) and f.get("defer")])
    runcmd = _as_list(doc.get("runcmd")) if not isinstance(doc.get("runcmd"), str) else [doc["runcmd"]]
    if runcmd:
        # cloud-init writes runcmd to a script run by sh; its exit status is the script's
        script = "#!/bin/sh\n" + "".join(_cmd(c) + "\n" for c in runcmd)
        b64 = base64.b64encode(script.encode()).decode()
        out += _section("runcmd", ["install -d /var/lib/cloud/instance/scripts",
                                   f"echo {_q(b64)} | base64 -d > /var/lib/cloud/instance/scripts/runcmd",
                                   "chmod 700 /var/lib/cloud/instance/scripts/runcmd",
                                   "/var/lib/cloud/instance/scripts/runcmd"])
    if doc.get("final_message"):
        out.append(f"echo {_q(str(doc['final_message']))}")
    return out


def first_boot_script(custom_data, admin_username=None):
    """Base64 customData -> the script the VM runs once, or None when there is nothing to run.

    Raises CustomDataError for custom data that cloud-init would reject outright (bad YAML).
    """
    data = decode_custom_data(custom_data)
    plist = parts(data)
    if not plist:
        return None
    lines = [SHEBANG.rstrip("\n"), "# generated by the dockyard emulator from the VM's custom data", "failed=0",
             "export DEBIAN_FRONTEND=noninteractive"]
    for i, (kind, payload) in enumerate(plist, start=1):
        if kind == "script":
            b64 = base64.b64encode(payload).decode()
            path = f"/var/lib/cloud/instance/scripts/part-{i:03d}.user"
            lines += [f"echo \"dockyard-cloud-init: running user script part {i}\"",
                      f"echo {_q(b64)} | base64 -d > {path} && chmod 700 {path}",
                      f"{path} || {{ rc=$?; echo \"dockyard-cloud-init: user script part {i} exited $rc\"; failed=1; }}"]
        elif kind == "cloud-config":
            try:
                doc = yaml.safe_load(payload.decode("utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise CustomDataError(f"#cloud-config is not valid YAML: {exc}") from exc
            lines += cloud_config_script(doc, admin_username)
        else:
            lines.append(f"echo {_q(f'dockyard-cloud-init: custom data part ({kind[8:]}) is not supported; ignored')}")
    lines.append("exit $failed")
    return "\n".join(lines) + "\n"
