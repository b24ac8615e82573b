# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the ARM template tests: cases run through playbooks/arm_deploy.yml, one inventory host
per case (so a run deploys its cases in parallel), against the session's emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure_rest import GROUP_API, Arm, unique

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2] / "emulator" / "tests" / "templates" / "corpus"
DEPLOY = str(HERE / "playbooks" / "arm_deploy.yml")
FORKS = {"ANSIBLE_FORKS": "12"}


@pytest.fixture
def arm(emulator):
    return Arm(emulator.env)


@pytest.fixture
def new_group(arm):
    """A function that creates a fresh resource group (westeurope) and returns its name."""
    def create(prefix="arm"):
        name = unique(prefix)
        status, body = arm.call("PUT", "/resourcegroups/" + name, GROUP_API, {"location": "westeurope"})
        assert status in (200, 201), body
        return name
    return create


@pytest.fixture
def deploy(ansible_playbook):
    """Run cases through arm_deploy.yml: returns {case id: the Deploy task's result entry} and the run."""
    def run(cases, check=False, diff=False, expect_failure=False):
        outcome = ansible_playbook(DEPLOY, {"cases": cases}, check=check, diff=diff, expect_failure=expect_failure,
                                   env=FORKS)
        by_case = {entry["host"]: entry for entry in outcome.results if entry["task"] == "Deploy"}
        missing = {case["id"] for case in cases} - set(by_case)
        assert not missing, "no Deploy result for %s:\n%s" % (sorted(missing), outcome.stdout[-3000:])
        return by_case, outcome
    return run


def failed(entry):
    """A Deploy result that failed (an expect_failure case's failure does not fail the play, see arm_deploy.yml)."""
    return entry["status"] == "failed" or entry["result"].get("failed_when_result") is False and "msg" in entry["result"]


def corpus_file(name, file="azuredeploy.json"):
    return str(CORPUS / name / file)
