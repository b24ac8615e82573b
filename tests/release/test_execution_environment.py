# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment definition: `ansible-builder create` writes a complete build context,
and ansible-builder's own dependency introspection finds our requirements in the installed tarball.

No image is built here (no base image registry is reachable); docs/execution-environment.md says
how to build and push one where it is.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml
from conftest import REPO_ROOT, run, tool
from packaging.requirements import Requirement

EE_FILES = ("execution-environment.yml", "requirements.txt", "bindep.txt")


def requirement_names(lines) -> set[str]:
    """Lower-case project names of pip requirement lines (comments and blank lines skipped)."""
    specs = (line.split("#", 1)[0].strip() for line in lines)
    return {Requirement(spec).name.lower() for spec in specs if spec}


def test_ansible_builder_create_writes_a_complete_context(tarball, tmp_path):
    # The definition as committed, next to the files it names, with the tarball where `make ee` puts it.
    for name in EE_FILES:
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    (tmp_path / "build" / "ee-collection").mkdir(parents=True)
    shutil.copy(tarball, tmp_path / "build" / "ee-collection" / "dockyard-azure.tar.gz")
    context = tmp_path / "context"

    run([tool("ansible-builder"), "create", "--file", "execution-environment.yml", "--context", str(context),
         "--output-filename", "Containerfile"], cwd=tmp_path)

    definition = yaml.safe_load((REPO_ROOT / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    containerfile = (context / "Containerfile").read_text()
    build = context / "_build"
    assert 'ARG EE_BASE_IMAGE="%s"' % definition["images"]["base_image"]["name"] in containerfile
    assert (build / "requirements.txt").read_text() == (REPO_ROOT / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (REPO_ROOT / "bindep.txt").read_text()
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile

    # The collection requirement, and the tarball it names, inside the context at the path the
    # galaxy stage sees (_build/ is copied to /build there).
    assert "COPY _build /build" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    [entry] = galaxy["collections"]
    assert entry["type"] == "file" and entry["name"].startswith("/build/")
    shipped = build / entry["name"][len("/build/"):]
    assert shipped.read_bytes() == tarball.read_bytes(), "the context holds another tarball than `make build`'s"


def test_builder_introspection_finds_our_requirements_in_the_installed_collection(installed):
    """ansible-builder's builder stage runs introspect.py over the installed collections; run the
    same script here over the collection installed from the tarball (meta/execution-environment.yml)."""
    import ansible_builder

    script = Path(ansible_builder.__file__).parent / "_target_scripts" / "introspect.py"
    out = run([sys.executable, str(script), "introspect", str(installed.collections_path)], env=installed.env).stdout
    found = yaml.safe_load(out)
    python = [line for line in found["python"] if line.endswith("# from collection dockyard.azure")]
    system = [line for line in found["system"] if line.endswith("# from collection dockyard.azure")]
    # ansible-builder leaves out what ansible-core itself brings (PyYAML among them).
    expected = requirement_names((REPO_ROOT / "requirements.txt").read_text().splitlines()) - {"pyyaml"}
    assert expected <= requirement_names(python), python
    assert any(line.startswith("openssh-client ") for line in system), system
    assert any(line.startswith("openssh-clients ") for line in system), system
