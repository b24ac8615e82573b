# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for module tests: a fake resource client (run_module lives in tests/unit/conftest.py)."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.tests.unit.utils.azure_fakes import FakeResourceClient


@pytest.fixture
def fake_client():
    return FakeResourceClient()
