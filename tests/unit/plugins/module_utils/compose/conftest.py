# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the Compose unit tests: the reference models of models.py."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.compose.models import load


@pytest.fixture
def webdb():
    """Two services (web depends on a healthy db), two networks, one named volume."""
    return load('webdb.model.json')
