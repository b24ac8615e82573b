# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for long-running operations within the module's timeout."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureTimeoutError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.lro import wait_for_poller


class FakePoller:
    def __init__(self, done, result='done-result', status='InProgress'):
        self._done = done
        self._result = result
        self._status = status
        self.waited = None

    def result(self, timeout=None):
        self.waited = timeout
        return self._result if self._done else None

    def done(self):
        return self._done

    def status(self):
        return self._status


def test_wait_returns_result_within_timeout():
    poller = FakePoller(done=True)
    assert wait_for_poller(poller, 30, 'deletion of x') == 'done-result'
    assert poller.waited == 30


def test_wait_timeout_names_the_operation():
    with pytest.raises(AzureTimeoutError) as info:
        wait_for_poller(FakePoller(done=False), 5, "deletion of resource group 'x'")
    assert "Timed out after 5 seconds waiting for deletion of resource group 'x' (last status: InProgress)" in info.value.msg
    assert info.value.extra == {'operation': "deletion of resource group 'x'", 'timeout': 5}
