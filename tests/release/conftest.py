# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the release tests: the collection as users get it.

Users install the Galaxy tarball, not this repository. These fixtures build the tarball from the
working tree (``ansible-galaxy collection build``, the same command as ``make build``), install it
into an empty collections path with no Galaxy server, and give an environment in which that path
is the ONLY place Ansible looks for collections.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# The venv's console scripts (ansible-galaxy, ansible-doc, dockyard-emulator) sit next to its python.
BIN_DIR = Path(sys.executable).parent
REPO_ROOT = Path(__file__).resolve().parents[2]
# Figures and artefacts a person looks at after the run (sizes, listings, screenshots).
OUTPUT_DIR = REPO_ROOT / "tests" / "output" / "release"


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN_DIR) + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        pytest.fail("%s is not installed; run `make setup`" % name)
    return found


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``command``; on failure, fail the test with its output (not a bare CalledProcessError)."""
    completed = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if completed.returncode != 0:
        pytest.fail("%s exited %d:\n%s\n%s" % (" ".join(command), completed.returncode,
                                               completed.stdout[-4000:], completed.stderr[-4000:]))
    return completed


def galaxy_metadata() -> dict:
    import yaml

    return yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())


@dataclass
class Installed:
    """The tarball, and the collection installed from it into an otherwise empty collections path."""

    tarball: Path
    collections_path: Path
    env: dict

    @property
    def collection_dir(self) -> Path:
        return self.collections_path / "ansible_collections" / "dockyard" / "azure"


@pytest.fixture(scope="session")
def tarball(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    run([tool("ansible-galaxy"), "collection", "build", "--force", "--output-path", str(out), str(REPO_ROOT)],
        cwd=REPO_ROOT)
    meta = galaxy_metadata()
    built = out / ("%s-%s-%s.tar.gz" % (meta["namespace"], meta["name"], meta["version"]))
    assert built.is_file(), "ansible-galaxy did not write %s" % built
    return built


@pytest.fixture(scope="session")
def installed(tarball, tmp_path_factory) -> Installed:
    collections_path = tmp_path_factory.mktemp("collections")
    assert not any(collections_path.iterdir()), "the collections path must start empty"
    home = tmp_path_factory.mktemp("ansible-home")
    config = home / "ansible.cfg"
    # An empty config: neither the repository's ansible.cfg (which points at .ansible/) nor
    # ~/.ansible.cfg may add a collections path.
    config.write_text("[defaults]\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update({
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_COLLECTIONS_PATH": str(collections_path),
        # Ansible also looks for collections on sys.path (site-packages); not here.
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": str(BIN_DIR) + os.pathsep + os.environ.get("PATH", ""),
    })
    # --offline: no Galaxy server is asked anything (the collection has no dependencies).
    run([tool("ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections_path), str(tarball)],
        cwd=home, env=env)
    result = Installed(tarball=tarball, collections_path=collections_path, env=env)
    assert (result.collection_dir / "MANIFEST.json").is_file(), "the install did not unpack the tarball"
    return result


@dataclass
class Emulator:
    state_dir: Path
    env: dict

    def requests(self, writes_only: bool = False) -> list[dict]:
        command = [tool("dockyard-emulator"), "requests", "--state-dir", str(self.state_dir)]
        if writes_only:
            command.append("--writes-only")
        payload = json.loads(run(command).stdout)
        return payload["value"] if isinstance(payload, dict) else payload


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """A throwaway emulator with metadata-only VMs: what the smoke playbook needs, nothing more."""
    command = tool("dockyard-emulator")
    state_dir = tmp_path_factory.mktemp("emulator")
    # Retry-After 1 s: azure-core treats 0 as absent and would poll every 30 s.
    run([command, "start", "--state-dir", str(state_dir), "--vm-backend", "none", "--retry-after", "1",
         "--lro-seconds", "0.3"])
    try:
        env = json.loads(run([command, "env", "--state-dir", str(state_dir), "--format", "json"]).stdout)
        yield Emulator(state_dir=state_dir, env=env)
    finally:
        subprocess.run([command, "stop", "--state-dir", str(state_dir)], check=False, capture_output=True)
