# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the ARM template tests: cases run through playbooks/arm_deploy.yml, one inventory host
per case (so a run deploys its cases in parallel), against the session's emulator."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from azure_rest import GROUP_API, Arm, unique

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2] / "emulator" / "tests" / "templates" / "corpus"
DEPLOY = str(HERE / "playbooks" / "arm_deploy.yml")
FORKS = {"ANSIBLE_FORKS": "16"}


@pytest.fixture
def arm(emulator):
    return Arm(emulator.env)


@pytest.fixture
def new_group(arm):
    """A function that creates a fresh resource group (westeurope) and returns its name."""
    return lambda prefix="arm": create_group(arm, prefix)


def _integration_runner(emulator, directory):
    """tests/integration/conftest.py's playbook runner (loaded by path: this file has the same module name)."""
    name = "integration_conftest_runner"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, HERE.parent / "conftest.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module            # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return module.playbook_runner(emulator, directory)


def deploy_with(runner):
    """A function that runs cases through arm_deploy.yml: ({case id: the Deploy task's result entry}, the run)."""
    def run(cases, check=False, diff=False, expect_failure=False):
        outcome = runner(DEPLOY, {"cases": cases}, check=check, diff=diff, expect_failure=expect_failure, env=FORKS)
        by_case = {entry["host"]: entry for entry in outcome.results if entry["task"] == "Deploy"}
        missing = {case["id"] for case in cases} - set(by_case)
        assert not missing, "no Deploy result for %s:\n%s" % (sorted(missing), outcome.stdout[-3000:])
        return by_case, outcome
    return run


@pytest.fixture
def deploy(ansible_playbook):
    return deploy_with(ansible_playbook)


@pytest.fixture(scope="module")
def module_deploy(emulator, tmp_path_factory):
    """Like ``deploy``, for module-scoped fixtures (one playbook run shared by several tests)."""
    return deploy_with(_integration_runner(emulator, tmp_path_factory.mktemp("arm-run")))


@pytest.fixture(scope="module")
def module_arm(emulator):
    return Arm(emulator.env)


def create_group(arm, prefix="arm"):
    name = unique(prefix)
    status, body = arm.call("PUT", "/resourcegroups/" + name, GROUP_API, {"location": "westeurope"})
    assert status in (200, 201), body
    return name


def failed(entry):
    """A Deploy result that failed (an expect_failure case's failure does not fail the play, see arm_deploy.yml)."""
    return entry["status"] == "failed" or entry["result"].get("failed_when_result") is False and "msg" in entry["result"]


def corpus_file(name, file="azuredeploy.json"):
    return str(CORPUS / name / file)
