# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Galaxy tarball: what it holds, that ansible-doc reads every plugin and role from the
installed copy, and that a playbook runs from it against the emulator."""

from __future__ import annotations

import collections
import fnmatch
import json
import subprocess
import tarfile
from pathlib import Path

from conftest import OUTPUT_DIR, run, tool

# What a user's collections path gets. Anything else at the top of the tarball is a leak from the
# repository (tooling, local state) until someone decides it belongs here.
ALLOWED_TOP_LEVEL = {
    "MANIFEST.json", "FILES.json", "README.md", "LICENSE", "requirements.txt", "bindep.txt",
    "meta", "plugins", "roles", "playbooks", "inventories", "docs", "changelogs", "extensions",
}
# Never shipped: the emulator, tests, molecule scenarios, the demo, benchmarks, tools, virtualenvs,
# the collection copy, demo state, test output, build results and caches (fnmatch, `*` crosses `/`).
FORBIDDEN = [
    "emulator", "emulator/*", "tests", "tests/*", "extensions/molecule", "extensions/molecule/*",
    "demo", "demo/*", "benchmarks", "benchmarks/*", "tools", "tools/*", ".venv", ".venv/*",
    ".ansible", ".ansible/*", ".demo", ".demo/*", "build", "build/*", "context", "context/*",
    "requirements", "requirements/*", "Makefile", "ansible.cfg", ".ci", ".ci/*", ".git", ".git/*",
    "execution-environment.yml", "playbooks/vars/emulator.yml",
    "*__pycache__*", "*.pyc", "*.pytest_cache*", "*.mypy_cache*", "*.ruff_cache*", "*.egg-info*",
    "*.tar.gz", "*/.gitignore", ".gitignore",
]


def tarball_members(tarball: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(tarball) as archive:
        return archive.getmembers()


def test_tarball_holds_only_the_collection(tarball):
    members = tarball_members(tarball)
    names = sorted(member.name.rstrip("/") for member in members)
    files = [member for member in members if member.isfile()]

    leaked = [name for name in names if any(fnmatch.fnmatch(name, pattern) for pattern in FORBIDDEN)]
    assert not leaked, "the tarball holds what users must not get (%d entries): %s" % (len(leaked), leaked[:20])
    unexpected = sorted({name.split("/")[0] for name in names} - ALLOWED_TOP_LEVEL)
    assert not unexpected, "unexpected top-level entries (extend build_ignore or ALLOWED_TOP_LEVEL): %s" % unexpected
    for required in ("MANIFEST.json", "FILES.json", "README.md", "LICENSE", "meta/runtime.yml",
                     "meta/execution-environment.yml", "requirements.txt", "bindep.txt"):
        assert required in names, "the tarball lacks %s" % required
    assert any(name.startswith("plugins/modules/") for name in names)
    assert any(name.startswith("roles/") and name.endswith("meta/argument_specs.yml") for name in names)

    # The figures a release note quotes, and the full listing, for people (not asserted further).
    size = tarball.stat().st_size
    by_top = collections.Counter(member.name.split("/")[0] for member in files)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    summary = "%s: %d bytes (%.1f KiB), %d files (%s)" % (
        tarball.name, size, size / 1024, len(files),
        ", ".join("%s %d" % item for item in sorted(by_top.items())))
    (OUTPUT_DIR / "tarball-summary.txt").write_text(summary + "\n")
    (OUTPUT_DIR / "tarball-files.txt").write_text(
        "".join("%8d  %s\n" % (member.size, member.name) for member in sorted(files, key=lambda m: m.name)))


def test_manifest_names_the_collection_and_no_dependencies(installed):
    manifest = json.loads((installed.collection_dir / "MANIFEST.json").read_text())["collection_info"]
    assert (manifest["namespace"], manifest["name"]) == ("dockyard", "azure")
    assert manifest["dependencies"] == {}
    for key in ("repository", "documentation", "homepage", "issues", "license_file"):
        assert manifest[key], "galaxy.yml leaves %s empty" % key
    assert manifest["tags"], "galaxy.yml has no tags"


def shipped_plugins(collection_dir: Path) -> dict[str, set[str]]:
    """Plugin and role names by ansible-doc type, from the files the tarball installed."""
    skip_dirs = {"module_utils", "doc_fragments", "action", "plugin_utils"}
    dir_to_type = {"modules": "module"}
    found: dict[str, set[str]] = collections.defaultdict(set)
    for plugin_dir in sorted((collection_dir / "plugins").iterdir()):
        if not plugin_dir.is_dir() or plugin_dir.name in skip_dirs:
            continue
        plugin_type = dir_to_type.get(plugin_dir.name, plugin_dir.name)
        for source in plugin_dir.glob("*.py"):
            if source.name != "__init__.py":
                found[plugin_type].add("dockyard.azure." + source.stem)
    for spec in (collection_dir / "roles").glob("*/meta/argument_specs.yml"):
        found["role"].add("dockyard.azure." + spec.parent.parent.name)
    return found


def test_ansible_doc_reads_every_plugin_and_role_from_the_installed_tarball(installed):
    expected = shipped_plugins(installed.collection_dir)
    assert expected["module"], "no modules found in the installed collection"
    assert expected["role"], "no role argument specs found in the installed collection"

    # One call for the whole collection; it fails on any plugin whose documentation does not load.
    dump = json.loads(run([tool("ansible-doc"), "--metadata-dump", "dockyard.azure"],
                          env=installed.env, cwd=installed.collections_path).stdout)["all"]
    for plugin_type, names in expected.items():
        documented = {name for name, entry in dump.get(plugin_type, {}).items() if name.startswith("dockyard.azure.")}
        assert documented == names, "%s: ansible-doc sees %s, the tarball ships %s" % (plugin_type, documented, names)

    # And what a user types: ansible-doc per type, text output, every name shown from the installed copy.
    for plugin_type, names in expected.items():
        text = run([tool("ansible-doc"), "-t", plugin_type, *sorted(names)],
                   env=installed.env, cwd=installed.collections_path).stdout
        for name in names:
            assert name in text, "ansible-doc -t %s did not show %s" % (plugin_type, name)
        listed = json.loads(run([tool("ansible-doc"), "-t", plugin_type, "--list", "--json", "dockyard.azure"],
                                env=installed.env, cwd=installed.collections_path).stdout)
        assert set(listed) == names, "ansible-doc -t %s --list: %s" % (plugin_type, sorted(listed))

    for name in sorted(expected["module"]):
        doc = dump["module"][name]["doc"]
        assert doc["short_description"] and doc["options"] is not None, "%s: incomplete DOCUMENTATION" % name
        assert Path(doc["filename"]).is_relative_to(installed.collections_path), \
            "%s documented from %s, not from the installed tarball" % (name, doc["filename"])
    for name in sorted(expected["role"]):
        entry_points = dump["role"][name]["entry_points"]
        assert "main" in entry_points and entry_points["main"].get("options"), "%s: no main argument spec" % name


SMOKE_PLAYBOOK = """\
---
- name: Smoke test of the installed dockyard.azure collection
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    smoke_group: release-smoke
  tasks:
    - name: Create the resource group
      dockyard.azure.resource_group:
        name: "{{ smoke_group }}"
        location: westeurope
        tags:
          purpose: release-smoke
      register: smoke_created

    - name: Run it again
      dockyard.azure.resource_group:
        name: "{{ smoke_group }}"
        location: westeurope
        tags:
          purpose: release-smoke
      register: smoke_again

    - name: Delete it
      dockyard.azure.resource_group:
        name: "{{ smoke_group }}"
        state: absent
      register: smoke_deleted

    - name: Check what each run reported
      ansible.builtin.assert:
        that:
          - smoke_created is changed
          - smoke_created.resource_group.name == smoke_group
          - smoke_again is not changed
          - smoke_deleted is changed
"""


def test_smoke_playbook_runs_from_the_installed_tarball(installed, emulator, tmp_path):
    playbook = tmp_path / "smoke.yml"
    playbook.write_text(SMOKE_PLAYBOOK)
    env = dict(installed.env)
    env.update(emulator.env)
    completed = run([tool("ansible-playbook"), str(playbook)], env=env, cwd=tmp_path)
    assert "failed=0" in completed.stdout

    # What reached "Azure": one create, nothing for the unchanged re-run, one delete.
    writes = [(entry["method"], entry["path"].split("?")[0].lower()) for entry in emulator.requests(writes_only=True)
              if entry.get("kind", "arm") == "arm"]
    group_path = "/resourcegroups/release-smoke"
    assert [method for method, path in writes if path.endswith(group_path)] == ["PUT", "DELETE"], writes


def test_shipped_playbooks_need_nothing_outside_the_collection(installed, tmp_path):
    # The repository's demo/ and its vars file stay behind: no shipped playbook or vars file may point there.
    playbooks = installed.collection_dir / "playbooks"
    outside = [(path.relative_to(playbooks), line.strip()) for path in sorted(playbooks.rglob("*.yml"))
               for line in path.read_text().splitlines()
               if "playbook_dir }}/.." in line and not line.lstrip().startswith("#")]
    assert not outside, outside

    # Run by name from the installed copy, deploy.yml stops at its first task, before any change,
    # when it has no application to deploy.
    env = dict(installed.env)
    done = subprocess.run([tool("ansible-playbook"), "dockyard.azure.deploy", "-e", "app_src=%s" % (tmp_path / "none")],
                          capture_output=True, text=True, check=False, env=env, cwd=tmp_path)
    assert done.returncode != 0
    assert "deploy.yml: app_src must be the directory of the Compose project" in done.stdout, done.stdout[-3000:]
    assert "ok=0" in done.stdout and "changed=0" in done.stdout
    # swarm.yml likewise, when the stack's Compose files are missing.
    done = subprocess.run([tool("ansible-playbook"), "dockyard.azure.swarm", "-e",
                           '{"stack_files": ["%s"]}' % (tmp_path / "none.yaml")],
                          capture_output=True, text=True, check=False, env=env, cwd=tmp_path)
    assert done.returncode != 0
    assert "swarm.yml: stack_files must list the Compose files" in done.stdout, done.stdout[-3000:]
    assert "ok=0" in done.stdout and "changed=0" in done.stdout
    run([tool("ansible-playbook"), "--syntax-check", "dockyard.azure.site"], env=env, cwd=tmp_path)
