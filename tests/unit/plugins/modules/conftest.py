# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for module tests: the fake ARM every AzureModule talks to (run_module lives in tests/unit/conftest.py)."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import FakeArm


@pytest.fixture
def arm(monkeypatch):
    """A FakeArm with the resource group 'rg'; AzureModule's clients, subscription and LRO wait all use it."""
    fake = FakeArm(groups=('rg',))
    fake.patch_azure_module(monkeypatch)
    return fake
