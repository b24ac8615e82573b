# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project lock: a container the engine refuses to create twice (a fake engine behind the real SDK)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import lock as L
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine


class Clock:
    """Time that moves only when the lock sleeps."""

    def __init__(self, now=1_800_000_000.0):
        self.now = now
        self.slept = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.slept += seconds


@pytest.fixture
def fake():
    return FakeEngine()


def held_by(fake, project, **labels):
    """A lock container of `project` whose labels say `labels` (over this process's identity)."""
    me = L.Holder.this_process(lease=600, now=1_800_000_000.0)
    values = me.labels(project)
    values.update({L.LABEL + key: str(value) for key, value in labels.items()})
    return fake.client().create_container_from_config({'Image': '', 'Labels': values}, L.lock_name(project))['Id']


def dead_pid():
    child = subprocess.Popen([sys.executable, '-c', 'pass'])
    child.wait()
    return child.pid


def test_the_lock_is_a_container_named_for_the_project_that_names_its_holder_and_goes_on_release(fake):
    clock = Clock()
    with L.ProjectLock(fake.client(), 'shop', timeout=60, clock=clock, sleep=clock.sleep) as held:
        info = fake.container('shop_dockyard-lock')
        labels = info['Config']['Labels']
        assert labels['dockyard.lock.project'] == 'shop' and labels['dockyard.lock.pid'] == str(os.getpid())
        assert float(labels['dockyard.lock.expires']) == clock.now + 60 and labels['dockyard.lock.token']
        assert info['Config']['Image'] == '' and not info['State']['Running'] and held.waited == 0
    assert fake.container('shop_dockyard-lock') is None


def test_a_second_run_waits_then_fails_naming_the_holder(fake):
    held_by(fake, 'shop', host='ci-runner-7', pid=4242, since=1_800_000_000)
    clock = Clock()
    with pytest.raises(ComposeError) as info:
        L.ProjectLock(fake.client(), 'shop', timeout=30, clock=clock, sleep=clock.sleep).acquire()
    assert clock.slept >= 30 and info.value.option == 'lock_timeout'
    assert 'project shop is locked by another run on this Docker engine (host ci-runner-7, pid 4242' in info.value.msg
    assert 'lock_timeout=30s' in info.value.msg and 'docker rm shop_dockyard-lock' in info.value.msg
    assert fake.container('shop_dockyard-lock') is not None  # a live holder's lock is left alone


def test_a_lock_of_a_process_that_ended_on_this_host_is_broken_at_once(fake):
    held_by(fake, 'shop', pid=dead_pid())
    warnings = []
    clock = Clock()
    with L.ProjectLock(fake.client(), 'shop', timeout=30, warn=warnings.append, clock=clock, sleep=clock.sleep):
        assert fake.container('shop_dockyard-lock')['Config']['Labels']['dockyard.lock.pid'] == str(os.getpid())
    assert clock.slept == 0 and 'Removed the stale lock of project shop' in warnings[0] and 'has ended' in warnings[0]


def test_a_reused_pid_does_not_keep_a_dead_run_s_lock(fake):
    held_by(fake, 'shop', pid=os.getpid(), **{'process-start': '1'})  # this PID, but started at another time
    warnings = []
    with L.ProjectLock(fake.client(), 'shop', timeout=30, warn=warnings.append):
        pass
    assert 'the PID now belongs to another process' in warnings[0]


def test_a_live_process_on_this_host_keeps_its_lock(fake):
    held_by(fake, 'shop', pid=os.getpid(), token='other-run')
    clock = Clock()
    with pytest.raises(ComposeError, match='is locked by another run'):
        L.ProjectLock(fake.client(), 'shop', timeout=5, clock=clock, sleep=clock.sleep).acquire()


def test_a_holder_on_another_host_is_waited_for_until_its_lease_expires(fake):
    clock = Clock()
    held_by(fake, 'shop', host='other-controller', **{'boot-id': 'another-boot', 'expires': clock.now + 20})
    warnings = []
    with L.ProjectLock(fake.client(), 'shop', timeout=60, warn=warnings.append, clock=clock, sleep=clock.sleep) as held:
        assert 20 <= held.waited < 21
    assert 'its lease expired' in warnings[0] and 'host other-controller' in warnings[0]


def test_an_engine_that_refuses_a_container_without_image_gets_an_empty_lock_image(fake):
    fake.refuse_imageless = True
    with L.ProjectLock(fake.client(), 'shop', timeout=5):
        assert fake.container('shop_dockyard-lock')['Image'] == fake._find_image('dockyard/compose-lock:1')['Id']
    calls = len(fake.calls)
    with L.ProjectLock(fake.client(), 'shop', timeout=5) as again:
        assert again.image == 'dockyard/compose-lock:1'
    assert ('POST', '/images/create') not in fake.calls[calls:]  # imported once, found the next time


def test_release_warns_when_someone_broke_the_lock_meanwhile(fake):
    warnings = []
    with L.ProjectLock(fake.client(), 'shop', timeout=5, warn=warnings.append) as held:
        fake.client().remove_container(held.container_id, force=True)
    assert 'was removed by someone else while this run held it' in warnings[0]


def test_holder_labels_round_trip():
    me = L.Holder.this_process(lease=90, now=1000.0)
    assert L.Holder.from_labels(me.labels('p')) == me
    assert me.same_machine(L.Holder.from_labels(me.labels('p')))
    assert L.holder_is_gone(me, me, now=1089.0) is None
    assert L.holder_is_gone(me, me, now=1090.0).startswith('its lease expired')


def test_a_run_with_nothing_to_change_removes_the_lock_of_a_dead_run_and_keeps_a_live_one(fake):
    # A run killed after its last write but before its release leaves the lock; the re-run finds nothing to
    # change and takes no lock, so it must clear a stale one itself (issue 11: no lock left after a re-run).
    held_by(fake, 'shop', pid=dead_pid())
    warnings = []
    assert L.ProjectLock(fake.client(), 'shop', warn=warnings.append).clear_stale() is True
    assert fake.container('shop_dockyard-lock') is None and 'has ended' in warnings[0]
    held_by(fake, 'shop', pid=os.getpid(), token='other-run')
    assert L.ProjectLock(fake.client(), 'shop').clear_stale() is False
    assert fake.container('shop_dockyard-lock') is not None
