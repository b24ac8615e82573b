# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a Compose project's state from an engine (a fake engine behind the SDK's HTTP transport)."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.plugins.module_utils.compose import state
from ansible_collections.dockyard.azure.plugins.module_utils.compose.engine import ComposeEngine
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import EngineError
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine

META = {'working_dir': '/srv/webdb', 'config_files': ['/srv/webdb/compose.yaml']}


@pytest.fixture
def engine(webdb):
    """An engine where the webdb project was deployed, plus a foreign container."""
    fake = FakeEngine()
    fake.busybox = fake.add_image('dockyard-test/busybox:latest')
    ComposeEngine(fake.client()).run('webdb', webdb, {}, META)
    fake.add_image('nginx:1.27')
    client = fake.client()
    client.create_container('nginx:1.27', name='not-compose')
    fake.calls.clear()
    return fake


def test_parse_container_reads_labels_status_health_and_exit_code():
    labels = {L.SERVICE: 'web', L.CONTAINER_NUMBER: '2', L.CONFIG_HASH: 'h', L.IMAGE: 'sha256:1'}
    summary = {'Id': 'c1', 'Names': ['/app-web-2'], 'Image': 'nginx', 'State': 'running',
               'Status': 'Up 3 minutes (unhealthy)', 'Labels': labels,
               'NetworkSettings': {'Networks': {'b': {}, 'a': {}}},
               'Ports': [{'IP': '0.0.0.0', 'PrivatePort': 80, 'PublicPort': 8080, 'Type': 'tcp', 'Extra': 1}]}
    parsed = state.parse_container(summary)
    assert (parsed['name'], parsed['service'], parsed['number'], parsed['health']) == ('app-web-2', 'web', 2, 'unhealthy')
    assert parsed['oneoff'] is False and parsed['networks'] == ['a', 'b'] and parsed['exit_code'] is None
    assert parsed['ports'] == [{'IP': '0.0.0.0', 'PrivatePort': 80, 'PublicPort': 8080, 'Type': 'tcp'}]
    exited = state.parse_container({'Id': 'c2', 'Status': 'Exited (137) 2 hours ago', 'State': 'exited',
                                    'Labels': {L.CONTAINER_NUMBER: 'x', L.ONEOFF: 'True'}})
    assert (exited['exit_code'], exited['number'], exited['oneoff'], exited['name']) == (137, 0, True, '')


def test_observe_sees_the_projects_objects_only(engine, webdb):
    observed = state.observe(engine.client(), 'webdb', webdb)
    assert sorted(c['name'] for c in observed['containers']) == ['webdb-db-1', 'webdb-web-1']
    assert sorted(observed['networks']) == ['webdb_default', 'webdb_front']
    assert list(observed['volumes']) == ['webdb_data']
    assert observed['images'] == {'dockyard-test/busybox:latest': engine.busybox}
    assert engine.writes() == []


def test_observe_images_says_none_for_a_missing_image(engine):
    model = {'services': {'web': {'image': 'missing:1'}, 'app': {'build': {'context': '.'}}}}
    assert state.observe_images(engine.client(), 'p', model) == {'missing:1': None, 'p-app': None}


def test_describe_and_list_projects(engine):
    services = state.describe(engine.client(), 'webdb', ['db', 'web', 'idle'])
    assert [(s['name'], s['state']) for s in services] == [('db', 'running'), ('idle', 'none'), ('web', 'running')]
    db = services[0]['containers'][0]
    assert db['health'] == 'healthy' and db['name'] == 'webdb-db-1'
    assert state.list_projects(engine.client()) == [{
        'name': 'webdb', 'status': 'running(2)', 'services': ['db', 'web'],
        'config_files': ['/srv/webdb/compose.yaml'], 'working_dir': '/srv/webdb'}]


def test_an_engine_error_while_reading_is_one_line(engine):
    engine.fail[('GET', '/containers/json')] = (500, 'database is\nlocked')
    with pytest.raises(EngineError, match='^cannot read the state of project webdb: database is locked$'):
        state.observe(engine.client(), 'webdb')
    with pytest.raises(EngineError, match='^cannot list containers: database is locked$'):
        state.list_projects(engine.client())
